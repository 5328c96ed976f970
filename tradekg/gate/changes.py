"""The exact change a write makes: a change set, and the store as it would be after it.

The write gate (:mod:`tradekg.gate.writes`) turns every write into a :class:`ChangeSet` (the quads it removes and
adds, the graphs it creates and drops) before anything is validated, validates the nodes it touches over an
:class:`AfterView`, and commits exactly that set (:meth:`~tradekg.store.interface.TradeStore.apply`).

:class:`ScratchView` answers queries over the store plus the changes so far, for a request whose later operation
reads what an earlier one wrote (``INSERT DATA {...} ; DELETE {...} WHERE {...}``). :class:`PendingView` is the store
as the writes queued before one leave it (:mod:`tradekg.gate.commit_queue`), read by pattern.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import DEFAULT_GRAPH, DEFAULT_GRAPH_IRI, GraphName, QueryAnswer, Subject, Term, TradeStore

__all__ = [
    "DEFAULT_GRAPH",
    "DEFAULT_GRAPH_IRI",
    "AfterView",
    "ChangeSet",
    "NeedsCommittedStore",
    "PendingView",
    "ScratchView",
    "in_write_default",
]


@dataclass
class ChangeSet:
    """Quads a write adds and removes, each set disjoint from the other (the net effect on the store).

    ``created`` and ``dropped`` are named graphs that exist afterwards even if empty, and that no longer exist.
    """

    added: set[ox.Quad] = field(default_factory=set)
    removed: set[ox.Quad] = field(default_factory=set)
    created: set[ox.NamedNode] = field(default_factory=set)
    dropped: set[ox.NamedNode] = field(default_factory=set)

    def add(self, quad: ox.Quad, store: TradeStore) -> None:
        """Record that ``quad`` is inserted (after the changes recorded so far)."""
        if quad in self.removed:
            self.removed.discard(quad)
        elif quad not in store:
            self.added.add(quad)

    def remove(self, quad: ox.Quad, store: TradeStore) -> None:
        """Record that ``quad`` is deleted (after the changes recorded so far)."""
        if quad in self.added:
            self.added.discard(quad)
        elif quad in store:
            self.removed.add(quad)

    def drop(self, graph: ox.NamedNode) -> None:
        """Record that the (now emptied) graph no longer exists."""
        self.created.discard(graph)
        self.dropped.add(graph)

    def create(self, graph: ox.NamedNode) -> None:
        """Record that the graph exists, even empty."""
        self.dropped.discard(graph)
        self.created.add(graph)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.created or self.dropped)


def in_write_default(quad: ox.Quad, target: ox.NamedNode = DEFAULT_GRAPH) -> ox.Quad:
    """The quad with the default graph of an update text replaced by ``target`` (the write-default graph)."""
    if isinstance(quad.graph_name, ox.DefaultGraph):
        return ox.Quad(quad.subject, quad.predicate, quad.object, target)
    return quad


class AfterView:
    """The store as it would be after a change: read by pattern, nothing copied.

    Args:
        store: The store before the change.
        changes: The change; with ``indexed``, it must not change any more (its added quads are indexed once).
        indexed: Index the added quads by subject and object (for many reads of a finished change set).
    """

    def __init__(self, store: TradeStore, changes: ChangeSet, *, indexed: bool = False) -> None:
        self.store = store
        self.changes = changes
        self.by_subject: dict[object, list[ox.Quad]] | None = None
        self.by_object: dict[object, list[ox.Quad]] = {}
        if indexed:
            self.by_subject = {}
            for quad in changes.added:
                self.by_subject.setdefault(quad.subject, []).append(quad)
                self.by_object.setdefault(quad.object, []).append(quad)

    def _added(self, subject: object, object_: object) -> list[ox.Quad]:
        if self.by_subject is not None and subject is not None:
            return self.by_subject.get(subject, [])
        if self.by_subject is not None and object_ is not None:
            return self.by_object.get(object_, [])
        return list(self.changes.added)  # a snapshot: the caller may write while it reads

    def quads_for_pattern(self, *pattern: object) -> Iterator[ox.Quad]:
        """The quads matching ``(subject, predicate, object, graph)`` in the named graphs (``None``: anything)."""
        removed = self.changes.removed
        for quad in self.store.quads_for_pattern(*pattern):  # type: ignore[arg-type]
            if quad not in removed:
                yield quad
        for quad in self._added(pattern[0], pattern[2]):
            if all(want is None or want == got for want, got in zip(pattern, quad, strict=True)):
                yield quad

    def graph_exists(self, graph: ox.NamedNode) -> bool:
        """Whether a named graph exists after the change (the write-default graph always does)."""
        if graph == DEFAULT_GRAPH or graph in self.changes.created:
            return True
        if any(quad.graph_name == graph for quad in self.changes.added):
            return True
        return graph not in self.changes.dropped and self.store.contains_named_graph(graph.value)

    def graph_names(self) -> set[ox.NamedNode]:
        """The named graphs that exist after the change."""
        names = {ox.NamedNode(str(iri)) for iri in self.store.named_graphs()}
        names |= self.changes.created | {quad.graph_name for quad in self.changes.added}  # type: ignore[misc]
        return {name for name in names if self.graph_exists(name)}


class ScratchView:
    """Queries over the store plus a change set, evaluated by Oxigraph.

    While the change set is empty, queries go to the store itself. Once it is not, the first query copies the
    store's named graphs into an in-memory store (a cost in proportion to the store, paid once per request) and
    each later query first brings that copy up to date with the change set.
    """

    def __init__(self, store: TradeStore, changes: ChangeSet) -> None:
        self.store = store
        self.changes = changes
        self._copy: OxigraphStore | None = None
        self._applied = ChangeSet()

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node | Term] | None = None,
        default_graph_uris: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryAnswer:
        """Run a query over the store as the change set leaves it (see :meth:`TradeStore.query`)."""
        if not (self.changes.added or self.changes.removed) and self._copy is None:
            return self.store.query(sparql, bindings=bindings, default_graph_uris=default_graph_uris, base_iri=base_iri)
        if self._copy is None:
            self._copy = OxigraphStore()
            with self._copy.writing():
                self._copy.apply((), list(self.store.quads_for_pattern()))
        wanted, applied = self.changes, self._applied
        with self._copy.writing():
            self._copy.apply(
                (applied.added - wanted.added) | (wanted.removed - applied.removed),
                (wanted.added - applied.added) | (applied.removed - wanted.removed),
            )
        self._applied = ChangeSet(added=set(wanted.added), removed=set(wanted.removed))
        return self._copy.query(sparql, bindings=bindings, default_graph_uris=default_graph_uris, base_iri=base_iri)


class NeedsCommittedStore(Exception):
    """A request must query the store, and earlier requests of its group have not committed yet."""


class PendingView(TradeStore):
    """The store as a group's earlier requests leave it, read by pattern (nothing written, nothing copied).

    Queries go to the store while nothing is pending; after that they raise :class:`NeedsCommittedStore` (a
    query engine would need a copy of the store).
    """

    def __init__(self, store: TradeStore, pending: ChangeSet) -> None:
        super().__init__()
        self.store = store
        self.pending = pending
        self._after = AfterView(store, pending)

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node | Term] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryAnswer:
        """Query the store itself while nothing is pending (see :meth:`TradeStore.query`)."""
        if self.pending:
            raise NeedsCommittedStore("a query over uncommitted changes")
        return self.store.query(
            sparql, bindings=bindings, default_graph_uris=default_graph_uris, named_graph_uris=named_graph_uris,
            base_iri=base_iri,
        )  # fmt: skip

    def quads_for_pattern(
        self,
        subject: Subject | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,  # noqa: A002 - pyoxigraph's name
        graph: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching a pattern in the named graphs as the pending changes leave them."""
        if isinstance(graph, ox.DefaultGraph):
            if self.pending:
                raise NeedsCommittedStore("the union default graph of uncommitted changes")
            return self.store.quads_for_pattern(subject, predicate, object, graph)
        return self._after.quads_for_pattern(subject, predicate, object, graph)

    def __contains__(self, quad: object) -> bool:
        if quad in self.pending.added:
            return True
        return quad not in self.pending.removed and quad in self.store

    def stored(self, quads: Iterable[ox.Quad]) -> set[ox.Quad]:
        """Which of the quads are stored once the pending changes apply (one question to the store for the rest)."""
        pending, quads = self.pending, list(quads)
        found = {quad for quad in quads if quad in pending.added}
        asked = [quad for quad in quads if quad not in pending.added and quad not in pending.removed]
        return found | self.store.stored(asked)

    def named_graphs(self) -> list[URIRef]:
        """The named graphs once the pending changes apply, sorted."""
        return sorted(URIRef(graph.value) for graph in self._after.graph_names())

    def contains_named_graph(self, iri: str) -> bool:
        """Whether the named graph exists once the pending changes apply."""
        return self._after.graph_exists(ox.NamedNode(iri))

    def __len__(self) -> int:
        return len(self.store) - len(self.pending.removed) + len(self.pending.added)

    def triple_count(self) -> int:
        """The store's count while nothing is pending (the union default graph is the store's: see :meth:`query`)."""
        if self.pending:
            raise NeedsCommittedStore("the union default graph of uncommitted changes")
        return self.store.triple_count()

    def dump(
        self, rdf_format: ox.RdfFormat, *, graph: str | None = None, prefixes: Mapping[str, str] | None = None
    ) -> bytes:
        """The named graphs once the pending changes apply, serialised (or one of them, as triples)."""
        quads = self.quads_for_pattern(None, None, None, ox.NamedNode(graph) if graph else None)
        if not rdf_format.supports_datasets:
            quads = (ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph()) for quad in quads)
        return ox.serialize(quads, format=rdf_format, prefixes=prefixes)  # type: ignore[return-value]

    def apply(
        self,
        removed: Collection[ox.Quad],
        added: Collection[ox.Quad],
        *,
        created_graphs: Collection[ox.NamedNode] = (),
        dropped_graphs: Collection[ox.NamedNode] = (),
    ) -> None:
        """A view is never written: requests are committed by the queue, on the store."""
        raise TypeError("a pending view is read-only; the commit queue writes the store")

    def checkpoint(self, target: Path) -> None:
        """A view has no files of its own."""
        raise TypeError("a pending view has no checkpoint; ask the store")

    def flush(self) -> None:
        """Nothing to flush: a view holds nothing durable."""

    def close(self) -> None:
        """Nothing to release: the store stays open."""
