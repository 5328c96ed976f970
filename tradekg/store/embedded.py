"""The embedded backend of :class:`~tradekg.store.interface.TradeStore`: pyoxigraph, in memory or in a directory.

The union default graph is materialised in Oxigraph's own default graph: each distinct triple of the named graphs
once. :meth:`OxigraphStore.apply` keeps it in step in the same transaction as the change (a triple leaves it when
the last named graph stating it loses it), so queries without ``FROM`` run on Oxigraph's plain default graph at
full speed and see a set, never a bag (Oxigraph 0.5's ``use_default_graph_as_union`` repeats a triple once per
graph; its issue #1919). A directory written before the union was kept is brought up to date when opened.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from tradekg.ontology.vocab import QUERY_PREFIXES
from tradekg.store.interface import (
    GraphName,
    QueryAnswer,
    StoreError,
    Subject,
    Term,
    TradeStore,
    names_own_dataset,
    to_engine,
)
from tradekg.store.scratch import TERM_FUNCTION
from tradekg.store.sparql_text import dataset_clauses
from tradekg.store.staging import StagedQuads, load_staged
from tradekg.store.stamp import StoreStamp

DEFAULT = ox.DefaultGraph()
FLUSH_DELAY = 1.0
"""Seconds from a commit to the flush of Oxigraph's memory tables to disk (see :meth:`OxigraphStore.apply`)."""


