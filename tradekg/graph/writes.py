"""The write gate: every change to the store passes here, is validated, and commits whole or not at all.

A write (a SPARQL update, or a graph replaced or extended through the Graph Store Protocol, which is turned into
an update) goes through these steps, holding the store's write lock so that writes are serialised:

1. Syntax is checked on an empty scratch store, so that a parse error names the line and column of the text sent.
2. The update runs on a scratch copy of the store; comparing the copy with the store gives the exact change set
   (quads added and removed).
3. The ontology and shapes graphs are read-only: a change that adds to them or removes part of them is refused;
   ``CLEAR ALL`` / ``DROP ALL`` clear the data and leave them in place.
4. Only the nodes the change touches (subjects and objects of the changed triples) are validated, over their
   neighbourhood in the changed data (their triples, the triples of what they point to, and the types of what
   points at them): validation cost follows the size of the change, not of the graph.
5. On success the same update is applied to the store in one Oxigraph transaction, so readers see all of it or
   none; on failure :class:`ValidationRejected` carries the report and the store is untouched.

The default graph. Queries see the union of the named graphs as their default graph (see
:mod:`tradekg.graph.store`). What SPARQL Update and the Graph Store Protocol call the default graph is kept in the
named graph :data:`DEFAULT_GRAPH_IRI`, so that it shows in that union: every update is wrapped as
``COPY <default> TO DEFAULT ; <update> ; MOVE DEFAULT TO <default>``, so that inside the update the default graph
(for ``INSERT DATA`` without ``GRAPH``, ``DELETE WHERE``, ``CLEAR DEFAULT``...) is that graph, and Oxigraph's real
default graph stays empty between writes. Step 2 copies the store, which costs time in proportion to its size
(Oxigraph copies about a million quads a second); only validation is bounded by the change.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.term import Node

from tradekg.graph.load import VOCABULARY_GRAPHS, vocabulary_quads
from tradekg.graph.sparql_text import (
    add_using_clauses,
    ends_with_separator,
    is_empty,
    split_prologue,
    tokens,
    uses_keyword,
)
from tradekg.graph.store import TradeStore, to_rdflib
from tradekg.graph.validate import ValidationReport, validate_graph
from tradekg.ontology.vocab import ID, PREFIXES

DEFAULT_GRAPH_IRI = str(ID["graph/default"])
"""The named graph that holds what SPARQL Update and the Graph Store Protocol call the default graph."""

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


class WriteError(Exception):
    """A write was refused; nothing changed."""


class UpdateSyntaxError(WriteError):
    """The update does not parse; the message names the line and column."""


class UpdateFailed(WriteError):
    """The update parses but cannot run (for example, ``DROP GRAPH`` of a graph that does not exist)."""


class FederationRefused(WriteError):
    """The update uses ``LOAD`` or ``SERVICE`` and federation is off."""


class ProtectedGraph(WriteError):
    """The update would change the ontology or the shapes, or names a graph reserved by the store."""


class ValidationRejected(WriteError):
    """The change would make the data break the shapes."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(report.to_text())


@dataclass(frozen=True)
class WriteResult:
    """What a write did."""

    added: int
    removed: int
    focus_nodes: int
    validated_triples: int
    seconds: float


def quad_lines(quads: Iterable[ox.Quad]) -> str:
    """Triples of quads as N-Triples lines (graph names dropped), for ``INSERT DATA``."""
    return "\n".join(f"{quad.subject} {quad.predicate} {quad.object} ." for quad in quads)


def graph_block(graph: str | None, quads: Iterable[ox.Quad]) -> str:
    """An ``INSERT DATA`` body: the triples in ``GRAPH <graph>``, or in the default graph when ``graph`` is None."""
    lines = quad_lines(quads)
    return f"GRAPH <{graph}> {{\n{lines}\n}}" if graph else lines


