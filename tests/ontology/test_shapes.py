"""Tests of the SHACL shapes (shapes.ttl) on small hand-made graphs.

Validation runs as the project runs it: pyshacl with the ontology merged into
the data graph, ``inference="none"`` and ``advanced=True``.
"""

from __future__ import annotations

from functools import cache

import pyoxigraph
import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from tradekg.gate.validate import PreparedQueryGraph
from tradekg.ontology import vocab

pytestmark = pytest.mark.usefixtures("prepared_query_cache")

SH = Namespace("http://www.w3.org/ns/shacl#")
TKGSH = Namespace("https://w3id.org/tradekg/shapes#")

PREFIXES = """
@prefix tkg:     <https://w3id.org/tradekg/ontology#> .
@prefix rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:     <http://www.w3.org/2002/07/owl#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix schema:  <https://schema.org/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf:    <http://xmlns.com/foaf/0.1/> .
@prefix ex:      <http://example.org/> .
@prefix id:      <https://w3id.org/tradekg/id/> .
@prefix src:     <https://w3id.org/tradekg/id/source/> .
@prefix country: <https://w3id.org/tradekg/id/country/> .
@prefix official: <https://w3id.org/tradekg/id/official/> .
@prefix post:    <https://w3id.org/tradekg/id/post/> .
@prefix measure: <https://w3id.org/tradekg/id/measure/> .
@prefix exemption: <https://w3id.org/tradekg/id/exemption/> .
@prefix product: <https://w3id.org/tradekg/id/product/> .
@prefix negotiation: <https://w3id.org/tradekg/id/negotiation/> .
@prefix event:   <https://w3id.org/tradekg/id/event/> .
@prefix proposal: <https://w3id.org/tradekg/id/proposal/> .
@prefix agreement: <https://w3id.org/tradekg/id/agreement/> .
@prefix company: <https://w3id.org/tradekg/id/company/> .
@prefix result:  <https://w3id.org/tradekg/id/result/> .
@prefix instrument: <https://w3id.org/tradekg/id/instrument/> .
@prefix statute: <https://w3id.org/tradekg/id/statute/> .
@prefix programme: <https://w3id.org/tradekg/id/programme/> .
@prefix rule:    <https://w3id.org/tradekg/id/rule/> .
@prefix hs:      <https://w3id.org/tradekg/id/hs/> .
@prefix mfn:     <https://w3id.org/tradekg/id/mfn/> .
@prefix status:  <https://w3id.org/tradekg/id/status/> .
"""

# A small graph that conforms; bad examples are added to it one at a time.
BASE = """
src:test a tkg:Source ; dcterms:title "A test source" .
country:JPN a tkg:Country ; rdfs:label "Japan" ; tkg:iso3166Alpha3 "JPN" ;
    prov:wasDerivedFrom src:test .
country:USA a tkg:Country ; rdfs:label "United States" ; tkg:iso3166Alpha3 "USA" ;
    prov:wasDerivedFrom src:test .
post:usa-president a tkg:Post ; rdfs:label "President" ; tkg:postIn country:USA ;
    prov:wasDerivedFrom src:test .
official:someone a tkg:Official ; rdfs:label "Someone" ; tkg:holdsPost post:usa-president ;
    prov:wasDerivedFrom src:test .
measure:base a tkg:Tariff ; rdfs:label "Base tariff" ; tkg:imposedBy country:USA ;
    tkg:appliesTo country:JPN ; tkg:ratePercent 10.0 ; prov:wasDerivedFrom src:test .
negotiation:talks a tkg:Negotiation ; rdfs:label "Talks" ; tkg:party country:JPN, country:USA ;
    prov:wasDerivedFrom src:test .
company:acme a tkg:Company ; rdfs:label "Acme" ; tkg:basedIn country:JPN ;
    prov:wasDerivedFrom src:test .
product:corn a tkg:ProductCategory ; rdfs:label "Corn" ; skos:notation "1005" ;
    prov:wasDerivedFrom src:test .
"""

# Lines every well-formed node of the bad examples repeats.
OK = 'rdfs:label "x" ; prov:wasDerivedFrom src:test'


@cache
def shapes() -> Graph:
    """Return the parsed shapes graph."""
    return Graph().parse(vocab.SHAPES_PATH, format="turtle")