class OxigraphStore(TradeStore):
    """tradekg's dataset in an embedded Oxigraph store.

    Args:
        path: A directory for a persistent store; ``None`` keeps the store in memory.
        read_only: Open the directory read-only (no lock taken, writes fail); only for a directory no process
            writes, such as a checkpoint made by :meth:`checkpoint`.
        flush_delay: Seconds from a commit to the flush of the memory tables (``0``: at every commit).

    Durability: a commit is in RocksDB's write-ahead log when :meth:`apply` returns (it survives a killed process);
    it survives a power cut once the memory tables are flushed: ``flush_delay`` after it, on :meth:`flush` and
    :meth:`close` (a flush per commit cost ~30 ms CPU and 110 ms wall on a 10^5-quad store: benchmarks/README.md).

    Raises:
        StoreError: The directory cannot be opened (for example, another process holds its lock).
    """

    def __init__(self, path: Path | None = None, *, read_only: bool = False, flush_delay: float = FLUSH_DELAY) -> None:
        super().__init__()
        self.path = path
        self.flush_delay = flush_delay
        self._flush_timer: threading.Timer | None = None
        self._timer_lock = threading.Lock()
        self._flush_lock = threading.RLock()  # held by a flush: closing waits for a timed one to let go of the engine
        self._stamps = StoreStamp(path) if path is not None and not read_only else None
        try:
            if path is None:
                self._engine: ox.Store | None = ox.Store()
            elif read_only:
                self._engine = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._engine = ox.Store(str(path))
        except OSError as error:
            raise StoreError(f"cannot open the store in {path}: {error}") from error
        if self._stamps is not None:
            self._stamps.opened()
        if (
            not read_only
            and self.has_data()
            and next(self._store.quads_for_pattern(None, None, None, DEFAULT), None) is None
        ):
            # A directory from before the union default graph was kept: build it once, in one transaction.
            stamp = self._stamps.prepare() if self._stamps is not None else ""
            self._store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
            if self._stamps is not None:
                self._stamps.commit(stamp)

    @property
    def stamp(self) -> str | None:
        """The stamp of the committed state (see :mod:`tradekg.store.stamp`); ``None`` in memory or read-only."""
        return self._stamps.value if self._stamps is not None else None

    @property
    def _store(self) -> ox.Store:
        if self._engine is None:
            raise StoreError("the store is closed")
        return self._engine

    # -- reading -----------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node | Term] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryAnswer:
        """Run a SPARQL query (see :meth:`TradeStore.query`)."""
        options: dict[str, object] = {"base_iri": base_iri}
        if bindings:
            options["substitutions"] = {ox.Variable(name): to_engine(term) for name, term in bindings.items()}
        named_only = not named_graph_uris
        if not default_graph_uris and not named_graph_uris and names_own_dataset(sparql):
            default_graph_uris, named_graph_uris = dataset_clauses(sparql, base_iri=base_iri)
            named_only = False  # a query's FROM without FROM NAMED has no named graphs (SPARQL 1.1, 13.2)
        if named_graph_uris:
            options["named_graphs"] = [ox.NamedNode(uri) for uri in named_graph_uris]
        elif not named_only:
            options["named_graphs"] = []
        unique = list(dict.fromkeys(default_graph_uris))
        if len(unique) > 1:
            return self._merged_query(sparql, unique, {**options, "prefixes": QUERY_PREFIXES})
        if unique:
            options["default_graph"] = [ox.NamedNode(unique[0])]
        try:
            # Most texts declare every prefix they use: handing Oxigraph the predeclared prefixes (a dictionary
            # converted on every call) cost a twentieth of a selective query. A text using an undeclared prefix
            # fails to parse, at once, and is parsed again with them; a declared prefix always wins, so the
            # answer is the same either way.
            return self._store.query(sparql, **options)  # type: ignore[arg-type]
        except SyntaxError:
            return self._store.query(sparql, prefixes=QUERY_PREFIXES, **options)  # type: ignore[arg-type]

    def _merged_query(self, sparql: str, graphs: Sequence[str], options: dict[str, object]) -> QueryAnswer:
        """Evaluate over a copy holding the set merge of ``graphs`` as default graph, and the named graphs asked for.

        Costs a copy of those graphs (and of the named graphs in the dataset): only a query naming two or more
        default graphs pays it.
        """
        scratch = ox.Store()
        merged = {
            ox.Quad(quad.subject, quad.predicate, quad.object, DEFAULT)
            for graph in graphs
            for quad in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        }
        scratch.extend(merged)
        named = options.get("named_graphs")
        wanted = self.named_graphs() if named is None else [URIRef(graph.value) for graph in named]  # type: ignore[attr-defined]
        for graph in wanted:
            scratch.extend(self._store.quads_for_pattern(None, None, None, ox.NamedNode(str(graph))))
        options = {**options, "default_graph": [DEFAULT]}
        return scratch.query(sparql, **options)  # type: ignore[arg-type]

    def quads_for_pattern(
        self,
        subject: Subject | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,  # noqa: A002 - pyoxigraph's name
        graph: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching a pattern (see :meth:`TradeStore.quads_for_pattern`)."""
        found = self._store.quads_for_pattern(subject, predicate, object, graph)
        if graph is not None:
            return iter(found)
        return (quad for quad in found if not isinstance(quad.graph_name, ox.DefaultGraph))

    def __contains__(self, quad: object) -> bool:
        """Whether a quad of a named graph is stored."""
        return isinstance(quad, ox.Quad) and not isinstance(quad.graph_name, ox.DefaultGraph) and quad in self._store

    def has_data(self) -> bool:
        """Whether any named graph holds a quad, looked up graph by graph.

        Reading every quad until a named one (:meth:`TradeStore.has_data`) first passes the whole union default
        graph, which Oxigraph returns first: 1.8 s of CPU at 10^5 quads and minutes at 10^7, at every opening.
        """
        store = self._store
        return any(
            next(store.quads_for_pattern(None, None, None, graph), None) is not None for graph in store.named_graphs()
        )

    def named_graphs(self) -> list[URIRef]:
        """The IRIs of the named graphs, sorted."""
        return sorted(URIRef(graph.value) for graph in self._store.named_graphs() if isinstance(graph, ox.NamedNode))

    def contains_named_graph(self, iri: str) -> bool:
        """Whether the named graph exists (it holds quads, or it was created empty)."""
        return self._store.contains_named_graph(ox.NamedNode(iri))

    def _count(self, sparql: str) -> int:
        answer = self._store.query(sparql)
        assert isinstance(answer, ox.QuerySolutions)
        return int(next(iter(answer))[0].value)  # type: ignore[index, union-attr]

    def __len__(self) -> int:
        """The number of quads in the named graphs (a triple in two graphs counts twice)."""
        return len(self._store) - self.triple_count()

    def triple_count(self) -> int:
        """The number of distinct triples in the union default graph."""
        return self._count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")

    def dump(
        self, rdf_format: ox.RdfFormat, *, graph: str | None = None, prefixes: Mapping[str, str] | None = None
    ) -> bytes:
        """The named graphs serialised (with a triples format and no graph: the union default graph)."""
        if graph is not None:
            source = ox.NamedNode(graph)
        elif not rdf_format.supports_datasets:
            source = DEFAULT
        else:
            return ox.serialize(self.quads_for_pattern(), format=rdf_format, prefixes=prefixes)  # type: ignore[return-value]
        return self._store.dump(format=rdf_format, from_graph=source, prefixes=prefixes)  # type: ignore[return-value]

    # -- writing -----------------------------------------------------------------------------------

    def _union_changes(self, removed: set[ox.Quad], added: set[ox.Quad]) -> tuple[set[ox.Quad], set[ox.Quad]]:
        """The union default graph's own change: triples no named graph keeps, triples new to it."""
        store = self._store
        fresh = {ox.Quad(quad.subject, quad.predicate, quad.object, DEFAULT) for quad in added}
        gone: set[ox.Quad] = set()
        for quad in removed:
            in_union = ox.Quad(quad.subject, quad.predicate, quad.object, DEFAULT)
            if in_union in fresh:
                continue
            kept = any(
                other not in removed
                for other in self.quads_for_pattern(quad.subject, quad.predicate, quad.object)  # type: ignore[arg-type]
            )
            if not kept:
                gone.add(in_union)
        return gone, {quad for quad in fresh if quad not in store}

    def apply(
        self,
        removed: Collection[ox.Quad],
        added: Collection[ox.Quad],
        *,
        created_graphs: Collection[ox.NamedNode] = (),
        dropped_graphs: Collection[ox.NamedNode] = (),
    ) -> None:
        """Commit an exact change set in one transaction (see :meth:`TradeStore.apply`)."""
        store = self._store
        if any(isinstance(quad.graph_name, ox.DefaultGraph) for quad in (*removed, *added)):
            raise StoreError("a change names the union default graph, which only the store writes")
        wanted = set(added)
        dropped = [quad for graph in dropped_graphs for quad in self.quads_for_pattern(None, None, None, graph)]
        gone = {quad for quad in (*removed, *dropped) if quad not in wanted and quad in store}
        new = {quad for quad in wanted if quad not in store}
        union_gone, union_new = self._union_changes(gone, new)
        try:
            stamp = ""
            if self._stamps is not None:  # a new stamp in the file before the commit; a change of nothing keeps it
                changes = gone or new or union_gone or union_new or created_graphs or dropped_graphs
                stamp = self._stamps.prepare() if changes else self._stamps.value
            if not gone and not union_gone and not dropped_graphs and not created_graphs:
                store.extend([*new, *union_new])  # one transaction
                self._stamped(stamp, gone, new)
                return
            lists = [list(gone), list(union_gone), list(new), list(union_new)]
            operations = []
            for number, (keyword, template) in enumerate((("DELETE", "GRAPH ?g { ?s ?p ?o }"), ("DELETE", "?s ?p ?o"))):
                operations.append(_term_operation(keyword, template, number, len(lists[number])))
            operations += [f"DROP SILENT GRAPH {graph}" for graph in dropped_graphs]
            operations += [f"CREATE SILENT GRAPH {graph}" for graph in created_graphs]
            for number, template in ((2, "GRAPH ?g { ?s ?p ?o }"), (3, "?s ?p ?o")):
                operations.append(_term_operation("INSERT", template, number, len(lists[number])))

            def term(which: ox.Literal, index: ox.Literal, position: ox.Literal) -> Term:
                return lists[int(which.value)][int(index.value)][int(position.value)]  # type: ignore[return-value]

            update = " ;\n".join(operation for operation in operations if operation)
            store.update(update, custom_functions={TERM_FUNCTION: term})  # type: ignore[dict-item]
            self._stamped(stamp, gone, new)
        except OSError as error:
            raise StoreError(f"the store could not be written: {error}") from error
        finally:
            self._flush_soon()

    def add_staged(self, staged: StagedQuads) -> None:
        """Add staged quads in one transaction of Oxigraph's own ``load``, the union derived by the engine.

        No Python object per quad (:func:`~tradekg.store.staging.load_staged`). The quads go through :meth:`apply`
        instead (:meth:`TradeStore.add_staged`) for listeners, who are told the exact change set, and for blank nodes
        given as they are (``staged.names_blank_nodes``: they may be stored ones).
        """
        if self._listeners or staged.names_blank_nodes or not staged:
            super().add_staged(staged)
            return
        stamp = self._stamps.prepare() if self._stamps is not None else ""
        try:
            load_staged(self._store, staged)
            self._stamped(stamp, (), ())
        except OSError as error:
            raise StoreError(f"the store could not be written: {error}") from error
        finally:
            self._flush_soon()

    def _stamped(self, stamp: str, removed: Collection[ox.Quad], added: Collection[ox.Quad]) -> None:
        """A commit is in: its stamp becomes the store's, then the listeners are told (and record that stamp)."""
        if self._stamps is not None:
            self._stamps.commit(stamp)
        self.committed(removed, added)

    def _flush_soon(self) -> None:
        """Flush now (``flush_delay`` 0), or ``flush_delay`` seconds from now unless a flush is already due."""
        if self.path is None:
            return
        if self.flush_delay <= 0:
            self.flush()
            return
        with self._timer_lock:
            if self._flush_timer is None:
                self._flush_timer = threading.Timer(self.flush_delay, self._timed_flush)
                self._flush_timer.daemon = True
                self._flush_timer.start()

    def _timed_flush(self) -> None:
        with self._timer_lock:
            self._flush_timer = None
        self.flush()

    # -- lifetime ----------------------------------------------------------------------------------

    def checkpoint(self, target: Path) -> None:
        """Copy the store into a new directory (Oxigraph's backup: hard links where it can)."""
        try:
            self._store.backup(str(target))
        except OSError as error:
            raise StoreError(f"cannot write a checkpoint to {target}: {error}") from error

    def copy_in_memory(self) -> OxigraphStore:
        """A new in-memory store holding the same dataset, independent of this one (no listeners, generation 0).

        The quads, the union default graph with them, are copied as they are in one transaction: a tenth of the
        cost of loading and checking the files again (the test suite's ``fresh_store`` is such a copy).
        """
        copy = OxigraphStore()
        copy._store.extend(list(self._store))
        return copy

    def optimize(self) -> None:
        """Compact the store's files (a no-op in memory)."""
        self._store.optimize()

    def flush(self) -> None:
        """Make acknowledged writes durable (a no-op in memory)."""
        with self._flush_lock:
            engine = self._engine
            if self.path is not None and engine is not None:
                try:
                    engine.flush()
                except (OSError, RuntimeError):
                    pass  # a read-only checkpoint has nothing to flush (Oxigraph 0.5 raises RuntimeError)

    def close(self) -> None:
        """Flush and release the store, so that another process (or a new store) may open its directory."""
        with self._timer_lock:
            if self._flush_timer is not None:
                self._flush_timer.cancel()
                self._flush_timer = None
        with self._flush_lock:
            if self._engine is None:
                return
            self.flush()
            self._engine = None
            if self._stamps is not None:  # the engine is released: its files are as the next opening finds them
                self._stamps.close()
                self._stamps = None


def _term_operation(keyword: str, template: str, which: int, count: int) -> str:
    """``DELETE``/``INSERT`` of ``template`` for each quad of one list, its terms read through :data:`TERM_FUNCTION`."""
    if not count:
        return ""
    names = ("?s", "?p", "?o", "?g") if "GRAPH" in template else ("?s", "?p", "?o")
    binds = " ".join(f"BIND({TERM_FUNCTION}({which}, ?i, {position}) AS {name})" for position, name in enumerate(names))
    return f"{keyword} {{ {template} }} WHERE {{ VALUES ?i {{ {' '.join(map(str, range(count)))} }} {binds} }}"
