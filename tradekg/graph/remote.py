"""tradekg's dataset kept on a SPARQL 1.1 server (Virtuoso, the Oxigraph server, any server of the protocol).

What tradekg keeps on the server, besides its own named graphs (one per source, the ontology, the shapes, the
write-default graph):

- the **registry graph** :data:`REGISTRY_GRAPH`: which named graphs are tradekg's (``<g> a sd:NamedGraph``), and
  the store's version (``<…/id/store> owl:versionInfo "…"``), a fresh token on every committed write;
- the **union graph** :data:`UNION_GRAPH`: each distinct triple of tradekg's named graphs once. Queries see it as
  their default graph, so the default graph is a set (SPARQL 1.1, section 13.2) although Virtuoso and Oxigraph
  merge graphs as bags. tradekg maintains it on every write, from the exact change set.

Every query is sent with that dataset (``default-graph-uri`` = the union graph, ``named-graph-uri`` = the
registered graphs), unless it names its own with ``FROM`` / ``FROM NAMED``. Other graphs on the server (Virtuoso's
system graphs, other applications' data) are never seen.

Writes (:meth:`RemoteStore.commit`). The caller computes the exact change set by reading this store and validates
it; the change is then

1. skolemised: a blank node becomes an IRI under :data:`SKOLEM_PREFIX` (a SPARQL update cannot name a stored blank
   node, and Virtuoso refuses blank nodes in ``INSERT DATA``);
2. staged: its quads are written, in requests of :data:`STAGE_CHUNK` triples, to staging graphs no query sees
   (Virtuoso's SPARQL compiler refuses a request of a few thousand triples, so one request cannot carry a
   large change);
3. committed in **one** update request whose first operation swaps the version the change was computed against
   for a fresh one, and whose other operations move the staged triples into place only where that fresh version
   is present, then drop the staging graphs. If anyone committed in between, the first operation matches
   nothing, so nothing moves: the store reports :class:`~tradekg.graph.sparql_client.RemoteConflict` (HTTP 409
   in the server) and the write can be retried.

The consistency model: tradekg processes sharing one server serialise their writes through the version triple;
a reader sees a write whole (the server applies one update request as one transaction). A program that writes
tradekg's graphs without tradekg bypasses both the version and the union graph: it is not detected, and its
triples do not show in the default graph. Treat tradekg as the only writer of its graphs.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice

import pyoxigraph as ox
from rdflib.term import Node

from tradekg.graph.sparql_client import Endpoints, RemoteConflict, SparqlClient
from tradekg.graph.sparql_text import split_prologue, tokens
from tradekg.ontology.vocab import ID, PREFIXES

REGISTRY_GRAPH = str(ID["graph/tradekg-store"])
"""The graph where tradekg lists its named graphs and keeps the store's version."""
UNION_GRAPH = str(ID["graph/tradekg-union"])
"""The graph holding each distinct triple of tradekg's named graphs once: the default graph of every query."""
STAGING_PREFIX = str(ID["graph/tradekg-staging/"])
"""Staging graphs of writes being committed are named under this IRI."""
NO_GRAPH = str(ID["graph/tradekg-none"])
"""Sent as the only named graph when tradekg has none (sending no ``named-graph-uri`` would mean all of them)."""
STORE_NODE = ox.NamedNode(str(ID["store"]))
SKOLEM_PREFIX = "https://w3id.org/tradekg/.well-known/genid/"
"""Blank nodes are stored as IRIs under this prefix (RDF 1.1 Concepts, section 3.5: Skolem IRIs)."""

VERSION = ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")
SD_NAMED_GRAPH = ox.NamedNode("http://www.w3.org/ns/sparql-service-description#NamedGraph")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RESERVED_GRAPHS = frozenset({REGISTRY_GRAPH, UNION_GRAPH, NO_GRAPH})

STAGE_CHUNK = 1000
"""Triples per staging request (Virtuoso's SPARQL compiler runs out of memory at about 5,000)."""
LOOKUP_CHUNK = 200
"""Quads looked up per ``VALUES`` query."""
GRAPH_LIST_SECONDS = 1.0
"""How long the list of tradekg's graphs is reused before it is read again (another writer may add one)."""

QueryAnswer = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph | ox.Triple) -> str:
    """A term as SPARQL text (N-Triples syntax)."""
    return str(term)


