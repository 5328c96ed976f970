"""How the remote store commits a write: one version-checked update request (see :mod:`tradekg.store.remote`).

A change set becomes a :class:`Commit`. Its :meth:`Commit.request` is one SPARQL update whose first operation swaps
the version the change was computed against for a fresh one; every other operation applies only where that fresh
version is present (``WHERE { GRAPH <registry> { <store> owl:versionInfo "fresh" } }``). If another writer
committed in between, the first operation matches nothing, so nothing else does either: the caller reads the
version back and answers a conflict.

A small change (up to :data:`INLINE_QUADS` quads) travels inside that request, as the ground templates of
``DELETE { … } WHERE { version }`` and ``INSERT { … } WHERE { version }``. A larger one is first staged, in requests
of :data:`STAGE_CHUNK` triples, into staging graphs no query sees (Virtuoso's SPARQL compiler refuses a request of
a few thousand triples), and the commit request moves the staged triples into place and drops the staging graphs.
"""

from __future__ import annotations

import threading
import uuid
from abc import abstractmethod
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import pyoxigraph as ox

from tradekg.ontology.vocab import ID
from tradekg.store.interface import StoreError, TradeStore
from tradekg.store.remote_text import (
    REGISTRY_GRAPH,
    RESERVED_GRAPHS,
    SD_NAMED_GRAPH,
    STORE_NODE,
    UNION_GRAPH,
    VERSION,
    chunks,
    data_block,
    term_text,
)
from tradekg.store.sparql_client import RemoteConflict, RemoteError, SparqlClient

STAGING_PREFIX = str(ID["graph/tradekg-staging/"])
"""Staging graphs of writes being committed are named under this IRI."""
INLINE_QUADS = 500
"""A change of at most this many quads (with the union graph's share) is sent inside the commit request itself."""
AROUND_LIMIT = 1000
"""Most quads around one node fetched at once by a writing thread; a node with more is read pattern by pattern."""
STAGE_CHUNK = 1000
"""Triples per staging request (Virtuoso's SPARQL compiler runs out of memory at about 5,000)."""


def triples_text(quads: list[ox.Quad]) -> str:
    """The quads' triples in SPARQL syntax, blank nodes as Skolem IRIs."""
    return " ".join(f"{term_text(quad.subject)} {quad.predicate} {term_text(quad.object)} ." for quad in quads)


@dataclass
class Commit:
    """One write on its way to the server: the triples to delete and insert, and the graphs to register or drop.

    Attributes:
        token: The version the store takes when this write commits.
        stages: (``DELETE`` or ``INSERT``, target graph) -> quads (in the target graph). What is inserted into a
            graph is inserted into the union graph too; what leaves the union graph is listed for deletion from it.
        registered: Graphs that exist afterwards (written to, or created).
        dropped: Graphs that no longer exist afterwards.
    """

    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    stages: dict[tuple[str, str], list[ox.Quad]] = field(default_factory=dict)
    registered: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)

    def stage(self, operation: str, target: str, quad: ox.Quad) -> None:
        """List a quad to delete from, or insert into, ``target``."""
        self.stages.setdefault((operation, target), []).append(quad)

    @property
    def inline(self) -> bool:
        """Whether the change is small enough to travel inside the commit request."""
        return sum(len(quads) for quads in self.stages.values()) <= INLINE_QUADS

    def staging_graph(self, operation: str, target: str) -> str:
        """The staging graph of one (operation, target graph) pair of this write."""
        return f"{STAGING_PREFIX}{self.token}/{operation.lower()}/{uuid.uuid5(uuid.NAMESPACE_URL, target).hex}"

    def staged_quads(self) -> Iterator[ox.Quad]:
        """The quads to write into staging graphs before the commit request (none when :attr:`inline`)."""
        if self.inline:
            return
        for (operation, target), quads in self.stages.items():
            graph = ox.NamedNode(self.staging_graph(operation, target))
            for quad in quads:
                yield ox.Quad(quad.subject, quad.predicate, quad.object, graph)

    def _moves(self, operation: str, target: str, mine: str) -> list[str]:
        """The operations deleting from, or inserting into, ``target`` (and the union graph), if the version is mine."""
        targets = [target] if operation == "DELETE" else list(dict.fromkeys((target, UNION_GRAPH)))
        quads = self.stages[(operation, target)]
        # One graph per operation: Virtuoso fails on templates naming two.
        if self.inline:
            data = triples_text(quads)
            return [f"{operation} {{ GRAPH <{graph}> {{ {data} }} }} WHERE {{ {mine} }}" for graph in targets]
        staged = f"GRAPH <{self.staging_graph(operation, target)}> {{ ?s ?p ?o }}"
        return [f"{operation} {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ {mine} {staged} }}" for graph in targets]

    def request(self, expected_version: str | None) -> str:
        """The one update request that commits the write if the store is still at ``expected_version``."""
        registry, new = f"<{REGISTRY_GRAPH}>", ox.Literal(self.token)
        mine = f"GRAPH {registry} {{ {STORE_NODE} {VERSION} {new} }}"
        if expected_version is None:
            absent = f"FILTER NOT EXISTS {{ GRAPH {registry} {{ {STORE_NODE} {VERSION} ?v }} }}"
            operations = [f"INSERT {{ {mine} }} WHERE {{ {absent} }}"]
        else:
            old = f"GRAPH {registry} {{ {STORE_NODE} {VERSION} {ox.Literal(expected_version)} }}"
            operations = [f"DELETE {{ {old} }} INSERT {{ {mine} }} WHERE {{ {old} }}"]
        for operation, target in self.stages:
            if operation == "DELETE":
                operations += self._moves(operation, target, mine)
        for graph in sorted(self.dropped):
            operations.append(f"DELETE {{ GRAPH {registry} {{ <{graph}> a {SD_NAMED_GRAPH} }} }} WHERE {{ {mine} }}")
        for operation, target in self.stages:
            if operation == "INSERT":
                operations += self._moves(operation, target, mine)
        if self.registered:
            lines = " ".join(f"<{graph}> a {SD_NAMED_GRAPH} ." for graph in sorted(self.registered))
            operations.append(f"INSERT {{ GRAPH {registry} {{ {lines} }} }} WHERE {{ {mine} }}")
        cleanup = self.cleanup()
        return " ;\n".join([*operations, cleanup] if cleanup else operations)

    def cleanup(self) -> str | None:
        """The update dropping the staging graphs (``None`` when nothing was staged)."""
        if self.inline or not self.stages:
            return None
        return " ;\n".join(f"DROP SILENT GRAPH <{self.staging_graph(*key)}>" for key in self.stages)


