"""Validating a change by the nodes it touches, over their neighbourhood read from the store.

Both ways data enters the store use this: the write gate (:mod:`tradekg.graph.writes`) and the loader
(:func:`tradekg.graph.load.load_quads`, when the store already holds data). Only the nodes a change touches are
focus nodes, and only what their shapes can read is copied out of the store, so the cost follows the change, not
the store.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Protocol

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Graph, URIRef
from rdflib.term import Node

from tradekg.graph.store import to_rdflib
from tradekg.graph.validate import (
    ValidationReport,
    backward_predicates,
    ontology_graph,
    validate_graph,
    with_ontology,
)
from tradekg.ontology.vocab import ONTOLOGY_IRI, SHAPES_GRAPH_IRI

PROTECTED = frozenset(ox.NamedNode(str(iri)) for iri in (ONTOLOGY_IRI, SHAPES_GRAPH_IRI))
"""The ontology and shapes graphs: never part of a neighbourhood (the validator merges the ontology itself)."""
ONTOLOGY = ox.NamedNode(str(ONTOLOGY_IRI))
RDF_TYPE = ox.NamedNode(str(RDF.type))


class QuadSource(Protocol):
    """Anything read by quad pattern: an Oxigraph store, or :class:`~tradekg.graph.changes.AfterView`."""

    def quads_for_pattern(self, *pattern: object) -> Iterable[ox.Quad]:
        """The quads matching ``(subject, predicate, object, graph)``."""
        ...


def touched_nodes(quads: Iterable[ox.Quad]) -> set[ox.NamedNode | ox.BlankNode]:
    """The nodes whose shapes may see the changed quads: their subjects, and the objects of backward-read predicates.

    Shapes read forward from a focus node (its values, their types and values), and backwards only along
    :func:`~tradekg.graph.validate.backward_predicates`. A changed triple is therefore seen by its subject's shapes,
    and by its object's only when its predicate is one of those. (Objects of other triples were once validated too:
    for a new tariff that meant re-validating every country, product and source it mentions, half the time of a
    write, for results that cannot change.)
    """
    backward = {ox.NamedNode(str(predicate)) for predicate in backward_predicates()}
    nodes: set[ox.NamedNode | ox.BlankNode] = set()
    for quad in quads:
        if isinstance(quad.subject, ox.NamedNode | ox.BlankNode):
            nodes.add(quad.subject)
        if isinstance(quad.object, ox.NamedNode | ox.BlankNode) and quad.predicate in backward:
            nodes.add(quad.object)
    return nodes


def data_nodes(store: QuadSource, nodes: Iterable[ox.NamedNode | ox.BlankNode]) -> set[ox.NamedNode | ox.BlankNode]:
    """``nodes`` without the ontology's own terms (classes, properties, status values).

    A term the ontology describes is vocabulary, not data: no shape targets it, so it is not a focus node. Left in,
    the class of a new tariff would bring every tariff of the store into the neighbourhood.
    """
    return {node for node in nodes if not any(True for _ in store.quads_for_pattern(node, None, None, ONTOLOGY))}


@functools.cache
def backward_walks() -> tuple[tuple[ox.NamedNode, frozenset[ox.NamedNode] | None], ...]:
    """Each backward-read predicate with the classes its objects have (its ``rdfs:range`` and their subclasses).

    ``None`` where the ontology gives no class range. A predicate whose range is a datatype is left out: no node is
    its object. Walking a predicate backwards from a node of another class finds nothing, and Oxigraph answers
    ``(?, predicate, node)`` by reading every quad whose object is the node: for a country at 10^7 quads, hundreds of
    thousands of them, on every write that mentions it.
    """
    ontology = ontology_graph()
    walks = []
    for predicate in sorted(backward_predicates()):
        ranges = [value for value in ontology.objects(predicate, RDFS.range) if isinstance(value, URIRef)]
        if any(str(value).startswith(str(XSD)) or value == RDFS.Literal for value in ranges):
            continue
        classes = None
        if ranges:
            classes = frozenset(
                ox.NamedNode(str(subclass))
                for value in ranges
                for subclass in ontology.transitive_subjects(RDFS.subClassOf, value)
                if isinstance(subclass, URIRef)
            )
        walks.append((ox.NamedNode(str(predicate)), classes))
    return tuple(walks)


def neighbourhood(
    store: QuadSource, nodes: Iterable[ox.NamedNode | ox.BlankNode], *, into: Graph | None = None
) -> Graph:
    """The data the shapes on ``nodes`` can read: two steps out, and back along the predicates shapes walk backwards.

    Shapes read forward from a focus node (its values, the types of its values, their source). Only the predicates
    of :func:`~tradekg.graph.validate.backward_predicates` are walked backwards (``?other tkg:partOf ?negotiation``
    in the round-number constraint): for those, the nodes pointing at a node within one step, with their triples.
    A hub (a country with ten thousand measures) is read no further than that. Each node is read once however
    many focus nodes reach it; blank nodes are skolemised (pySHACL takes only IRIs as focus nodes).

    Args:
        store: What to read (the store, or the store as it would be after a change).
        nodes: The focus nodes.
        into: The graph to add to (by default a new one).
    """
    graph = Graph() if into is None else into
    walks = backward_walks()
    terms: dict[object, Node] = {}
    read_out: dict[object, list[ox.Quad]] = {}
    read_in: set[object] = set()

    def term(value: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
        found = terms.get(value)
        if found is None:
            found = to_rdflib(value)
            found = terms[value] = found.skolemize() if isinstance(found, BNode) else found
        return found

    def add(quad: ox.Quad) -> None:
        if quad.graph_name not in PROTECTED:
            graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))  # type: ignore[arg-type]

    def add_outgoing(node: object) -> list[ox.Quad]:
        found = read_out.get(node)
        if found is None:
            found = read_out[node] = list(store.quads_for_pattern(node, None, None, None))
            for quad in found:
                add(quad)
        return found

    def add_incoming(node: object) -> None:
        if node in read_in:
            return
        read_in.add(node)
        types = {quad.object for quad in store.quads_for_pattern(node, RDF_TYPE, None, None)}
        for predicate, classes in walks:
            if classes is not None and types and not types & classes:
                continue  # a typed node outside the predicate's range is no value of it (an untyped one may be)
            for quad in store.quads_for_pattern(None, predicate, node, None):
                add(quad)
                add_outgoing(quad.subject)

    for node in nodes:
        for quad in add_outgoing(node):
            if isinstance(quad.object, ox.NamedNode | ox.BlankNode):
                add_outgoing(quad.object)
                add_incoming(quad.object)
        add_incoming(node)
    return graph


def focus_terms(nodes: Iterable[ox.NamedNode | ox.BlankNode]) -> list[Node]:
    """Oxigraph nodes as rdflib focus nodes; blank nodes skolemised, as pySHACL takes only IRIs as focus nodes."""
    terms = [to_rdflib(node) for node in nodes]
    return [term.skolemize() if isinstance(term, BNode) else term for term in terms]


def validate_change(view: QuadSource, changed: Iterable[ox.Quad]) -> tuple[ValidationReport, int, int]:
    """Validate the nodes ``changed`` touches over their neighbourhood in ``view`` (the store after the change).

    Returns:
        The report, the number of focus nodes and the number of triples validated.
    """
    focus = data_nodes(view, touched_nodes(changed))
    graph = with_ontology(Graph())
    ontology_size = len(graph)
    neighbourhood(view, focus, into=graph)
    report = validate_graph(graph, focus_nodes=focus_terms(focus), merge_ontology=False)
    return report, len(focus), len(graph) - ontology_size