def _wrap(update: str) -> str:
    # Oxigraph accepts PREFIX/BASE only before the first operation, so the text's prologue goes first.
    prologue, update = split_prologue(update)
    separator = "" if ends_with_separator(update) else " ;"
    return (
        f"{prologue}\nCOPY SILENT GRAPH <{DEFAULT_GRAPH_IRI}> TO DEFAULT ;\n{update}\n{separator}\n"
        f"MOVE SILENT DEFAULT TO GRAPH <{DEFAULT_GRAPH_IRI}>"
    )


def _check(update: str, *, base_iri: str | None, allow_federation: bool) -> None:
    if not allow_federation and uses_keyword(update, "LOAD", "SERVICE"):
        raise FederationRefused("LOAD and SERVICE are disabled on this server (start it with --allow-federation)")
    if any(token.kind == "iri" and token.text == f"<{DEFAULT_GRAPH_IRI}>" for token in tokens(update)):
        raise ProtectedGraph(f"<{DEFAULT_GRAPH_IRI}> is the default graph: write to the default graph instead")
    try:
        ox.Store().update(update, base_iri=base_iri, prefixes=PREFIXES)
    except SyntaxError as error:
        raise UpdateSyntaxError(str(error)) from None
    except (OSError, RuntimeError, ValueError):
        pass  # the text parses; what it does is evaluated on the store's copy below


def _vocabulary_restore(added: set[ox.Quad], removed: set[ox.Quad], after: ox.Store) -> str:
    """Refuse changes to the vocabulary graphs; return the update that puts back graphs dropped by ``ALL``."""
    protected = {ox.NamedNode(iri) for iri in VOCABULARY_GRAPHS}
    if any(quad.graph_name in protected for quad in added):
        raise ProtectedGraph("the ontology and shapes graphs are read-only")
    dropped = {quad.graph_name for quad in removed if quad.graph_name in protected}
    restore = []
    for graph in dropped:
        if any(True for _ in after.quads_for_pattern(None, None, None, graph)):
            raise ProtectedGraph(f"the graph {graph} (ontology or shapes) is read-only")
        quads = [quad for quad in vocabulary_quads() if quad.graph_name == graph]
        restore.append(f"INSERT DATA {{ {graph_block(graph.value, quads)} }}")
    return " ;\n".join(restore)


def touched_nodes(quads: Iterable[ox.Quad]) -> set[ox.NamedNode | ox.BlankNode]:
    """The subjects and the non-literal objects of the changed quads: the nodes whose shapes may now fail."""
    nodes: set[ox.NamedNode | ox.BlankNode] = set()
    for quad in quads:
        if isinstance(quad.subject, ox.NamedNode | ox.BlankNode):
            nodes.add(quad.subject)
        if isinstance(quad.object, ox.NamedNode | ox.BlankNode):
            nodes.add(quad.object)
    return nodes


def neighbourhood(store: ox.Store, nodes: Iterable[ox.NamedNode | ox.BlankNode]) -> Graph:
    """The data a shape on ``nodes`` can see: their triples, two steps out, and the types of what points at them."""
    skipped = {ox.NamedNode(iri) for iri in VOCABULARY_GRAPHS}
    graph = Graph()

    def add(quad: ox.Quad) -> None:
        if quad.graph_name not in skipped:
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))

    for node in nodes:
        for quad in store.quads_for_pattern(node, None, None, None):
            add(quad)
            if isinstance(quad.object, ox.NamedNode | ox.BlankNode):
                for second in store.quads_for_pattern(quad.object, None, None, None):
                    add(second)
        for quad in store.quads_for_pattern(None, None, node, None):
            add(quad)
            for typed in store.quads_for_pattern(quad.subject, RDF_TYPE, None, None):
                add(typed)
    return graph


