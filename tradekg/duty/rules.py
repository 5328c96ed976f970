"""The facts the duty calculator needs, read from the graph with SPARQL through the store's public interface.

Nothing here knows a country or a measure by name: every rule the calculator applies (which measures a good
pays, which ones suspend, exempt, replace or displace others, all-in rates, quotas, MFN rates) is a fact of the
graph, read by the queries below into plain, immutable records. One :class:`RuleBook` serves every question
about one store state, so the map of all origins reads the graph once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from rdflib import Literal, URIRef
from rdflib.term import Node

from tradekg.duty.records import (
    Category,
    Exemption,
    Instrument,
    Measure,
    MfnRate,
    Period,
    Quota,
    RuleBook,
    StackingRule,
    Suspension,
)
from tradekg.ontology.vocab import HS_PREFIX, TKG, country_iri

XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"


class SelectStore(Protocol):
    """The part of the store interface the calculator uses: SELECT queries with pre-bound variables."""

    def select(self, sparql: str, *, bindings: dict[str, Node] | None = None) -> list[dict[str, Node]]:
        """Rows of a SELECT query as dictionaries of rdflib terms."""
        ...


# --- reading ------------------------------------------------------------------------------------------------


def _day(term: Node | None) -> tuple[date | None, str | None]:
    """A date literal as (day if day-precise, text if partial)."""
    if not isinstance(term, Literal):
        return None, None
    text = str(term)
    if str(term.datatype) == XSD_DATE:
        try:
            return date.fromisoformat(text[:10]), None
        except ValueError:
            return None, text
    return None, text


def _last_day(term: Node | None) -> tuple[date | None, str | None]:
    """The last day an end date can denote: the day itself, a month's last day, or a year's."""
    if not isinstance(term, Literal):
        return None, None
    text = str(term)
    day, partial = _day(term)
    if day is not None:
        return day, None
    try:
        if len(text) >= 7 and text[4] == "-":
            year, month = int(text[:4]), int(text[5:7])
            first_of_next = date(year + month // 12, month % 12 + 1, 1)
            return date.fromordinal(first_of_next.toordinal() - 1), partial
        return date(int(text[:4]), 12, 31), partial
    except ValueError:
        return None, partial


def _period(row: dict[str, Node]) -> Period:
    start, start_text = _day(row.get("from"))
    end, end_text = _last_day(row.get("until"))
    return Period(start=start, start_text=start_text, end=end, end_text=end_text)


def _decimal(term: Node | None) -> Decimal | None:
    return Decimal(str(term)) if isinstance(term, Literal) else None


def _links(
    store: SelectStore, kind: str, predicates: Iterable[str], *, imposer: str | None = None
) -> dict[str, dict[str, list[str]]]:
    """For every node typed ``kind`` (or a subclass), the values of each of ``predicates``.

    With ``imposer`` (an IRI), only the nodes ``tkg:imposedBy`` it: one importer's measures, not the whole store's.
    """
    listed = ", ".join(f"<{predicate}>" for predicate in predicates)
    scope = f"?node <{TKG.imposedBy}> <{imposer}> ." if imposer else ""
    # The predicates by a filter, not by VALUES: with VALUES the engine reads every triple of each predicate before
    # joining (2.3 s against 2 ms for an importer of four measures at 10^5 quads).
    rows = store.select(
        f"SELECT DISTINCT ?node ?p ?o WHERE {{ {scope} ?node a/rdfs:subClassOf* <{kind}> ."
        f" ?node ?p ?o FILTER(?p IN ({listed})) }}"
    )
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        found[str(row["node"])][str(row["p"])].append(str(row["o"]))
    return {node: {p: sorted(set(objects)) for p, objects in links.items()} for node, links in found.items()}


def _singles(
    store: SelectStore, kind: str, optional: Iterable[str], *, imposer: str | None = None
) -> dict[str, dict[str, Node]]:
    """For every node typed ``kind`` (or a subclass), one value of each single-valued property (the least).

    With ``imposer`` (an IRI), only the nodes ``tkg:imposedBy`` it.
    """
    names = list(optional)
    clauses = " ".join(f"OPTIONAL {{ ?node <{TKG[name]}> ?{name} }}" for name in names)
    scope = f"?node <{TKG.imposedBy}> <{imposer}> ." if imposer else ""
    rows = store.select(
        f"SELECT ?node ?{' ?'.join(names)} WHERE {{ {scope} ?node a/rdfs:subClassOf* <{kind}> . {clauses} }}"
    )
    found: dict[str, dict[str, Node]] = {}
    for row in rows:
        node = found.setdefault(str(row["node"]), {})
        for name in names:
            value = row.get(name)
            if value is not None and (name not in node or str(value) < str(node[name])):
                node[name] = value
    return found


def _renamed(single: dict[str, Node]) -> dict[str, Node]:
    """The single values with the date properties under the names :func:`_period` reads."""
    return {"from": single.get("effectiveFrom"), "until": single.get("effectiveUntil"), **single}  # type: ignore[dict-item]


def _labels(store: SelectStore) -> dict[str, str]:
    rows = store.select(
        "SELECT ?node ?label WHERE { VALUES ?kind { tkg:TradeMeasure tkg:Exemption tkg:StackingRule tkg:Programme"
        " tkg:LegalInstrument tkg:ProductCategory tkg:Country tkg:CustomsUnion tkg:Source tkg:MFNRate }"
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


def _hs_code(iri: str) -> str:
    return iri.removeprefix(HS_PREFIX) if iri.startswith(HS_PREFIX) else ""


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


def load_shared(store: SelectStore) -> SharedRules:
    """Read the rules that do not depend on the importer (see :class:`SharedRules`)."""
    labels = _labels(store)
    return SharedRules(
        labels=labels,
        instruments=_instruments(store, labels),
        exemptions=_exemptions(store, labels),
        rules=_stacking_rules(store, labels),
        categories=_categories(store, labels),
        unions={
            union: frozenset(members)
            for union, members in _links(store, str(TKG.CustomsUnion), [str(TKG.memberState)]).items()
            for members in [members.get(str(TKG.memberState), [])]
        },
    )


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
    labels = shared.labels
    measure_links = (
        "appliesTo", "appliesToUnion", "covers", "legalBasis", "inProgramme", "amends", "notStackedWith",
        "imposedBy", "suspends", "contradictedBy",
    )  # fmt: skip
    links = _links(store, str(TKG.TradeMeasure), [str(TKG[name]) for name in measure_links]
                   + ["http://www.w3.org/ns/prov#wasDerivedFrom"], imposer=importer_iri)  # fmt: skip
    singles = _singles(
        store, str(TKG.TradeMeasure),
        ["ratePercent", "effectiveFrom", "effectiveUntil", "htsHeading", "rateBasis", "appliesToAll", "certainty"],
        imposer=importer_iri,
    )  # fmt: skip
    measures: dict[str, Measure] = {}
    suspensions: list[Suspension] = []
    suspension_iris = {str(row["s"]) for row in store.select("SELECT ?s WHERE { ?s a tkg:Suspension }")}
    quota_iris = {str(row["q"]) for row in store.select("SELECT ?q WHERE { ?q a tkg:TariffRateQuota }")}
    for iri, single in singles.items():
        own = links.get(iri, {})
        if importer_iri not in own.get(str(TKG.imposedBy), []):
            continue
        common = {
            "applies_to": frozenset(own.get(str(TKG.appliesTo), [])),
            "applies_to_unions": frozenset(own.get(str(TKG.appliesToUnion), [])),
            "applies_to_all": str(single.get("appliesToAll", "")).lower() in {"true", "1"},
        }
        period = _period(_renamed(single))
        basis = tuple(own.get(str(TKG.legalBasis), []))
        if iri in suspension_iris:
            suspensions.append(Suspension(iri, labels.get(iri, iri), period, frozenset(own.get(str(TKG.suspends), [])),
                                          legal_basis=basis, **common))  # fmt: skip
            continue
        if iri in quota_iris:
            continue
        measures[iri] = Measure(
            iri=iri,
            label=labels.get(iri, iri.rsplit("/", 1)[-1]),
            rate=_decimal(single.get("ratePercent")),
            period=period,
            heading=str(single["htsHeading"]) if "htsHeading" in single else None,
            all_in=str(single.get("rateBasis", "")) == str(TKG.allInRate),
            covers=tuple(own.get(str(TKG.covers), [])),
            legal_basis=basis,
            programmes=frozenset(own.get(str(TKG.inProgramme), [])),
            amends=frozenset(own.get(str(TKG.amends), [])),
            not_stacked_with=frozenset(own.get(str(TKG.notStackedWith), [])),
            sources=tuple(own.get("http://www.w3.org/ns/prov#wasDerivedFrom", [])),
            reported=str(single.get("certainty", "")) in {str(TKG.reported), str(TKG.tentative)},
            contradicted_by=tuple(own.get(str(TKG.contradictedBy), [])),
            **common,
        )
    return RuleBook(
        importer=importer,
        measures=measures,
        suspensions=tuple(sorted(suspensions, key=lambda s: s.iri)),
        exemptions=shared.exemptions,
        rules=shared.rules,
        categories=shared.categories,
        quotas=_quotas(store, labels, importer_iri),
        mfn=_mfn_rates(store, labels, importer_iri),
        instruments=shared.instruments,
        unions=shared.unions,
        labels=labels,
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
    links = _links(store, str(TKG.Exemption), [str(TKG[name]) for name in names])
    singles = _singles(
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
                period=_period(_renamed(single)),
                rate=_decimal(single.get("ratePercent")),
                partial=str(single.get("partialExemption", "")).lower() in {"true", "1"},
                legal_basis=tuple(own.get(str(TKG.legalBasis), [])),
                contradicted_by=tuple(own.get(str(TKG.contradictedBy), [])),
            )
        )
    return tuple(found)


def _stacking_rules(store: SelectStore, labels: dict[str, str]) -> tuple[StackingRule, ...]:
    names = ("prevailing", "displaced", "forGoodsOf", "legalBasis")
    links = _links(store, str(TKG.StackingRule), [str(TKG[name]) for name in names])
    singles = _singles(store, str(TKG.StackingRule), ["effectiveFrom", "effectiveUntil"])
    return tuple(
        StackingRule(
            iri=iri,
            label=labels.get(iri, iri.rsplit("/", 1)[-1]),
            prevailing=frozenset(links.get(iri, {}).get(str(TKG.prevailing), [])),
            displaced=frozenset(links.get(iri, {}).get(str(TKG.displaced), [])),
            origins=frozenset(links.get(iri, {}).get(str(TKG.forGoodsOf), [])),
            period=_period(_renamed(single)),
            legal_basis=tuple(links.get(iri, {}).get(str(TKG.legalBasis), [])),
        )
        for iri, single in sorted(singles.items())
    )


def _categories(store: SelectStore, labels: dict[str, str]) -> dict[str, Category]:
    names = ("includesHS", "excludesHS", "qualification")
    notation = "http://www.w3.org/2004/02/skos/core#notation"
    links = _links(store, str(TKG.ProductCategory), [str(TKG[name]) for name in names] + [notation])
    ranges: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in store.select(
        "SELECT ?c ?from ?to WHERE { ?c tkg:includesHSRange ?r . ?r tkg:hsFrom ?from ; tkg:hsTo ?to }"
    ):
        ranges[str(row["c"])].append((_hs_code(str(row["from"])), _hs_code(str(row["to"]))))
    categories = {}
    for iri in set(links) | set(ranges):
        own = links.get(iri, {})
        categories[iri] = Category(
            iri=iri,
            label=labels.get(iri, iri.rsplit("/", 1)[-1]),
            # A category's HS code (skos:notation, the published convention) counts as a code it includes.
            includes=tuple(
                sorted(
                    {code for code in map(_hs_code, own.get(str(TKG.includesHS), [])) if code}
                    | {code for code in own.get(notation, []) if code.isdigit()}
                )
            ),
            excludes=tuple(code for code in map(_hs_code, own.get(str(TKG.excludesHS), [])) if code),
            ranges=tuple(sorted(ranges.get(iri, []))),
            qualifications=frozenset(own.get(str(TKG.qualification), [])),
        )
    return categories


def _quotas(store: SelectStore, labels: dict[str, str], importer_iri: str) -> dict[str, Quota]:
    rows = store.select(
        "SELECT ?importer ?q ?in ?over ?quantity ?unit ?period ?from ?until ?basis WHERE { ?q a tkg:TariffRateQuota ;"
        " tkg:imposedBy ?importer ; tkg:inQuotaMeasure ?in ; tkg:quotaQuantity ?quantity ; tkg:quotaUnit ?unit ."
        " OPTIONAL { ?q tkg:overQuotaMeasure ?over } OPTIONAL { ?q tkg:quotaPeriod ?period }"
        " OPTIONAL { ?q tkg:effectiveFrom ?from } OPTIONAL { ?q tkg:effectiveUntil ?until }"
        " OPTIONAL { ?q tkg:legalBasis ?basis } }",
        bindings={"importer": URIRef(importer_iri)},
    )
    bases: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if "basis" in row:
            bases[str(row["q"])].add(str(row["basis"]))
    quotas: dict[str, Quota] = {}
    for row in sorted(rows, key=lambda r: str(r["q"])):
        iri = str(row["q"])
        quotas[str(row["in"])] = Quota(
            iri=iri,
            label=labels.get(iri, iri.rsplit("/", 1)[-1]),
            quantity=Decimal(str(row["quantity"])),
            unit=str(row["unit"]),
            period_text=str(row.get("period", "")),
            in_quota=str(row["in"]),
            over_quota=str(row["over"]) if "over" in row else None,
            period=_period(row),
            legal_basis=tuple(sorted(bases[iri])),
        )
    return quotas


def _mfn_rates(store: SelectStore, labels: dict[str, str], importer_iri: str) -> tuple[MfnRate, ...]:
    rows = store.select(
        "SELECT ?importer ?r ?code ?rate ?text ?source WHERE {"
        " ?r a tkg:MFNRate ; tkg:imposedBy ?importer ; tkg:rateFor ?code ."
        " OPTIONAL { ?r tkg:mfnRatePercent ?rate } OPTIONAL { ?r tkg:rateText ?text }"
        " OPTIONAL { ?r prov:wasDerivedFrom ?source } }",
        bindings={"importer": URIRef(importer_iri)},
    )
    return tuple(
        sorted(
            (
                MfnRate(
                    iri=str(row["r"]),
                    code=_hs_code(str(row["code"])),
                    rate=_decimal(row.get("rate")),
                    text=str(row["text"]) if "text" in row else None,
                    source=str(row.get("source", "")),
                    source_label=labels.get(str(row.get("source", "")), str(row.get("source", ""))),
                )
                for row in rows
            ),
            key=lambda rate: (-len(rate.code), rate.code, rate.iri),
        )
    )
