"""The facts the duty calculator needs, read from the graph with SPARQL through the store's public interface.

Nothing here knows a country or a measure by name: every rule the calculator applies (which measures a good
pays, which ones suspend, exempt, replace or displace others, all-in rates, quotas, MFN rates) is a fact of the
graph, read into plain, immutable records: here an importer's measures, quotas and MFN rates; what every
importer shares in :mod:`tradekg.duty.shared_rules`; the reads themselves in :mod:`tradekg.duty.sparql_reads`. One
:class:`RuleBook` serves every question about one store state, so the map of all origins reads the graph once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from rdflib import URIRef
from rdflib.term import Node

from tradekg.duty.records import Measure, MfnRate, Quota, RuleBook, Suspension
from tradekg.duty.shared_rules import SharedRules, load_shared
from tradekg.duty.sparql_reads import (
    SelectStore,
    decimal_of,
    hs_code_of,
    links_of,
    period_of,
    single_values_of,
    with_period_names,
)
from tradekg.ontology.vocab import TKG, country_iri

MEASURE_LINKS = tuple(
    str(TKG[name])
    for name in (
        "appliesTo", "appliesToUnion", "covers", "legalBasis", "inProgramme", "amends", "notStackedWith",
        "imposedBy", "suspends", "contradictedBy",
    )
) + ("http://www.w3.org/ns/prov#wasDerivedFrom",)  # fmt: skip
"""The links of a measure its book reads (each a sorted list of IRIs or lexical forms)."""
MEASURE_SINGLES = (
    "ratePercent",
    "effectiveFrom",
    "effectiveUntil",
    "htsHeading",
    "rateBasis",
    "appliesToAll",
    "certainty",
)
"""The single-valued properties of a measure its book reads (the least value of each)."""
QUOTAS = (
    "SELECT ?importer ?q ?in ?over ?quantity ?unit ?period ?from ?until ?basis WHERE { ?q a tkg:TariffRateQuota ;"
    " tkg:imposedBy ?importer ; tkg:inQuotaMeasure ?in ; tkg:quotaQuantity ?quantity ; tkg:quotaUnit ?unit ."
    " OPTIONAL { ?q tkg:overQuotaMeasure ?over } OPTIONAL { ?q tkg:quotaPeriod ?period }"
    " OPTIONAL { ?q tkg:effectiveFrom ?from } OPTIONAL { ?q tkg:effectiveUntil ?until }"
    " OPTIONAL { ?q tkg:legalBasis ?basis } }"
)
MFN_RATES = (
    "SELECT ?importer ?r ?code ?rate ?text ?source WHERE {"
    " ?r a tkg:MFNRate ; tkg:imposedBy ?importer ; tkg:rateFor ?code ."
    " OPTIONAL { ?r tkg:mfnRatePercent ?rate } OPTIONAL { ?r tkg:rateText ?text }"
    " OPTIONAL { ?r prov:wasDerivedFrom ?source } }"
)


_T = {
    name: str(TKG[name])
    for name in (
        "allInRate", "amends", "appliesTo", "appliesToUnion", "contradictedBy", "covers", "imposedBy", "inProgramme",
        "legalBasis", "notStackedWith", "reported", "suspends", "tentative",
    )
} | {"wasDerivedFrom": "http://www.w3.org/ns/prov#wasDerivedFrom"}  # fmt: skip
"""The IRIs :func:`book_of` reads, made once (an rdflib namespace lookup per measure cost a fifth of a book)."""


@dataclass(frozen=True)
class OwnFacts:
    """What one importer's book is built from besides the shared rules (see :func:`book_of`)."""

    links: dict[str, dict[str, list[str]]]  # measure -> predicate -> sorted values
    singles: dict[str, dict[str, Node]]  # measure -> property name -> least value
    quota_rows: list[dict[str, Node]]
    mfn_rows: list[dict[str, Node]]


def special_kinds(store: SelectStore) -> tuple[set[str], set[str]]:
    """The suspensions and the tariff-rate quotas of the store (measures of these kinds are not plain tariffs)."""
    suspension_iris = {str(row["s"]) for row in store.select("SELECT ?s WHERE { ?s a tkg:Suspension }")}
    quota_iris = {str(row["q"]) for row in store.select("SELECT ?q WHERE { ?q a tkg:TariffRateQuota }")}
    return suspension_iris, quota_iris