def apply_update(
    store: TradeStore,
    update: str,
    *,
    using: Sequence[str] = (),
    using_named: Sequence[str] = (),
    base_iri: str | None = None,
    allow_federation: bool = False,
) -> WriteResult:
    """Validate and apply a SPARQL update (see the module's description of the steps).

    Args:
        store: The store to change.
        update: SPARQL 1.1 Update text; the project's prefixes are predeclared, as for queries.
        using: The protocol's ``using-graph-uri`` values.
        using_named: The protocol's ``using-named-graph-uri`` values.
        base_iri: The base against which relative IRIs resolve (the service's endpoint).
        allow_federation: Accept ``LOAD`` and ``SERVICE``.

    Raises:
        UpdateSyntaxError, FederationRefused, ProtectedGraph, ValidationRejected: Nothing was changed.
        sparql_text.DatasetConflict: ``using`` given and the update has ``USING``/``WITH``.
    """
    started = time.perf_counter()
    _check(update, base_iri=base_iri, allow_federation=allow_federation)
    if is_empty(update):
        return WriteResult(0, 0, 0, 0, time.perf_counter() - started)
    wrapped = _wrap(add_using_clauses(update, using, using_named))
    with store.writing() as engine:
        before = set(engine)
        scratch = ox.Store()
        scratch.extend(before)
        try:
            scratch.update(wrapped, base_iri=base_iri, prefixes=PREFIXES)
        except SyntaxError as error:
            raise UpdateSyntaxError(str(error)) from None
        except (OSError, RuntimeError, ValueError) as error:
            raise UpdateFailed(str(error)) from None
        after = set(scratch)
        added, removed = after - before, before - after
        restore = _vocabulary_restore(added, removed, scratch)
        protected = {ox.NamedNode(iri) for iri in VOCABULARY_GRAPHS}
        changed = [quad for quad in (*added, *removed) if quad.graph_name not in protected]
        focus = touched_nodes(changed)
        context = neighbourhood(scratch, focus)
        report = validate_graph(context.skolemize(), focus_nodes=focus_terms(focus))
        if not report.conforms:
            raise ValidationRejected(report)
        engine.update(f"{wrapped} ;\n{restore}" if restore else wrapped, base_iri=base_iri, prefixes=PREFIXES)
        store.flush()
    return WriteResult(
        added=sum(1 for quad in added if quad.graph_name not in protected),
        removed=sum(1 for quad in removed if quad.graph_name not in protected),
        focus_nodes=len(focus),
        validated_triples=len(context),
        seconds=time.perf_counter() - started,
    )


def replace_graph(store: TradeStore, graph: str | None, quads: Sequence[ox.Quad]) -> WriteResult:
    """Replace one graph (``None``: the default graph) by ``quads``, through the gate."""
    if graph is None:
        update = f"DROP SILENT DEFAULT ;\nINSERT DATA {{ {graph_block(None, quads)} }}"
    else:
        update = (
            f"DROP SILENT GRAPH <{graph}> ;\nCREATE GRAPH <{graph}> ;\nINSERT DATA {{ {graph_block(graph, quads)} }}"
        )
    return apply_update(store, update)


def add_to_graph(store: TradeStore, graph: str | None, quads: Sequence[ox.Quad]) -> WriteResult:
    """Add ``quads`` to one graph (``None``: the default graph), creating it if needed, through the gate."""
    create = f"CREATE SILENT GRAPH <{graph}> ;\n" if graph else ""
    return apply_update(store, f"{create}INSERT DATA {{ {graph_block(graph, quads)} }}")


def drop_graph(store: TradeStore, graph: str | None) -> WriteResult:
    """Remove one graph (``None``: empty the default graph), through the gate."""
    return apply_update(store, "DROP SILENT DEFAULT" if graph is None else f"DROP GRAPH <{graph}>")


def focus_terms(nodes: Iterable[ox.NamedNode | ox.BlankNode]) -> list[Node]:
    """Oxigraph nodes as rdflib focus nodes; blank nodes skolemised, as pySHACL takes only IRIs as focus nodes."""
    terms = [to_rdflib(node) for node in nodes]
    return [term.skolemize() if isinstance(term, BNode) else term for term in terms]
