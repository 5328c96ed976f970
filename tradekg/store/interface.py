"""The one door to tradekg's dataset: the :class:`TradeStore` interface and its embedded Oxigraph backend.

Everything else reaches the graph through :class:`TradeStore`; only this module touches an engine. The interface is
written for two backends: :class:`OxigraphStore` (embedded pyoxigraph, in memory or in a directory) here, and a
SPARQL 1.1 Protocol client (Virtuoso, Oxigraph server...) that implements the same methods over HTTP.

The dataset. Every fact lives in a named graph (one per source; the ontology and the shapes in graphs of their own;
what SPARQL Update and the Graph Store Protocol call "the default graph" in the named graph
:data:`DEFAULT_GRAPH_IRI`). The default graph that queries see is the **set union of the named graphs**: each
distinct triple once, however many graphs state it (SPARQL 1.1 section 13.2: an RDF merge). The embedded backend
keeps that union materialised in Oxigraph's own default graph, maintained by :meth:`TradeStore.apply` inside the
transaction of every write, so that ``COUNT``, ``SUM`` and property paths count each fact once.

Terms are pyoxigraph's (``NamedNode``, ``BlankNode``, ``Literal``, ``Quad``) whatever the backend: they are plain
values, and the query answers are pyoxigraph's typed answers.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from tradekg.ontology.vocab import ID
from tradekg.store.sparql_text import uses_keyword
from tradekg.store.staging import StagedQuads

QueryAnswer = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Term = ox.NamedNode | ox.BlankNode | ox.Literal
Subject = ox.NamedNode | ox.BlankNode
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

DEFAULT_GRAPH_IRI = str(ID["graph/default"])
"""The named graph that holds what SPARQL Update and the Graph Store Protocol call the default graph."""
DEFAULT_GRAPH = ox.NamedNode(DEFAULT_GRAPH_IRI)


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """An Oxigraph term as an rdflib term; a plain string literal stays plain (no explicit ``xsd:string``)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language is not None:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"no rdflib term for {term!r}")


def to_engine(term: Node | Term) -> Term:
    """An rdflib term (or an Oxigraph term, returned as it is) as an Oxigraph term."""
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return term
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"no RDF term for {term!r}")


def quad_lines(quads: Iterable[ox.Quad]) -> str:
    """Triples of quads as N-Triples lines (graph names dropped), for ``INSERT DATA``."""
    return "\n".join(f"{quad.subject} {quad.predicate} {quad.object} ." for quad in quads)


def graph_block(graph: str | None, quads: Iterable[ox.Quad]) -> str:
    """An ``INSERT DATA`` body: the triples in ``GRAPH <graph>``, or in the default graph when ``graph`` is None."""
    lines = quad_lines(quads)
    return f"GRAPH <{graph}> {{\n{lines}\n}}" if graph else lines


ChangeListener = Callable[[Collection[ox.Quad], Collection[ox.Quad]], None]
"""Told of each committed change set: ``listener(removed, added)`` (see :meth:`TradeStore.on_commit`)."""


class StoreError(Exception):
    """The store could not be opened, read or written."""


class StoreConflict(StoreError):
    """Another writer changed the store after this write read it; nothing was written (HTTP 409: retry)."""


@lru_cache(maxsize=128)
def names_own_dataset(sparql: str) -> bool:
    """Whether a query has its own ``FROM`` / ``FROM NAMED`` clauses.

    Lexing the text costs about as much as a selective query (a millisecond for a catalog query with its
    prefixes), so a text without the letters "from" is answered at once, and answers are kept for the texts
    that come back (the catalog's, a client's repeated query).
    """
    return "from" in sparql.lower() and uses_keyword(sparql, "FROM")


