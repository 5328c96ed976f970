"""Validating focus nodes with the compiled shapes: Oxigraph evaluates them on what their validation reads.

The write gate finds, for a change, each shape's focus nodes and every data quad their validation reads
(:mod:`tradekg.gate.neighbourhood`). Here those quads go into a small in-memory Oxigraph store (kept between
calls, with the ontology's types and hierarchies already in its default graph, :func:`validation_ontology`),
the focus nodes into its focus graph, and each shape's compiled query (:mod:`tradekg.gate.shacl_sparql.compiler`)
returns its violations. The shapes the compiler does not translate are validated by pySHACL as before
(:func:`tradekg.gate.validate.validate_targets`) on an rdflib copy of the same quads; the compiler names them
in the log once, at start-up.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from tradekg.gate.shacl_sparql.compiler import FOCUS, FOCUS_GRAPH, Check, CompiledShapes, compile_shapes
from tradekg.gate.shacl_sparql.direct import Index, IndexedQuads, direct_violations, indexed
from tradekg.gate.shacl_sparql.functions import EXTENSION_FUNCTIONS
from tradekg.gate.validate import (
    ValidationReport,
    Violation,
    shape_name,
    shapes_graph,
    short_name,
    validate_targets,
    validation_ontology,
    with_ontology,
)
from tradekg.store.interface import to_engine, to_rdflib

LOG = logging.getLogger(__name__)
DATA_GRAPH = ox.NamedNode("urn:tradekg:shacl:data")
DEFAULT_GRAPHS = [ox.DefaultGraph(), DATA_GRAPH]
Term = ox.NamedNode | ox.BlankNode | ox.Literal

_COMPILING = threading.Lock()


def compiled_shapes() -> CompiledShapes:
    """The shapes of ``tradekg/ontology/shapes.ttl``, compiled once per process; unsupported ones are logged."""
    with _COMPILING:
        return _compiled()


@functools.cache
def _compiled() -> CompiledShapes:
    found = compile_shapes(shapes_graph())
    log_unsupported(found)
    return found


def log_unsupported(found: CompiledShapes) -> None:
    """Warn, once per shape, that a shape is validated by pySHACL, and why."""
    for shape, reason in found.unsupported.items():
        LOG.warning("shape %s is validated by pySHACL, not compiled to SPARQL: %s", short_name(shape), reason)


_SCRATCH: queue.SimpleQueue[ox.Store] = queue.SimpleQueue()


def _ontology_store() -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(*(to_engine(term) for term in triple)) for triple in validation_ontology())  # type: ignore[misc]
    return store


@functools.cache
def _ontology_index() -> tuple[Index, Index]:
    """The ontology's validated part as the scratch store holds it (canonical literals), indexed for direct tests."""
    return indexed(_ontology_store())


@contextmanager
def _scratch() -> Iterator[ox.Store]:
    """An in-memory store holding the ontology's validated part; emptied of the rest and kept for the next call."""
    try:
        store = _SCRATCH.get_nowait()
    except queue.Empty:
        store = _ontology_store()
    yield store
    store.clear_graph(DATA_GRAPH)
    store.clear_graph(FOCUS_GRAPH)
    _SCRATCH.put(store)


def _violation(check: Check, focus: Term, value: Term | None) -> Violation:
    shapes = shapes_graph()
    path = check.path
    return Violation(
        focus_node=short_name(to_rdflib(focus)),
        shape=shape_name(check.shape, shapes),
        message=check.message or f"{short_name(check.component)} violated",
        severity="Violation",
        path=short_name(path) if isinstance(path, URIRef) else "",
        value=short_name(to_rdflib(value)) if value is not None else "",
        constraint=short_name(check.component),
    )


def compiled_violations(
    quads: Iterable[ox.Quad], focus: Mapping[Node, Iterable[Term]], compiled: CompiledShapes
) -> list[Violation]:
    """The violations of the compiled shapes among ``focus`` (shape -> focus nodes), over ``quads``."""
    found: dict[tuple[int, Node, Term, Term | None], Violation] = {}
    with _scratch() as store:
        store.extend(ox.Quad(quad.subject, quad.predicate, quad.object, DATA_GRAPH) for quad in quads)
        shapes = [compiled.compiled[shape] for shape in focus if shape in compiled.compiled]
        store.extend(
            ox.Quad(shape.node, FOCUS, node, FOCUS_GRAPH) for shape in shapes for node in focus[shape.shape]
        )  # fmt: skip
        rows = (
            (shape, row)
            for shape in shapes
            for query in shape.queries
            for row in store.query(
                query, default_graph=DEFAULT_GRAPHS, named_graphs=[FOCUS_GRAPH],
                custom_functions=EXTENSION_FUNCTIONS,  # type: ignore[arg-type]
            )  # type: ignore[union-attr]
        )  # fmt: skip
        for shape, row in rows:
            number = int(row["check"].value)  # type: ignore[union-attr]
            key = (number, shape.shape, row["focus"], row["value"])
            if key not in found:
                found[key] = _violation(shape.checks[number], row["focus"], row["value"])  # type: ignore[arg-type]
        tested = [shape for shape in shapes if shape.direct]
        if tested:  # read back from the store: its terms, literals in canonical form, as the queries read them
            dataset = IndexedQuads(store.quads_for_pattern(None, None, None, DATA_GRAPH), _ontology_index())
            for shape in tested:
                for quad in store.quads_for_pattern(shape.node, FOCUS, None, FOCUS_GRAPH):
                    node = quad.object
                    for number, test in shape.direct:
                        for value in direct_violations(test, node, dataset):  # type: ignore[arg-type]
                            key = (number, shape.shape, node, value)
                            if key not in found:
                                found[key] = _violation(shape.checks[number], node, value)  # type: ignore[arg-type]
    return list(found.values())


def validate_focus(
    quads: Iterable[ox.Quad], focus: Mapping[Node, Iterable[Term]], *, compiled: CompiledShapes | None = None
) -> ValidationReport:
    """Validate each shape on its focus nodes over ``quads`` (the data their validation reads).

    Compiled shapes are evaluated by Oxigraph; the others by pySHACL over an rdflib copy of ``quads``.

    Args:
        quads: Every data quad the shapes read from their focus nodes (graph names are ignored).
        focus: The focus nodes, by shape node of the shapes graph.
        compiled: The compiled shapes (default: :func:`compiled_shapes`, those of ``shapes.ttl``).
    """
    quads = list(quads)
    compiled = compiled_shapes() if compiled is None else compiled
    violations = compiled_violations(quads, focus, compiled)
    conforms = not violations
    unsupported = compiled.unsupported
    left = {shape: [to_rdflib(node) for node in nodes] for shape, nodes in focus.items() if shape in unsupported}
    if left:
        graph = with_ontology(Graph())
        graph.addN((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object), graph) for q in quads)  # type: ignore[arg-type]
        report = validate_targets(graph, left)
        conforms = conforms and report.conforms
        violations.extend(report.violations)
    ordered = tuple(sorted(violations, key=lambda item: (item.shape, item.focus_node, item.path, item.message)))
    return ValidationReport(conforms=conforms, violations=ordered)
