"""The rules every importer's rule book shares, read once per store state (see :class:`SharedRules`).

Labels, legal instruments, exemptions, stacking rules, product categories and customs unions: none depends on
which country imports.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tradekg.duty.records import Category, Exemption, Instrument, StackingRule
from tradekg.duty.sparql_reads import (
    SelectStore,
    decimal_of,
    hs_code_of,
    links_of,
    period_of,
    single_values_of,
    with_period_names,
)
from tradekg.ontology.vocab import TKG

LABELLED = (
    "TradeMeasure", "Exemption", "StackingRule", "Programme", "LegalInstrument", "ProductCategory", "Country",
    "CustomsUnion", "Source", "MFNRate",
)  # fmt: skip
"""The classes whose members' labels (``rdfs:label`` or ``dcterms:title``, English or plain) a book holds."""


def _labels(store: SelectStore) -> dict[str, str]:
    kinds = " ".join(f"tkg:{name}" for name in LABELLED)
    rows = store.select(
        f"SELECT ?node ?label WHERE {{ VALUES ?kind {{ {kinds} }}"
        " ?node a/rdfs:subClassOf* ?kind . { ?node rdfs:label ?label } UNION { ?node dcterms:title ?label }"
        ' FILTER (LANG(?label) = "" || LANGMATCHES(LANG(?label), "en")) }'
    )
    labels: dict[str, str] = {}
    for row in rows:
        node, label = str(row["node"]), str(row["label"])
        if node not in labels or label < labels[node]:
            labels[node] = label
    return labels


def _instruments(store: SelectStore, labels: dict[str, str]) -> dict[str, Instrument]:
    rows = store.select(
        "SELECT ?i ?id ?statute ?statuteId WHERE { ?i a/rdfs:subClassOf* tkg:LegalInstrument ."
        " OPTIONAL { ?i schema:legislationIdentifier ?id }"
        " OPTIONAL { ?i tkg:statutoryBasis ?statute OPTIONAL { ?statute schema:legislationIdentifier ?statuteId } } }"
    )
    names: dict[str, str] = {}
    statutes: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        iri = str(row["i"])
        if "id" in row and (iri not in names or str(row["id"]) < names[iri]):
            names[iri] = str(row["id"])
        if "statute" in row:
            statutes[iri].add(str(row["statute"]))
    instruments = {}
    for iri in {str(row["i"]) for row in rows}:
        own = sorted(statutes[iri])
        label = names.get(iri) or labels.get(iri, iri.rsplit("/", 1)[-1])
        instruments[iri] = Instrument(iri, label, tuple(own), tuple(labels.get(s, s.rsplit("/", 1)[-1]) for s in own))
    return instruments


@dataclass(frozen=True)
class SharedRules:
    """The rules every importer's book shares (labels, instruments, exemptions, stacking rules, categories, unions).

    Read once per store state by :func:`tradekg.duty.rules_for`, so that the books of many importers (a country
    page asks one per country that taxes it) read the store's shared facts once, and each only its own measures.
    """

    labels: dict[str, str]
    instruments: dict[str, Instrument]
    exemptions: tuple[Exemption, ...]
    rules: tuple[StackingRule, ...]
    categories: dict[str, Category]
    unions: dict[str, frozenset[str]]


def load_shared(store: SelectStore, *, labels: dict[str, str] | None = None) -> SharedRules:
    """Read the rules that do not depend on the importer (see :class:`SharedRules`).

    ``labels``: the labels :data:`LABELLED` nodes have, when already read (the views read them faster).
    """
    if labels is None:
        labels = _labels(store)
    return SharedRules(
        labels=labels,
        instruments=_instruments(store, labels),
        exemptions=_exemptions(store, labels),
        rules=_stacking_rules(store, labels),
        categories=_categories(store, labels),
        unions={
            union: frozenset(members)
            for union, members in links_of(store, str(TKG.CustomsUnion), [str(TKG.memberState)]).items()
            for members in [members.get(str(TKG.memberState), [])]
        },
    )


