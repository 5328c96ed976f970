"""Tests of the tkg OWL vocabulary (trade.ttl) and of vocab.py."""

from __future__ import annotations

from functools import cache

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, PROV, SKOS

from tradekg.ontology import vocab
from tradekg.ontology.vocab import ONTOLOGY_IRI, TKG

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
VANN = Namespace("http://purl.org/vocab/vann/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")

REQUIRED_CLASSES = [
    "Country", "Official", "Post", "Company", "LegalInstrument", "TradeMeasure", "Tariff",
    "Exemption", "ProductCategory", "Negotiation", "Event", "Meeting", "NegotiationRound",
    "Proposal", "TradeAgreement", "Truce", "FinancialResult", "Source",
]  # fmt: skip

REQUIRED_PROPERTIES = [
    "iso3166Alpha3", "holdsPost", "postIn", "imposedBy", "appliesTo", "ratePercent", "covers",
    "announcedOn", "effectiveFrom", "effectiveUntil", "announcedBy", "legalBasis", "htsHeading",
    "exemptionFrom", "exemptCountry", "exemptProduct", "seeksReliefFrom", "proposedBy",
    "proposedTo", "partOf", "concerns", "party", "participant", "date", "location",
    "roundNumber", "outcome", "concludedOn", "company", "metric", "changePercent",
    "fiscalYearEnd", "basedIn",
]  # fmt: skip

PROPERTY_TYPES = (
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
)


@cache
def ontology() -> Graph:
    """Return the parsed ontology (parsed once per test session)."""
    return Graph().parse(vocab.ONTOLOGY_PATH, format="turtle")


def declared_terms(graph: Graph) -> set[URIRef]:
    """Return every IRI in the tkg: namespace that is the subject of an rdf:type."""
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(TKG)}


def tkg_properties(graph: Graph) -> set[URIRef]:
    """Return every tkg: term typed as a property."""
    return {
        s for t in PROPERTY_TYPES for s in graph.subjects(RDF.type, t) if isinstance(s, URIRef) and s.startswith(TKG)
    }


def union_members(graph: Graph, node: object) -> set[object]:
    """Return the members of an owl:unionOf class expression, or the node itself."""
    union = graph.value(node, OWL.unionOf)  # type: ignore[arg-type]
    if union is None:
        return {node}
    return set(Collection(graph, union))


def test_ontology_parses_and_is_not_trivial() -> None:
    assert len(ontology()) > 300


def test_ontology_header() -> None:
    g = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    assert g.value(ONTOLOGY_IRI, DCTERMS.title) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.description) is not None
    assert g.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    assert g.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert g.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix) == Literal("tkg")
    assert g.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri) == Literal(str(TKG))


def test_every_declared_term_has_english_label_and_comment() -> None:
    g = ontology()
    terms = declared_terms(g)
    assert len(terms) > 60
    missing = []
    for term in sorted(terms):
        labels = [o for o in g.objects(term, RDFS.label) if isinstance(o, Literal) and o.language == "en"]
        comments = [o for o in g.objects(term, RDFS.comment) if isinstance(o, Literal) and o.language == "en"]
        if not labels or not comments:
            missing.append(term)
    assert missing == []


def test_every_property_has_domain_and_range() -> None:
    g = ontology()
    props = tkg_properties(g)
    assert len(props) >= len(REQUIRED_PROPERTIES)
    assert [p for p in sorted(props) if g.value(p, RDFS.domain) is None] == []
    assert [p for p in sorted(props) if g.value(p, RDFS.range) is None] == []


@pytest.mark.parametrize("name", REQUIRED_CLASSES)
def test_required_class_exists(name: str) -> None:
    assert (TKG[name], RDF.type, OWL.Class) in ontology()


@pytest.mark.parametrize("name", REQUIRED_PROPERTIES)
def test_required_property_exists(name: str) -> None:
    assert TKG[name] in tkg_properties(ontology())


@pytest.mark.parametrize(
    ("sub", "sup"),
    [
        (TKG.Tariff, TKG.TradeMeasure),
        (TKG.Meeting, TKG.Event),
        (TKG.NegotiationRound, TKG.Meeting),
        (TKG.Truce, TKG.TradeAgreement),
        (TKG.Post, ORG.Post),
        (TKG.ProductCategory, SKOS.Concept),
        (TKG.LegalInstrument, SCHEMA.Legislation),
        (TKG.Source, PROV.Entity),
        (TKG.Official, FOAF.Person),
        (TKG.Country, SCHEMA.Country),
    ],
)
def test_class_hierarchy_and_alignment(sub: URIRef, sup: URIRef) -> None:
    assert (sub, RDFS.subClassOf, sup) in ontology()


def test_holds_post_aligns_with_org_holds() -> None:
    assert (TKG.holdsPost, RDFS.subPropertyOf, ORG.holds) in ontology()


