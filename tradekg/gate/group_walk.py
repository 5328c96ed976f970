"""One walk for a group of writes: every request's focus nodes and reads, found together.

The commit queue (:mod:`tradekg.gate.commit_queue`) validates the requests of a group at once when none of them
reads what a later one changes. That needs, for each request, what validating it alone over the store after the
group would read: its focus nodes (:func:`tradekg.gate.neighbourhood.affected`, the shapes' chains walked back from
its changed quads) and what their shapes read (:func:`~tradekg.gate.neighbourhood.footprint_quads`, the chains walked
forward from them). Walking that once per request walks the same countries, sources and instruments again and again.

Here the union of the group's changes is walked once, and every node reached carries the set of requests that
reach it (a bit set, bit ``i`` for the group's ``i``-th request): a step from a node passes the node's set on to the
nodes it leads to, and each read is recorded with the set of the requests that make it. Reachability is monotone,
so a node's set is exactly the requests whose own walk reaches it, a read's set exactly the requests whose own walk
makes it, and each request's focus nodes and quads are those whose set holds its bit: the same as its own walk,
for one walk's price. A request whose change can concern every target of a shape (a change to the class hierarchy)
is not walked this way: :func:`walk_group` returns ``None`` and the group is validated one by one.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, RDFS, URIRef
from rdflib.term import Node

from tradekg.gate.footprint import Chain, ShapeFootprint, Step, footprints
from tradekg.gate.neighbourhood import SUBCLASS_OF, Targets, _global_reads, _readers_of
from tradekg.gate.reads import PROTECTED, DataReader, QuadSource, Term, _engine_term
from tradekg.gate.validate import ValidationReport, short_name
from tradekg.store.interface import to_rdflib

Requests = int
"""A set of the group's requests: bit ``i`` is its ``i``-th request."""
TYPE = Step(RDF.type)


class LabelledReader(DataReader):
    """A :class:`DataReader` that records, for each read, the requests on whose behalf it was made.

    :meth:`along` and :meth:`pattern` (used by :class:`~tradekg.gate.neighbourhood.Targets` too) record the reads
    for the requests in :attr:`current`; :meth:`read` for the requests given.
    """

    def __init__(self, view: QuadSource) -> None:
        super().__init__(view)
        self.current: Requests = 0
        self.read_by: dict[tuple[object, object, bool], Requests] = {}
        self.scanned_by: dict[URIRef | None, Requests] = {}

    def read(self, node: Term, step: Step, requests: Requests) -> list[ox.Quad]:
        """The data quads one step reads at ``node`` (as :meth:`DataReader.along`), read for ``requests``."""
        key = (node, step.predicate, step.inverse)
        self.read_by[key] = self.read_by.get(key, 0) | requests
        found = self.shared.along.get(key)
        if found is None:
            found = self.shared.along[key] = self._read(node, step)
        return found

    def along(self, node: Term, step: Step) -> list[ox.Quad]:
        """The data quads one step reads at ``node``, read for the :attr:`current` requests."""
        return self.read(node, step, self.current)

    def pattern(self, predicate: URIRef | None) -> list[ox.Quad]:  # type: ignore[override]
        """Every data quad with ``predicate``, read for the :attr:`current` requests."""
        self.scanned_by[predicate] = self.scanned_by.get(predicate, 0) | self.current
        return list(super().pattern(predicate))

    def step(  # type: ignore[override]
        self, nodes: dict[Term, Requests], step: Step, *, backwards: bool = False
    ) -> dict[Term, Requests]:
        """The nodes one step leads to from ``nodes`` (``backwards``: leads from), each with the requests reaching it.

        A repeated step keeps its start nodes and passes on, from each node, only the requests new to it.
        """
        walked = step.flipped() if backwards else step
        inverse = walked.inverse
        reached: dict[Term, Requests] = dict(nodes) if step.repeat else {}
        frontier = nodes
        while frontier:
            grown: dict[Term, Requests] = {}
            for node, requests in frontier.items():
                for quad in self.read(node, walked, requests):
                    target = quad.subject if inverse else quad.object
                    before = reached.get(target, 0)  # type: ignore[arg-type]
                    if before | requests != before:
                        reached[target] = before | requests  # type: ignore[index]
                        grown[target] = grown.get(target, 0) | (requests & ~before)  # type: ignore[arg-type,index]
            if not step.repeat:
                return reached
            frontier = grown
        return reached