@cache
def ontology() -> Graph:
    """Return the parsed ontology."""
    return Graph().parse(vocab.ONTOLOGY_PATH, format="turtle")


@cache
def base_graph() -> Graph:
    """Return the base graph merged with the ontology, parsed once.

    ``run`` adds a bad example to it, validates in place and removes the
    example again, which keeps each validation well under 0.1 s.
    """
    graph = Graph().parse(data=PREFIXES + BASE, format="turtle")
    graph += ontology()
    return graph


def run(turtle: str, base: bool = True, backend: str = "rdflib") -> tuple[bool, Graph]:
    """Validate ``turtle`` as the project does; return conformance and report.

    Args:
        turtle: Data to validate with the ontology merged in.
        base: Whether to add ``turtle`` to the base graph.
        backend: ``"rdflib"`` to validate an rdflib Graph, ``"oxigraph"`` to
            validate a pyoxigraph Store holding the same triples, ``"prepared"``
            for the project's graph with its parsed-query cache.

    Returns:
        Whether the data conforms, and the validation report graph.
    """
    example = Graph().parse(data=PREFIXES + turtle, format="turtle")
    graph = base_graph() if base else Graph() + ontology()
    added = [t for t in example if t not in graph]
    for triple in added:
        graph.add(triple)
    try:
        data: Graph | pyoxigraph.Store = graph
        if backend == "prepared":  # what tradekg.gate.validate.with_ontology builds
            data = PreparedQueryGraph()
            data += graph
        elif backend == "oxigraph":
            data = pyoxigraph.Store()
            data.load(
                graph.serialize(format="nt").encode(),
                format=pyoxigraph.RdfFormat.N_TRIPLES,
            )
        conforms, report, _ = validate(data, shacl_graph=shapes(), inference="none", advanced=True, inplace=True)
    finally:
        for triple in added:
            graph.remove(triple)
    return bool(conforms), report


def messages(report: Graph) -> set[str]:
    """Return the result messages of a validation report."""
    return {str(m) for m in report.objects(None, SH.resultMessage)}


def shape_message(shape: URIRef) -> str:
    """Return the sh:message of a shape or SPARQL constraint."""
    message = shapes().value(shape, SH.message)
    assert isinstance(message, Literal), shape
    return str(message)


def sparql_constraint_of(node_shape: URIRef, needle: str) -> URIRef:
    """Return the SPARQL constraint of ``node_shape`` whose message contains ``needle``."""
    found = [c for c in shapes().objects(node_shape, SH.sparql) if needle in shape_message(c)]
    assert len(found) == 1, (node_shape, needle, found)
    return found[0]


# --- the base graph and foreign data -----------------------------------------


@pytest.mark.parametrize("backend", ["rdflib", "oxigraph", "prepared"])
def test_base_graph_conforms(backend: str) -> None:
    conforms, report = run("", backend=backend)
    assert conforms, messages(report)


def test_foreign_data_without_tkg_classes_conforms() -> None:
    foreign = """
    ex:alice a foaf:Person, schema:Person ; foaf:name "Alice" ; owl:sameAs "not an IRI" .
    [] a schema:Country ; schema:name "Nowhere" .
    ex:corn a skos:Concept ; skos:notation "not an HS code" .
    ex:thing ex:announcedOn "2025-05-01"^^xsd:date ; ex:effectiveFrom "2024-01-01"^^xsd:date .
    ex:doc a prov:Entity ; dcterms:title "Untitled", "Two titles" .
    """
    for backend in ("rdflib", "oxigraph", "prepared"):
        conforms, report = run(foreign, base=False, backend=backend)
        assert conforms, (backend, messages(report))


# --- every node shape rejects a bad node and says why ------------------------