class VersionedWrites(TradeStore):
    """The write half of the store on a SPARQL server: writes checked against the store's version.

    Within :meth:`writing` (the write lock held, the version noted), the store is taken to stay as it was read: if
    anyone else commits meanwhile, the commit finds another version and nothing is written. So what the writing
    thread learns of which quads are stored (read by pattern, or looked up) is kept until its next commit, and the
    write gate's many "is this quad stored?" questions cost one request each at most. So are the quads around a
    node: validation walks back from each changed node along every predicate the shapes read (some fifty). The
    first lookup of a change reads, in two requests, every quad around the change's nodes (with a changed subject
    as subject or object, or with an IRI the change points to as subject); a node read later costs one request,
    up to :data:`AROUND_LIMIT` quads. So does a pattern, read once per write.
    """

    client: SparqlClient

    def __init__(self) -> None:
        super().__init__()
        self._expected_version: str | None = None
        self._known: dict[ox.Quad, bool] = {}
        self._around: dict[tuple[bool, object], list[ox.Quad]] = {}
        """Every quad of the named graphs with a given subject (``True``) or object (``False``), as read."""
        self._patterns: dict[tuple[object, object, object], list[ox.Quad]] = {}
        """The quads of the named graphs matching a pattern, as read by the writing thread."""
        self._writer: int | None = None

    @abstractmethod
    def version(self) -> str | None:
        """The store's current version token (``None`` before the first write), read now."""

    @abstractmethod
    def _holders(self, triples: list[ox.Triple]) -> Iterator[tuple[ox.Triple, str]]:
        """Each stored (triple, named graph) of the given triples."""

    @abstractmethod
    def _registry_changed(self) -> None:
        """Forget the cached list of graphs and version: a write was sent."""

    # -- what the writing thread knows --------------------------------------------------------------------------

    def _knowing(self) -> dict[ox.Quad, bool] | None:
        """What this thread knows of stored quads while it writes (``None`` outside a write, or in another thread)."""
        return self._known if self._writer == threading.get_ident() else None

    def _forget(self) -> None:
        self._known.clear()
        self._around.clear()
        self._patterns.clear()

    def _note_read(self, quads: Iterator[ox.Quad]) -> Iterator[ox.Quad]:
        """Pass quads read from the named graphs along, noting them as stored when the writing thread reads them."""
        known = self._knowing()
        if known is None:
            yield from quads
            return
        for quad in quads:
            known[quad] = True
            yield quad

    @contextmanager
    def writing(self) -> Iterator[TradeStore]:
        """Serialise this process's writers and note the version the write reads; :meth:`apply` commits against it."""
        with self.write_lock:
            try:
                self._expected_version = self.version()
                self._forget()
                self._writer = threading.get_ident()
                yield self
            finally:
                self._writer = None
                self._forget()
                self._expected_version = None
                self.generation += 1

    # -- committing ---------------------------------------------------------------------------------------------

    def _union_leaving(self, removed: Collection[ox.Quad], added: Collection[ox.Quad]) -> list[ox.Triple]:
        """The triples that leave the default graph: removed from every graph that held them, added to none."""
        leaving: dict[ox.Triple, set[str]] = {}
        for quad in removed:
            leaving.setdefault(quad.triple, set()).add(quad.graph_name.value)  # type: ignore[union-attr]
        staying = {quad.triple for quad in added}
        candidates = [triple for triple in leaving if triple not in staying]
        held = {triple for triple, graph in self._holders(candidates) if graph not in leaving.get(triple, set())}
        return [triple for triple in candidates if triple not in held]

    def apply(
        self,
        removed: Collection[ox.Quad],
        added: Collection[ox.Quad],
        *,
        created_graphs: Collection[ox.NamedNode] = (),
        dropped_graphs: Collection[ox.NamedNode] = (),
    ) -> None:
        """Commit an exact change set in one update request, if no one else wrote since :meth:`writing` began.

        Blank nodes are sent as their Skolem IRIs (see :mod:`tradekg.store.remote`).

        Raises:
            StoreConflict: Another writer committed since this write read the store; nothing was changed.
            StoreError: Nothing was written (the server refused or could not be reached).
        """
        dropped = {graph.value for graph in dropped_graphs}
        for quad in (*removed, *added):
            if not isinstance(quad.graph_name, ox.NamedNode) or quad.graph_name.value in RESERVED_GRAPHS:
                raise StoreError(f"cannot write {quad}: tradekg writes only named graphs of its own")
        wanted = set(added)
        leaving = [quad for quad in removed if quad not in wanted]
        present = self.stored([*leaving, *wanted])
        gone = {quad for quad in leaving if quad in present}
        gone |= {q for graph in dropped for q in self.quads_for_pattern(None, None, None, ox.NamedNode(graph))}
        new = [quad for quad in wanted if quad not in present]
        commit = Commit()
        for quad in gone:
            commit.stage("DELETE", quad.graph_name.value, quad)  # type: ignore[union-attr]
        for triple in self._union_leaving(gone, wanted):
            commit.stage("DELETE", UNION_GRAPH, ox.Quad(triple.subject, triple.predicate, triple.object))
        for quad in new:
            commit.stage("INSERT", quad.graph_name.value, quad)  # type: ignore[union-attr]
        commit.registered = {quad.graph_name.value for quad in wanted} | {g.value for g in created_graphs}  # type: ignore[union-attr]
        commit.registered -= dropped - {quad.graph_name.value for quad in wanted}  # type: ignore[union-attr]
        commit.dropped = dropped - commit.registered
        self._send(commit)
        self.committed(gone, new)

    def _send(self, commit: Commit) -> None:
        """Stage what does not travel inline, send the commit request, and check that it took the store's version."""
        self._forget()  # the store changes (or a conflict is found): what was learnt no longer holds
        try:
            for chunk in chunks(list(commit.staged_quads()), STAGE_CHUNK):
                self.client.update(f"INSERT DATA {{ {data_block(chunk)} }}")
            self.client.update(commit.request(self._expected_version))
        except BaseException:
            cleanup = commit.cleanup()
            if cleanup:
                try:
                    self.client.update(cleanup)
                except RemoteError:
                    pass  # the first failure is the one to report; staging graphs are never read
            raise
        finally:
            self._registry_changed()
        if self.version() != commit.token:
            raise RemoteConflict("another writer changed the store after this write read it; nothing was changed")
        self._expected_version = commit.token

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Quad]]) -> None:
        """Replace whole named graphs (see :meth:`TradeStore.replace_graphs`), unless they hold the same graph already.

        The same up to blank nodes, so reinstalling the ontology and shapes at every start (their blank nodes new
        each time) writes nothing.
        """
        with self.writing():
            current = [quad for iri in graphs for quad in self.quads(iri)]
            new = [quad for quads in graphs.values() for quad in quads]
            if canonical(current) != canonical(new):
                self.apply(current, new)


def canonical(quads: Iterable[ox.Quad]) -> set[ox.Quad]:
    """The quads with blank nodes canonically labelled: equal sets mean isomorphic datasets."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(dataset)
