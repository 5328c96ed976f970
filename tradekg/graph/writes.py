"""The write gate: every change to the store passes here, is validated, and commits whole or not at all.

A write (a SPARQL update, or a graph replaced, extended or dropped through the Graph Store Protocol) goes through
these steps, holding the store's write lock so that writes are serialised:

1. Syntax is checked by Oxigraph on an empty scratch store, so that a parse error names the line and column of the
   text sent.
2. The exact change set (quads added and removed) is computed without copying the store
   (:mod:`tradekg.graph.changes`): the Graph Store Protocol has its quads already; an update made only of
   ``INSERT DATA`` / ``DELETE DATA`` has them read by Oxigraph and looked up in the store; an update with ``WHERE``
   is evaluated by rdflib's engine over an overlay that reads the store and keeps the changes. Cost follows the
   change (and what the ``WHERE`` matches), not the store.
3. The ontology and shapes graphs are read-only: a change that adds to them or removes part of them is refused;
   ``CLEAR ALL`` / ``DROP ALL`` clear the data and leave them in place.
4. Only the nodes the change touches (subjects and objects of the changed triples) are validated, over their
   neighbourhood in the store as it would be after the change (their triples, the triples of what they point to,
   and the types of what points at them), read from the store and the change set.
5. On success the change commits in one Oxigraph update (one transaction), so readers see all of it or none; on
   failure :class:`ValidationRejected` carries the report and the store is untouched.

The scratch copy. Some updates still run on a copy of the store, at a cost in proportion to its size (Oxigraph
copies about a million quads a second): graph management (``CLEAR``, ``DROP``, ``CREATE``, ``COPY``, ``MOVE``,
``ADD``, and ``LOAD`` when federation is on), ``USING`` clauses (and the protocol's ``using-graph-uri``),
``SERVICE``, text rdflib's parser does not read, and changes that remove, or add to, blank nodes already stored
(an update text cannot name a stored blank node, so only Oxigraph's own evaluation of the update can commit them).
Those run exactly as Oxigraph evaluates them. The Graph Store Protocol never needs the copy.

The default graph. Queries see the union of the named graphs as their default graph (see
:mod:`tradekg.graph.store`). What SPARQL Update and the Graph Store Protocol call the default graph is kept in the
named graph :data:`DEFAULT_GRAPH_IRI`, so that it shows in that union: inside an update, the default graph (for
``INSERT DATA`` without ``GRAPH``, the ``WHERE`` of ``DELETE WHERE`` without ``GRAPH``, ``CLEAR DEFAULT``...) is
that graph. On the scratch copy every update is wrapped as
``COPY <default> TO DEFAULT ; <update> ; MOVE DEFAULT TO <default>``, so Oxigraph's real default graph stays empty
between writes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox

from tradekg.graph.changes import (
    DEFAULT_GRAPH_IRI,
    AfterView,
    ChangeSet,
    data_changes,
    operations,
    overlay_changes,
)
from tradekg.graph.load import VOCABULARY_GRAPHS, vocabulary_quads
from tradekg.graph.neighbourhood import QuadSource, validate_change
from tradekg.graph.sparql_text import (
    add_using_clauses,
    ends_with_separator,
    is_empty,
    split_prologue,
    tokens,
    uses_keyword,
)
from tradekg.graph.store import TradeStore, graph_block
from tradekg.graph.validate import ValidationReport
from tradekg.ontology.vocab import PREFIXES

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


PROTECTED = frozenset(ox.NamedNode(iri) for iri in VOCABULARY_GRAPHS)
DATA_OPERATIONS = frozenset({"INSERT DATA", "DELETE DATA"})
SCRATCH_COPY_LIMIT = 20_000
"""Below this many quads an update with ``WHERE`` runs on the copy (measured faster than rdflib's overlay there)."""
OVERLAY_KINDS = frozenset({"INSERT DATA", "DELETE DATA", "DELETE WHERE", "DELETE", "INSERT", "WITH"})
"""Leading keywords of the operations the overlay evaluates (``WITH``, ``DELETE``, ``INSERT``: a modify)."""


def _vocabulary_restore(added: set[ox.Quad], removed: set[ox.Quad], after: ox.Store) -> str:
    """Refuse changes to the vocabulary graphs; return the update that puts back graphs dropped by ``ALL``."""
    if any(quad.graph_name in PROTECTED for quad in added):
        raise ProtectedGraph("the ontology and shapes graphs are read-only")
    dropped = {quad.graph_name for quad in removed if quad.graph_name in PROTECTED}
    restore = []
    for graph in dropped:
        if any(True for _ in after.quads_for_pattern(None, None, None, graph)):
            raise ProtectedGraph(f"the graph {graph} (ontology or shapes) is read-only")
        quads = [quad for quad in vocabulary_quads() if quad.graph_name == graph]
        restore.append(f"INSERT DATA {{ {graph_block(graph.value, quads)} }}")
    return " ;\n".join(restore)


def _refuse_vocabulary(changes: ChangeSet) -> None:
    if any(quad.graph_name in PROTECTED for quad in (*changes.added, *changes.removed)):
        raise ProtectedGraph("the ontology and shapes graphs are read-only")


def _names_stored_blank_nodes(changes: ChangeSet, engine: ox.Store) -> bool:
    """Whether the change removes a quad with a blank node, or adds to a blank node the store already has."""
    if any(isinstance(term, ox.BlankNode) for quad in changes.removed for term in quad):
        return True
    fresh = {term for quad in changes.added for term in quad if isinstance(term, ox.BlankNode)}
    return any(
        any(True for _ in engine.quads_for_pattern(node, None, None, None))
        or any(True for _ in engine.quads_for_pattern(None, None, node, None))
        for node in fresh
    )


def change_update(changes: ChangeSet) -> str:
    """The change set as one update (``DELETE DATA`` then ``INSERT DATA``); removed quads hold no blank node."""
    parts = []
    for keyword, quads in (("DELETE", changes.removed), ("INSERT", changes.added)):
        by_graph: dict[str, list[ox.Quad]] = {}
        for quad in quads:
            by_graph.setdefault(str(quad.graph_name.value), []).append(quad)  # type: ignore[union-attr]
        if by_graph:
            blocks = "\n".join(graph_block(graph, graph_quads) for graph, graph_quads in by_graph.items())
            parts.append(f"{keyword} DATA {{\n{blocks}\n}}")
    return " ;\n".join(parts)


def _scratch_changes(engine: ox.Store, wrapped: str, *, base_iri: str | None) -> tuple[ChangeSet, str, ox.Store]:
    """Run the wrapped update on a copy of the store: the change set, the vocabulary restore, the copy."""
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
    changes = ChangeSet(
        added={quad for quad in added if quad.graph_name not in PROTECTED},
        removed={quad for quad in removed if quad.graph_name not in PROTECTED},
    )
    return changes, restore, scratch


def _is_small(engine: ox.Store) -> bool:
    """Whether the store holds fewer than :data:`SCRATCH_COPY_LIMIT` quads (counted no further than that)."""
    return (
        sum(1 for _ in islice(engine.quads_for_pattern(None, None, None, None), SCRATCH_COPY_LIMIT))
        < SCRATCH_COPY_LIMIT
    )


def _fast_changes(engine: ox.Store, text: str, *, base_iri: str | None, federation: bool) -> ChangeSet | None:
    """The change set without a copy of the store, or ``None`` when the update needs the scratch copy."""
    prologue, requested = operations(text)
    kinds = {operation.kind for operation in requested}
    if kinds <= DATA_OPERATIONS:
        changes = data_changes(engine, prologue, requested, base_iri=base_iri)
    elif (
        kinds <= OVERLAY_KINDS
        and not uses_keyword(text, "USING")
        and not (federation and uses_keyword(text, "SERVICE"))
    ):
        try:
            changes = overlay_changes(engine, text, base_iri=base_iri)
        except Exception:  # noqa: BLE001 - not an answer: Oxigraph evaluates the update on the copy and reports
            return None
        if _names_stored_blank_nodes(changes, engine):
            return None
    else:
        return None
    _refuse_vocabulary(changes)
    return changes


def _validate(view: QuadSource, changes: ChangeSet) -> tuple[int, int]:
    """Validate the touched nodes over their neighbourhood after the change: (focus nodes, triples validated)."""
    if any(isinstance(term, ox.Triple) for quad in changes.added for term in (quad.subject, quad.object)):
        raise UpdateFailed("RDF-star triple terms (<< s p o >>) cannot be stored here: the shapes cannot check them")
    report, focus, validated = validate_change(view, (*changes.added, *changes.removed))
    if not report.conforms:
        raise ValidationRejected(report)
    return focus, validated


def _commit(
    store: TradeStore, engine: ox.Store, changes: ChangeSet, commit: str, started: float, *, base_iri: str | None = None
) -> WriteResult:
    """Validate the change and, when it conforms, apply ``commit`` (one update, one transaction)."""
    focus, validated = _validate(AfterView(engine, changes, indexed=True), changes)
    if commit:
        engine.update(commit, base_iri=base_iri, prefixes=PREFIXES)
        store.flush()
    return WriteResult(len(changes.added), len(changes.removed), focus, validated, time.perf_counter() - started)


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
    text = add_using_clauses(update, using, using_named)
    with store.writing() as engine:
        changes = _fast_changes(engine, text, base_iri=base_iri, federation=allow_federation)
        if changes is not None:
            return _commit(store, engine, changes, change_update(changes), started)
        wrapped = _wrap(text)
        changes, restore, scratch = _scratch_changes(engine, wrapped, base_iri=base_iri)
        focus, validated = _validate(scratch, changes)
        engine.update(f"{wrapped} ;\n{restore}" if restore else wrapped, base_iri=base_iri, prefixes=PREFIXES)
        store.flush()
    return WriteResult(len(changes.added), len(changes.removed), focus, validated, time.perf_counter() - started)


def _target(graph: str | None) -> ox.NamedNode:
    name = ox.NamedNode(graph or DEFAULT_GRAPH_IRI)
    if name in PROTECTED:
        raise ProtectedGraph("the ontology and shapes graphs are read-only")
    return name


def _in_graph(quads: Iterable[ox.Quad], name: ox.NamedNode) -> set[ox.Quad]:
    return {ox.Quad(quad.subject, quad.predicate, quad.object, name) for quad in quads}


def replace_graph(store: TradeStore, graph: str | None, quads: Sequence[ox.Quad]) -> WriteResult:
    """Replace one graph (``None``: the default graph) by ``quads``, through the gate (no copy of the store)."""
    started = time.perf_counter()
    name = _target(graph)
    new = _in_graph(quads, name)
    with store.writing() as engine:
        current = set(engine.quads_for_pattern(None, None, None, name))
        changes = ChangeSet(added=new - current, removed=current - new)
        # Dropping the graph removes its blank nodes too, which DELETE DATA could not name.
        commit = f"DROP SILENT GRAPH {name} ;\nCREATE SILENT GRAPH {name}"
        if new:
            commit += f" ;\nINSERT DATA {{ {graph_block(name.value, new)} }}"
        return _commit(store, engine, changes, commit, started)


def add_to_graph(store: TradeStore, graph: str | None, quads: Sequence[ox.Quad]) -> WriteResult:
    """Add ``quads`` to one graph (``None``: the default graph), creating it if needed, through the gate."""
    started = time.perf_counter()
    name = _target(graph)
    with store.writing() as engine:
        changes = ChangeSet(added={quad for quad in _in_graph(quads, name) if quad not in engine})
        commit = f"CREATE SILENT GRAPH {name}"
        if changes.added:
            commit += f" ;\nINSERT DATA {{ {graph_block(name.value, changes.added)} }}"
        return _commit(store, engine, changes, commit, started)


def drop_graph(store: TradeStore, graph: str | None) -> WriteResult:
    """Remove one graph (``None``: empty the default graph), through the gate."""
    started = time.perf_counter()
    name = _target(graph)
    with store.writing() as engine:
        changes = ChangeSet(removed=set(engine.quads_for_pattern(None, None, None, name)))
        return _commit(store, engine, changes, f"DROP SILENT GRAPH {name}", started)