NODE_SHAPE_CASES = {
    # The class shapes: a blank node instead of an IRI.
    "CountryShape": '[] a tkg:Country ; tkg:iso3166Alpha3 "FRA" ; ' + OK + " .",
    "OfficialShape": "[] a tkg:Official ; " + OK + " .",
    "PostShape": "[] a tkg:Post ; tkg:postIn country:USA ; " + OK + " .",
    "CompanyShape": "[] a tkg:Company ; " + OK + " .",
    "LegalInstrumentShape": "[] a tkg:LegalInstrument ; " + OK + " .",
    "TradeMeasureShape": "[] a tkg:TradeMeasure ; tkg:imposedBy country:USA ; tkg:appliesToAll true ; " + OK + " .",
    "TariffShape": "[] a tkg:Tariff ; tkg:imposedBy country:USA ; tkg:appliesToAll true ; " + OK + " .",
    "ExemptionShape": "[] a tkg:Exemption ; tkg:exemptionFrom measure:base ; "
    "tkg:exemptCountry country:JPN ; " + OK + " .",
    "ProductCategoryShape": "[] a tkg:ProductCategory ; " + OK + " .",
    "NegotiationShape": "[] a tkg:Negotiation ; tkg:party country:JPN, country:USA ; " + OK + " .",
    "EventShape": "[] a tkg:Event ; " + OK + " .",
    "MeetingShape": "[] a tkg:Meeting ; tkg:participant official:someone ; " + OK + " .",
    "NegotiationRoundShape": "[] a tkg:NegotiationRound ; tkg:partOf negotiation:talks ; "
    "tkg:participant official:someone ; " + OK + " .",
    "ProposalShape": "[] a tkg:Proposal ; tkg:proposedBy country:JPN ; tkg:proposedTo country:USA ; " + OK + " .",
    "TradeAgreementShape": "[] a tkg:TradeAgreement ; tkg:party country:JPN, country:USA ; " + OK + " .",
    "TruceShape": "[] a tkg:Truce ; tkg:party country:JPN, country:USA ; " + OK + " .",
    "FinancialResultShape": "[] a tkg:FinancialResult ; tkg:company company:acme ; "
    "tkg:metric tkg:netProfit ; " + OK + " .",
    # Coverage (issue 5).
    "CountryCodesShape": '[] a tkg:Country ; tkg:iso3166Alpha3 "FRA" ; tkg:iso3166Alpha2 "FR" ; ' + OK + " .",
    "CustomsUnionShape": "[] a tkg:CustomsUnion ; tkg:memberState country:FRA ; " + OK + " .",
    "SuspensionShape": "[] a tkg:Suspension ; tkg:imposedBy country:USA ; tkg:appliesToAll true ; " + OK + " .",
    "MeasureLinksShape": "[] a tkg:Tariff ; tkg:imposedBy country:USA ; tkg:appliesToAll true ; "
    "tkg:notStackedWith measure:base ; " + OK + " .",
    # Duty rules (issue 12).
    "StatuteShape": "instrument:ieepa a tkg:Statute ; " + OK + " .",
    "LegalInstrumentLinksShape": "[] a tkg:LegalInstrument ; tkg:statutoryBasis instrument:x ; " + OK + " .",
    "ProgrammeShape": "measure:reciprocal a tkg:Programme ; " + OK + " .",
    "MeasureRulesShape": "[] a tkg:Tariff ; tkg:imposedBy country:USA ; tkg:appliesToAll true ; "
    "tkg:rateBasis tkg:allInRate ; " + OK + " .",
    "StackingRuleShape": "measure:rule a tkg:StackingRule ; tkg:prevailing measure:base ; "
    "tkg:displaced measure:base ; tkg:legalBasis instrument:eo ; "
    'tkg:effectiveFrom "2025-04-29"^^xsd:date ; ' + OK + " .",
    "TariffRateQuotaShape": "[] a tkg:TariffRateQuota ; tkg:imposedBy country:USA ; tkg:appliesToAll true ; "
    'tkg:quotaQuantity 100000.0 ; tkg:quotaUnit "vehicles"@en ; tkg:inQuotaMeasure measure:base ; ' + OK + " .",
    "HSCoverageShape": "[] a tkg:ProductCategory ; tkg:includesHS hs:8703 ; " + OK + " .",
    "HSRangeShape": "product:steel a tkg:ProductCategory ; "
    "tkg:includesHSRange [ a tkg:HSRange ; tkg:hsFrom hs:7229 ; tkg:hsTo hs:7206 ] ; " + OK + " .",
    "HSCodeShape": 'ex:hs8703 a tkg:HSHeading ; skos:notation "8703" ; ' + OK + " .",
    "MFNRateShape": "ex:mfn a tkg:MFNRate ; tkg:rateFor hs:8703 ; tkg:imposedBy country:USA ; " + OK + " .",
    "AgreementMeasuresShape": "[] a tkg:TradeAgreement ; tkg:party country:JPN, country:USA ; "
    "tkg:establishes measure:base ; " + OK + " .",
    "StatusPeriodShape": "[] a tkg:StatusPeriod ; tkg:statusOf measure:base ; tkg:status tkg:inForce ; " + OK + " .",
    # The source shape: a slug with upper case and an underscore.
    "SourceShape": 'src:Bad_Slug a tkg:Source ; dcterms:title "Bad" .',
    # The shape of every tradekg resource: an IRI outside the id/ namespace.
    "ResourceShape": 'ex:japan a tkg:Country ; tkg:iso3166Alpha3 "JPN" ; ' + OK + " .",
}


