"""Validating a change: every focus node whose verdict it can change, over exactly what their shapes read.

Both ways data enters a store with data use this: the write gate (:mod:`tradekg.gate.writes`) and the loader
(:func:`tradekg.graph.load.validate_new_quads`). The store conformed before the change, so the dataset after it
conforms exactly when every (shape, focus node) pair whose verdict can change still conforms. Which pairs those are
comes from the shapes graph (:mod:`tradekg.gate.footprint`): a shape's verdict on a node depends only on the
triples read along the shape's chains from that node. For each changed triple (added or removed) and each chain
step that reads it, the chain is walked backwards from the triple, in the store as it is after the change, to the
nodes whose validation reads it; those that are targets of the shape after the change are its focus nodes. The
first read that differs between before and after is reached from the focus node through triples that did not
change (they are in the store after the change too), so walking back from the changed triple finds that node.

Then only what the chains read from those nodes is read out of the store, and each shape is validated on its own
focus nodes over those quads: by its SPARQL translation, evaluated by Oxigraph, or by pySHACL for a shape the
translation does not cover (:func:`tradekg.gate.shacl_sparql.validate_focus`). Where no bound is known (a read not
connected to the focus node, a change to the class hierarchy), every target of the shape is validated: correct
first, then fast.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Collection, Iterable, Iterator, Mapping
from itertools import islice
from typing import Protocol

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, URIRef
from rdflib.term import Node

from tradekg.gate.changes import AfterView, ChangeSet, PendingView
from tradekg.gate.footprint import Chain, ShapeFootprint, Step, footprints
from tradekg.gate.shacl_sparql import validate_focus
from tradekg.gate.validate import VALIDATION_PREDICATES, ValidationReport, ontology_graph
from tradekg.ontology.vocab import ONTOLOGY_IRI, SHAPES_GRAPH_IRI
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore, to_engine, to_rdflib
from tradekg.store.per_store import PerStore

PROTECTED = frozenset(ox.NamedNode(str(iri)) for iri in (ONTOLOGY_IRI, SHAPES_GRAPH_IRI))
"""The ontology and shapes graphs: not data (the validator merges the ontology's own copy)."""
ONTOLOGY = ox.NamedNode(str(ONTOLOGY_IRI))
RDF_TYPE = ox.NamedNode(str(RDF.type))
SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))

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

    A scan of a predicate wherever it occurs (the class hierarchy) is answered from :class:`CommittedPatterns`
    when the view is an embedded store, or layers of change sets over one, and adjusted by those change sets.
    """

    def __init__(self, view: QuadSource) -> None:
        self.view = view
        self.along: dict[tuple[object, object, bool], list[ox.Quad]] = {}
        self.outgoing: dict[Term, list[ox.Quad]] = {}
        self.incoming: dict[Term, list[ox.Quad] | None] = {}
        self.patterns: dict[ox.NamedNode, list[ox.Quad]] = {}
        self.bounded_scans = _scans_lazily(view)

    def pattern(self, predicate: ox.NamedNode) -> list[ox.Quad]:
        """Every data quad with ``predicate`` in the view."""
        found = self.patterns.get(predicate)
        if found is None:
            layers, root = _layers(self.view)
            if isinstance(root, OxigraphStore):
                quads = dict.fromkeys(committed_patterns(root).quads(predicate))
                for changes in reversed(layers):  # the change nearest the store first
                    for quad in changes.removed:
                        quads.pop(quad, None)
                    quads.update((quad, None) for quad in changes.added if quad.predicate == predicate)
                found = [quad for quad in quads if _validated(quad)]
            else:
                found = [quad for quad in self.view.quads_for_pattern(None, predicate, None, None) if _validated(quad)]
            self.patterns[predicate] = found
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


class CommittedPatterns:
    """The quads of a predicate in an embedded store, read once and kept until a commit adds or removes one.

    Every write of an :class:`~tradekg.store.embedded.OxigraphStore` goes through its ``apply``, which tells
    :meth:`~tradekg.store.interface.TradeStore.on_commit` listeners what it committed; a read that a commit overtook
    is not kept.
    """

    def __init__(self, store: TradeStore) -> None:
        self._store = weakref.ref(store)
        self._found: dict[ox.NamedNode, list[ox.Quad]] = {}
        self._commits = 0
        self._lock = threading.Lock()
        store.on_commit(self._committed)

    def _committed(self, removed: Collection[ox.Quad], added: Collection[ox.Quad]) -> None:
        with self._lock:
            self._commits += 1
            for quad in (*removed, *added):
                self._found.pop(quad.predicate, None)  # type: ignore[arg-type]

    def quads(self, predicate: ox.NamedNode) -> list[ox.Quad]:
        """The committed quads of the named graphs with ``predicate``."""
        with self._lock:
            found, commits = self._found.get(predicate), self._commits
        if found is None:
            store = self._store()
            assert store is not None, "the store of a live reader was collected"
            found = list(store.quads_for_pattern(None, predicate, None, None))
            with self._lock:
                if commits == self._commits:
                    self._found[predicate] = found
        return found


committed_patterns: PerStore[CommittedPatterns] = PerStore(CommittedPatterns)


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
        found = self.shared.outgoing.get(node)
        if found is None:
            quads = self.view.quads_for_pattern(node, None, None, None)
            found = self.shared.outgoing[node] = [quad for quad in quads if _validated(quad)]
        return found

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
        else:
            quads = (quad for quad in self.outgoing(node) if predicate is None or quad.predicate == predicate)
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


@functools.cache
def _ontology_hierarchy() -> tuple[dict[Node, frozenset[Node]], frozenset[tuple[object, object]]]:
    """The ontology's superclasses by class, and its ``rdfs:subClassOf`` pairs as engine terms (read once)."""
    superclasses: dict[Node, set[Node]] = {}
    for subclass, superclass in ontology_graph().subject_objects(RDFS.subClassOf):
        superclasses.setdefault(subclass, set()).add(superclass)
    pairs = frozenset(
        (to_engine(subclass), to_engine(superclass))
        for subclass, found in superclasses.items()
        for superclass in found
        if not isinstance(subclass, BNode) and not isinstance(superclass, BNode)
    )
    return {subclass: frozenset(found) for subclass, found in superclasses.items()}, pairs


