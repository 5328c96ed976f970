"""The remote backend of :class:`~tradekg.store.interface.TradeStore`: tradekg's dataset on a SPARQL 1.1 server.

Virtuoso, the Oxigraph server, or any server of the protocol. What tradekg keeps there, besides its own named
graphs (one per source, the ontology, the shapes, the write-default graph), is listed in
:mod:`tradekg.store.remote_text`:

- the **registry graph**: which named graphs are tradekg's (``<g> a sd:NamedGraph``), and the store's version
  (``<…/id/store> owl:versionInfo "…"``), a fresh token on every committed write;
- the **union graph**: each distinct triple of tradekg's named graphs once. Queries see it as their default
  graph, so the default graph is a set (SPARQL 1.1, section 13.2) although Virtuoso and Oxigraph merge graphs as
  bags. tradekg maintains it on every write, from the exact change set.

Every query is sent with that dataset (``default-graph-uri`` = the union graph, ``named-graph-uri`` = the
registered graphs), unless it names its own with ``FROM`` / ``FROM NAMED``. Other graphs on the server (Virtuoso's
system graphs, other applications' data) are never seen. Several default graphs are merged as a set too
(:meth:`RemoteStore._merged_default`).

Writes (:meth:`RemoteStore.apply`). The write gate computes the exact change set by reading this store (inside
:meth:`RemoteStore.writing`, which notes the store's version first) and validates it; the change is then

1. skolemised: a blank node is stored as an IRI under :data:`~tradekg.store.remote_text.SKOLEM_PREFIX` followed
   by its label (a SPARQL update cannot name a stored blank node, and Virtuoso refuses blank nodes in
   ``INSERT DATA``). Answers read such an IRI back as the blank node (RDF 1.1 Concepts, section 3.5), so what
   tradekg stores and reads is the graph it validated, blank nodes included; only the server's own queries see
   the IRIs (``isBlank`` is false there);
2. committed in **one** update request (:mod:`tradekg.store.remote_commit`) whose first operation swaps the
   version the change was computed against for a fresh one, and whose other operations delete and insert the
   change's triples (and keep the union graph and the registry in step) only where that fresh version is
   present. If anyone committed in between, the first operation matches nothing, so nothing else does: the
   store raises :class:`~tradekg.store.interface.StoreConflict` (HTTP 409 in the server) and the write can be
   retried. A small change travels inside that request; a large one is staged first into graphs no query sees,
   and the request moves it into place.

The consistency model: tradekg processes sharing one server serialise their writes through the version triple
(each commit checks, in its own request, that the version is still the one its change was computed from); a
reader sees a write whole (the server applies one update request as one transaction). A program that writes
tradekg's graphs without tradekg bypasses both the version and the union graph: it is not detected, and its
triples do not show in the default graph. Treat tradekg as the only writer of its graphs.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import (
    GraphName,
    QueryAnswer,
    StoreError,
    Subject,
    Term,
    names_own_dataset,
    to_engine,
)
from tradekg.store.remote_commit import AROUND_LIMIT, VersionedWrites
from tradekg.store.remote_text import (
    NO_GRAPH,
    REGISTRY_GRAPH,
    SD_NAMED_GRAPH,
    SKOLEM_PREFIX,
    STORE_NODE,
    UNION_GRAPH,
    VERSION,
    around_query,
    chunks,
    holders_query,
    lookup_query,
    pattern_query,
    query_form,
    with_bindings,
    with_prefixes,
)
from tradekg.store.sparql_client import Endpoints, RemoteError, SparqlClient
from tradekg.store.sparql_text import dataset_clauses
from tradekg.store.virtuoso import UnanswerableQuery, crashes_virtuoso, with_virtuoso_answers

LOOKUP_CHUNK = 200
"""Quads looked up per ``VALUES`` query."""
REGISTRY_SECONDS = 1.0
"""How long the list of tradekg's graphs and the store's version are reused before they are read again."""
DEFAULT = ox.DefaultGraph()


class RemoteStore(VersionedWrites):
    """tradekg's dataset on a SPARQL server (see the module's description).

    Args:
        endpoints: The server's query, update and Graph Store endpoints.
        timeout: Seconds a request may take (``None`` or 0: no limit), enforced here and passed to the engine
            when ``engine_timeout`` is set.
        engine_timeout: Tell the engine the limit too (Virtuoso's ``timeout`` parameter); Virtuoso is told anyway,
            recognised by its ``Server`` header.

    Raises:
        StoreError: The server cannot be reached.
    """

    bounds_queries = True

    def __init__(self, endpoints: Endpoints, *, timeout: float | None = 30.0, engine_timeout: bool = False) -> None:
        self._generation = 0
        super().__init__()
        self.endpoints = endpoints
        self.client = SparqlClient(
            endpoints, timeout=timeout, engine_timeout=engine_timeout, skolem_prefix=SKOLEM_PREFIX
        )
        self._seen: tuple[float, str | None, list[str]] | None = None
        self.graph_names()  # reach the server now: a wrong URL fails here, not at the first page
        self.virtuoso = "virtuoso" in self.client.server_software.lower()
        if self.virtuoso:
            self.client.engine_timeout = True  # Virtuoso takes a time limit of its own (its ``timeout`` parameter)
            self.client.dataset_in_text = True  # it would echo each graph as a header

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoints.query!r})"

    # -- the dataset tradekg sees -----------------------------------------------------------------------------

    def _registry(self, *, fresh: bool = False) -> tuple[str | None, list[str]]:
        """The store's version and tradekg's graphs, read in one query at most every :data:`REGISTRY_SECONDS`.

        A version that differs from the last one seen means someone wrote: :attr:`generation` moves on, so that
        answers cached beside this store (the server's answer cache) are dropped.
        """
        now = time.monotonic()
        writing = self._knowing() is not None  # the writing thread: the store stays as it was read, or nothing commits
        if fresh or self._seen is None or (now - self._seen[0] >= REGISTRY_SECONDS and not writing):
            rows = self._select(
                f"SELECT ?g ?v WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ {{ ?g a {SD_NAMED_GRAPH} }} "
                f"UNION {{ {STORE_NODE} {VERSION} ?v }} }} }}",
                named=[REGISTRY_GRAPH],
            )
            graphs, versions = [], []
            for row in rows:
                if row["g"] is not None:
                    graphs.append(row["g"].value)
                if row["v"] is not None:
                    versions.append(row["v"].value)
            version = versions[0] if versions else None
            if self._seen is not None and self._seen[1] != version:
                self._generation += 1
            self._seen = (now, version, sorted(graphs))
        return self._seen[1], self._seen[2]

    @property
    def generation(self) -> int:  # type: ignore[override]
        """A counter that moves on with every write, this process's or (seen within a second) another's."""
        self._registry()
        return self._generation

    @generation.setter
    def generation(self, value: int) -> None:
        self._generation = value

    def graph_names(self) -> list[str]:
        """The IRIs of tradekg's named graphs on the server, sorted (re-read at most every second)."""
        return self._registry()[1]

    def version(self) -> str | None:
        """The store's current version token (``None`` before the first write), read now."""
        return self._registry(fresh=True)[0]

    def _registry_changed(self) -> None:
        self._seen = None

    def _select(self, sparql: str, *, default: Sequence[str] = (), named: Sequence[str] = ()) -> ox.QuerySolutions:
        answer, _ = self.client.solutions(sparql, default_graphs=default, named_graphs=named)
        if not isinstance(answer, ox.QuerySolutions):
            raise RemoteError(f"{self.endpoints.query} answered a SELECT with a boolean")
        return answer

    def _all_named(self) -> list[str]:
        return self.graph_names() or [NO_GRAPH]

    # -- reading ----------------------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node | Term] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryAnswer:
        """Run a query on the server over tradekg's dataset (see :meth:`TradeStore.query`).

        SELECT answers stream in as they are read. A CONSTRUCT or DESCRIBE answer is gathered into an in-memory
        Oxigraph store first (its type, ``QueryTriples``, has no other constructor).

        Raises:
            UnanswerableQuery: The server is Virtuoso and the query has the shape it crashes on
                (:mod:`tradekg.store.virtuoso`); nothing was sent.
        """
        if self.virtuoso and crashes_virtuoso(sparql):
            raise UnanswerableQuery(
                "this query was not sent: Virtuoso 7 crashes on a UNION joined to another pattern inside EXISTS, "
                "NOT EXISTS or MINUS when a nested EXISTS filters it; run it on another store"
            )
        text = with_prefixes(with_virtuoso_answers(sparql) if self.virtuoso else sparql, base_iri)
        if bindings:
            try:
                text = with_bindings(text, {name: to_engine(term) for name, term in bindings.items()})  # type: ignore[arg-type]
            except ValueError as error:
                raise StoreError(str(error)) from None
        default, named = list(default_graph_uris), list(named_graph_uris)
        if not default and not named and names_own_dataset(sparql):  # the protocol's dataset wins
            default, named = dataset_clauses(sparql, base_iri=base_iri)
            named = named or [NO_GRAPH]  # FROM without FROM NAMED: no named graphs (SPARQL 1.1, 13.2)
        default = list(dict.fromkeys(default)) or [UNION_GRAPH]
        named = named or self._all_named()
        if len(default) > 1:
            merged = self._merged_default(default)
            if merged is None:
                return self._merged_query(sparql, default, named, bindings=bindings, base_iri=base_iri)
            default = merged
        if query_form(sparql) in ("CONSTRUCT", "DESCRIBE"):
            answer_graph = ox.NamedNode(NO_GRAPH)
            scratch = OxigraphStore()  # in memory, for this answer only
            with scratch.writing():
                triples = self.client.triples(text, default_graphs=default, named_graphs=named)
                scratch.apply((), [ox.Quad(t.subject, t.predicate, t.object, answer_graph) for t in triples])
            return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        answer, _ = self.client.solutions(text, default_graphs=default, named_graphs=named)
        return answer

    def _merged_default(self, graphs: list[str]) -> list[str] | None:
        """The graphs to send as the default graph so that it is their set merge; ``None`` when none will do.

        Servers merge several default graphs as a bag (a triple in two of them matches twice). Sent as they are
        when no triple is in two of them (one ``ASK``), as the union graph when they are all of tradekg's graphs;
        otherwise (``None``) the query is evaluated here (:meth:`_merged_query`).
        """
        if set(graphs) == set(self.graph_names()):
            return [UNION_GRAPH]
        shared = "ASK { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?s ?p ?o } FILTER (?a != ?b) }"
        answer, _ = self.client.solutions(shared, named_graphs=graphs)
        return None if bool(answer) else graphs

    def _merged_query(
        self,
        sparql: str,
        graphs: Sequence[str],
        named: Sequence[str],
        *,
        bindings: Mapping[str, Node | Term] | None,
        base_iri: str | None,
    ) -> QueryAnswer:
        """Evaluate here, over a copy of the set merge of ``graphs`` and of the ``named`` graphs.

        As the embedded store does for several default graphs: the answer is the embedded store's, the engine
        Oxigraph's. Costs a copy of those graphs: only a query naming two or more default graphs that share a
        triple pays it.
        """
        mine = set(self.graph_names())
        wanted = [graph for graph in dict.fromkeys([*graphs, *named]) if graph in mine]
        scratch = OxigraphStore()  # in memory, for this answer only; it merges several default graphs as a set
        with scratch.writing():
            scratch.apply((), [quad for graph in wanted for quad in self._graph_quads(graph)])
        return scratch.query(
            sparql, bindings=bindings, default_graph_uris=graphs, named_graph_uris=named, base_iri=base_iri
        )

    def quads_for_pattern(
        self,
        subject: Subject | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,  # noqa: A002 - pyoxigraph's name
        graph: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching a pattern (see :meth:`TradeStore.quads_for_pattern`), streamed."""
        if graph is None and (subject is None) != (object is None) and self._knowing() is not None:
            around = self._quads_around(subject if object is None else object, outgoing=object is None)
            if around is not None:
                return (quad for quad in around if predicate is None or quad.predicate == predicate)
        if graph is None and self._knowing() is not None:  # the writing thread: the store stays as it was read
            key = (subject, predicate, object)
            if key not in self._patterns:
                self._patterns[key] = list(self._pattern_quads(subject, predicate, object, None))
            return iter(self._patterns[key])
        return self._pattern_quads(subject, predicate, object, graph)

    def _pattern_quads(
        self, subject: Subject | None, predicate: ox.NamedNode | None, object: Term | None, graph: GraphName | None
    ) -> Iterator[ox.Quad]:
        if isinstance(graph, ox.DefaultGraph):
            rows = self._select(pattern_query(subject, predicate, object, union=True), default=[UNION_GRAPH])
        elif graph is not None:
            if not isinstance(graph, ox.NamedNode) or graph.value not in self.graph_names():
                return iter(())
            rows = self._select(pattern_query(subject, predicate, object, union=False), named=[graph.value])
        else:
            rows = self._select(pattern_query(subject, predicate, object, union=False), named=self._all_named())
        quads = (
            ox.Quad(
                subject or row["s"],  # type: ignore[arg-type]
                predicate or row["p"],  # type: ignore[arg-type]
                object or row["o"],  # type: ignore[arg-type]
                DEFAULT if isinstance(graph, ox.DefaultGraph) else row["g"],  # type: ignore[arg-type]
            )
            for row in rows
        )
        return quads if isinstance(graph, ox.DefaultGraph) else self._note_read(quads)

    def _quads_around(self, node: Term | None, *, outgoing: bool) -> list[ox.Quad] | None:
        """Every quad with ``node`` as subject (or object), read once per write; ``None`` past :data:`AROUND_LIMIT`."""
        key = (outgoing, node)
        if key not in self._around:
            pattern = (node, None, None) if outgoing else (None, None, node)
            text = pattern_query(*pattern, union=False) + f" LIMIT {AROUND_LIMIT + 1}"  # type: ignore[arg-type]
            rows = list(self._select(text, named=self._all_named()))
            if len(rows) > AROUND_LIMIT:
                return None
            quads = [
                ox.Quad(node if outgoing else row["s"], row["p"], row["o"] if outgoing else node, row["g"])  # type: ignore[arg-type]
                for row in rows
            ]
            self._known.update((quad, True) for quad in quads)
            self._around[key] = quads
        return self._around[key]

    def _read_around(self, quads: Sequence[ox.Quad]) -> None:
        """Read, in two requests, what validating a change of these quads reads around their nodes, one by one.

        Every quad with a changed subject as subject or object, and every quad with one of the IRIs they point to
        as subject (the class and properties of what a change refers to): the write gate then finds them in
        :attr:`_around` instead of asking for each node (about sixty requests for a 100-triple write). A direction
        with more than :data:`AROUND_LIMIT` quads per node on average is left to be read node by node.
        """
        subjects = {quad.subject for quad in quads if not isinstance(quad.subject, ox.Triple)}
        objects = {quad.object for quad in quads if isinstance(quad.object, ox.NamedNode | ox.BlankNode)}
        for outgoing, nodes in ((True, subjects | objects), (False, subjects)):
            nodes = {node for node in nodes if (outgoing, node) not in self._around}
            if not nodes:
                continue
            limit = AROUND_LIMIT * len(nodes)
            rows = list(self._select(around_query(sorted(nodes, key=str), outgoing=outgoing, limit=limit + 1),
                                     named=self._all_named()))  # fmt: skip
            if len(rows) > limit:
                continue
            found: dict[Term, list[ox.Quad]] = {node: [] for node in nodes}
            for row in rows:
                quad = ox.Quad(row["s"], row["p"], row["o"], row["g"])  # type: ignore[arg-type]
                found.setdefault(quad.subject if outgoing else quad.object, []).append(quad)  # type: ignore[arg-type]
            for node, around in found.items():
                self._known.update((quad, True) for quad in around)
                self._around[(outgoing, node)] = around

    def stored(self, quads: Iterable[ox.Quad]) -> set[ox.Quad]:
        """Which of the quads the store holds, asked :data:`LOOKUP_CHUNK` at a time (the writing thread asks once)."""
        graphs = set(self.graph_names())
        known = self._knowing()
        asked_for = list(dict.fromkeys(quads))
        if known is not None:
            self._read_around(asked_for)  # a new graph's quads too: their nodes may be stored elsewhere
        wanted = [
            quad for quad in asked_for if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value in graphs
        ]
        found = {quad for quad in wanted if known.get(quad)} if known is not None else set()
        asked = [quad for quad in wanted if quad not in known] if known is not None else wanted
        for chunk in chunks(asked, LOOKUP_CHUNK):
            named = sorted({quad.graph_name.value for quad in chunk})  # type: ignore[union-attr]
            rows = self._select(lookup_query(chunk), named=named)
            hits = {chunk[int(row["i"].value)] for row in rows}  # type: ignore[union-attr]
            found |= hits
            if known is not None:
                known.update((quad, quad in hits) for quad in chunk)
        return found

    def _holders(self, triples: list[ox.Triple]) -> Iterator[tuple[ox.Triple, str]]:
        """Each stored (triple, named graph) of the given triples."""
        for chunk in chunks(triples, LOOKUP_CHUNK):
            for row in self._select(holders_query(chunk), named=self._all_named()):
                yield ox.Triple(row["s"], row["p"], row["o"]), row["g"].value  # type: ignore[arg-type,union-attr]

    def __contains__(self, quad: object) -> bool:
        """Whether a quad of a named graph is stored."""
        return isinstance(quad, ox.Quad) and bool(self.stored([quad]))

    def named_graphs(self) -> list[URIRef]:
        """The IRIs of tradekg's named graphs, sorted."""
        return [URIRef(name) for name in self.graph_names()]

    def contains_named_graph(self, iri: str) -> bool:
        """Whether tradekg has this named graph."""
        return iri in self.graph_names()

    def _count(self, sparql: str, *, default: Sequence[str] = (), named: Sequence[str] = ()) -> int:
        return int(next(iter(self._select(sparql, default=default, named=named)))["n"].value)  # type: ignore[union-attr]

    def __len__(self) -> int:
        """The number of quads in tradekg's named graphs (a triple in two graphs counts twice)."""
        return self._count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", named=self._all_named())

    def triple_count(self) -> int:
        """The number of distinct triples in the default graph (the union graph)."""
        return self._count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default=[UNION_GRAPH])

    def has_data(self) -> bool:
        """Whether any of tradekg's named graphs holds a quad."""
        answer, _ = self.client.solutions("ASK { GRAPH ?g { ?s ?p ?o } }", named_graphs=self._all_named())
        return bool(answer)

    def _graph_quads(self, graph: str) -> Iterator[ox.Quad]:
        name = ox.NamedNode(graph)
        if self.endpoints.graph_store:
            return (ox.Quad(t.subject, t.predicate, t.object, name) for t in self.client.graph_triples(graph))
        return self.quads_for_pattern(None, None, None, name)

    def dump(
        self, rdf_format: ox.RdfFormat, *, graph: str | None = None, prefixes: Mapping[str, str] | None = None
    ) -> bytes:
        """The named graphs serialised, read graph by graph (through the Graph Store endpoint when there is one)."""
        if graph is not None:
            quads: Iterable[ox.Quad] = (
                ox.Quad(q.subject, q.predicate, q.object, DEFAULT) for q in self._graph_quads(graph)
            )
        elif not rdf_format.supports_datasets:
            quads = self.quads_for_pattern(None, None, None, DEFAULT)
        else:
            quads = (quad for name in self.graph_names() for quad in self._graph_quads(name))
        if not rdf_format.supports_datasets:
            quads = (ox.Quad(q.subject, q.predicate, q.object, DEFAULT) for q in quads)
        return ox.serialize(quads, format=rdf_format, prefixes=prefixes)  # type: ignore[return-value]

    # -- writing ----------------------------------------------------------------------------------------------

    # -- lifetime ---------------------------------------------------------------------------------------------

    def checkpoint(self, target: Path) -> None:
        """A SPARQL server's data cannot be copied into a directory."""
        raise StoreError("a store on a SPARQL server has no checkpoints")

    def flush(self) -> None:
        """Nothing to do: the server made each acknowledged write durable its own way."""

    def close(self) -> None:
        """Nothing to release: each request had its own connection."""

    def clear(self) -> None:
        """Remove every graph tradekg keeps on the server (its registry, union and named graphs); nothing else."""
        graphs = [*self.graph_names(), UNION_GRAPH, REGISTRY_GRAPH]
        self.client.update(" ;\n".join(f"DROP SILENT GRAPH <{graph}>" for graph in graphs))
        self._seen = None
