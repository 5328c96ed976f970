"""How the store on a SPARQL server reads quads: by pattern, by lookup, and around a write's nodes in a few requests.

:class:`QuadReads` is the reading half of :class:`~tradekg.store.remote.RemoteStore` below its queries. Outside a
write, each pattern or lookup is one request (lookups :data:`LOOKUP_CHUNK` quads at a time). Inside
:meth:`~tradekg.store.remote_commit.VersionedWrites.writing`, the writing thread's reads are kept until its commit
(see :class:`~tradekg.store.remote_commit.VersionedWrites`), and what validation reads around a change's nodes is
fetched in two requests.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

import pyoxigraph as ox

from tradekg.store.interface import GraphName, Subject, Term
from tradekg.store.remote_commit import AROUND_LIMIT, VersionedWrites
from tradekg.store.remote_text import (
    NO_GRAPH,
    UNION_GRAPH,
    around_query,
    chunks,
    holders_query,
    holders_union_query,
    lookup_query,
    lookup_union_query,
    pattern_query,
)
from tradekg.store.virtuoso import matched_in_values_tables

Item = TypeVar("Item")
LOOKUP_CHUNK = 200
"""Quads looked up per ``VALUES`` query."""
UNION_CHUNK = 50
"""Quads looked up per ``UNION`` query on Virtuoso, for the literals it cannot match in a ``VALUES`` table (1,000
lookups of numbers and tagged strings: 3.3 CPU-s of Virtuoso one request each, 0.57 by 50, 1.05 by 200)."""
DEFAULT = ox.DefaultGraph()


class QuadReads(VersionedWrites):
    """Reading quads from the server, each pattern or lookup in one request, a write's surroundings in two."""

    virtuoso = False
    """Whether the server is Virtuoso (whose quirks the text sent works around)."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """The IRIs of tradekg's named graphs on the server, sorted."""

    @abstractmethod
    def _select(self, sparql: str, *, default: Sequence[str] = (), named: Sequence[str] = ()) -> ox.QuerySolutions:
        """A SELECT query's answer, over the given default and named graphs."""

    def _all_named(self) -> list[str]:
        """The named graphs to read: all of tradekg's, or one that does not exist when there are none."""
        return self.graph_names() or [NO_GRAPH]

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
        for chunk, by_union in self._lookup_chunks(asked, [quad.object for quad in asked]):
            named = sorted({quad.graph_name.value for quad in chunk})  # type: ignore[union-attr]
            rows = self._select((lookup_union_query if by_union else lookup_query)(chunk), named=named)
            hits = {chunk[int(row["i"].value)] for row in rows}  # type: ignore[union-attr]
            found |= hits
            if known is not None:
                known.update((quad, quad in hits) for quad in chunk)
        return found

    def _holders(self, triples: list[ox.Triple]) -> Iterator[tuple[ox.Triple, str]]:
        """Each stored (triple, named graph) of the given triples."""
        for chunk, by_union in self._lookup_chunks(triples, [triple.object for triple in triples]):
            if by_union:  # each row names the triple asked for, whatever spelling of its object the server answers
                for row in self._select(holders_union_query(chunk), named=self._all_named()):
                    yield chunk[int(row["i"].value)], row["g"].value  # type: ignore[union-attr]
                continue
            for row in self._select(holders_query(chunk), named=self._all_named()):
                # A chunk of one is the triple asked for, whatever spelling of its object the server answers with.
                held = chunk[0] if len(chunk) == 1 else ox.Triple(row["s"], row["p"], row["o"])  # type: ignore[arg-type]
                yield held, row["g"].value  # type: ignore[union-attr]

    def _lookup_chunks(self, items: Sequence[Item], objects: Sequence[Term]) -> Iterator[tuple[Sequence[Item], bool]]:
        """The items to look up in chunks, each with whether to ask it by ``UNION`` rather than by ``VALUES`` table.

        Chunks of :data:`LOOKUP_CHUNK` go into a ``VALUES`` table.
        Virtuoso 7.2.5 matches a language-tagged or numeric literal given in a ``VALUES`` table of several rows to
        nothing (:func:`~tradekg.store.virtuoso.matched_in_values_tables`): those are asked in ``UNION`` queries,
        :data:`UNION_CHUNK` to a query, each written in a triple pattern of its own.
        """
        if not self.virtuoso:
            yield from ((chunk, False) for chunk in chunks(items, LOOKUP_CHUNK))
            return
        apart = [not matched_in_values_tables(term) for term in objects]
        tabled = [item for item, by_union in zip(items, apart, strict=True) if not by_union]
        yield from ((chunk, False) for chunk in chunks(tabled, LOOKUP_CHUNK))
        unioned = [item for item, by_union in zip(items, apart, strict=True) if by_union]
        yield from ((chunk, True) for chunk in chunks(unioned, UNION_CHUNK))

    def __contains__(self, quad: object) -> bool:
        """Whether a quad of a named graph is stored."""
        return isinstance(quad, ox.Quad) and bool(self.stored([quad]))
