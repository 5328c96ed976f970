"""Quads parsed for a load and held apart from the store until it commits them: :class:`StagedQuads`.

A load (:func:`tradekg.graph.load.load_files`) parses its files into a scratch in-memory Oxigraph store: the engine
parses (no Python object per quad), gives each document's blank nodes new identifiers, and keeps each quad once.
A file that does not parse is refused there, before the store is touched. The store then takes the whole load in
one transaction (:meth:`tradekg.store.interface.TradeStore.add_staged`): the embedded backend reads it back as one
N-Quads document holding the named graphs' quads and, for the union default graph, their triples
(:meth:`StagedQuads.write_with_union`), so the union is derived by the engine too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox


class StagedQuads:
    """Parsed quads, every one in a named graph, not yet in any store.

    Staged quads are consumed by the store that commits them (:meth:`discard` frees the scratch store).
    """

    def __init__(self) -> None:
        self._engine: ox.Store | None = ox.Store()
        self.names_blank_nodes = False
        """Whether quads given as they are (:meth:`add_quads`) hold blank nodes, whose labels must then be kept."""

    @property
    def _scratch(self) -> ox.Store:
        if self._engine is None:
            raise RuntimeError("these staged quads were committed or discarded")
        return self._engine

    def add_file(self, path: Path, rdf_format: ox.RdfFormat, *, graph: str, base_iri: str | None = None) -> None:
        """Parse an RDF file; its triples outside a named graph go into ``graph``, its blank nodes are new ones.

        Raises:
            SyntaxError: The file does not parse (``lineno`` and ``offset`` say where).
            ValueError: The format cannot be parsed.
            OSError: The file cannot be read.
        """
        self._scratch.load(path=str(path), format=rdf_format, base_iri=base_iri, to_graph=ox.NamedNode(graph))

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Stage quads already parsed (each in a named graph); their blank nodes are kept as they are."""
        given = list(quads)
        self.names_blank_nodes = self.names_blank_nodes or any(
            isinstance(term, ox.BlankNode) for quad in given for term in (quad.subject, quad.object, quad.graph_name)
        )
        self._scratch.extend(given)

    def quads(self) -> Iterator[ox.Quad]:
        """Every staged quad (each once)."""
        return iter(self._scratch)

    def __len__(self) -> int:
        """The number of distinct staged quads."""
        return len(self._scratch)

    def __bool__(self) -> bool:
        """Whether any quad is staged (without counting them)."""
        return next(iter(self._scratch), None) is not None

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs staged quads are in, sorted (graphs named by blank nodes left out)."""
        return sorted(graph.value for graph in self._scratch.named_graphs() if isinstance(graph, ox.NamedNode))

    def write_with_union(self, output: BinaryIO) -> None:
        """Write the staged quads as N-Quads, then each named graph's triples as N-Triples lines.

        Read as one N-Quads document, the N-Triples lines are the triples' share of the union default graph (a
        triple stated in two graphs, or already in the store, is written twice and stored once). Blank nodes keep
        one label throughout, so a store that gives a document's blank nodes new identifiers gives a node and its
        copy in the union the same one.
        """
        scratch = self._scratch
        scratch.dump(output, format=ox.RdfFormat.N_QUADS)
        for graph in scratch.named_graphs():
            scratch.dump(output, format=ox.RdfFormat.N_TRIPLES, from_graph=graph)

    def discard(self) -> None:
        """Free the scratch store."""
        self._engine = None


def load_staged(engine: ox.Store, staged: StagedQuads) -> None:
    """Add staged quads and their triples' share of the union default graph to ``engine`` in one transaction.

    The quads go through a temporary N-Quads file (:meth:`StagedQuads.write_with_union`), read by Oxigraph's
    transactional ``load``: either all of it is written or nothing. The file is Oxigraph's own serialisation of
    terms it checked when it parsed the input, so it is read without checking them again (``lenient``: a quarter
    of the time of reading it). ``staged`` is discarded once written out, so
    the scratch store and the store's new quads are not in memory at once. The blank nodes get new identifiers
    again (each node keeping one, in its graph and in the union).

    Raises:
        OSError: The temporary file could not be written, or the store could not take the quads.
    """
    with tempfile.TemporaryDirectory(prefix="tradekg-load-") as folder:
        document = Path(folder) / "staged.nq"
        with document.open("wb") as output:
            staged.write_with_union(output)
        staged.discard()
        engine.load(path=str(document), format=ox.RdfFormat.N_QUADS, lenient=True)
