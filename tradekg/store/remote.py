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
Quads are read by pattern, by lookup and around a write's nodes as :mod:`tradekg.store.remote_reads` says.

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
    QueryAnswer,
    StoreError,
    Term,
    names_own_dataset,
    to_engine,
)
from tradekg.store.remote_reads import DEFAULT, QuadReads
from tradekg.store.remote_text import (
    NO_GRAPH,
    REGISTRY_GRAPH,
    SD_NAMED_GRAPH,
    SKOLEM_PREFIX,
    STORE_NODE,
    UNION_GRAPH,
    VERSION,
    query_form,
    with_bindings,
    with_prefixes,
)
from tradekg.store.sparql_client import Endpoints, RemoteError, RemoteNotFound, SparqlClient
from tradekg.store.sparql_text import dataset_clauses
from tradekg.store.virtuoso import with_virtuoso_answers
from tradekg.store.virtuoso_crash import UnanswerableQuery, crashes_virtuoso

REGISTRY_SECONDS = 1.0
"""How long the list of tradekg's graphs and the store's version are reused before they are read again."""


class RemoteStore(QuadReads):
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
                (:mod:`tradekg.store.virtuoso_crash`); nothing was sent.
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
        """One named graph's quads, through the Graph Store endpoint when there is one.

        A graph emptied by a write stays one of tradekg's (as Oxigraph keeps an emptied graph), but Virtuoso forgets
        it with its last triple and its Graph Store endpoint answers 404: read as empty when the graph holds nothing.
        """
        name = ox.NamedNode(graph)
        if not self.endpoints.graph_store:
            return self.quads_for_pattern(None, None, None, name)
        try:
            triples = self.client.graph_triples(graph)
        except RemoteNotFound:
            held, _ = self.client.solutions("ASK { GRAPH ?g { ?s ?p ?o } }", named_graphs=[graph])
            if bool(held):
                raise  # the graph is there: the endpoint is not a Graph Store endpoint
            return iter(())
        return (ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)

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