class Targets:
    """Which nodes are targets of a shape after the change: types read from the data and the ontology."""

    def __init__(self, reader: DataReader) -> None:
        self.reader = reader
        base, known = _ontology_hierarchy()
        extra = [(q.subject, q.object) for q in reader.pattern(RDFS.subClassOf) if (q.subject, q.object) not in known]
        self.superclasses: Mapping[Node, Collection[Node]] = base
        if extra:  # the data adds to the class hierarchy
            superclasses = {subclass: set(found) for subclass, found in base.items()}
            for subclass, superclass in extra:
                superclasses.setdefault(to_rdflib(subclass), set()).add(to_rdflib(superclass))  # type: ignore[arg-type]
            self.superclasses = superclasses
        self.ontology = ontology_graph()
        self.classes: dict[Term, set[Node]] = {}

    def classes_of(self, node: Term) -> set[Node]:
        """The node's types and all their superclasses."""
        known = self.classes.get(node)
        if known is not None:
            return known
        found = self.classes[node] = {to_rdflib(quad.object) for quad in self.reader.along(node, Step(RDF.type))}
        found.update(self.ontology.objects(to_rdflib(node), RDF.type))  # type: ignore[arg-type]
        pending = list(found)
        while pending:
            for superclass in self.superclasses.get(pending.pop(), ()):
                if superclass not in found:
                    found.add(superclass)
                    pending.append(superclass)
        return found

    def is_target(self, footprint: ShapeFootprint, node: Term) -> bool:
        """Whether ``node`` is a target of the footprint's shape."""
        if to_rdflib(node) in footprint.target_nodes:
            return True
        if footprint.target_classes and footprint.target_classes & self.classes_of(node):
            return True
        if any(self.reader.along(node, Step(p)) for p in footprint.subjects_of):  # type: ignore[arg-type]
            return True
        return any(self.reader.along(node, Step(p, inverse=True)) for p in footprint.objects_of)  # type: ignore[arg-type]

    def all_of(self, footprint: ShapeFootprint) -> set[Term]:
        """Every target of the footprint's shape."""
        found: set[Term] = {ox.NamedNode(str(node)) for node in footprint.target_nodes if isinstance(node, URIRef)}
        classes = set(footprint.target_classes)
        pending = list(classes)
        subclasses: dict[Node, set[Node]] = {}
        for subclass, superclasses in self.superclasses.items():
            for superclass in superclasses:
                subclasses.setdefault(superclass, set()).add(subclass)
        while pending:
            for subclass in subclasses.get(pending.pop(), ()):
                if subclass not in classes:
                    classes.add(subclass)
                    pending.append(subclass)
        for cls in classes:
            if isinstance(cls, URIRef):
                typed = self.reader.along(ox.NamedNode(str(cls)), Step(RDF.type, inverse=True))
                found.update(quad.subject for quad in typed)  # type: ignore[misc]
                members = self.ontology.subjects(RDF.type, cls)
                found.update(ox.NamedNode(str(node)) for node in members if isinstance(node, URIRef))
        for predicate in footprint.subjects_of:
            found.update(quad.subject for quad in self.reader.pattern(predicate))  # type: ignore[arg-type]
        for predicate in footprint.objects_of:
            found.update(quad.object for quad in self.reader.pattern(predicate))  # type: ignore[arg-type,misc]
        return found