class TradeStore(ABC):
    """tradekg's dataset, whatever holds it: the interface every backend implements.

    Attributes:
        path: The directory of an embedded persistent store; ``None`` in memory or for a remote store.
        generation: A counter bumped by every write through :meth:`writing` (committed or not), so that a reader
            holding an older copy of the store (a query worker, a cached answer) knows it is out of date.
        write_lock: Held by :meth:`writing`; writers are serialised by it.
    """

    path: Path | None = None
    bounds_queries: bool = False
    """Whether the backend stops queries at a time limit of its own (given when it was opened), raising
    ``TimeoutError``: then no query worker process is needed to stop them."""

    def __init__(self) -> None:
        self.generation = 0
        self.write_lock = threading.Lock()
        self._listeners: list[ChangeListener] = []

    # -- reading -----------------------------------------------------------------------------------

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node | Term] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryAnswer:
        """Run a SPARQL query and return a typed answer.

        The dataset: with neither ``default_graph_uris`` nor ``FROM`` clauses in the text, the default graph is the
        set union of the named graphs (each triple once) and ``GRAPH`` sees every named graph. Graphs named in
        ``default_graph_uris`` (which override the text's ``FROM``) or in ``FROM`` are merged as a set too.

        Args:
            sparql: The query text. The project's prefixes (:data:`tradekg.ontology.vocab.PREFIXES`) are predeclared.
            bindings: Variables bound to RDF terms before evaluation (never spliced into the text).
            default_graph_uris: Graphs whose merge is the default graph (the protocol's ``default-graph-uri``).
            named_graph_uris: The graphs ``GRAPH`` may see (the protocol's ``named-graph-uri``); empty means all.
            base_iri: The base against which relative IRIs in the query resolve.

        Returns:
            ``ox.QuerySolutions`` for SELECT, ``ox.QueryBoolean`` for ASK, ``ox.QueryTriples`` for
            CONSTRUCT/DESCRIBE. (A remote backend can build ``QueryTriples`` by loading the triples it received into
            an in-memory ``ox.Store`` and asking it ``CONSTRUCT WHERE { ?s ?p ?o }``.) Blank nodes in the answer are
            the store's own: passing one back in ``bindings`` or to :meth:`quads_for_pattern` finds the same node.

        Raises:
            SyntaxError: The query does not parse; the message names the line and column.
            StoreError: The store failed to answer (a remote store unreachable, for example).
        """

    def select(self, sparql: str, *, bindings: Mapping[str, Node | Term] | None = None) -> list[dict[str, Node]]:
        """Run a SELECT query and return its rows as dictionaries of rdflib terms (unbound names left out)."""
        answer = self.query(sparql, bindings=bindings)
        if not isinstance(answer, ox.QuerySolutions):
            raise ValueError("select() needs a SELECT query")
        names = [variable.value for variable in answer.variables]
        return [
            {name: to_rdflib(value) for name, value in zip(names, solution, strict=True) if value is not None}
            for solution in answer
        ]

    @abstractmethod
    def quads_for_pattern(
        self,
        subject: Subject | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,  # noqa: A002 - pyoxigraph's name
        graph: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching a pattern (``None`` matches anything).

        ``graph=None`` reads every named graph (each quad with its graph name); ``graph=ox.DefaultGraph()`` reads
        the union default graph (each distinct triple once, as a quad in ``DefaultGraph``).
        """

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of the named graphs, or of one named graph."""
        return self.quads_for_pattern(None, None, None, ox.NamedNode(graph) if graph else None)

    def __contains__(self, quad: object) -> bool:
        """Whether a quad of a named graph is stored."""
        if not isinstance(quad, ox.Quad):
            return False
        return next(self.quads_for_pattern(*quad), None) is not None  # type: ignore[arg-type]

    def stored(self, quads: Iterable[ox.Quad]) -> set[ox.Quad]:
        """Which of the quads are stored: one question for many quads (a remote backend asks in a few requests)."""
        return {quad for quad in quads if quad in self}

    @abstractmethod
    def named_graphs(self) -> list[URIRef]:
        """The IRIs of the named graphs (empty ones included where the backend keeps them), sorted."""

    @abstractmethod
    def contains_named_graph(self, iri: str) -> bool:
        """Whether the named graph exists (it holds quads, or it was created empty)."""

    @abstractmethod
    def __len__(self) -> int:
        """The number of quads in the named graphs (a triple in two graphs counts twice)."""

    @abstractmethod
    def triple_count(self) -> int:
        """The number of distinct triples in the union default graph."""

    def has_data(self) -> bool:
        """Whether any named graph holds a quad."""
        return next(self.quads_for_pattern(), None) is not None

    @abstractmethod
    def dump(
        self, rdf_format: ox.RdfFormat, *, graph: str | None = None, prefixes: Mapping[str, str] | None = None
    ) -> bytes:
        """The named graphs (or one of them, as triples) serialised; the union default graph is never included."""

    @property
    def stamp(self) -> str | None:
        """A name for the committed state, new at every commit and kept across restarts; ``None`` when unknown.

        An index kept on disk beside the store records it in the same transaction as its update for each commit;
        an equal stamp when the index opens again proves it is in step (:mod:`tradekg.store.stamp`). Backends that
        cannot vouch for their state across processes (memory, remote, read-only) give ``None``: then nothing is
        proved and such an index is rebuilt or checked otherwise.
        """
        return None

    # -- writing -----------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[TradeStore]:
        """Serialise writers: hold the write lock for one write (read, validate, apply), then bump the generation."""
        with self.write_lock:
            try:
                yield self
            finally:
                self.generation += 1

    @abstractmethod
    def apply(
        self,
        removed: Collection[ox.Quad],
        added: Collection[ox.Quad],
        *,
        created_graphs: Collection[ox.NamedNode] = (),
        dropped_graphs: Collection[ox.NamedNode] = (),
    ) -> None:
        """Commit an exact change set in one transaction: readers see all of it or none of it.

        Call it holding :meth:`writing`. ``removed`` is applied before ``added`` (a quad in both stays). Quads are in
        named graphs (never ``DefaultGraph``); the backend keeps the
        union default graph in step within the same transaction. Blank nodes are the store's own (a removed quad
        with a blank node removes exactly that stored quad; an added one reuses the node).

        Args:
            removed: Quads to delete (quads not stored are ignored).
            added: Quads to insert (quads already stored are ignored).
            created_graphs: Named graphs that exist afterwards even if empty (``CREATE GRAPH``).
            dropped_graphs: Named graphs that no longer exist afterwards (``DROP GRAPH``); their quads are removed
                (list them in ``removed`` too: that is the change set the gate validated).

        Raises:
            StoreError: Nothing was written.
        """

    def on_commit(self, listener: ChangeListener) -> None:
        """Tell ``listener(removed, added)`` the net change of every change set :meth:`apply` commits from now on.

        It is called in the writer's thread, holding the write lock, right after the commit (so listeners see change
        sets in commit order, and the store already changed). The text index follows the store this way.
        """
        self._listeners.append(listener)

    def committed(self, removed: Collection[ox.Quad], added: Collection[ox.Quad]) -> None:
        """Announce a committed change set to the listeners; every backend's :meth:`apply` calls it on success."""
        for listener in self._listeners:
            listener(removed, added)

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction, without validation (trusted data: the vocabulary, tests)."""
        with self.writing():
            self.apply((), [quad for quad in quads if quad not in self])

    def add_staged(self, staged: StagedQuads) -> None:
        """Add staged quads (a load's parsed files) in one transaction, without validation; ``staged`` is consumed.

        Call it holding :meth:`writing`. Quads already stored are left as they are; the union default graph follows,
        as in :meth:`apply`. This default commits them through :meth:`apply` (the exact change set, told to the
        listeners); a backend may take them faster by its own means (:meth:`OxigraphStore.add_staged`).

        Raises:
            StoreError: Nothing was written.
        """
        quads = list(staged.quads())
        staged.discard()
        self.apply((), quads)

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Quad]]) -> None:
        """Replace whole named graphs by new contents, all graphs in one transaction, without validation."""
        with self.writing():
            removed = [quad for iri in graphs for quad in self.quads(iri)]
            added = [quad for quads in graphs.values() for quad in quads]
            self.apply(removed, added)

    # -- lifetime ----------------------------------------------------------------------------------

    @abstractmethod
    def checkpoint(self, target: Path) -> None:
        """Copy the store, consistent at this instant, into a new directory that an embedded store opens read-only.

        Raises:
            StoreError: The backend cannot make checkpoints (a remote store); callers ask only when :attr:`path` is set.
        """

    @abstractmethod
    def flush(self) -> None:
        """Make acknowledged writes durable (a no-op in memory)."""

    @abstractmethod
    def close(self) -> None:
        """Flush and release the store (an embedded directory's lock is free afterwards). Idempotent."""
