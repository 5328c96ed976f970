"""The exact change a write makes, computed without copying the store.

The write gate (:mod:`tradekg.graph.writes`) needs the quads a write adds and removes, to validate the nodes they
touch before anything commits. This module computes that change set at a cost that follows the change:

- :func:`data_changes`: a request made only of ``INSERT DATA`` / ``DELETE DATA``. Oxigraph itself reads the quads
  (each operation run as ``INSERT DATA`` on an empty scratch store, so terms are exactly those Oxigraph would
  write), and each is looked up in the store: cost in proportion to the quads sent.
- :func:`overlay_changes`: a request with ``DELETE/INSERT ... WHERE`` or ``DELETE WHERE``. rdflib's update engine
  evaluates it over :class:`OverlayStore`, which reads through to the Oxigraph store and keeps the changes in memory
  (reads see the store plus the changes so far, so a later operation sees an earlier one's effect): cost in
  proportion to what the ``WHERE`` patterns match.
- :class:`AfterView`: the store as it would be after the change (store minus removed plus added), read by pattern,
  for the validation neighbourhood.

The store's write-default graph (what SPARQL Update calls the default graph) is the named graph
:data:`DEFAULT_GRAPH_IRI`; quads in Oxigraph's or rdflib's default graph are put there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from oxrdflib._converter import from_ox, to_ox
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.plugins.sparql.sparql import QueryContext
from rdflib.plugins.sparql.update import evalDeleteData, evalDeleteWhere, evalInsertData, evalModify
from rdflib.store import Store
from rdflib.term import Node

from tradekg.graph.sparql_text import Token, split_prologue, tokens
from tradekg.ontology.vocab import ID, QUERY_PREFIXES

DEFAULT_GRAPH_IRI = str(ID["graph/default"])
"""The named graph that holds what SPARQL Update and the Graph Store Protocol call the default graph."""
DEFAULT_GRAPH = ox.NamedNode(DEFAULT_GRAPH_IRI)

QuadPattern = tuple[
    ox.NamedNode | ox.BlankNode | None,
    ox.NamedNode | None,
    ox.NamedNode | ox.BlankNode | ox.Literal | None,
    ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None,
]


@dataclass
class ChangeSet:
    """Quads a write adds and removes, each set disjoint from the other (the net effect on the store)."""

    added: set[ox.Quad] = field(default_factory=set)
    removed: set[ox.Quad] = field(default_factory=set)

    def add(self, quad: ox.Quad, store: ox.Store) -> None:
        """Record that ``quad`` is inserted (after the changes recorded so far)."""
        if quad in self.removed:
            self.removed.discard(quad)
        elif quad not in store:
            self.added.add(quad)

    def remove(self, quad: ox.Quad, store: ox.Store) -> None:
        """Record that ``quad`` is deleted (after the changes recorded so far)."""
        if quad in self.added:
            self.added.discard(quad)
        elif quad in store:
            self.removed.add(quad)


def in_write_default(quad: ox.Quad) -> ox.Quad:
    """The quad with Oxigraph's default graph replaced by the write-default graph."""
    if isinstance(quad.graph_name, ox.DefaultGraph):
        return ox.Quad(quad.subject, quad.predicate, quad.object, DEFAULT_GRAPH)
    return quad


# -- operations ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One operation of an update request: its leading keywords (``INSERT DATA``, ``DROP``...) and its text."""

    kind: str
    text: str


def _kind(first: list[Token]) -> str:
    words = [token.text.upper() for token in first if token.kind == "name"]
    if len(words) >= 2 and words[1] in ("DATA", "WHERE") and words[0] in ("INSERT", "DELETE"):
        return f"{words[0]} {words[1]}"
    return words[0] if words else ""


def operations(update: str) -> tuple[str, list[Operation]]:
    """The request's leading prologue and its operations, split at the ``;`` outside braces."""
    prologue, body = split_prologue(update)
    found: list[Operation] = []
    depth, start, first = 0, 0, []
    for token in tokens(body):
        if token.text in ("{", "}"):
            depth += 1 if token.text == "{" else -1
        if depth == 0 and token.text == ";":
            if first:
                found.append(Operation(_kind(first), body[start : token.start]))
            start, first = token.start + 1, []
        elif len(first) < 2:
            first.append(token)
    if first:
        found.append(Operation(_kind(first), body[start:]))
    return prologue, found


def data_changes(store: ox.Store, prologue: str, requested: Iterable[Operation], *, base_iri: str | None) -> ChangeSet:
    """The change made by ``INSERT DATA`` / ``DELETE DATA`` operations, applied in order."""
    changes = ChangeSet()
    for operation in requested:
        scratch = ox.Store()
        data = next(token for token in tokens(operation.text) if token.is_keyword("DATA"))
        scratch.update(f"{prologue}\nINSERT {operation.text[data.start :]}", base_iri=base_iri, prefixes=QUERY_PREFIXES)
        record = changes.add if operation.kind == "INSERT DATA" else changes.remove
        for quad in scratch:
            record(in_write_default(quad), store)
    return changes


# -- the overlay ---------------------------------------------------------------------------------------------------


def _graph_name(context: Graph | Node | None) -> ox.NamedNode | ox.BlankNode | None:
    identifier = context.identifier if isinstance(context, Graph) else context
    if identifier is None:
        return None
    if identifier == DATASET_DEFAULT_GRAPH_ID:
        return DEFAULT_GRAPH
    return to_ox(identifier)  # type: ignore[return-value]


