"""validate_graph: the graph it builds still follows subclasses and answers each SPARQL constraint per focus node."""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, Literal, URIRef

from tradekg.gate.validate import PreparedQueryGraph, validate_graph, with_ontology
from tradekg.ontology.vocab import TKG

DATA = """\
@prefix tkg: <https://w3id.org/tradekg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix src: <https://w3id.org/tradekg/id/source/> .
@prefix country: <https://w3id.org/tradekg/id/country/> .
@prefix measure: <https://w3id.org/tradekg/id/measure/> .

src:s a tkg:Source ; rdfs:label "S" ; dcterms:title "S" ; dcterms:publisher "P" ; prov:wasDerivedFrom src:s .
country:USA a tkg:Country ; rdfs:label "USA" ; tkg:iso3166Alpha3 "USA" ; prov:wasDerivedFrom src:s .
country:JPN a tkg:Country ; rdfs:label "JPN" ; tkg:iso3166Alpha3 "JPN" ; prov:wasDerivedFrom src:s .
measure:good a tkg:Tariff ; rdfs:label "good" ; tkg:imposedBy country:USA ; tkg:appliesTo country:JPN ;
    prov:wasDerivedFrom src:s .
measure:bad a tkg:Tariff ; rdfs:label "bad" ; tkg:imposedBy country:USA ; prov:wasDerivedFrom src:s .
"""


def test_the_validation_graph_caches_parsed_queries() -> None:
    assert isinstance(with_ontology(Graph()), PreparedQueryGraph)


def test_a_tariff_is_checked_by_trade_measure_sparql_constraints_at_each_focus_node() -> None:
    data = Graph().parse(data=DATA, format="turtle")
    for _ in range(2):  # the second run answers from the parsed-query cache
        report = validate_graph(data)
        assert not report.conforms
        assert {violation.focus_node for violation in report.violations} == {
            "<https://w3id.org/tradekg/id/measure/bad>"
        }
        assert any("appliesTo" in violation.message for violation in report.violations)


POST = URIRef("https://w3id.org/tradekg/id/post/x")


def test_the_merged_graph_counts_its_triples_as_it_iterates_them() -> None:
    data = Graph()
    data.add((POST, RDF.type, TKG.Post))
    data.add((POST, RDFS.label, Literal("A post", lang="en")))
    data.add((POST, RDFS.label, Literal("A post", lang="en")))  # the same triple twice counts once
    merged = with_ontology(data)
    assert len(merged) == sum(1 for _ in merged.triples((None, None, None)))
    assert (POST, RDF.type, TKG.Post) in merged
    assert len(merged) == len(with_ontology(Graph())) + 2


def test_a_cheap_count_does_not_hide_violations() -> None:
    data = Graph()
    data.add((POST, RDF.type, TKG.Post))  # no label, no source, no country
    report = validate_graph(data)
    assert not report.conforms
    assert {violation.path for violation in report.violations} >= {"rdfs:label", "tkg:postIn"}


def test_validation_reads_the_class_hierarchy_but_copies_no_annotations() -> None:
    merged = with_ontology(Graph())
    assert (TKG.Tariff, RDFS.subClassOf, TKG.TradeMeasure) in merged
    assert not list(merged.triples((None, RDFS.comment, None)))
    assert not list(merged.triples((None, RDFS.label, None)))