def test_every_node_shape_has_a_bad_example() -> None:
    node_shapes = {str(s).removeprefix(str(TKGSH)) for s in shapes().subjects(RDF.type, SH.NodeShape)}
    assert node_shapes == set(NODE_SHAPE_CASES)


@pytest.mark.parametrize(("shape", "turtle"), sorted(NODE_SHAPE_CASES.items()))
def test_node_shape_rejects_bad_node(shape: str, turtle: str) -> None:
    conforms, report = run(turtle)
    assert not conforms
    assert shape_message(TKGSH[shape]) in messages(report)


# --- every SPARQL constraint rejects a bad node and says why ------------------

MEASURE = "measure:bad a tkg:Tariff ; tkg:imposedBy country:USA ; tkg:appliesTo country:JPN ; " + OK

SPARQL_CASES = [
    (
        "announced-after-effective",
        (TKGSH.TradeMeasureShape, "announced after"),
        MEASURE + ' ; tkg:announcedOn "2025-05-01"^^xsd:date ; tkg:effectiveFrom "2025-04-30"^^xsd:date .',
    ),
    (
        "announced-month-after-effective-day",
        (TKGSH.TradeMeasureShape, "announced after"),
        MEASURE + ' ; tkg:announcedOn "2025-08"^^xsd:gYearMonth ; tkg:effectiveFrom "2025-07-31"^^xsd:date .',
    ),
    (
        "exemption-announced-after-effective",
        (TKGSH.ExemptionShape, "announced after"),
        "exemption:bad a tkg:Exemption ; tkg:exemptionFrom measure:base ; "
        'tkg:exemptCountry country:JPN ; tkg:announcedOn "2026"^^xsd:gYear ; '
        'tkg:effectiveFrom "2025-12"^^xsd:gYearMonth ; ' + OK + " .",
    ),
    (
        "effective-from-after-until",
        (TKGSH.TradeMeasureShape, "end before it starts"),
        MEASURE + ' ; tkg:effectiveFrom "2025"^^xsd:gYear ; tkg:effectiveUntil "2024-12-31"^^xsd:date .',
    ),
    (
        "agreement-effective-from-after-until",
        (TKGSH.TradeAgreementShape, "end before it starts"),
        "agreement:bad a tkg:Truce ; tkg:party country:JPN, country:USA ; "
        'tkg:effectiveFrom "2025-06-01"^^xsd:date ; tkg:effectiveUntil "2025-05"^^xsd:gYearMonth ; ' + OK + " .",
    ),
    (
        "measure-without-targets",
        (TKGSH.TradeMeasureShape, "whom it hits"),
        "measure:bad a tkg:Tariff ; tkg:imposedBy country:USA ; " + OK + " .",
    ),
    (
        "exemption-from-a-country",
        (TKGSH.ExemptionShape, "exception to a trade measure"),
        "exemption:bad a tkg:Exemption ; tkg:exemptionFrom country:USA ; tkg:exemptCountry country:JPN ; " + OK + " .",
    ),
    (
        "exemption-of-nothing",
        (TKGSH.ExemptionShape, "what it exempts"),
        "exemption:bad a tkg:Exemption ; tkg:exemptionFrom measure:base ; " + OK + " .",
    ),
    (
        "duplicate-round-number",
        (TKGSH.NegotiationRoundShape, "same tkg:roundNumber"),
        "event:r1 a tkg:NegotiationRound ; tkg:partOf negotiation:talks ; tkg:roundNumber 1 ; "
        "tkg:participant official:someone ; " + OK + " .\n"
        "event:r1b a tkg:NegotiationRound ; tkg:partOf negotiation:talks ; tkg:roundNumber 1 ; "
        "tkg:participant official:someone ; " + OK + " .",
    ),
    (
        "exemption-from-measure-and-programme",
        (TKGSH.ExemptionShape, "measure (tkg:exemptionFrom) or one programme"),
        "programme:p a tkg:Programme ; " + OK + " .\n"
        "exemption:bad a tkg:Exemption ; tkg:exemptionFrom measure:base ; tkg:exemptionFromProgramme programme:p ; "
        "tkg:exemptCountry country:JPN ; " + OK + " .",
    ),
    (
        "hs-range-backwards",
        (TKGSH.HSRangeShape, "same number of digits"),
        "ex:range a tkg:HSRange ; tkg:hsFrom hs:7229 ; tkg:hsTo hs:7206 .",
    ),
    (
        "no-provenance",
        (TKGSH.ResourceShape, "derived from a source"),
        'country:FRA a tkg:Country ; rdfs:label "France" ; tkg:iso3166Alpha3 "FRA" .',
    ),
    (
        "provenance-to-a-non-source",
        (TKGSH.ResourceShape, "derived from a source"),
        'country:FRA a tkg:Country ; rdfs:label "France" ; tkg:iso3166Alpha3 "FRA" ; '
        + "prov:wasDerivedFrom ex:somewhere .",
    ),
]


