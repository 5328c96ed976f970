"""Tests of the validation graph (tradekg/graph/validate.py) beyond the shapes themselves."""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, Literal, URIRef

from tradekg.graph.validate import validate_graph, with_ontology
from tradekg.ontology.vocab import TKG

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