class LabelledTargets(Targets):
    """:class:`Targets` that records a node's type read for every request asking, though it reads the types once."""

    def __init__(self, reader: LabelledReader) -> None:
        super().__init__(reader)
        self.labelled = reader
        self.typed_for: dict[Term, Requests] = {}

    def classes_of(self, node: Term) -> set[Node]:
        """The node's types and their superclasses; the type read is recorded for the current requests."""
        current, before = self.labelled.current, self.typed_for.get(node, 0)
        if current & ~before:
            self.typed_for[node] = before | current
            self.labelled.read(node, TYPE, current)
        return super().classes_of(node)


@dataclass
class GroupWalk:
    """What the requests of a group read, each read with the requests that make it.

    Attributes:
        focus: For each targeted shape, its focus nodes, each with the requests it is a focus node of.
        quads: Every data quad read from the focus nodes, with the requests that read it.
        reader: The reader, holding every read with its requests.
    """

    focus: dict[ShapeFootprint, dict[Term, Requests]]
    quads: dict[ox.Quad, Requests]
    reader: LabelledReader

    def by_shape(self) -> dict[Node, set[Term]]:
        """The focus nodes of every request, by shape node (what :func:`validate_focus` takes)."""
        found: dict[Node, set[Term]] = {}
        for footprint, nodes in self.focus.items():
            found.setdefault(footprint.shape, set()).update(nodes)
        return found

    def focus_nodes(self, index: int) -> set[Term]:
        """The focus nodes of the group's ``index``-th request."""
        bit = 1 << index
        return {node for nodes in self.focus.values() for node, requests in nodes.items() if requests & bit}

    def triples(self, index: int) -> int:
        """How many data triples the ``index``-th request's validation reads."""
        bit = 1 << index
        return len({quad.triple for quad, requests in self.quads.items() if requests & bit})

    def report(self, index: int, report: ValidationReport) -> ValidationReport:
        """The part of a conforming group's report about the ``index``-th request's focus nodes."""
        names = {short_name(to_rdflib(node)) for node in self.focus_nodes(index)}
        return ValidationReport(report.conforms, tuple(item for item in report.violations if item.focus_node in names))

    def independent(self, changed: Sequence[Sequence[ox.Quad]]) -> bool:
        """Whether no request reads (by node and predicate, or by predicate) a quad that a later request changes.

        A read made for several requests is made by the first of them, which a later change concerns first.
        """
        last_forward: dict[tuple[object, object], int] = {}
        last_backward: dict[tuple[object, object], int] = {}
        last_predicate: dict[object, int] = {}
        for index, quads in enumerate(changed):
            for quad in quads:
                last_forward[quad.subject, quad.predicate] = last_forward[quad.subject, None] = index
                last_backward[quad.object, quad.predicate] = last_backward[quad.object, None] = index
                last_predicate[quad.predicate] = last_predicate[None] = index
        for (node, predicate, inverse), requests in self.reader.read_by.items():
            table = last_backward if inverse else last_forward
            if table.get((node, _engine_term(predicate)), -1) > _first(requests):  # type: ignore[arg-type]
                return False
        for predicate, requests in self.reader.scanned_by.items():
            if last_predicate.get(_engine_term(predicate), -1) > _first(requests):
                return False
        return True


def _first(requests: Requests) -> int:
    """The index of the first request of a set (``-1`` for none)."""
    return (requests & -requests).bit_length() - 1


def walk_group(view: QuadSource, changed: Sequence[Sequence[ox.Quad]]) -> GroupWalk | None:
    """Walk the changes of a group's requests (in order) once, over ``view`` (the store after the whole group).

    Returns ``None`` when a request's change can concern every target of a shape (see the module's description).
    """
    everyone = (1 << len(changed)) - 1
    reader = LabelledReader(view)
    reader.current = everyone
    targets = LabelledTargets(reader)
    by_predicate: dict[ox.NamedNode, dict[ox.Quad, Requests]] = {}  # the changed quads, by predicate
    for index, quads in enumerate(changed):
        for quad in quads:
            if quad.graph_name in PROTECTED:
                continue
            if quad.predicate == SUBCLASS_OF:
                return None
            same = by_predicate.setdefault(quad.predicate, {})
            same[quad] = same.get(quad, 0) | 1 << index
    for footprint in footprints():
        if footprint.unbounded or by_predicate.keys() & _global_reads(footprint):
            return None
    focus = _focus(reader, targets, by_predicate)
    return GroupWalk(focus, _footprint_quads(reader, focus) if focus else {}, reader)


