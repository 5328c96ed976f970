"""What a SPARQL Update request changes, computed once, by Oxigraph, without writing to the store.

:func:`update_changes` reads a request (already checked by Oxigraph's parser) operation by operation, in order,
and records each operation's effect in one :class:`~tradekg.gate.changes.ChangeSet`; a later operation sees the
effects of the earlier ones (through :class:`~tradekg.gate.changes.ScratchView`). Oxigraph does the SPARQL:

- ``INSERT DATA`` / ``DELETE DATA``: Oxigraph reads the block's quads (blank nodes of ``INSERT DATA`` are new).
- ``DELETE/INSERT ... WHERE`` and ``DELETE WHERE``: Oxigraph evaluates the ``WHERE`` as a ``SELECT *`` over the
  store (as the earlier operations left it), once: ``RAND()``, ``NOW()``, ``UUID()``, ``STRUUID()`` and ``BNODE()``
  have one value, the one validated and committed. Oxigraph then instantiates the templates with those solutions
  (new blank nodes for each solution; a triple with an unbound or ill-typed term is left out).
- ``LOAD``: Oxigraph fetches the document once, into a scratch store; its quads are the change.
- ``CLEAR``, ``DROP``, ``CREATE``, ``ADD``, ``MOVE``, ``COPY``: read from the store by graph.

The update's default graph is the named graph :data:`~tradekg.store.interface.DEFAULT_GRAPH_IRI` (see
:mod:`tradekg.gate.writes`). ``ALL`` and ``NAMED`` leave the ontology and shapes graphs alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from tradekg.gate.changes import DEFAULT_GRAPH, AfterView, ChangeSet, ScratchView, in_write_default
from tradekg.store.interface import DEFAULT_GRAPH_IRI, TradeStore
from tradekg.store.scratch import fetch_rdf, instantiate, resolve_iri, update_quads
from tradekg.store.sparql_text import Token, split_prologue, tokens


class OperationFailed(Exception):
    """An operation parses but cannot run (``DROP GRAPH`` of a graph that does not exist, a failed ``LOAD``...)."""


class LoadRefused(Exception):
    """A ``LOAD`` without ``SILENT`` while loading is disabled."""


@dataclass(frozen=True)
class Operation:
    """One operation of an update request: its text, its tokens, and where the text starts among the tokens'."""

    text: str
    words: tuple[Token, ...]
    offset: int

    def local(self, token: Token) -> int:
        """Where a token starts in :attr:`text`."""
        return token.start - self.offset

    @property
    def kind(self) -> str:
        """The leading keyword(s): ``INSERT DATA``, ``DELETE WHERE``, ``MODIFY`` (``DELETE/INSERT ... WHERE``)..."""
        first = [token.text.upper() for token in self.words[:2]]
        if len(first) == 2 and first[0] in ("INSERT", "DELETE") and first[1] in ("DATA", "WHERE"):
            return f"{first[0]} {first[1]}"
        return "MODIFY" if first[0] in ("INSERT", "DELETE", "WITH") else first[0]


def operations(update: str) -> tuple[str, list[Operation]]:
    """The request's prologue and its operations, split at the ``;`` outside braces."""
    prologue, found = _split_operations(update)
    return prologue, list(found)


@functools.lru_cache(maxsize=32)
def _split_operations(update: str) -> tuple[str, tuple[Operation, ...]]:
    """:func:`operations`, kept for the few texts being written now (the gate and the evaluator both split one)."""
    prologue, body = split_prologue(update)
    found: list[Operation] = []
    depth, start, words = 0, 0, []
    for token in tokens(body):
        if token.text in ("{", "}"):
            depth += 1 if token.text == "{" else -1
        if depth == 0 and token.text == ";":
            if words:
                found.append(Operation(body[start : token.start], tuple(words), start))
            start, words = token.start + 1, []
        else:
            words.append(token)
    if words:
        found.append(Operation(body[start:], tuple(words), start))
    return prologue, tuple(found)


def _blocks(operation: Operation) -> list[tuple[Token, str]]:
    """The top-level brace blocks of an operation, each with the token before it (``DELETE``, ``WHERE``...)."""
    blocks: list[tuple[Token, str]] = []
    depth, opened, before = 0, 0, operation.words[0]
    previous = operation.words[0]
    for token in operation.words:
        if token.text == "{":
            if depth == 0:
                opened, before = operation.local(token), previous
            depth += 1
        elif token.text == "}":
            depth -= 1
            if depth == 0:
                blocks.append((before, operation.text[opened : operation.local(token) + 1]))
        previous = token
    return blocks