def test_every_sparql_constraint_has_a_bad_example() -> None:
    constraints = set(shapes().subjects(RDF.type, SH.SPARQLConstraint))
    covered = {sparql_constraint_of(*case[1]) for case in SPARQL_CASES}
    assert covered == constraints


@pytest.mark.parametrize("backend", ["rdflib", "oxigraph", "prepared"])
@pytest.mark.parametrize(
    ("where", "turtle"),
    [case[1:] for case in SPARQL_CASES],
    ids=[case[0] for case in SPARQL_CASES],
)
def test_sparql_constraint_rejects_bad_node(where: tuple[URIRef, str], turtle: str, backend: str) -> None:
    conforms, report = run(turtle, backend=backend)
    assert not conforms
    assert shape_message(sparql_constraint_of(*where)) in messages(report)


# --- date order is checked only when it is certain ---------------------------


POSSIBLE_DATE_ORDERS = [
    ('"2025-07-15"^^xsd:date', '"2025-07"^^xsd:gYearMonth'),
    ('"2025-07"^^xsd:gYearMonth', '"2025-07-01"^^xsd:date'),
    ('"2025"^^xsd:gYear', '"2025-01-01"^^xsd:date'),
    ('"2025-04-02"^^xsd:date', '"2025-04-02"^^xsd:date'),
    ('"2025-12-31"^^xsd:date', '"2025"^^xsd:gYear'),
    ('"2025-04-02Z"^^xsd:date', '"2025-04-05"^^xsd:date'),
]


@pytest.mark.parametrize("backend", ["rdflib", "oxigraph", "prepared"])
def test_date_order_does_not_fire_when_order_is_possible(backend: str) -> None:
    """Each pair could be in order at the stated precision, so none is reported."""
    turtle = "\n".join(
        f"measure:m{i} a tkg:Tariff ; tkg:imposedBy country:USA ; tkg:appliesTo country:JPN ; "
        f"{OK} ; tkg:announcedOn {announced} ; tkg:effectiveFrom {effective} ; "
        f"tkg:effectiveUntil {effective} ."
        for i, (announced, effective) in enumerate(POSSIBLE_DATE_ORDERS)
    )
    conforms, report = run(turtle, backend=backend)
    assert conforms, messages(report)


# --- property shapes: values, cardinalities and linked classes ---------------