def skolemize(quads: Iterable[ox.Quad], names: dict[ox.BlankNode, ox.NamedNode]) -> list[ox.Quad]:
    """The quads with each blank node replaced by its Skolem IRI (``names`` keeps the mapping of one write)."""

    def named(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> ox.NamedNode | ox.Literal | ox.Triple:
        if isinstance(term, ox.BlankNode):
            if term not in names:
                names[term] = ox.NamedNode(SKOLEM_PREFIX + uuid.uuid4().hex)
            return names[term]
        return term

    return [
        ox.Quad(named(q.subject), q.predicate, named(q.object), q.graph_name)  # type: ignore[arg-type]
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
        else q
        for q in quads
    ]


def _data_block(quads: Iterable[ox.Quad]) -> str:
    by_graph: dict[str, list[str]] = {}
    for quad in quads:
        by_graph.setdefault(term_text(quad.graph_name), []).append(
            f"{term_text(quad.subject)} {term_text(quad.predicate)} {term_text(quad.object)} ."
        )
    return "\n".join(f"GRAPH {graph} {{\n" + "\n".join(lines) + "\n}" for graph, lines in by_graph.items())


def _chunks(items: Sequence[ox.Quad], size: int) -> Iterator[Sequence[ox.Quad]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def with_prefixes(sparql: str, base_iri: str | None = None) -> str:
    """The query text with the project's prefixes (those it does not declare itself) and ``BASE`` declared."""
    prologue, _ = split_prologue(sparql)
    declared = {
        token.text.rstrip(":") for token in tokens(prologue) if token.kind == "name" and token.text.endswith(":")
    }
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in PREFIXES.items() if name not in declared]
    if base_iri and "BASE" not in prologue.upper():
        lines.insert(0, f"BASE <{base_iri}>")
    return "\n".join(lines) + "\n" + sparql


def values_clause(bindings: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    """A trailing ``VALUES`` clause binding variables to terms: a final join, as Oxigraph's substitutions."""
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(term_text(term) for term in bindings.values())
    return f"\nVALUES ({names}) {{ ({terms}) }}"


class RemoteStore:
    """tradekg's dataset on a SPARQL server (see the module's description).

    Args:
        endpoints: The server's query, update and Graph Store endpoints.
        timeout: Seconds a request may take (``None`` or 0: no limit), enforced here and passed to the engine
            when ``engine_timeout`` is set.
        engine_timeout: Tell the engine the limit too (Virtuoso's ``timeout`` parameter); detected from the
            server's ``Server`` header when ``None``.

    Attributes:
        generation: A counter bumped by every write this object makes, for caches kept beside it.
    """

    def __init__(self, endpoints: Endpoints, *, timeout: float | None = 30.0, engine_timeout: bool = False) -> None:
        self.endpoints = endpoints
        self.client = SparqlClient(endpoints, timeout=timeout, engine_timeout=engine_timeout)
        self.generation = 0
        self.path = None
        self.write_lock = threading.Lock()
        self._graphs: tuple[float, list[str]] | None = None

    # -- the dataset tradekg sees -----------------------------------------------------------------------------

    def graph_names(self) -> list[str]:
        """The IRIs of tradekg's named graphs on the server, sorted (re-read at most every second)."""
        now = time.monotonic()
        if self._graphs is not None and now - self._graphs[0] < GRAPH_LIST_SECONDS:
            return self._graphs[1]
        solutions, _ = self.client.solutions(
            f"SELECT ?g WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ ?g a <{SD_NAMED_GRAPH.value}> }} }}"
        )
        assert isinstance(solutions, ox.QuerySolutions)
        names = sorted(solution["g"].value for solution in solutions)  # type: ignore[union-attr]
        self._graphs = (now, names)
        return names

    def version(self) -> str | None:
        """The store's current version token (``None`` before the first write)."""
        solutions, _ = self.client.solutions(
            f"SELECT ?v WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ {STORE_NODE} {VERSION} ?v }} }}"
        )
        assert isinstance(solutions, ox.QuerySolutions)
        found = [solution["v"].value for solution in solutions]  # type: ignore[union-attr]
        return found[0] if found else None

    def _named(self, graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None) -> list[str]:
        if graph is None:
            return self.graph_names() or [NO_GRAPH]
        return [graph.value] if isinstance(graph, ox.NamedNode) and graph.value in self.graph_names() else [NO_GRAPH]

    # -- reading ----------------------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]:
        """Run a query on the server over tradekg's dataset; answers stream in as they are read.

        Returns:
            ``QuerySolutions`` for SELECT, ``QueryBoolean`` for ASK, an iterator of triples for CONSTRUCT and
            DESCRIBE.

        Raises:
            SyntaxError: The server refused the query text.
            OSError: The server could not be reached, failed, or did not answer in time
                (:class:`~tradekg.graph.sparql_client.RemoteTimeout`).
        """
        from tradekg.graph.store import names_own_dataset

        text = with_prefixes(sparql, base_iri)
        if bindings:
            text += values_clause(bindings)
        default, named = list(default_graph_uris), list(named_graph_uris)
        if not default and not named and not names_own_dataset(sparql):
            default = [UNION_GRAPH]
        if (default or not names_own_dataset(sparql)) and not named:
            named = self.graph_names() or [NO_GRAPH]
        if not default:
            default = [] if names_own_dataset(sparql) else [UNION_GRAPH]
        if query_form(sparql) in ("CONSTRUCT", "DESCRIBE"):
            return self.client.triples(text, default_graphs=default, named_graphs=named, timeout=timeout)
        answer, _ = self.client.solutions(text, default_graphs=default, named_graphs=named, timeout=timeout)
        return answer

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | None,
        predicate: ox.NamedNode | None,
        object: ox.NamedNode | ox.BlankNode | ox.Literal | None,  # noqa: A002 - the name pyoxigraph uses
        graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads of tradekg's named graphs matching a pattern (``None`` matches anything), streamed."""
        named = self._named(graph_name)
        if named == [NO_GRAPH] and graph_name is not None:
            return iter(())
        pattern = [
            term_text(term) if term is not None else f"?{name}"
            for term, name in ((subject, "s"), (predicate, "p"), (object, "o"))
        ]
        solutions, _ = self.client.solutions(
            f"SELECT * WHERE {{ GRAPH ?g {{ {' '.join(pattern)} }} }}", named_graphs=named
        )
        assert isinstance(solutions, ox.QuerySolutions)
        return (
            ox.Quad(
                subject or solution["s"],  # type: ignore[arg-type]
                predicate or solution["p"],  # type: ignore[arg-type]
                object or solution["o"],  # type: ignore[arg-type]
                solution["g"],  # type: ignore[arg-type]
            )
            for solution in solutions
        )

    def existing(self, quads: Iterable[ox.Quad]) -> set[ox.Quad]:
        """Which of the quads the store holds (looked up :data:`LOOKUP_CHUNK` at a time).

        Each lookup row carries its index, so that a server answering with its own spelling of a value (Virtuoso
        writes ``"01"^^xsd:integer`` back as ``"1"``) still says which of the asked-for quads it holds.
        """
        graphs = set(self.graph_names())
        wanted = [
            quad
            for quad in quads
            if isinstance(quad.graph_name, ox.NamedNode)
            and quad.graph_name.value in graphs
            and not any(isinstance(term, ox.BlankNode) for term in quad)
        ]
        found: set[ox.Quad] = set()
        for chunk in _chunks(wanted, LOOKUP_CHUNK):
            rows = " ".join(
                f"({index} {' '.join(term_text(term) for term in (q.subject, q.predicate, q.object, q.graph_name))})"
                for index, q in enumerate(chunk)
            )
            solutions, _ = self.client.solutions(
                f"SELECT ?i WHERE {{ VALUES (?i ?s ?p ?o ?g) {{ {rows} }} GRAPH ?g {{ ?s ?p ?o }} }}",
                named_graphs=sorted({q.graph_name.value for q in chunk}),  # type: ignore[union-attr]
            )
            assert isinstance(solutions, ox.QuerySolutions)
            found |= {chunk[int(solution["i"].value)] for solution in solutions}  # type: ignore[union-attr]
        return found

    def __contains__(self, quad: ox.Quad) -> bool:
        return bool(self.existing([quad]))

    def named_graphs(self) -> list[ox.NamedNode]:
        """The named graphs of tradekg, as terms."""
        return [ox.NamedNode(name) for name in self.graph_names()]

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        """Whether tradekg has this named graph."""
        return graph.value in self.graph_names()

    def __len__(self) -> int:
        """The number of quads in tradekg's named graphs (a triple in two graphs counts twice)."""
        return self._count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", named=True)

    def triple_count(self) -> int:
        """The number of distinct triples in the default graph (the union graph)."""
        return self._count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", named=False)

    def _count(self, sparql: str, *, named: bool) -> int:
        solutions, _ = self.client.solutions(
            sparql,
            default_graphs=[] if named else [UNION_GRAPH],
            named_graphs=(self.graph_names() or [NO_GRAPH]) if named else [],
        )
        assert isinstance(solutions, ox.QuerySolutions)
        return int(next(iter(solutions))["n"].value)  # type: ignore[union-attr]

    def __iter__(self) -> Iterator[ox.Quad]:
        """Every quad of tradekg's named graphs, one graph at a time (Graph Store reads where there is one)."""
        for graph in self.graph_names():
            name = ox.NamedNode(graph)
            if self.endpoints.graph_store:
                for triple in self.client.graph_triples(graph):
                    yield ox.Quad(triple.subject, triple.predicate, triple.object, name)
            else:
                yield from self.quads_for_pattern(None, None, None, name)

    # -- writing ----------------------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[RemoteStore]:
        """Serialise this process's writers; other processes are caught by the version check of :meth:`commit`."""
        with self.write_lock:
            try:
                yield self
            finally:
                self.generation += 1

    def union_removals(self, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> set[ox.Triple]:
        """The triples that leave the default graph: removed from every graph that held them, added to none."""
        removed = list(removed)
        leaving_graphs: dict[ox.Triple, set[str]] = {}
        for quad in removed:
            leaving_graphs.setdefault(quad.triple, set()).add(quad.graph_name.value)  # type: ignore[union-attr]
        staying = {quad.triple for quad in added}
        candidates = [triple for triple in leaving_graphs if triple not in staying]
        still_held: set[ox.Triple] = set()
        named = self.graph_names() or [NO_GRAPH]
        for chunk in _chunks(candidates, LOOKUP_CHUNK):  # type: ignore[arg-type]
            rows = " ".join(f"({term_text(t.subject)} {term_text(t.predicate)} {term_text(t.object)})" for t in chunk)
            solutions, _ = self.client.solutions(
                f"SELECT * WHERE {{ VALUES (?s ?p ?o) {{ {rows} }} GRAPH ?g {{ ?s ?p ?o }} }}", named_graphs=named
            )
            assert isinstance(solutions, ox.QuerySolutions)
            for solution in solutions:
                triple = ox.Triple(solution["s"], solution["p"], solution["o"])  # type: ignore[arg-type]
                if solution["g"].value not in leaving_graphs.get(triple, set()):  # type: ignore[union-attr]
                    still_held.add(triple)
        return {triple for triple in candidates if triple not in still_held}

    def commit(
        self,
        added: Iterable[ox.Quad],
        removed: Iterable[ox.Quad],
        *,
        expected_version: str | None,
    ) -> str:
        """Apply an exact change set computed against ``expected_version``; return the new version.

        Args:
            added: Quads to add (in named graphs); blank nodes are skolemised.
            removed: Quads to remove.
            expected_version: The version read before the change set was computed (:meth:`version`).

        Raises:
            RemoteConflict: Another writer committed since ``expected_version``; nothing was changed.
            ValueError: A quad is in a graph tradekg reserves, or outside any named graph.
        """
        added = skolemize(added, {})
        removed = list(removed)
        for quad in (*added, *removed):
            if not isinstance(quad.graph_name, ox.NamedNode) or quad.graph_name.value in RESERVED_GRAPHS:
                raise ValueError(f"cannot write {quad}: tradekg writes named graphs of its own only")
        leaving = self.union_removals(added, removed)
        token = uuid.uuid4().hex
        staging = f"{STAGING_PREFIX}{token}/"
        stages: dict[str, tuple[str, str, list[ox.Quad]]] = {}  # staging graph -> (operation, target, quads)
        for operation, quads in (("DELETE", removed), ("INSERT", added)):
            for quad in quads:
                target = quad.graph_name.value  # type: ignore[union-attr]
                key = f"{staging}{operation.lower()}/{uuid.uuid5(uuid.NAMESPACE_URL, target).hex}"
                stages.setdefault(key, (operation, target, []))[2].append(quad)
        union_stage = f"{staging}union-delete"
        if leaving:
            stages[union_stage] = ("DELETE", UNION_GRAPH, [ox.Quad(*t, ox.NamedNode(union_stage)) for t in leaving])
        try:
            for key, (_, _, quads) in stages.items():
                moved = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(key)) for q in quads]
                for chunk in _chunks(moved, STAGE_CHUNK):
                    self.client.update(f"INSERT DATA {{ {_data_block(chunk)} }}")
            self.client.update(self._commit_request(token, expected_version, stages, added, removed))
        finally:
            if stages:
                self.client.update(" ;\n".join(f"DROP SILENT GRAPH <{key}>" for key in stages))
        self._graphs = None
        if self.version() != token:
            raise RemoteConflict("another writer changed the store since this write was checked; nothing was changed")
        return token

    def _commit_request(
        self,
        token: str,
        expected_version: str | None,
        stages: Mapping[str, tuple[str, str, list[ox.Quad]]],
        added: Sequence[ox.Quad],
        removed: Sequence[ox.Quad],
    ) -> str:
        registry, new = f"<{REGISTRY_GRAPH}>", ox.Literal(token)
        mine = f"GRAPH {registry} {{ {STORE_NODE} {VERSION} {new} }}"
        if expected_version is None:
            absent = f"FILTER NOT EXISTS {{ GRAPH {registry} {{ {STORE_NODE} {VERSION} ?v }} }}"
            swap = f"INSERT {{ {mine} }} WHERE {{ {absent} }}"
        else:
            old = f"GRAPH {registry} {{ {STORE_NODE} {VERSION} {ox.Literal(expected_version)} }}"
            swap = f"DELETE {{ {old} }} INSERT {{ {mine} }} WHERE {{ {old} }}"
        operations = [swap]
        for key, (operation, target, _) in stages.items():
            if operation == "DELETE":
                operations.append(
                    f"DELETE {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ {mine} GRAPH <{key}> {{ ?s ?p ?o }} }}"
                )
        for key, (operation, target, _) in stages.items():
            if operation == "INSERT":  # one graph per template: Virtuoso fails on a template naming two
                operations += [
                    f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ {mine} GRAPH <{key}> {{ ?s ?p ?o }} }}"
                    for graph in (target, UNION_GRAPH)
                ]
        registered = {quad.graph_name.value for quad in added}  # type: ignore[union-attr]
        if registered:
            lines = " ".join(f"<{graph}> a {SD_NAMED_GRAPH} ." for graph in sorted(registered))
            operations.append(f"INSERT {{ GRAPH {registry} {{ {lines} }} }} WHERE {{ {mine} }}")
        emptied = {quad.graph_name.value for quad in removed} - registered  # type: ignore[union-attr]
        for graph in sorted(emptied):  # unregister a graph the change leaves without triples
            operations.append(
                f"DELETE {{ GRAPH {registry} {{ <{graph}> a {SD_NAMED_GRAPH} }} }} "
                f"WHERE {{ {mine} FILTER NOT EXISTS {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} }}"
            )
        return " ;\n".join(operations)

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads without validating them (the caller did), all or nothing."""
        quads = list(quads)
        with self.writing():
            present = self.existing(quads)
            self.commit([q for q in quads if q not in present], [], expected_version=self.version())

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Quad]]) -> None:
        """Replace whole named graphs by new contents, all graphs in one commit."""
        with self.writing():
            version = self.version()
            added: list[ox.Quad] = []
            removed: list[ox.Quad] = []
            for iri, quads in graphs.items():
                name = ox.NamedNode(iri)
                new = {ox.Quad(q.subject, q.predicate, q.object, name) for q in quads}
                current = set(self.quads_for_pattern(None, None, None, name))
                old_blank = {q for q in current if any(isinstance(t, ox.BlankNode) for t in q)}
                new_named = set(skolemize(new, {})) if old_blank or not current else new
                added += [q for q in new_named if q not in current]
                removed += [q for q in current if q not in new_named]
            self.commit(added, removed, expected_version=version)

    def flush(self) -> None:
        """Nothing to do: the server made each acknowledged write durable its own way."""

    def close(self) -> None:
        """Nothing to release: each request had its own connection."""

    def clear(self) -> None:
        """Remove every graph tradekg keeps on the server (its registry, union and named graphs); nothing else."""
        graphs = [*self.graph_names(), UNION_GRAPH, REGISTRY_GRAPH]
        self.client.update(" ;\n".join(f"DROP SILENT GRAPH <{graph}>" for graph in graphs))
        self._graphs = None


def query_form(sparql: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the query's first keyword after its prologue."""
    _, body = split_prologue(sparql)
    for token in islice(tokens(body), 50):
        word = token.text.upper()
        if token.kind == "name" and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word
    return "SELECT"


def to_node(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """An Oxigraph term as rdflib's (for callers with rdflib bindings)."""
    from tradekg.graph.store import to_rdflib

    return to_rdflib(term)