class UpdateEvaluator:
    """Records the effect of each operation of one request on a change set over ``store``.

    Args:
        store: The store (read, never written).
        prologue: The request's ``PREFIX``/``BASE`` declarations.
        base_iri: The base against which relative IRIs resolve.
        allow_load: Whether ``LOAD`` may fetch (``--allow-federation``).
        protected: Graphs no operation may change, which ``ALL`` and ``NAMED`` leave alone.
    """

    def __init__(
        self,
        store: TradeStore,
        prologue: str,
        *,
        base_iri: str | None,
        allow_load: bool,
        protected: frozenset[ox.NamedNode],
    ) -> None:
        self.store = store
        self.prologue = prologue
        self.base_iri = base_iri
        self.allow_load = allow_load
        self.protected = protected
        self.changes = ChangeSet()
        self.view = AfterView(store, self.changes)
        self.scratch = ScratchView(store, self.changes)

    def run(self, operation: Operation) -> None:
        """Record one operation's effect."""
        handler: Callable[[Operation], None] = {
            "INSERT DATA": self._data,
            "DELETE DATA": self._data,
            "DELETE WHERE": self._modify,
            "MODIFY": self._modify,
            "LOAD": self._load,
            "CLEAR": self._clear,
            "DROP": self._clear,
            "CREATE": self._create,
            "ADD": self._transfer,
            "MOVE": self._transfer,
            "COPY": self._transfer,
        }[operation.kind]
        handler(operation)

    # -- recording ---------------------------------------------------------------------------------

    def _add(self, quads: list[ox.Quad], target: ox.NamedNode = DEFAULT_GRAPH) -> None:
        for quad in quads:
            self.changes.add(in_write_default(quad, target), self.store)

    def _remove(self, quads: list[ox.Quad], target: ox.NamedNode = DEFAULT_GRAPH) -> None:
        for quad in quads:
            self.changes.remove(in_write_default(quad, target), self.store)

    def _iri(self, text: str) -> ox.NamedNode:
        return resolve_iri(self.prologue, text, base_iri=self.base_iri)

    def _graph_quads(self, graph: ox.NamedNode) -> list[ox.Quad]:
        return list(self.view.quads_for_pattern(None, None, None, graph))

    # -- operations --------------------------------------------------------------------------------

    def _data(self, operation: Operation) -> None:
        block = _blocks(operation)[0][1]
        quads = update_quads(self.prologue, block, base_iri=self.base_iri)
        (self._add if operation.kind == "INSERT DATA" else self._remove)(quads)

    def _modify(self, operation: Operation) -> None:
        words = operation.words
        target = DEFAULT_GRAPH
        if words[0].is_keyword("WITH"):
            target = self._iri(words[1].text)
        clauses = []
        for index, word in enumerate(words):
            if word.is_keyword("USING"):
                named = words[index + 1].is_keyword("NAMED")
                clauses.append(f"FROM NAMED {words[index + 2].text}" if named else f"FROM {words[index + 1].text}")
        dataset = " ".join(clauses)
        blocks = _blocks(operation)
        if operation.kind == "DELETE WHERE":
            delete, insert, where = blocks[0][1], None, blocks[0][1]
        else:
            delete = next((text for before, text in blocks if before.is_keyword("DELETE")), None)
            insert = next((text for before, text in blocks if before.is_keyword("INSERT")), None)
            where = blocks[-1][1]
        default_graphs = [] if dataset else [target.value]
        try:
            answer = self.scratch.query(
                f"{self.prologue}\nSELECT * {dataset} WHERE {where}",
                default_graph_uris=default_graphs,
                base_iri=self.base_iri,
            )
            assert isinstance(answer, ox.QuerySolutions)
            variables = [variable.value for variable in answer.variables]
            rows = [tuple(solution) for solution in answer]
            removed = instantiate(self.prologue, delete, variables, rows, base_iri=self.base_iri) if delete else []
            added = instantiate(self.prologue, insert, variables, rows, base_iri=self.base_iri) if insert else []
        except (OSError, RuntimeError, ValueError) as error:
            raise OperationFailed(str(error)) from None
        self._remove(removed, target)
        self._add(added, target)

    def _load(self, operation: Operation) -> None:
        words = operation.words[1:]
        silent = words[0].is_keyword("SILENT")
        words = words[1:] if silent else words
        target = self._iri(words[3].text) if len(words) >= 4 else DEFAULT_GRAPH
        if not self.allow_load:
            if silent:
                return  # SILENT: a load that cannot happen changes nothing, and the request goes on
            raise LoadRefused("LOAD is disabled on this server (start it with --allow-federation)")
        try:
            quads = fetch_rdf(self.prologue, words[0].text, base_iri=self.base_iri)
        except (OSError, RuntimeError, SyntaxError, ValueError) as error:
            if silent:
                return
            raise OperationFailed(f"LOAD {words[0].text} failed: {error}") from None
        self._add(quads, target)

    def _graphs(self, words: tuple[Token, ...]) -> list[ox.NamedNode] | None:
        """The graphs a ``CLEAR``/``DROP`` target names, or ``None`` for one named graph that does not exist."""
        first = words[0].text.upper()
        everything = self.view.graph_names() | {DEFAULT_GRAPH}
        if first == "DEFAULT":
            return [DEFAULT_GRAPH]
        if first in ("ALL", "NAMED"):
            chosen = everything - self.protected
            return sorted(chosen if first == "ALL" else chosen - {DEFAULT_GRAPH}, key=lambda graph: graph.value)
        graph = self._iri(words[1].text)
        self._refuse_protected(graph)
        return [graph] if self.view.graph_exists(graph) else None

    def _refuse_protected(self, graph: ox.NamedNode) -> None:
        if graph in self.protected:
            raise PermissionError(f"the graph {graph} (ontology or shapes) is read-only")

    def _clear(self, operation: Operation) -> None:
        words = operation.words[1:]
        silent = words[0].is_keyword("SILENT")
        graphs = self._graphs(words[1:] if silent else words)
        if graphs is None:
            if silent:
                return
            raise OperationFailed(f"the graph {words[-1].text} does not exist")
        for graph in graphs:
            self._remove(self._graph_quads(graph))
            if operation.kind == "DROP" and graph != DEFAULT_GRAPH:
                self.changes.drop(graph)

    def _create(self, operation: Operation) -> None:
        words = operation.words[1:]
        silent = words[0].is_keyword("SILENT")
        graph = self._iri(words[-1].text)
        self._refuse_protected(graph)
        if self.view.graph_exists(graph):
            if silent:
                return
            raise OperationFailed(f"the graph {graph} already exists")
        self.changes.create(graph)

    def _endpoint(self, words: list[Token]) -> tuple[ox.NamedNode, list[Token]]:
        if words[0].is_keyword("DEFAULT"):
            return DEFAULT_GRAPH, words[1:]
        if words[0].is_keyword("GRAPH"):
            words = words[1:]
        graph = self._iri(words[0].text)
        self._refuse_protected(graph)
        return graph, words[1:]

    def _transfer(self, operation: Operation) -> None:
        words = list(operation.words[1:])
        silent = words[0].is_keyword("SILENT")
        source, rest = self._endpoint(words[1:] if silent else words)
        target, _ = self._endpoint(rest[1:])  # after TO
        if not self.view.graph_exists(source):
            if silent:
                return
            raise OperationFailed(f"the graph {source} does not exist")
        if source == target:
            return
        quads = self._graph_quads(source)
        if operation.kind in ("MOVE", "COPY"):
            self._remove(self._graph_quads(target))
        self._add([ox.Quad(quad.subject, quad.predicate, quad.object, target) for quad in quads])
        if target != DEFAULT_GRAPH:
            self.changes.create(target)
        if operation.kind == "MOVE":
            self._remove(quads)
            if source != DEFAULT_GRAPH:
                self.changes.drop(source)


def update_changes(
    store: TradeStore,
    update: str,
    *,
    base_iri: str | None,
    allow_load: bool,
    protected: frozenset[ox.NamedNode],
) -> ChangeSet:
    """The change a parsed update request makes, operation by operation (see the module's description).

    Raises:
        OperationFailed: An operation cannot run; nothing is recorded.
        LoadRefused: ``LOAD`` without ``SILENT`` while loading is disabled.
        PermissionError: An operation names a protected graph.
    """
    prologue, requested = operations(update)
    evaluator = UpdateEvaluator(store, prologue, base_iri=base_iri, allow_load=allow_load, protected=protected)
    for operation in requested:
        evaluator.run(operation)
    return evaluator.changes


__all__ = ["DEFAULT_GRAPH_IRI", "LoadRefused", "OperationFailed", "Operation", "operations", "update_changes"]