PROPERTY_CASES = [
    ("rate-above-1000", MEASURE + " ; tkg:ratePercent 1000.5 .", "between 0 and 1000"),
    ("rate-negative", MEASURE + " ; tkg:ratePercent -1.0 .", "between 0 and 1000"),
    ("rate-as-string", MEASURE + ' ; tkg:ratePercent "10" .', "between 0 and 1000"),
    ("two-rates", MEASURE + " ; tkg:ratePercent 10.0, 20.0 .", "between 0 and 1000"),
    ("hts-heading", MEASURE + ' ; tkg:htsHeading "9903.1" .', "HTS heading"),
    ("no-imposer", "measure:bad a tkg:Tariff ; tkg:appliesToAll true ; " + OK + " .", "imposed by"),
    ("covers-country", MEASURE + " ; tkg:covers country:JPN .", "tkg:covers"),
    ("date-as-string", MEASURE + ' ; tkg:effectiveFrom "July" .', "tkg:effectiveFrom"),
    ("unknown-status", MEASURE + " ; tkg:status tkg:netProfit .", "tkg:status"),
    ("unknown-certainty", MEASURE + " ; tkg:certainty tkg:planned .", "tkg:certainty"),
    ("iso-lower-case", 'country:FRA a tkg:Country ; tkg:iso3166Alpha3 "fra" ; ' + OK + " .", "ISO"),
    ("iso-missing", "country:FRA a tkg:Country ; " + OK + " .", "ISO"),
    ("no-label", 'country:FRA a tkg:Country ; tkg:iso3166Alpha3 "FRA" ; prov:wasDerivedFrom src:test .',
     "rdfs:label"),
    ("same-as-literal", 'company:acme owl:sameAs "Q1" .', "owl:sameAs"),
    ("post-in-nothing", "post:bad a tkg:Post ; " + OK + " .", "exactly one country"),
    ("holds-a-country", "official:bad a tkg:Official ; tkg:holdsPost country:JPN ; " + OK + " .",
     "tkg:holdsPost"),
    ("hs-with-dots", 'product:bad a tkg:ProductCategory ; skos:notation "10.05" ; ' + OK + " .",
     "HS code"),
    ("one-party", "negotiation:bad a tkg:Negotiation ; tkg:party country:JPN ; " + OK + " .",
     "two parties"),
    ("round-zero", "event:bad a tkg:NegotiationRound ; tkg:partOf negotiation:talks ; "
     "tkg:roundNumber 0 ; tkg:participant official:someone ; " + OK + " .", "roundNumber"),
    ("round-without-negotiation", "event:bad a tkg:NegotiationRound ; "
     "tkg:participant official:someone ; " + OK + " .", "exactly one negotiation"),
    ("meeting-without-participant", "event:bad a tkg:Meeting ; " + OK + " .",
     "at least one participant"),
    ("event-two-dates", 'event:bad a tkg:Event ; tkg:date "2025-05-01"^^xsd:date, '
     '"2025-05-02"^^xsd:date ; ' + OK + " .", "at most one tkg:date"),
    ("proposal-without-proposer", "proposal:bad a tkg:Proposal ; tkg:proposedTo country:USA ; "
     + OK + " .", "made by exactly one country"),
    ("result-without-metric", "result:bad a tkg:FinancialResult ; tkg:company company:acme ; "
     + OK + " .", "exactly one metric"),
    ("result-change-as-string", "result:bad a tkg:FinancialResult ; tkg:company company:acme ; "
     'tkg:metric tkg:netProfit ; tkg:changePercent "-45.1" ; ' + OK + " .", "changePercent"),
    ("source-url-literal", 'src:test schema:url "https://example.org/a" .', "schema:url"),
    ("source-two-titles", 'src:test dcterms:title "Another title" .', "exactly one title"),
    ("exemption-two-measures", "exemption:bad a tkg:Exemption ; tkg:exemptionFrom measure:base, "
     "measure:base2 ; tkg:exemptCountry country:JPN ; " + OK + " .\n"
     "measure:base2 a tkg:Tariff ; tkg:imposedBy country:USA ; tkg:appliesToAll true ; "
     + OK + " .", "at most one trade measure"),
    ("exemption-from-nothing", "exemption:bad a tkg:Exemption ; tkg:exemptCountry country:JPN ; " + OK + " .",
     "measure (tkg:exemptionFrom) or one programme"),
    ("includes-hs-with-dots", "product:cars a tkg:ProductCategory ; tkg:includesHS id:hs\\/8703.23 ; " + OK + " .",
     "tkg:includesHS must name an HS code"),
    ("includes-hs-odd-digits", "product:cars a tkg:ProductCategory ; "
     "tkg:includesHS <https://w3id.org/tradekg/id/hs/870> ; "
     + OK + " .", "tkg:includesHS must name an HS code"),
    ("rate-basis-unknown", MEASURE + " ; tkg:rateBasis tkg:inForce .", "tkg:rateBasis takes"),
    ("qualification-unknown", "product:x a tkg:ProductCategory ; tkg:qualification tkg:inForce ; " + OK + " .",
     "tkg:qualification takes"),
    ("rule-without-legal-basis", "rule:r a tkg:StackingRule ; tkg:prevailing measure:base ; "
     "tkg:displaced measure:base ; "
     'tkg:effectiveFrom "2025-04-29"^^xsd:date ; ' + OK + " .", "legal instrument that lays it down"),
    ("rule-displacing-a-country", "rule:r a tkg:StackingRule ; tkg:prevailing measure:base ; "
     "tkg:displaced country:JPN ; "
     'tkg:legalBasis measure:base ; tkg:effectiveFrom "2025-04-29"^^xsd:date ; ' + OK + " .", "displaced side"),
    ("quota-of-zero", "measure:q a tkg:TariffRateQuota ; tkg:imposedBy country:USA ; tkg:appliesToAll true ; "
     'tkg:quotaQuantity 0.0 ; tkg:quotaUnit "vehicles"@en ; tkg:inQuotaMeasure measure:base ; ' + OK + " .",
     "tkg:quotaQuantity"),
    ("quota-without-in-quota-measure", "measure:q a tkg:TariffRateQuota ; tkg:imposedBy country:USA ; "
     'tkg:appliesToAll true ; tkg:quotaQuantity 10.0 ; tkg:quotaUnit "vehicles"@en ; ' + OK + " .",
     "in-quota measure"),
    ("mfn-rate-two-codes", "mfn:usa-8703 a tkg:MFNRate ; tkg:rateFor hs:8703, hs:8704 ; tkg:imposedBy country:USA ; "
     + OK + " .", "exactly one HS code"),
    ("statutory-basis-not-statute", "instrument:eo a tkg:LegalInstrument ; tkg:statutoryBasis country:USA ; "
     + OK + " .", "tkg:statutoryBasis must point"),
    ("status-period-bad-status", "status:p a tkg:StatusPeriod ; tkg:statusOf measure:base ; tkg:status tkg:allInRate ; "
     'tkg:effectiveFrom "2025-04-29"^^xsd:date ; ' + OK + " .", "tkg:status takes"),
    ("legal-basis-not-instrument", MEASURE + " ; tkg:legalBasis country:USA .", "tkg:legalBasis"),
    ("instrument-two-ids", 'instrument:eo a tkg:LegalInstrument ; schema:legislationIdentifier '
     '"EO 1", "EO 2" ; ' + OK + " .", "at most one identifier"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("turtle", "needle"),
    [case[1:] for case in PROPERTY_CASES],
    ids=[case[0] for case in PROPERTY_CASES],
)
def test_property_shape_rejects_bad_value(turtle: str, needle: str) -> None:
    conforms, report = run(turtle)
    assert not conforms
    assert any(needle in m for m in messages(report)), messages(report)


# --- every shape speaks to people ---------------------------------------------


def test_every_shape_and_constraint_has_a_message() -> None:
    g = shapes()
    shape_nodes = (
        set(g.subjects(RDF.type, SH.NodeShape))
        | set(g.subjects(RDF.type, SH.PropertyShape))
        | set(g.subjects(SH.path, None))
        | set(g.subjects(RDF.type, SH.SPARQLConstraint))
    )
    # Members of sh:or lists only carry a datatype; their property shape speaks.
    silent = [s for s in shape_nodes if g.value(s, SH.message) is None]
    assert silent == []
    assert len(shape_nodes) > 80


def test_shapes_target_tkg_classes_only() -> None:
    g = shapes()
    targets = set(g.objects(None, SH.targetClass))
    assert targets
    assert all(str(t).startswith(str(vocab.TKG)) for t in targets)
    for predicate in (
        SH.targetNode,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.target,
    ):
        assert list(g.subject_objects(predicate)) == []
