"""A VoID description of the dataset: statistics, vocabularies, example resources, endpoint and dumps.

Follows the W3C "Describing Linked Datasets with the VoID Vocabulary" note: one ``void:Dataset`` with its
counts, a class partition and a property partition, one subset per named graph (one per source), and the
addresses the server gives (SPARQL endpoint, data dumps, URI space).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from tradekg.graph.load import VOCABULARY_GRAPHS
from tradekg.linkeddata.vocabulary import vocabulary
from tradekg.ontology.vocab import ONTOLOGY_IRI, PREFIXES
from tradekg.store.interface import TradeStore

VOID = "http://rdfs.org/ns/void#"
DCTERMS = PREFIXES["dcterms"]
XSD_INTEGER = ox.NamedNode(PREFIXES["xsd"] + "integer")
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
SD_NAME = "http://www.w3.org/ns/sparql-service-description#name"
VOID_PREFIXES = {**PREFIXES, "void": VOID, "sd": "http://www.w3.org/ns/sparql-service-description#"}


@dataclass(frozen=True)
class Addresses:
    """Where the server publishes the dataset."""

    dataset: str
    sparql_endpoint: str
    dumps: Sequence[str]
    uri_space: str
    examples: Sequence[str] = ()


def _count(store: TradeStore, query: str) -> int:
    answer = store.query(query)
    assert isinstance(answer, ox.QuerySolutions)
    return int(next(iter(answer))[0].value)


def _rows(store: TradeStore, query: str) -> list[tuple[ox.Term, ...]]:
    answer = store.query(query)
    assert isinstance(answer, ox.QuerySolutions)
    return [tuple(solution) for solution in answer]


class _Builder:
    """Collects triples, with helpers for the counts VoID states."""

    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, subject: ox.NamedNode | ox.BlankNode, predicate: str, obj: ox.Term) -> None:
        self.triples.append(ox.Triple(subject, ox.NamedNode(predicate), obj))

    def count(self, subject: ox.NamedNode | ox.BlankNode, predicate: str, value: int) -> None:
        self.add(subject, predicate, ox.Literal(str(value), datatype=XSD_INTEGER))


def _graph_key(iri: str) -> str:
    """A readable, stable fragment for a graph's subset (``graph-econotimes-japan-tariff-relief``)."""
    tail = iri.rstrip("/#").rsplit("/", 1)[-1]
    return "graph-" + re.sub(r"[^A-Za-z0-9_-]+", "-", tail).strip("-")


def void_triples(store: TradeStore, addresses: Addresses) -> list[ox.Triple]:
    """The VoID description of the store's dataset as triples."""
    dataset = ox.NamedNode(addresses.dataset)
    vocab = vocabulary(store)
    out = _Builder()
    out.add(dataset, RDF_TYPE.value, ox.NamedNode(VOID + "Dataset"))
    out.add(dataset, DCTERMS + "title", ox.Literal("tradekg: trade policy as linked data", language="en"))
    if vocab.description:
        out.add(dataset, DCTERMS + "description", ox.Literal(vocab.description, language="en"))
    header = ox.NamedNode(str(ONTOLOGY_IRI))
    for quad in store.quads_for_pattern(header, ox.NamedNode(DCTERMS + "license"), None, None):
        out.add(dataset, DCTERMS + "license", quad.object)
    out.add(dataset, VOID + "sparqlEndpoint", ox.NamedNode(addresses.sparql_endpoint))
    for dump in addresses.dumps:
        out.add(dataset, VOID + "dataDump", ox.NamedNode(dump))
    out.add(dataset, VOID + "uriSpace", ox.Literal(addresses.uri_space))
    for example in addresses.examples:
        out.add(dataset, VOID + "exampleResource", ox.NamedNode(example))
    for feature in ("Turtle", "N-Triples", "RDF_XML", "JSON-LD", "TriG", "N-Quads"):
        out.add(dataset, VOID + "feature", ox.NamedNode("http://www.w3.org/ns/formats/" + feature))
    space = ox.Literal(addresses.uri_space)
    out.count(dataset, VOID + "triples", store.triple_count())
    for name, query in (
        ("entities", f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), {space})) }}"),
        ("distinctSubjects", "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        ("distinctObjects", "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        ("properties", "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
        ("classes", "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"),
    ):
        out.count(dataset, VOID + name, _count(store, query))
    out.add(dataset, VOID + "vocabulary", ox.NamedNode(PREFIXES["tkg"]))
    used = {row[0].value for row in _rows(store, "SELECT DISTINCT ?p WHERE { ?s ?p ?o }")}
    used |= {row[0].value for row in _rows(store, "SELECT DISTINCT ?c WHERE { ?s a ?c }")}
    for prefix, namespace in sorted(PREFIXES.items()):
        if prefix not in ("tkg", "id", "wd") and any(iri.startswith(namespace) for iri in used):
            out.add(dataset, VOID + "vocabulary", ox.NamedNode(namespace))
    for cls, count in _rows(store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"):
        part = ox.BlankNode()
        out.add(dataset, VOID + "classPartition", part)
        out.add(part, VOID + "class", cls)
        out.count(part, VOID + "entities", int(count.value))
    for prop, count in _rows(
        store,
        "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p",
    ):
        part = ox.BlankNode()
        out.add(dataset, VOID + "propertyPartition", part)
        out.add(part, VOID + "property", prop)
        out.count(part, VOID + "triples", int(count.value))
    graphs = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    for graph, count in _rows(store, graphs):
        subset = ox.NamedNode(addresses.dataset.split("#")[0] + "#" + _graph_key(graph.value))
        out.add(dataset, VOID + "subset", subset)
        out.add(subset, RDF_TYPE.value, ox.NamedNode(VOID + "Dataset"))
        out.add(subset, SD_NAME, graph)
        out.count(subset, VOID + "triples", int(count.value))
        if graph.value in VOCABULARY_GRAPHS:
            out.add(subset, DCTERMS + "description", ox.Literal("The ontology or the SHACL shapes.", language="en"))
    return out.triples
