"""Reading the validated dataset for the write gate: each scan once per group, kept between commits where it can.

The gate (:mod:`tradekg.gate.neighbourhood`) walks the shapes' chains over the store as a change would leave it (a
view: the store under layers of uncommitted change sets, :mod:`tradekg.gate.changes`). :class:`DataReader` reads that
view by pattern and records every read (the commit queue's independence check compares them with the other
requests' changes); the readers of one group share their scans (:class:`SharedReads`). On an embedded store, two
kinds of scan are kept between groups (:class:`CommittedReads`), until a commit changes what they read: the quads of
a predicate wherever it occurs (the class hierarchy), and the quads of a subject (a country, a source, an
instrument: a new measure's chains reach the same few existing nodes write after write, and reading a node's quads
costs an index scan and a string lookup per term). The view's change sets are applied on top of a kept scan.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Collection, Iterable, Iterator
from itertools import islice
from typing import Protocol

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from tradekg.gate.changes import AfterView, ChangeSet, PendingView
from tradekg.gate.footprint import Step
from tradekg.gate.validate import VALIDATION_PREDICATES
from tradekg.ontology.vocab import ONTOLOGY_IRI, SHAPES_GRAPH_IRI
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore
from tradekg.store.per_store import PerStore

PROTECTED = frozenset(ox.NamedNode(str(iri)) for iri in (ONTOLOGY_IRI, SHAPES_GRAPH_IRI))
"""The ontology and shapes graphs: not data (the validator merges the ontology's own copy)."""
ONTOLOGY = ox.NamedNode(str(ONTOLOGY_IRI))

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class QuadSource(Protocol):
    """Anything read by quad pattern: an Oxigraph store, or :class:`~tradekg.gate.changes.AfterView`."""

    def quads_for_pattern(self, *pattern: object) -> Iterable[ox.Quad]:
        """The quads matching ``(subject, predicate, object, graph)``."""
        ...


@functools.lru_cache(maxsize=1024)
def _engine_term(term: Node | None) -> ox.NamedNode | None:
    return ox.NamedNode(str(term)) if isinstance(term, URIRef) else None


ONTOLOGY_READS = frozenset(ox.NamedNode(str(predicate)) for predicate in VALIDATION_PREDICATES)


def _validated(quad: ox.Quad) -> bool:
    """Whether the quad is in the dataset validation sees: the data, and the ontology's types and hierarchies."""
    if quad.graph_name in PROTECTED:
        return quad.graph_name == ONTOLOGY and quad.predicate in ONTOLOGY_READS
    return True


FEW_INCOMING = 64
"""Up to this many quads pointing to a node are read in one scan (see :meth:`DataReader.incoming`)."""


def _scans_lazily(view: object) -> bool:
    """Whether the store under ``view`` (views wrap a store in ``store``) stops scanning when its reader stops.

    Oxigraph's iterators are lazy; a SPARQL server computes and sends a pattern's whole answer, so a bounded scan of
    a node many quads point to would cost the server the whole scan.
    """
    while not isinstance(view, TradeStore) or isinstance(view, PendingView):
        view = getattr(view, "store", None)
        if view is None:
            return False
    return isinstance(view, OxigraphStore)


class SharedReads:
    """Every scan of one view, made once for all the readers of it (the requests of a group read the same store).

    When the view is an embedded store, or layers of change sets over one, a scan of a predicate wherever it occurs
    (the class hierarchy) and a scan of a subject's quads are answered from :class:`CommittedReads` and adjusted by
    those change sets. The view's change sets must not change while it is read.
    """

    def __init__(self, view: QuadSource) -> None:
        self.view = view
        self.along: dict[tuple[object, object, bool], list[ox.Quad]] = {}
        self.outgoing: dict[Term, list[ox.Quad]] = {}
        self.outgoing_with: dict[tuple[Term, ox.NamedNode], list[ox.Quad]] = {}
        self.incoming: dict[Term, list[ox.Quad] | None] = {}
        self.patterns: dict[ox.NamedNode, list[ox.Quad]] = {}
        self.bounded_scans = _scans_lazily(view)
        layers, root = _layers(view)
        self.kept = committed_reads(root) if isinstance(root, OxigraphStore) else None
        self._layers: list[tuple[ChangeSet, dict[object, list[ox.Quad]]]] = []  # the change nearest the store first
        for changes in reversed(layers):
            by_subject: dict[object, list[ox.Quad]] = {}
            for quad in changes.added:
                by_subject.setdefault(quad.subject, []).append(quad)
            self._layers.append((changes, by_subject))

    def pattern(self, predicate: ox.NamedNode) -> list[ox.Quad]:
        """Every data quad with ``predicate`` in the view."""
        found = self.patterns.get(predicate)
        if found is None:
            if self.kept is not None:
                quads = dict.fromkeys(self.kept.quads(predicate))
                for changes, _ in self._layers:
                    for quad in changes.removed:
                        quads.pop(quad, None)
                    quads.update((quad, None) for quad in changes.added if quad.predicate == predicate)
                found = [quad for quad in quads if _validated(quad)]
            else:
                found = [quad for quad in self.view.quads_for_pattern(None, predicate, None, None) if _validated(quad)]
            self.patterns[predicate] = found
        return found

    def subject_with(self, node: Term, predicate: ox.NamedNode) -> list[ox.Quad]:
        """Every data quad with ``node`` as subject and ``predicate`` in the view.

        A node the view's change sets add quads to (a new measure) has many of its predicates read: its quads are
        read in one scan (:meth:`subject`). A node reached as a value (a product, an instrument) usually has one
        read (its ``rdf:type``, for ``sh:class``) and may have many quads (labels in many languages), each a
        string lookup when read (measured at 10^5 quads: 350 us for a subject's 26 quads, about 13 us a quad):
        it is read by subject and predicate.
        """
        whole = self.outgoing.get(node)
        if whole is not None:
            return [quad for quad in whole if quad.predicate == predicate]
        if self.kept is None or isinstance(node, ox.Literal) or any(node in added for _, added in self._layers):
            return [quad for quad in self.subject(node) if quad.predicate == predicate]
        key = (node, predicate)
        found = self.outgoing_with.get(key)
        if found is None:
            quads = self.kept.outgoing_with(node, predicate)
            for changes, _ in self._layers:
                if changes.removed:
                    quads = [quad for quad in quads if quad not in changes.removed]
            found = self.outgoing_with[key] = [quad for quad in quads if _validated(quad)]
        return found

    def subject(self, node: Term) -> list[ox.Quad]:
        """Every data quad with ``node`` as subject in the view."""
        found = self.outgoing.get(node)
        if found is None:
            if self.kept is not None and not isinstance(node, ox.Literal):
                quads = dict.fromkeys(self.kept.outgoing(node))
                for changes, by_subject in self._layers:
                    if changes.removed:
                        quads = {quad: None for quad in quads if quad not in changes.removed}
                    quads.update(dict.fromkeys(by_subject.get(node, ())))
                found = [quad for quad in quads if _validated(quad)]
            else:
                found = [quad for quad in self.view.quads_for_pattern(node, None, None, None) if _validated(quad)]
            self.outgoing[node] = found
        return found


def _layers(view: object) -> tuple[list[ChangeSet], object]:
    """The change sets a view lays over its store (outermost first), and that store."""
    layers = []
    while True:
        if isinstance(view, AfterView):
            layers.append(view.changes)
        elif isinstance(view, PendingView):
            layers.append(view.pending)
        else:
            return layers, view
        view = view.store


KEPT_SUBJECTS = 8192
"""Subjects whose quads :class:`CommittedReads` keeps (the oldest kept is dropped for a new one)."""
KEPT_PER_SUBJECT = 1024
"""A subject with more quads than this is read again each time rather than kept."""


class CommittedReads:
    """Scans of an embedded store, read once and kept until a commit adds or removes a quad they read.

    Kept: the quads of a predicate (:meth:`quads`) and the quads of a subject (:meth:`outgoing`). Every write of an
    :class:`~tradekg.store.embedded.OxigraphStore` goes through its ``apply``, which tells
    :meth:`~tradekg.store.interface.TradeStore.on_commit` listeners what it committed; a read that a commit overtook
    is not kept.
    """

    def __init__(self, store: TradeStore) -> None:
        self._store = weakref.ref(store)
        self._found: dict[ox.NamedNode, list[ox.Quad]] = {}
        self._subjects: dict[object, list[ox.Quad]] = {}
        self._pairs: dict[object, list[ox.Quad]] = {}
        self._commits = 0
        self._lock = threading.Lock()
        store.on_commit(self._committed)

    def _committed(self, removed: Collection[ox.Quad], added: Collection[ox.Quad]) -> None:
        with self._lock:
            self._commits += 1
            for quad in (*removed, *added):
                self._found.pop(quad.predicate, None)  # type: ignore[arg-type]
                self._subjects.pop(quad.subject, None)
                self._pairs.pop((quad.subject, quad.predicate), None)

    def _read(self, kept: dict[object, list[ox.Quad]], key: object, pattern: tuple[object, ...]) -> list[ox.Quad]:
        with self._lock:
            found, commits = kept.get(key), self._commits
        if found is None:
            store = self._store()
            assert store is not None, "the store of a live reader was collected"
            found = list(store.quads_for_pattern(*pattern))  # type: ignore[arg-type]
            with self._lock:
                subjects = kept is not self._found
                if commits == self._commits and not (subjects and len(found) > KEPT_PER_SUBJECT):
                    if subjects and len(kept) >= KEPT_SUBJECTS:
                        del kept[next(iter(kept))]
                    kept[key] = found
        return found

    def quads(self, predicate: ox.NamedNode) -> list[ox.Quad]:
        """The committed quads of the named graphs with ``predicate``."""
        return self._read(self._found, predicate, (None, predicate, None, None))  # type: ignore[arg-type]

    def outgoing(self, node: Term) -> list[ox.Quad]:
        """The committed quads of the named graphs with ``node`` as subject."""
        return self._read(self._subjects, node, (node, None, None, None))

    def outgoing_with(self, node: Term, predicate: ox.NamedNode) -> list[ox.Quad]:
        """The committed quads of the named graphs with ``node`` as subject and ``predicate``.

        From the subject's kept quads when they are kept; else read by subject and predicate, and kept so.
        """
        with self._lock:
            whole = self._subjects.get(node)
        if whole is not None:
            return [quad for quad in whole if quad.predicate == predicate]
        return self._read(self._pairs, (node, predicate), (node, predicate, None, None))


committed_reads: PerStore[CommittedReads] = PerStore(CommittedReads)


class DataReader:
    """The validated dataset (the data and what validation reads of the ontology) read from a view, each read once.

    The ontology's part (:data:`~tradekg.gate.validate.VALIDATION_PREDICATES`) is read from its graph in the store,
    installed from the same file the validator merges. Readers of the same view may share their scans
    (``shared``); each records only its own reads.

    Attributes:
        reads: Every ``(node, predicate, inverse)`` read so far, with the quads found.
        scanned: Every predicate read wherever it occurs (``None``: every quad), by :meth:`pattern`.
    """

    def __init__(self, view: QuadSource, shared: SharedReads | None = None) -> None:
        self.view = view
        self.reads: dict[tuple[object, object, bool], list[ox.Quad]] = {}
        self.scanned: set[URIRef | None] = set()
        self.shared = SharedReads(view) if shared is None else shared

    def outgoing(self, node: Term) -> list[ox.Quad]:
        """Every data quad with ``node`` as subject, read once: one index scan serves each predicate read of it.

        Reading a node's quads of one predicate costs about as much as reading all of them (the scan's set-up
        dominates), and the shapes read several predicates of the same nodes. Only what :meth:`along` hands out
        is recorded in :attr:`reads`.
        """
        return self.shared.subject(node)

    def incoming(self, node: Term) -> list[ox.Quad] | None:
        """Every data quad with ``node`` as object, when there are at most :data:`FEW_INCOMING` (else ``None``).

        Walking a change back reads many predicates into the same node, usually a new one that nothing points to
        yet: one bounded scan answers them all. A node many quads point to (a country) is read by predicate.
        """
        shared = self.shared
        if not shared.bounded_scans:
            return None
        if node not in shared.incoming:
            quads = list(islice(self.view.quads_for_pattern(None, None, node, None), FEW_INCOMING + 1))
            shared.incoming[node] = [quad for quad in quads if _validated(quad)] if len(quads) <= FEW_INCOMING else None
        return shared.incoming[node]

    def along(self, node: Term, step: Step) -> list[ox.Quad]:
        """The data quads one step reads at ``node``: ``(node, p, ?)``, or ``(?, p, node)`` when inverse."""
        key = (node, step.predicate, step.inverse)
        found = self.reads.get(key)
        if found is None:
            found = self.shared.along.get(key)
            if found is None:
                found = self.shared.along[key] = self._read(node, step)
            self.reads[key] = found
        return found

    def _read(self, node: Term, step: Step) -> list[ox.Quad]:
        predicate = _engine_term(step.predicate)
        if step.inverse:
            few = self.incoming(node)
            if few is None:
                quads: Iterable[ox.Quad] = self.view.quads_for_pattern(None, predicate, node, None)
            else:
                quads = (quad for quad in few if predicate is None or quad.predicate == predicate)
        elif isinstance(node, ox.Literal):
            quads = ()
        elif predicate is not None:
            quads = self.shared.subject_with(node, predicate)
        else:
            quads = self.outgoing(node)
        return [quad for quad in quads if _validated(quad)]

    def step(self, nodes: Iterable[Term], step: Step, *, backwards: bool = False) -> set[Term]:
        """The nodes one step leads to from ``nodes`` (``backwards``: the nodes it leads from), repeats included."""
        walked = step.flipped() if backwards else step
        frontier = set(nodes)
        found: set[Term] = set(frontier) if step.repeat else set()
        while frontier:
            reached = set()
            for node in frontier:
                for quad in self.along(node, walked):
                    reached.add(quad.subject if walked.inverse else quad.object)  # type: ignore[arg-type]
            if not step.repeat:
                return reached
            frontier = reached - found
            found |= frontier
        return found

    def pattern(self, predicate: URIRef | None) -> Iterator[ox.Quad]:
        """Every data quad with ``predicate`` (``None``: every data quad)."""
        self.scanned.add(predicate)
        engine = _engine_term(predicate)
        if engine is not None:
            yield from self.shared.pattern(engine)
            return
        for quad in self.view.quads_for_pattern(None, None, None, None):
            if _validated(quad):
                yield quad