@pytest.mark.parametrize(
    ("prop", "domain", "range_"),
    [
        ("holdsPost", {TKG.Official}, TKG.Post),
        ("postIn", {TKG.Post}, TKG.Country),
        ("imposedBy", {TKG.TradeMeasure}, TKG.Country),
        ("appliesTo", {TKG.TradeMeasure}, TKG.Country),
        ("ratePercent", {TKG.TradeMeasure, TKG.Exemption}, XSD.decimal),
        ("covers", {TKG.TradeMeasure}, TKG.ProductCategory),
        (
            "announcedBy",
            {TKG.TradeMeasure, TKG.Exemption, TKG.TradeAgreement},
            TKG.Official,
        ),
        ("exemptionFrom", {TKG.Exemption}, TKG.TradeMeasure),
        ("seeksReliefFrom", {TKG.Country, TKG.Proposal}, TKG.TradeMeasure),
        ("proposedBy", {TKG.Proposal}, TKG.Country),
        ("proposedTo", {TKG.Proposal}, TKG.Country),
        ("partOf", {TKG.Proposal, TKG.NegotiationRound}, TKG.Negotiation),
        ("concerns", {TKG.Proposal}, TKG.ProductCategory),
        ("party", {TKG.Negotiation, TKG.TradeAgreement}, TKG.Country),
        ("participant", {TKG.Event}, TKG.Official),
        ("date", {TKG.Event}, TKG.DateOrPartialDate),
        ("roundNumber", {TKG.NegotiationRound}, XSD.integer),
        ("company", {TKG.FinancialResult}, TKG.Company),
        ("changePercent", {TKG.FinancialResult}, XSD.decimal),
        ("basedIn", {TKG.Company}, TKG.Country),
    ],
)
def test_domain_and_range(prop: str, domain: set[URIRef], range_: URIRef) -> None:
    g = ontology()
    assert union_members(g, g.value(TKG[prop], RDFS.domain)) == domain
    assert g.value(TKG[prop], RDFS.range) == range_


def test_date_properties_accept_partial_dates() -> None:
    g = ontology()
    expr = g.value(TKG.DateOrPartialDate, OWL.equivalentClass)
    assert union_members(g, expr) == {XSD.date, XSD.gYearMonth, XSD.gYear}
    for name in (
        "announcedOn",
        "effectiveFrom",
        "effectiveUntil",
        "date",
        "concludedOn",
        "fiscalYearEnd",
    ):
        assert g.value(TKG[name], RDFS.range) == TKG.DateOrPartialDate, name


@pytest.mark.parametrize(
    ("scheme", "members"),
    [
        ("statusScheme", {"planned", "held", "ongoing", "concluded", "announced", "scheduled", "inForce",
                          "suspended", "ended"}),
        ("certaintyScheme", {"stated", "reported", "tentative"}),
        ("metricScheme", {"netProfit", "operatingProfit", "revenue"}),
    ],
)  # fmt: skip
def test_concept_schemes(scheme: str, members: set[str]) -> None:
    g = ontology()
    assert (TKG[scheme], RDF.type, SKOS.ConceptScheme) in g
    assert set(g.subjects(SKOS.inScheme, TKG[scheme])) == {TKG[m] for m in members}


def test_every_tkg_term_used_in_the_ontology_is_declared() -> None:
    g = ontology()
    declared = declared_terms(g)
    used = {t for triple in g for t in triple if isinstance(t, URIRef) and t.startswith(TKG)}
    assert used - declared == set()


# --- vocab.py ----------------------------------------------------------------


def test_vocab_constants() -> None:
    assert str(vocab.TKG) == "https://w3id.org/tradekg/ontology#"
    assert str(vocab.ID) == "https://w3id.org/tradekg/id/"
    assert vocab.ONTOLOGY_IRI == URIRef("https://w3id.org/tradekg/ontology")
    assert vocab.SHAPES_GRAPH_IRI == URIRef("https://w3id.org/tradekg/shapes")
    assert vocab.ONTOLOGY_PATH.is_file()
    assert vocab.SHAPES_PATH.is_file()
    assert set(vocab.PREFIXES) == {
        "tkg", "id", "rdf", "rdfs", "owl", "xsd", "skos", "schema", "org", "prov", "dcterms", "time",
        "foaf", "sh", "wd", "tkgsh",
    }  # fmt: skip
    assert vocab.PREFIXES["wd"] == "http://www.wikidata.org/entity/"


def test_vocab_iri_helpers() -> None:
    assert vocab.country_iri("JPN") == URIRef("https://w3id.org/tradekg/id/country/JPN")
    assert vocab.country_iri("gbr") == URIRef("https://w3id.org/tradekg/id/country/GBR")
    slug = "econotimes-japan-tariff-relief"
    assert vocab.source_iri(slug) == URIRef(f"https://w3id.org/tradekg/id/source/{slug}")
    assert vocab.source_graph_iri(slug) == URIRef(f"https://w3id.org/tradekg/id/graph/{slug}")
    assert vocab.slug_of_source(vocab.source_graph_iri(slug)) == slug
    assert vocab.slug_of_source(vocab.source_iri(slug)) == slug


@pytest.mark.parametrize("bad", ["JP", "JAPAN", "J1N", ""])
def test_country_iri_rejects_bad_codes(bad: str) -> None:
    with pytest.raises(ValueError):
        vocab.country_iri(bad)


@pytest.mark.parametrize("bad", ["Bad_Slug", "a//b", "-x", "x-", "with space", ""])
def test_source_helpers_reject_bad_slugs(bad: str) -> None:
    with pytest.raises(ValueError):
        vocab.source_iri(bad)
    with pytest.raises(ValueError):
        vocab.source_graph_iri(bad)


def test_slug_of_source_rejects_foreign_iri() -> None:
    with pytest.raises(ValueError):
        vocab.slug_of_source("http://example.org/source/x")