def load_rules(store: SelectStore, *, importer: str = "USA", shared: SharedRules | None = None) -> RuleBook:
    """Read every rule of ``importer``'s duties from the store.

    Args:
        store: The store (any object with the store's ``select``).
        importer: ISO 3166-1 alpha-3 code of the importing country.
        shared: The importer-independent rules of the same store state, when already read (:func:`load_shared`).

    Returns:
        The :class:`RuleBook`.
    """
    importer_iri = str(country_iri(importer))
    if shared is None:
        shared = load_shared(store)
    facts = OwnFacts(
        links_of(store, str(TKG.TradeMeasure), MEASURE_LINKS, imposer=importer_iri),
        single_values_of(store, str(TKG.TradeMeasure), MEASURE_SINGLES, imposer=importer_iri),
        store.select(QUOTAS, bindings={"importer": URIRef(importer_iri)}),
        store.select(MFN_RATES, bindings={"importer": URIRef(importer_iri)}),
    )
    return book_of(importer, shared, facts, special_kinds(store))


def book_of(importer: str, shared: SharedRules, facts: OwnFacts, kinds: tuple[set[str], set[str]]) -> RuleBook:
    """The book of ``importer`` (ISO alpha-3) from its own facts, the shared rules and the store's special kinds."""
    importer_iri = str(country_iri(importer))
    labels = shared.labels
    links, singles = facts.links, facts.singles
    measures: dict[str, Measure] = {}
    suspensions: list[Suspension] = []
    suspension_iris, quota_iris = kinds
    for iri, single in singles.items():
        own = links.get(iri, {})
        if importer_iri not in own.get(_T["imposedBy"], []):
            continue
        common = {
            "applies_to": frozenset(own.get(_T["appliesTo"], [])),
            "applies_to_unions": frozenset(own.get(_T["appliesToUnion"], [])),
            "applies_to_all": str(single.get("appliesToAll", "")).lower() in {"true", "1"},
        }
        period = period_of(with_period_names(single))
        basis = tuple(own.get(_T["legalBasis"], []))
        if iri in suspension_iris:
            suspensions.append(Suspension(iri, labels.get(iri, iri), period, frozenset(own.get(_T['suspends'], [])),
                                          legal_basis=basis, **common))  # fmt: skip
            continue
        if iri in quota_iris:
            continue
        measures[iri] = Measure(
            iri=iri,
            label=labels.get(iri, iri.rsplit("/", 1)[-1]),
            rate=decimal_of(single.get("ratePercent")),
            period=period,
            heading=str(single["htsHeading"]) if "htsHeading" in single else None,
            all_in=str(single.get("rateBasis", "")) == _T["allInRate"],
            covers=tuple(own.get(_T["covers"], [])),
            legal_basis=basis,
            programmes=frozenset(own.get(_T["inProgramme"], [])),
            amends=frozenset(own.get(_T["amends"], [])),
            not_stacked_with=frozenset(own.get(_T["notStackedWith"], [])),
            sources=tuple(own.get(_T["wasDerivedFrom"], [])),
            reported=str(single.get("certainty", "")) in {_T["reported"], _T["tentative"]},
            contradicted_by=tuple(own.get(_T["contradictedBy"], [])),
            **common,
        )
    return RuleBook(
        importer=importer,
        measures=measures,
        suspensions=tuple(sorted(suspensions, key=lambda s: s.iri)),
        exemptions=shared.exemptions,
        rules=shared.rules,
        categories=shared.categories,
        quotas=_quotas(facts.quota_rows, labels),
        mfn=_mfn_rates(facts.mfn_rows, labels),
        instruments=shared.instruments,
        unions=shared.unions,
        labels=labels,
    )


def _quotas(rows: list[dict[str, Node]], labels: dict[str, str]) -> dict[str, Quota]:
    bases: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if "basis" in row:
            bases[str(row["q"])].add(str(row["basis"]))
    quotas: dict[str, Quota] = {}
    # Rows in a fixed order, whatever order the engine gives (one importer's query or every importer's).
    for row in sorted(rows, key=lambda r: (str(r["q"]), sorted((k, str(v)) for k, v in r.items()))):
        iri = str(row["q"])
        quotas[str(row["in"])] = Quota(
            iri=iri,
            label=labels.get(iri, iri.rsplit("/", 1)[-1]),
            quantity=Decimal(str(row["quantity"])),
            unit=str(row["unit"]),
            period_text=str(row.get("period", "")),
            in_quota=str(row["in"]),
            over_quota=str(row["over"]) if "over" in row else None,
            period=period_of(row),
            legal_basis=tuple(sorted(bases[iri])),
        )
    return quotas


def _mfn_rates(rows: list[dict[str, Node]], labels: dict[str, str]) -> tuple[MfnRate, ...]:
    return tuple(
        sorted(
            (
                MfnRate(
                    iri=str(row["r"]),
                    code=hs_code_of(str(row["code"])),
                    rate=decimal_of(row.get("rate")),
                    text=str(row["text"]) if "text" in row else None,
                    source=str(row.get("source", "")),
                    source_label=labels.get(str(row.get("source", "")), str(row.get("source", ""))),
                )
                for row in rows
            ),
            key=lambda rate: (-len(rate.code), rate.code, rate.iri, str(rate.rate), rate.text or "", rate.source),
        )
    )