class AfterView:
    """The store as it would be after a change: read by pattern, nothing copied.

    Args:
        store: The store before the change.
        changes: The change; with ``indexed``, it must not change any more (its added quads are indexed once).
        indexed: Index the added quads by subject and object (for many reads of a finished change set).
    """

    def __init__(self, store: ox.Store, changes: ChangeSet, *, indexed: bool = False) -> None:
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
        """The quads matching ``(subject, predicate, object, graph)`` (``None`` matches anything)."""
        removed = self.changes.removed
        for quad in self.store.quads_for_pattern(*pattern):  # type: ignore[arg-type]
            if quad not in removed:
                yield quad
        for quad in self._added(pattern[0], pattern[2]):
            if all(want is None or want == got for want, got in zip(pattern, quad, strict=True)):
                yield quad


class OverlayStore(Store):
    """An rdflib store reading through to Oxigraph and keeping the writes in a :class:`ChangeSet`.

    rdflib's default graph is the write-default graph :data:`DEFAULT_GRAPH_IRI`.
    """

    context_aware = True
    graph_aware = True
    formula_aware = False
    transaction_aware = False

    def __init__(self, engine: ox.Store) -> None:
        super().__init__()
        self.engine = engine
        self.changes = ChangeSet()
        self.view = AfterView(engine, self.changes)

    def _quad(self, triple: tuple[Node, Node, Node], context: Graph | None) -> ox.Quad:
        graph = _graph_name(context) or DEFAULT_GRAPH
        return ox.Quad(to_ox(triple[0]), to_ox(triple[1]), to_ox(triple[2]), graph)  # type: ignore[arg-type]

    def _context(self, graph_name: ox.NamedNode | ox.BlankNode) -> Graph:
        # The write-default graph is listed under its own IRI: ``GRAPH ?g`` sees it, as on the scratch copy.
        return Graph(store=self, identifier=from_ox(graph_name))

    def add(self, triple: tuple[Node, Node, Node], context: Graph | None, quoted: bool = False) -> None:  # type: ignore[override]
        """Record an insertion."""
        self.changes.add(self._quad(triple, context), self.engine)

    def remove(self, triple: tuple[Node | None, Node | None, Node | None], context: Graph | None = None) -> None:  # type: ignore[override]
        """Record the deletion of every quad matching the pattern."""
        pattern = (*(to_ox(term) if term is not None else None for term in triple), _graph_name(context))
        for quad in list(self.view.quads_for_pattern(*pattern)):
            self.changes.remove(quad, self.engine)

    def triples(  # type: ignore[override]
        self, triple_pattern: tuple[Node | None, Node | None, Node | None], context: Graph | None = None
    ) -> Iterator[tuple[tuple[Node, Node, Node], Iterator[Graph]]]:
        """The triples matching the pattern in one graph (or any graph when ``context`` is ``None``)."""
        try:
            pattern = (*(to_ox(term) if term is not None else None for term in triple_pattern), _graph_name(context))
        except (TypeError, ValueError):
            return  # a literal in subject position, for example: nothing matches
        for quad in self.view.quads_for_pattern(*pattern):
            triple = (from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object))
            yield triple, iter((self._context(quad.graph_name),))  # type: ignore[arg-type]

    def __len__(self, context: Graph | None = None) -> int:
        """The number of quads (in one graph)."""
        return sum(1 for _ in self.view.quads_for_pattern(None, None, None, _graph_name(context)))

    def contexts(self, triple: tuple[Node, Node, Node] | None = None) -> Iterator[Graph]:  # type: ignore[override]
        """The named graphs (those holding ``triple``, if given)."""
        if triple is not None:
            names = {quad.graph_name for quad in self.view.quads_for_pattern(*(to_ox(term) for term in triple), None)}
        else:
            names = set(self.engine.named_graphs()) | {quad.graph_name for quad in self.changes.added}
        for name in names:
            yield self._context(name)  # type: ignore[arg-type]

    def add_graph(self, graph: Graph) -> None:
        """Graphs exist when they hold quads; nothing to record."""

    def remove_graph(self, graph: Graph) -> None:
        """Remove every quad of the graph."""
        self.remove((None, None, None), graph)


OVERLAY_OPERATIONS = {
    "InsertData": evalInsertData,
    "DeleteData": evalDeleteData,
    "DeleteWhere": evalDeleteWhere,
    "Modify": evalModify,
}
"""The operations :func:`overlay_changes` evaluates (others go to the gate's scratch copy)."""


def overlay_changes(store: ox.Store, update: str, *, base_iri: str | None) -> ChangeSet:
    """The change made by an update evaluated by rdflib's engine over the store plus the changes so far."""
    overlay = OverlayStore(store)
    dataset = Dataset(store=overlay, default_union=False)
    parsed = translateUpdate(
        parseUpdate(update), base=base_iri, initNs={k: URIRef(v) for k, v in QUERY_PREFIXES.items()}
    )
    for operation in parsed.algebra:
        # rdflib's evalUpdate would take the union as the default graph (a process-wide setting): set it here.
        context = QueryContext(dataset, initBindings={})
        context.graph = dataset.default_graph
        context.prologue = operation.prologue
        OVERLAY_OPERATIONS[operation.name](context, operation)
    return overlay.changes
