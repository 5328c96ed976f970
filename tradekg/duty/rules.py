"""The facts the duty calculator needs, read from the graph with SPARQL through the store's public interface.

Nothing here knows a country or a measure by name: every rule the calculator applies (which measures a good
pays, which ones suspend, exempt, replace or displace others, all-in rates, quotas, MFN rates) is a fact of the
graph, read into plain, immutable records: here an importer's measures, quotas and MFN rates; what every
importer shares in :mod:`tradekg.duty.shared_rules`; the reads themselves in :mod:`tradekg.duty.sparql_reads`. One
:class:`RuleBook` serves every question about one store state, so the map of all origins reads the graph once.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from rdflib import URIRef

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
    links = links_of(store, str(TKG.TradeMeasure), [str(TKG[name]) for name in measure_links]
                   + ["http://www.w3.org/ns/prov#wasDerivedFrom"], imposer=importer_iri)  # fmt: skip
    singles = single_values_of(
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
        period = period_of(with_period_names(single))
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
            rate=decimal_of(single.get("ratePercent")),
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
            period=period_of(row),
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
                    code=hs_code_of(str(row["code"])),
                    rate=decimal_of(row.get("rate")),
                    text=str(row["text"]) if "text" in row else None,
                    source=str(row.get("source", "")),
                    source_label=labels.get(str(row.get("source", "")), str(row.get("source", ""))),
                )
                for row in rows
            ),
            key=lambda rate: (-len(rate.code), rate.code, rate.iri),
        )
    )
