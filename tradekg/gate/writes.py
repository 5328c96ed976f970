"""The write gate: every change to the store passes here, is validated, and commits whole or not at all.

A write (a SPARQL update, or a graph replaced, extended or dropped through the Graph Store Protocol) goes through
these steps, holding the store's write lock so that writes are serialised (the writes queued meanwhile are settled
together, each as if alone: :mod:`tradekg.gate.commit_queue`):

1. An update is parsed by Oxigraph first, before any policy: a malformed update is a syntax error (naming the line
   and column), even one that names ``LOAD``.
2. Policy: ``SERVICE`` and a ``LOAD`` without ``SILENT`` are refused unless federation is allowed. ``LOAD SILENT``
   with loading disabled changes nothing and the request goes on: ``SILENT`` asks that an operation that cannot be
   done not fail the request (SPARQL 1.1 Update, 3.1.3), and a load the server may not make is one such; the
   answer is the same as for a document that cannot be fetched. Without ``SILENT`` the client is told (403).
3. The exact change set (quads removed and added, graphs created and dropped) is computed once, by Oxigraph,
   without writing (:mod:`tradekg.gate.operations`): the ``WHERE`` of ``DELETE/INSERT`` is evaluated once (so
   ``RAND()``, ``NOW()``, ``UUID()``, ``BNODE()`` have the values validated), ``LOAD`` fetches once, and each
   operation sees the effect of the earlier ones. The Graph Store Protocol and the loaders have their quads already.
4. The ontology and shapes graphs are read-only: a change that touches them is refused; ``CLEAR ALL`` / ``DROP ALL``
   clear the data and leave them in place.
5. Every focus node whose verdict the change can change is validated, over what its shapes read in the store as it
   would be after the change (:func:`tradekg.gate.neighbourhood.validate_change`: the shapes' chains, walked back
   from each changed triple), read from the store and the change set.
6. On success exactly that change set commits in one transaction (:meth:`TradeStore.apply`), so readers see all of
   it or none; on failure :class:`ValidationRejected` carries the report and the store is untouched.

The default graph. Queries see the set union of the named graphs as their default graph (see
:mod:`tradekg.store.interface`). What SPARQL Update and the Graph Store Protocol call the default graph is kept in the
named graph :data:`DEFAULT_GRAPH_IRI`, so that it shows in that union: inside an update, the default graph (for
``INSERT DATA`` without ``GRAPH``, a ``WHERE`` without ``GRAPH``, ``CLEAR DEFAULT``...) is that graph.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox

from tradekg.gate.changes import ChangeSet
from tradekg.gate.commit_queue import Compute, Ticket, commit_queue
from tradekg.gate.operations import LoadRefused, OperationFailed, operations, update_changes
from tradekg.gate.validate import ValidationReport
from tradekg.graph.load import VOCABULARY_GRAPHS
from tradekg.store.interface import DEFAULT_GRAPH_IRI, TradeStore
from tradekg.store.scratch import check_update_syntax
from tradekg.store.sparql_text import add_using_clauses, is_empty, split_prologue, tokens

__all__ = ["DEFAULT_GRAPH_IRI", "apply_update", "replace_graph", "add_to_graph", "drop_graph"]


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


PROTECTED = frozenset(ox.NamedNode(iri) for iri in VOCABULARY_GRAPHS)


class ChangeEvaluator(Protocol):
    """Computes an update's change set over the store as committed, called holding the write lock (step 3).

    :func:`~tradekg.gate.operations.update_changes` does it in this thread; a caller that must bound the time
    (the server, at ``--timeout``) passes one that does it in a process it can kill, and raises its own timeout.
    """

    def __call__(
        self,
        store: TradeStore,
        update: str,
        *,
        base_iri: str | None,
        allow_load: bool,
        protected: frozenset[ox.NamedNode],
    ) -> ChangeSet:
        """The change set, or the errors of :func:`~tradekg.gate.operations.update_changes`."""
        ...


def _check(update: str, *, base_iri: str | None, allow_federation: bool) -> None:
    """Parse, then apply the policy that needs only the text (see the module's steps 1 and 2)."""
    try:
        check_update_syntax(update, prologue_end=len(split_prologue(update)[0]), base_iri=base_iri)
    except SyntaxError as error:
        raise UpdateSyntaxError(str(error)) from None
    found = list(tokens(update))
    if not allow_federation and any(token.kind == "name" and token.text.upper() == "SERVICE" for token in found):
        raise FederationRefused("SERVICE is disabled on this server (start it with --allow-federation)")
    if any(token.kind == "iri" and token.text == f"<{DEFAULT_GRAPH_IRI}>" for token in found):
        raise ProtectedGraph(f"<{DEFAULT_GRAPH_IRI}> is the default graph: write to the default graph instead")


def _refuse_vocabulary(changes: ChangeSet) -> None:
    touched = {quad.graph_name for quad in (*changes.added, *changes.removed)} | changes.created | changes.dropped
    if touched & PROTECTED:
        raise ProtectedGraph("the ontology and shapes graphs are read-only")


def _checked(changes: ChangeSet) -> ChangeSet:
    """Refuse, before validation, a change no shape can judge or that touches the vocabulary."""
    _refuse_vocabulary(changes)
    if any(isinstance(term, ox.Triple) for quad in changes.added for term in (quad.subject, quad.object)):
        raise UpdateFailed("RDF-star triple terms (<< s p o >>) cannot be stored here: the shapes cannot check them")
    return changes


def _commit(
    store: TradeStore, compute: Compute, started: float, *, solo: bool = False, ticket: Ticket | None = None
) -> WriteResult:
    """Queue the write (see :mod:`tradekg.gate.commit_queue`); when it conforms, exactly its change set commits.

    ``compute`` computes the change set over the store it is given, as the writes queued before it leave it.
    """
    outcome = commit_queue(store).submit(lambda view: _checked(compute(view)), solo=solo, ticket=ticket)
    if not outcome.report.conforms:
        raise ValidationRejected(outcome.report)
    added, removed = len(outcome.changes.added), len(outcome.changes.removed)
    seconds = time.perf_counter() - started
    return WriteResult(added, removed, outcome.focus_nodes, outcome.validated_triples, seconds)


def apply_update(
    store: TradeStore,
    update: str,
    *,
    using: Sequence[str] = (),
    using_named: Sequence[str] = (),
    base_iri: str | None = None,
    allow_federation: bool = False,
    evaluate: ChangeEvaluator = update_changes,
) -> WriteResult:
    """Validate and apply a SPARQL update (see the module's description of the steps).

    Args:
        store: The store to change.
        update: SPARQL 1.1 Update text; the project's prefixes are predeclared, as for queries.
        using: The protocol's ``using-graph-uri`` values.
        using_named: The protocol's ``using-named-graph-uri`` values.
        base_iri: The base against which relative IRIs resolve (the service's endpoint).
        allow_federation: Accept ``LOAD`` and ``SERVICE``.
        evaluate: What computes the change set (step 3); the server's bounds it by ``--timeout``.

    Raises:
        UpdateSyntaxError, FederationRefused, ProtectedGraph, UpdateFailed, ValidationRejected: Nothing was changed.
        sparql_text.DatasetConflict: ``using`` given and the update has ``USING``/``WITH``.
    """
    started = time.perf_counter()
    ticket = commit_queue(store).expect()  # a leader settling now may wait for this request (see its queue)
    try:
        _check(update, base_iri=base_iri, allow_federation=allow_federation)
        if is_empty(update):
            return WriteResult(0, 0, 0, 0, time.perf_counter() - started)
        text = add_using_clauses(update, using, using_named)

        def compute(view: TradeStore) -> ChangeSet:
            try:
                return evaluate(view, text, base_iri=base_iri, allow_load=allow_federation, protected=PROTECTED)
            except LoadRefused as error:
                raise FederationRefused(str(error)) from None
            except PermissionError as error:
                raise ProtectedGraph(str(error)) from None
            except OperationFailed as error:
                raise UpdateFailed(str(error)) from None

        # An update with a pattern to evaluate or a document to fetch is settled alone, over the store as committed:
        # it is evaluated once (a server may evaluate it in a worker process that reads the committed store).
        solo = any(operation.kind in ("MODIFY", "DELETE WHERE", "LOAD") for operation in operations(text)[1])
        return _commit(store, compute, started, solo=solo, ticket=ticket)
    finally:
        ticket.cancel()  # refused before it was queued (or used up by the queue: then nothing to do)


def _target(graph: str | None) -> ox.NamedNode:
    name = ox.NamedNode(graph or DEFAULT_GRAPH_IRI)
    if name in PROTECTED:
        raise ProtectedGraph("the ontology and shapes graphs are read-only")
    return name


def _in_graph(quads: Iterable[ox.Quad], name: ox.NamedNode) -> set[ox.Quad]:
    return {ox.Quad(quad.subject, quad.predicate, quad.object, name) for quad in quads}


def replace_graph(store: TradeStore, graph: str | None, quads: Sequence[ox.Quad]) -> WriteResult:
    """Replace one graph (``None``: the default graph) by ``quads``, through the gate."""
    started = time.perf_counter()
    name = _target(graph)
    new = _in_graph(quads, name)

    def compute(view: TradeStore) -> ChangeSet:
        current = set(view.quads_for_pattern(None, None, None, name))
        changes = ChangeSet(added=new - current, removed=current - new)
        if name.value != DEFAULT_GRAPH_IRI:
            changes.create(name)
        return changes

    return _commit(store, compute, started)


def add_to_graph(store: TradeStore, graph: str | None, quads: Sequence[ox.Quad]) -> WriteResult:
    """Add ``quads`` to one graph (``None``: the default graph), creating it if needed, through the gate."""
    started = time.perf_counter()
    name = _target(graph)
    wanted = _in_graph(quads, name)

    def compute(view: TradeStore) -> ChangeSet:
        present = view.stored(wanted)
        changes = ChangeSet(added={quad for quad in wanted if quad not in present})
        if name.value != DEFAULT_GRAPH_IRI:
            changes.create(name)
        return changes

    return _commit(store, compute, started)


def drop_graph(store: TradeStore, graph: str | None) -> WriteResult:
    """Remove one graph (``None``: empty the default graph), through the gate."""
    started = time.perf_counter()
    name = _target(graph)

    def compute(view: TradeStore) -> ChangeSet:
        changes = ChangeSet(removed=set(view.quads_for_pattern(None, None, None, name)))
        if name.value != DEFAULT_GRAPH_IRI:
            changes.drop(name)
        return changes

    return _commit(store, compute, started)