@functools.cache
def _walks_back() -> dict[ox.NamedNode | None, list[tuple[Chain, bool, tuple[ShapeFootprint, ...]]]]:
    """For each predicate a chain step reads, the distinct walks back from a quad of it, with the shapes reading it.

    A walk is the steps back to the focus node (a repeated step included) and whether the step reads the quad
    backwards; several chains of several shapes often share one (``rdf:type`` read through ``sh:class``).
    """
    found: dict[ox.NamedNode | None, dict[tuple[Chain, bool], list[ShapeFootprint]]] = {}
    for predicate, places in _readers_of().items():
        walks = found.setdefault(predicate, {})
        for footprint, chain, index in places:
            step = chain[index]
            readers = walks.setdefault((chain[: index + 1] if step.repeat else chain[:index], step.inverse), [])
            if footprint not in readers:
                readers.append(footprint)
    return {
        predicate: [(steps, inverse, tuple(readers)) for (steps, inverse), readers in walks.items()]
        for predicate, walks in found.items()
    }


def _focus(
    reader: LabelledReader, targets: Targets, by_predicate: dict[ox.NamedNode, dict[ox.Quad, Requests]]
) -> dict[ShapeFootprint, dict[Term, Requests]]:
    """For each targeted shape, the targets whose verdict the changes can change, with the requests concerned."""
    walks = _walks_back()
    candidates: dict[ShapeFootprint, dict[Term, Requests]] = {}
    walked: dict[tuple[object, Chain, bool], dict[Term, Requests]] = {}
    for predicate, quads in by_predicate.items():
        for back_steps, inverse, readers in (*walks.get(predicate, ()), *walks.get(None, ())):
            key = (predicate, back_steps, inverse)
            nodes = walked.get(key)
            if nodes is None:
                nodes = {}
                for quad, requests in quads.items():
                    start = quad.object if inverse else quad.subject
                    nodes[start] = nodes.get(start, 0) | requests  # type: ignore[index,arg-type]
                for back in reversed(back_steps):
                    nodes = reader.step(nodes, back, backwards=True)
                walked[key] = nodes
            if not nodes:
                continue
            for footprint in readers:
                found = candidates.setdefault(footprint, {})
                for node, requests in nodes.items():
                    found[node] = found.get(node, 0) | requests
    focus: dict[ShapeFootprint, dict[Term, Requests]] = {}
    for footprint in footprints():  # in the shapes' order
        kept = {}
        for node, requests in candidates.get(footprint, {}).items():
            reader.current = requests
            if targets.is_target(footprint, node):
                kept[node] = requests
        if kept:
            focus[footprint] = kept
    return focus


def _footprint_quads(
    reader: LabelledReader, focus: dict[ShapeFootprint, dict[Term, Requests]]
) -> dict[ox.Quad, Requests]:
    """Every data quad the shapes read from their focus nodes (and their global reads), with the requests reading it."""
    quads: dict[ox.Quad, Requests] = {}
    concerned = 0
    for nodes in focus.values():
        for requests in nodes.values():
            concerned |= requests
    reader.current = concerned
    for quad in reader.pattern(RDFS.subClassOf):
        quads[quad] = concerned
    for footprint, nodes in focus.items():
        if footprint.global_predicates:
            reader.current = 0
            for requests in nodes.values():
                reader.current |= requests
            for predicate in footprint.global_predicates:
                for quad in reader.pattern(predicate):
                    quads[quad] = quads.get(quad, 0) | reader.current
        for chain in footprint.chains:
            frontier = nodes
            for step in chain:
                if step.repeat:
                    frontier = reader.step(frontier, step)
                    for node, requests in frontier.items():
                        for quad in reader.read(node, step, requests):
                            quads[quad] = quads.get(quad, 0) | requests
                    continue
                reached: dict[Term, Requests] = {}
                for node, requests in frontier.items():
                    for quad in reader.read(node, step, requests):
                        quads[quad] = quads.get(quad, 0) | requests
                        target = quad.subject if step.inverse else quad.object
                        reached[target] = reached.get(target, 0) | requests  # type: ignore[index,arg-type]
                frontier = reached
    return quads