@functools.cache
def _reading_positions(footprint: ShapeFootprint) -> dict[ox.NamedNode | None, list[tuple[Chain, int]]]:
    """Where each predicate is read in the footprint's chains: (chain, index of the step), by engine predicate."""
    positions: dict[ox.NamedNode | None, list[tuple[Chain, int]]] = {}
    for chain in footprint.chains:
        for index, step in enumerate(chain):
            positions.setdefault(_engine_term(step.predicate), []).append((chain, index))
    return positions


@functools.cache
def _global_reads(footprint: ShapeFootprint) -> frozenset[ox.NamedNode | None]:
    return frozenset(_engine_term(predicate) for predicate in footprint.global_predicates)


@functools.cache
def _readers_of() -> dict[ox.NamedNode | None, list[tuple[ShapeFootprint, Chain, int]]]:
    """Where each predicate is read, over every footprint: (footprint, chain, index of the step)."""
    found: dict[ox.NamedNode | None, list[tuple[ShapeFootprint, Chain, int]]] = {}
    for footprint in footprints():
        for predicate, places in _reading_positions(footprint).items():
            found.setdefault(predicate, []).extend((footprint, chain, index) for chain, index in places)
    return found


def affected(reader: DataReader, targets: Targets, changed: Iterable[ox.Quad]) -> dict[ShapeFootprint, set[Term]]:
    """For each targeted shape, the targets (after the change) whose verdict the changed quads can change.

    Chains of different shapes often share the steps walked back (``tkg:imposedBy`` then ``rdf:type``): each walk
    is made once per change.
    """
    changed = [quad for quad in changed if quad.graph_name not in PROTECTED]
    hierarchy_changed = any(quad.predicate == SUBCLASS_OF for quad in changed)
    by_predicate: dict[ox.NamedNode, list[ox.Quad]] = {}
    for quad in changed:
        by_predicate.setdefault(quad.predicate, []).append(quad)
    found: dict[ShapeFootprint, set[Term]] = {}
    for footprint in footprints():
        if hierarchy_changed or footprint.unbounded or by_predicate.keys() & _global_reads(footprint):
            found[footprint] = targets.all_of(footprint)
    readers = _readers_of()
    candidates: dict[ShapeFootprint, set[Term]] = {}
    walked: dict[tuple[object, Chain, bool], set[Term]] = {}
    for predicate, quads in by_predicate.items():
        for footprint, chain, index in (*readers.get(predicate, ()), *readers.get(None, ())):
            if footprint in found:
                continue
            step = chain[index]
            back_steps = chain[: index + 1] if step.repeat else chain[:index]
            key = (predicate, back_steps, step.inverse)
            nodes = walked.get(key)
            if nodes is None:
                nodes = {quad.object if step.inverse else quad.subject for quad in quads}  # type: ignore[misc]
                for back in reversed(back_steps):
                    nodes = reader.step(nodes, back, backwards=True)
                walked[key] = nodes
            candidates.setdefault(footprint, set()).update(nodes)
    for footprint in footprints():  # in the shapes' order, as before
        focus = {node for node in candidates.get(footprint, ()) if targets.is_target(footprint, node)}
        if focus:
            found[footprint] = focus
    return found


def footprint_quads(reader: DataReader, focus: dict[ShapeFootprint, set[Term]]) -> set[ox.Quad]:
    """Every data quad the shapes read from their focus nodes (and their global reads)."""
    quads: set[ox.Quad] = set(reader.pattern(RDFS.subClassOf))
    for footprint, nodes in focus.items():
        if footprint.unbounded:
            quads.update(reader.pattern(None))
            continue
        for predicate in footprint.global_predicates:
            quads.update(reader.pattern(predicate))
        for chain in footprint.chains:
            frontier: set[Term] = set(nodes)
            for step in chain:
                reached = reader.step(frontier, step)
                for node in reached | frontier if step.repeat else frontier:
                    quads.update(reader.along(node, step))
                frontier = reached
    return quads


def validate_change(view: QuadSource, changed: Iterable[ox.Quad]) -> tuple[ValidationReport, int, int]:
    """Validate what ``changed`` (quads added and removed) can change, in ``view`` (the store after the change).

    Returns:
        The report, the number of focus nodes and the number of data triples validated.
    """
    reader = DataReader(view)
    focus = affected(reader, Targets(reader), changed)
    if not focus:
        return ValidationReport(conforms=True), 0, 0
    quads = footprint_quads(reader, focus)
    report = validate_focus(quads, {footprint.shape: nodes for footprint, nodes in focus.items()})
    nodes = {node for found in focus.values() for node in found}
    return report, len(nodes), len({quad.triple for quad in quads})