def _exemptions(store: SelectStore, labels: dict[str, str]) -> tuple[Exemption, ...]:
    names = (
        "exemptionFrom",
        "exemptionFromProgramme",
        "exemptCountry",
        "exemptProduct",
        "legalBasis",
        "contradictedBy",
    )
    links = links_of(store, str(TKG.Exemption), [str(TKG[name]) for name in names])
    singles = single_values_of(
        store, str(TKG.Exemption), ["effectiveFrom", "effectiveUntil", "ratePercent", "partialExemption"]
    )
    found = []
    for iri, single in sorted(singles.items()):
        own = links.get(iri, {})
        found.append(
            Exemption(
                iri=iri,
                label=labels.get(iri, iri.rsplit("/", 1)[-1]),
                measure=next(iter(own.get(str(TKG.exemptionFrom), [])), None),
                programme=next(iter(own.get(str(TKG.exemptionFromProgramme), [])), None),
                countries=frozenset(own.get(str(TKG.exemptCountry), [])),
                products=tuple(own.get(str(TKG.exemptProduct), [])),
                period=period_of(with_period_names(single)),
                rate=decimal_of(single.get("ratePercent")),
                partial=str(single.get("partialExemption", "")).lower() in {"true", "1"},
                legal_basis=tuple(own.get(str(TKG.legalBasis), [])),
                contradicted_by=tuple(own.get(str(TKG.contradictedBy), [])),
            )
        )
    return tuple(found)


def _stacking_rules(store: SelectStore, labels: dict[str, str]) -> tuple[StackingRule, ...]:
    names = ("prevailing", "displaced", "forGoodsOf", "legalBasis")
    links = links_of(store, str(TKG.StackingRule), [str(TKG[name]) for name in names])
    singles = single_values_of(store, str(TKG.StackingRule), ["effectiveFrom", "effectiveUntil"])
    return tuple(
        StackingRule(
            iri=iri,
            label=labels.get(iri, iri.rsplit("/", 1)[-1]),
            prevailing=frozenset(links.get(iri, {}).get(str(TKG.prevailing), [])),
            displaced=frozenset(links.get(iri, {}).get(str(TKG.displaced), [])),
            origins=frozenset(links.get(iri, {}).get(str(TKG.forGoodsOf), [])),
            period=period_of(with_period_names(single)),
            legal_basis=tuple(links.get(iri, {}).get(str(TKG.legalBasis), [])),
        )
        for iri, single in sorted(singles.items())
    )


def _categories(store: SelectStore, labels: dict[str, str]) -> dict[str, Category]:
    names = ("includesHS", "excludesHS", "qualification")
    notation = "http://www.w3.org/2004/02/skos/core#notation"
    links = links_of(store, str(TKG.ProductCategory), [str(TKG[name]) for name in names] + [notation])
    ranges: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in store.select(
        "SELECT ?c ?from ?to WHERE { ?c tkg:includesHSRange ?r . ?r tkg:hsFrom ?from ; tkg:hsTo ?to }"
    ):
        ranges[str(row["c"])].append((hs_code_of(str(row["from"])), hs_code_of(str(row["to"]))))
    categories = {}
    for iri in set(links) | set(ranges):
        own = links.get(iri, {})
        categories[iri] = Category(
            iri=iri,
            label=labels.get(iri, iri.rsplit("/", 1)[-1]),
            # A category's HS code (skos:notation, the published convention) counts as a code it includes.
            includes=tuple(
                sorted(
                    {code for code in map(hs_code_of, own.get(str(TKG.includesHS), [])) if code}
                    | {code for code in own.get(notation, []) if code.isdigit()}
                )
            ),
            excludes=tuple(code for code in map(hs_code_of, own.get(str(TKG.excludesHS), [])) if code),
            ranges=tuple(sorted(ranges.get(iri, []))),
            qualifications=frozenset(own.get(str(TKG.qualification), [])),
        )
    return categories
