"""The one module that opens tradekg's dataset.

Everything else reaches the graph through :class:`TradeStore`: an rdflib :class:`~rdflib.Dataset` backed by
Oxigraph (``oxrdflib``), in memory by default or persistent in a directory. The default graph answers as the
union of all named graphs; every fact lives in a named graph (one per source), the ontology and the shapes in
graphs of their own.

The store keeps rdflib's API for callers (``store.dataset``) and exposes the Oxigraph engine
(``store.engine``) for the few hot paths that must not convert every term to rdflib (SPARQL results
serialised straight to the wire, bulk loads).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from oxrdflib._converter import from_ox, to_ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from tradekg.graph.sparql_text import uses_keyword
from tradekg.ontology.vocab import PREFIXES, QUERY_PREFIXES

QueryAnswer = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
ChangeListener = Callable[[Iterable[ox.Quad], Iterable[ox.Quad]], None]
"""Told of each committed change set: ``listener(removed, added)`` (see :meth:`TradeStore.on_commit`)."""
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """An Oxigraph term as an rdflib term; a plain string literal stays plain (no explicit ``xsd:string``)."""
    if isinstance(term, ox.Literal) and term.language is None and term.datatype.value == XSD_STRING:
        return Literal(term.value)
    return from_ox(term)


def to_engine(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as an Oxigraph term."""
    return to_ox(term)  # type: ignore[return-value]


def quad_lines(quads: Iterable[ox.Quad]) -> str:
    """Triples of quads as N-Triples lines (graph names dropped), for ``INSERT DATA``."""
    return "\n".join(f"{quad.subject} {quad.predicate} {quad.object} ." for quad in quads)


def graph_block(graph: str | None, quads: Iterable[ox.Quad]) -> str:
    """An ``INSERT DATA`` body: the triples in ``GRAPH <graph>``, or in the default graph when ``graph`` is None."""
    lines = quad_lines(quads)
    return f"GRAPH <{graph}> {{\n{lines}\n}}" if graph else lines


class StoreError(Exception):
    """The store could not be opened or written."""


@lru_cache(maxsize=128)
def names_own_dataset(sparql: str) -> bool:
    """Whether a query has its own ``FROM`` / ``FROM NAMED`` clauses.

    Lexing the text costs about as much as a selective query (a millisecond for a catalog query with its
    prefixes), so a text without the letters "from" is answered at once, and answers are kept for the texts
    that come back (the catalog's, a client's repeated query).
    """
    return "from" in sparql.lower() and uses_keyword(sparql, "FROM")


