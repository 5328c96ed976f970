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
from collections.abc import Collection, Iterable, Mapping

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, URIRef
from rdflib.term import Node

from tradekg.gate.footprint import Chain, ShapeFootprint, Step, footprints
from tradekg.gate.reads import PROTECTED, DataReader, QuadSource, SharedReads, Term, _engine_term
from tradekg.gate.shacl_sparql import validate_focus
from tradekg.gate.validate import ValidationReport, ontology_graph
from tradekg.store.interface import to_engine, to_rdflib

__all__ = ["PROTECTED", "DataReader", "QuadSource", "SharedReads", "Targets", "Term", "affected", "validate_change"]
RDF_TYPE = ox.NamedNode(str(RDF.type))
SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))


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
