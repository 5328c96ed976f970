"""Writes the gate's differential test (tests/gate/test_gate_differential.py) always tries, besides random ones.

Random writes rarely reach a node the way the rarer parts of the gate's walk do: through a superclass of the
written node's class, back along a chain from a changed ``rdf:type``, or through an inverse path (the only one of
the project's shapes: ``?other tkg:partOf ?negotiation`` in the round-number check). Each write here makes one of
those reads decide the verdict, one refused and one accepted where the shapes allow it; a gate that skips the read
gets the verdict wrong. Groups of writes whose verdicts depend on each other are here too, queued together.
"""

from __future__ import annotations

ID = "https://w3id.org/tradekg/id/"
TKG = "https://w3id.org/tradekg/ontology#"
MEASURE = f"{ID}measure/"
SEED = f"{ID}graph/econotimes-japan-tariff-relief"
SOURCE = f"{ID}source/econotimes-japan-tariff-relief"
TALKS = f"{ID}negotiation/usa-jpn-trade-talks"  # rounds 2 and 3 are part of it
SIDE_MEETING = f"{ID}event/side-meeting"  # a node of no class: no shape targets it
# Oxigraph, computing the expected dataset, does not predeclare the project's prefixes as the gate does.
PREFIXES = (
    f"PREFIX tkg: <{TKG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
)


def new_measure(name: str, *, extra: str = "", applies_to: bool = True) -> tuple[str, str]:
    """A new tariff in the seed graph; without ``applies_to`` it names no country it hits (TradeMeasureShape)."""
    hits = f"; tkg:appliesTo <{ID}country/JPN> " if applies_to else ""
    return "update", PREFIXES + (
        f'INSERT DATA {{ GRAPH <{SEED}> {{ <{MEASURE}{name}> a tkg:Tariff ; rdfs:label "{name}"@en ; '
        f"prov:wasDerivedFrom <{SOURCE}> ; tkg:imposedBy <{ID}country/USA> {hits}{extra}}} }}"
    )


def new_round(name: str, number: int) -> tuple[str, str]:
    """A new round of the US-Japan talks: refused when another round of them has its number."""
    return "update", PREFIXES + (
        f'INSERT DATA {{ GRAPH <{SEED}> {{ <{ID}event/{name}> a tkg:NegotiationRound ; rdfs:label "{name}"@en ; '
        f"prov:wasDerivedFrom <{SOURCE}> ; tkg:partOf <{TALKS}> ; tkg:roundNumber {number} }} }}"
    )


def adds(subject: str, predicate: str, value: str) -> tuple[str, str]:
    return "update", f"{PREFIXES}INSERT DATA {{ GRAPH <{SEED}> {{ <{subject}> {predicate} {value} }} }}"


def deletes_type(subject: str, cls: str, *, graphs: tuple[str, ...]) -> tuple[str, str]:
    blocks = " ".join(f"GRAPH <{graph}> {{ <{subject}> a {cls} }}" for graph in graphs)
    return "update", f"{PREFIXES}DELETE DATA {{ {blocks} }}"


JAPAN_UNTYPED = deletes_type(f"{ID}country/JPN", "tkg:Country", graphs=(SEED, f"{ID}graph/iso-3166"))

ONE_WRITE = {
    # TradeMeasureShape targets a tkg:Tariff only through rdfs:subClassOf (refused).
    "a tariff that names no country it hits": new_measure("half", applies_to=False),
    # Japan's own shapes no longer target it; the measures, talks and proposals naming it are reached only by
    # walking their sh:class chains back from the removed type (refused).
    "Japan's type removed": JAPAN_UNTYPED,
    # The new round reads the other rounds forwards through ^tkg:partOf (refused, then accepted).
    "a round numbered as round 2": new_round("round-2-again", 2),
    "a round numbered 4": new_round("round-4", 4),
    # Walked back through ^tkg:partOf to rounds 2 and 3, which still conform (accepted).
    "a node of no class made part of the talks": adds(SIDE_MEETING, "tkg:partOf", f"<{TALKS}>"),
}
"""Single writes the differential test tries first (hypothesis's explicit examples)."""

INTERACTING_GROUPS = {
    # Each adds one rate to the same existing tariff: fine alone, two rates together (sh:maxCount 1).
    "maxCount broken only together": [
        new_measure("first"),
        adds(f"{MEASURE}usa-steel-tariff", "tkg:ratePercent", "10.0"),
        adds(f"{MEASURE}usa-steel-tariff", "tkg:ratePercent", "20.0"),
        new_measure("good"),
    ],
    # Each refused write is made whole by a later one (the tariff it amends, the country it hits): together they
    # conform; one by one they are refused, and the later ones then add to nodes nothing needs.
    "fine only with a later write": [
        new_measure("first"),
        new_measure("amending", extra=f"; tkg:amends <{MEASURE}amended> "),
        new_measure("half", applies_to=False),
        new_measure("amended"),
        adds(f"{MEASURE}half", "tkg:appliesTo", f"<{ID}country/JPN>"),
    ],
    # A later write changes a node every measure of the group reaches (the imposing country's type).
    "a shared node changed by a later write": [
        new_measure("first"),
        new_measure("imposed"),
        deletes_type(f"{ID}country/USA", "tkg:Country", graphs=(SEED, f"{ID}graph/iso-3166")),
        new_measure("after"),
    ],
    # The first write (alone) gives a node of no class round 2's number; making it part of the talks then breaks
    # round 2, found only by walking back from the new tkg:partOf through ^tkg:partOf, together or one by one.
    "a clash reached through an inverse path": [
        adds(SIDE_MEETING, "tkg:roundNumber", "2"),
        adds(SIDE_MEETING, "tkg:partOf", f"<{TALKS}>"),
        new_measure("after"),
    ],
}
EXPECTED = {
    "maxCount broken only together": ["accepted", "accepted", "rejected", "accepted"],
    "fine only with a later write": ["accepted", "rejected", "rejected", "accepted", "accepted"],
    "a shared node changed by a later write": ["accepted", "accepted", "rejected", "accepted"],
    "a clash reached through an inverse path": ["accepted", "rejected", "accepted"],
}