class TradeStore:
    """tradekg's dataset: Oxigraph behind rdflib's Dataset API.

    Args:
        path: A directory for a persistent store; ``None`` keeps the store in memory.
        read_only: Open the directory read-only (no lock taken, writes fail); only for a directory no process
            writes, such as a checkpoint made by :meth:`pyoxigraph.Store.backup`.

    Attributes:
        generation: A counter bumped by every write through :meth:`writing` (committed or not), so that a reader
            holding an older copy of the store (a query worker) knows it is out of date.

    Raises:
        StoreError: The directory cannot be opened (for example, another process holds its lock).
    """

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = path
        self.generation = 0
        try:
            if path is None:
                self.engine = ox.Store()
            elif read_only:
                self.engine = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self.engine = ox.Store(str(path))
        except OSError as error:
            raise StoreError(f"cannot open the store in {path}: {error}") from error
        self.dataset = Dataset(store=OxigraphStore(store=self.engine), default_union=True)
        for prefix, namespace in PREFIXES.items():
            self.dataset.bind(prefix, namespace)
        self.write_lock = threading.Lock()
        self._listeners: list[ChangeListener] = []

    # -- reading -----------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryAnswer:
        """Run a SPARQL query on the engine and return Oxigraph's typed answer.

        Args:
            sparql: The query text. The project's prefixes are predeclared.
            bindings: Variables bound to RDF terms before evaluation (never spliced into the text).
            default_graph_uris: Graphs whose merge is the default graph (overriding the query's FROM); empty
                means the query's FROM clauses, or the union of all named graphs when it has none.
            named_graph_uris: The graphs ``GRAPH`` may see; empty means all of them.
            base_iri: The base against which relative IRIs in the query resolve.

        Returns:
            ``QuerySolutions`` for SELECT, ``QueryBoolean`` for ASK, ``QueryTriples`` for CONSTRUCT/DESCRIBE.

        Raises:
            SyntaxError: The query does not parse; the message names the line and column.
        """
        options: dict[str, object] = {"prefixes": QUERY_PREFIXES, "base_iri": base_iri}
        if default_graph_uris:
            options["default_graph"] = [ox.NamedNode(uri) for uri in default_graph_uris]
        elif not names_own_dataset(sparql):
            # A query's own FROM / FROM NAMED clauses name its dataset; the union default would override them.
            options["use_default_graph_as_union"] = True
        if named_graph_uris:
            options["named_graphs"] = [ox.NamedNode(uri) for uri in named_graph_uris]
        if bindings:
            options["substitutions"] = {ox.Variable(name): to_engine(term) for name, term in bindings.items()}
        return self.engine.query(sparql, **options)  # type: ignore[arg-type]

    def select(self, sparql: str, *, bindings: Mapping[str, Node] | None = None) -> list[dict[str, Node]]:
        """Run a SELECT query and return its rows as dictionaries of rdflib terms (unbound names left out)."""
        answer = self.query(sparql, bindings=bindings)
        if not isinstance(answer, ox.QuerySolutions):
            raise ValueError("select() needs a SELECT query")
        names = [variable.value for variable in answer.variables]
        return [
            {name: to_rdflib(value) for name, value in zip(names, solution, strict=True) if value is not None}
            for solution in answer
        ]

    def rdflib_query(self, sparql: str, *, bindings: Mapping[str, Node] | None = None) -> Result:
        """Run a query through rdflib's API (the union default graph), for callers that want rdflib results."""
        return self.dataset.query(sparql, initBindings=dict(bindings or {}))

    def named_graphs(self) -> list[URIRef]:
        """The IRIs of the named graphs, sorted."""
        return sorted(URIRef(graph.value) for graph in self.engine.named_graphs() if isinstance(graph, ox.NamedNode))

    def graph(self, iri: str) -> Graph:
        """An rdflib view of one named graph (reads and writes go to the store)."""
        return self.dataset.graph(URIRef(iri))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of the store, or of one named graph."""
        graph_name = ox.NamedNode(graph) if graph else None
        return iter(self.engine.quads_for_pattern(None, None, None, graph_name))

    def __len__(self) -> int:
        """The number of quads in the store (a triple in two graphs counts twice)."""
        return len(self.engine)

    def triple_count(self) -> int:
        """The number of distinct triples in the union of the named graphs."""
        answer = self.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
        assert isinstance(answer, ox.QuerySolutions)
        return int(next(iter(answer))[0].value)

    # -- writing -----------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[ox.Store]:
        """Serialise writers: hold the write lock for the duration of one write, then bump :attr:`generation`."""
        with self.write_lock:
            try:
                yield self.engine
            finally:
                self.generation += 1

    def on_commit(self, listener: ChangeListener) -> None:
        """Tell ``listener(removed, added)`` the quads of every change set committed from now on.

        It is called in the writer's thread, holding the write lock, right after the commit (so listeners see
        change sets in commit order, and the store already changed). The text index follows the store this way.
        """
        self._listeners.append(listener)

    def committed(self, removed: Iterable[ox.Quad], added: Iterable[ox.Quad]) -> None:
        """Announce a committed change set to the listeners (called by every write path, inside the write lock)."""
        if self._listeners:
            removed, added = list(removed), list(added)
            for listener in self._listeners:
                listener(removed, added)

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction: readers see all of them or none."""
        quads = list(quads)
        with self.writing() as engine:
            engine.extend(quads)
            self.committed((), quads)

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Quad]]) -> None:
        """Replace whole named graphs by new contents, all graphs in one transaction.

        The drop and the insert are one SPARQL update, which Oxigraph applies atomically, so a reader
        sees either the old graphs or the new ones.
        """
        contents = {iri: list(quads) for iri, quads in graphs.items()}
        operations = [f"DROP SILENT GRAPH <{iri}>" for iri in contents]
        for iri, quads in contents.items():
            if quads:
                operations.append(f"INSERT DATA {{ {graph_block(iri, quads)} }}")
        with self.writing() as engine:
            removed = [
                quad
                for iri in (contents if self._listeners else ())
                for quad in engine.quads_for_pattern(None, None, None, ox.NamedNode(iri))
            ]
            engine.update(" ;\n".join(operations))
            self.committed(removed, [quad for quads in contents.values() for quad in quads])

    def flush(self) -> None:
        """Make acknowledged writes durable (a no-op in memory)."""
        if self.path is not None:
            self.engine.flush()

    def close(self) -> None:
        """Flush and release the store, so that another process (or a new TradeStore) may open its directory."""
        self.flush()
        del self.dataset
        del self.engine
        gc.collect()  # rdflib's Dataset holds reference cycles that would keep the directory locked
