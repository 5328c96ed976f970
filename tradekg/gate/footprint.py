"""What each shape reads of the data, derived from the shapes graph: the write gate's map of whose verdict can change.

A shape's verdict on a focus node depends only on the triples its validation reads. Those reads follow *chains*
of steps from the focus node: a property shape's path, then what the constraints on its values read (``sh:class``
reads a value's ``rdf:type``; ``sh:node``, ``sh:property``, ``sh:or``, ``sh:and``, ``sh:not``, ``sh:xone`` and
``sh:qualifiedValueShape`` validate nested shapes on the values, whose own chains continue from there), and the
triple patterns of SHACL-SPARQL constraints, followed outwards from ``$this`` through the variables they share.
Whether a node is a target at all is read the same way (its ``rdf:type`` for ``sh:targetClass``, its
``sh:targetSubjectsOf`` property...).

:mod:`tradekg.gate.neighbourhood` uses the chains both ways: backwards from a changed triple, to find every focus
node whose reads include it; forwards from those nodes, to copy out exactly what their validation reads.

Whatever cannot be bounded this way is marked, never guessed: a triple pattern not connected to ``$this`` is a
*global* read of its predicate (a change to it re-validates every target of the shape), and constructs this module
does not follow (subqueries, ``SERVICE``, recursive shapes, complex repeated paths, unknown constraint components)
make the shape global for every predicate. The class hierarchy (``rdfs:subClassOf``) is read from the ontology and
the data as a whole; a change to it in the data re-validates everything.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import product

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import OWL
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import traverse
from rdflib.term import Node

from tradekg.gate.validate import SH, TARGETS, shapes_graph
from tradekg.ontology.vocab import PREFIXES


@dataclass(frozen=True)
class Step:
    """One step of a chain: along ``predicate`` (``None``: any), backwards when ``inverse``, repeated when ``repeat``.

    A repeated step is taken any number of times, zero included.
    """

    predicate: URIRef | None
    inverse: bool = False
    repeat: bool = False

    def matches(self, predicate: object) -> bool:
        """Whether a triple with ``predicate`` is read by this step."""
        return self.predicate is None or self.predicate == predicate

    def flipped(self) -> Step:
        """The same step walked the other way."""
        return Step(self.predicate, not self.inverse, self.repeat)


Chain = tuple[Step, ...]
"""Steps from a focus node; validation reads the triples of every step (and so of every prefix)."""


class Unbounded(Exception):
    """The shape reads something this module does not follow: every change may concern every target."""


@dataclass(eq=False)
class ShapeFootprint:
    """What one targeted shape reads: how its targets are found, the chains from a focus node, its global reads.

    Attributes:
        shape: The shape's node in the shapes graph.
        target_classes: ``sh:targetClass`` values (and the shape itself when it is a class: implicit targets).
        target_nodes: ``sh:targetNode`` values.
        subjects_of: ``sh:targetSubjectsOf`` values.
        objects_of: ``sh:targetObjectsOf`` values.
        chains: The chains read from a focus node (the target reads included).
        global_predicates: Predicates read wherever they occur (``None``: every predicate, the whole data).
    """

    shape: Node
    target_classes: frozenset[Node] = frozenset()
    target_nodes: frozenset[Node] = frozenset()
    subjects_of: frozenset[Node] = frozenset()
    objects_of: frozenset[Node] = frozenset()
    chains: set[Chain] = field(default_factory=set)
    global_predicates: set[URIRef | None] = field(default_factory=set)

    @property
    def unbounded(self) -> bool:
        """Whether every change may concern every target (and validation may read the whole data)."""
        return None in self.global_predicates


CLASSES = frozenset({RDFS.Class, OWL.Class})
KNOWN_PREDICATES = frozenset(
    {
        SH.datatype, SH.nodeKind, SH.pattern, SH.flags, SH.minInclusive, SH.maxInclusive, SH.minExclusive,
        SH.maxExclusive, SH.minLength, SH.maxLength, SH.languageIn, SH.uniqueLang, SH["in"], SH.hasValue,
        SH.minCount, SH.maxCount, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.message, SH.severity,
        SH.deactivated, SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.ignoredProperties,
        SH.path, SH.declare, SH.prefixes, SH.closed,
        SH.node, SH.property, SH["class"], SH["or"], SH["and"], SH["not"], SH.xone, SH.qualifiedValueShape,
        SH.qualifiedValueShapesDisjoint, SH.sparql, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals,
        *TARGETS,
    }
)  # fmt: skip
"""The SHACL predicates of a shape this module follows, or that read nothing beyond the value itself."""
PREBOUND = frozenset({Variable("currentShape"), Variable("shapesGraph")})
"""SPARQL variables pre-bound to shapes-graph terms, not to data."""


def path_chains(shapes: Graph, path: Node) -> list[Chain]:
    """The alternative step sequences of a SHACL property path (an RDF node of the shapes graph)."""
    if isinstance(path, URIRef):
        return [(Step(path),)]
    if (path, RDF.first, None) in shapes:
        return _sequence([path_chains(shapes, item) for item in Collection(shapes, path)])
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return [_inverted(chain) for chain in path_chains(shapes, inverse)]
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return [chain for item in Collection(shapes, alternatives) for chain in path_chains(shapes, item)]
    for repeat in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
        inner = shapes.value(path, repeat)
        if inner is not None:
            return _repeated(path_chains(shapes, inner))
    raise Unbounded(f"unknown path {path!r}")


def sparql_path_chains(path: object) -> list[Chain]:
    """The alternative step sequences of a SPARQL property path as rdflib parses it (``None``: a variable)."""
    if isinstance(path, URIRef):
        return [(Step(path),)]
    if isinstance(path, Variable | BNode) or path is None:
        return [(Step(None),)]
    if isinstance(path, InvPath):
        return [_inverted(chain) for chain in sparql_path_chains(path.arg)]
    if isinstance(path, SequencePath):
        return _sequence([sparql_path_chains(arg) for arg in path.args])
    if isinstance(path, AlternativePath):
        return [chain for arg in path.args for chain in sparql_path_chains(arg)]
    if isinstance(path, MulPath):
        return _repeated(sparql_path_chains(path.path))
    if isinstance(path, NegatedPath):
        return [(Step(None),), (Step(None, inverse=True),)]
    if isinstance(path, Path):
        raise Unbounded(f"unknown path {path!r}")
    return [(Step(None),)]


def _sequence(parts: list[list[Chain]]) -> list[Chain]:
    return [tuple(step for chain in combination for step in chain) for combination in product(*parts)]


def _inverted(chain: Chain) -> Chain:
    return tuple(step.flipped() for step in reversed(chain))


def _repeated(alternatives: list[Chain]) -> list[Chain]:
    """A path repeated any number of times; only a single step repeats exactly (``rdfs:subClassOf*``)."""
    if len(alternatives) == 1 and len(alternatives[0]) == 1:
        step = alternatives[0][0]
        return [(Step(step.predicate, step.inverse, repeat=True),)]
    # Anything repeated in both directions reaches the node's whole connected part: not followed.
    raise Unbounded("a repeated path of more than one step")


class _Collector:
    """Walks the shapes graph from one targeted shape, gathering its chains."""

    def __init__(self, shapes: Graph, footprint: ShapeFootprint) -> None:
        self.shapes = shapes
        self.footprint = footprint
        self.active: list[Node] = []

    def shape(self, shape: Node, at: Chain) -> None:
        """Gather what validating ``shape`` on the nodes ``at`` reaches reads."""
        if shape in self.active:
            raise Unbounded(f"recursive shape {shape!r}")
        self.active.append(shape)
        try:
            self._shape(shape, at)
        finally:
            self.active.pop()

    def _shape(self, shape: Node, at: Chain) -> None:
        shapes = self.shapes
        for predicate in set(shapes.predicates(shape, None)):
            if predicate.startswith(str(SH)) and predicate not in KNOWN_PREDICATES:
                raise Unbounded(f"constraint {predicate} is not followed")
        if any(shapes.objects(None, SH.parameter)):
            raise Unbounded("custom constraint components are not followed")
        focus = at
        path = shapes.value(shape, SH.path)
        values = [at + chain for chain in path_chains(shapes, path)] if path is not None else [at]
        for chain in values:
            self.footprint.chains.add(chain)
            self._values(shape, chain)
        for pair in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
            for other in shapes.objects(shape, pair):
                for chain in path_chains(shapes, other):
                    self.footprint.chains.add(focus + chain)
        if any(shapes.objects(shape, SH.closed)) and path is None:
            self.footprint.chains.add(focus + (Step(None),))
        for constraint in shapes.objects(shape, SH.sparql):
            if path is not None and self._mentions_path(constraint):
                raise Unbounded("$PATH in a SPARQL constraint is not followed")
            self.sparql(constraint, focus)

    def _mentions_path(self, constraint: Node) -> bool:
        return any("$PATH" in str(text) for key in (SH.select, SH.ask) for text in self.shapes.objects(constraint, key))

    def _values(self, shape: Node, at: Chain) -> None:
        shapes = self.shapes
        if any(shapes.objects(shape, SH["class"])):
            self.footprint.chains.add(at + (Step(RDF.type),))
        nested: list[Node] = [
            *shapes.objects(shape, SH.node),
            *shapes.objects(shape, SH.property),
            *shapes.objects(shape, SH["not"]),
            *shapes.objects(shape, SH.qualifiedValueShape),
        ]
        for logical in (SH["or"], SH["and"], SH.xone):
            for members in shapes.objects(shape, logical):
                nested.extend(Collection(shapes, members))
        if any(value == Literal(True) for value in shapes.objects(shape, SH.qualifiedValueShapesDisjoint)):
            raise Unbounded("sh:qualifiedValueShapesDisjoint reads sibling shapes")
        for inner in nested:
            self.shape(inner, at)

    def sparql(self, constraint: Node, focus: Chain) -> None:
        """Follow a SPARQL constraint's triple patterns outwards from ``$this``; those never reached are global."""
        texts = [*self.shapes.objects(constraint, SH.select), *self.shapes.objects(constraint, SH.ask)]
        patterns = [pattern for text in texts for pattern in _triple_patterns(str(text))]
        reached: dict[Node, list[Chain]] = {Variable("this"): [focus]}
        pending = list(patterns)
        progress = True
        while pending and progress:
            progress = False
            for pattern in list(pending):
                subject, path, object_ = pattern
                alternatives = sparql_path_chains(path)
                if _is_variable(subject) and subject in reached:
                    origin, target, steps = subject, object_, alternatives
                elif _is_variable(object_) and object_ in reached:
                    origin, target, steps = object_, subject, [_inverted(chain) for chain in alternatives]
                else:
                    continue
                pending.remove(pattern)
                progress = True
                found = [start + chain for start in reached[origin] for chain in steps]
                self.footprint.chains.update(found)
                if _is_variable(target) and target not in reached:
                    reached[target] = found
        for _, path, _ in pending:
            for chain in sparql_path_chains(path):
                self.footprint.global_predicates.update(step.predicate for step in chain)


def _is_variable(term: object) -> bool:
    return isinstance(term, Variable | BNode) and term not in PREBOUND


@functools.cache
def _namespaces() -> tuple[tuple[str, str], ...]:
    shapes = shapes_graph()
    found = {prefix: str(namespace) for prefix, namespace in shapes.namespaces()}
    found.update(PREFIXES)
    return tuple(sorted(found.items()))


@functools.lru_cache(maxsize=256)
def _triple_patterns(text: str) -> tuple[tuple[Node, object, Node], ...]:
    """Every triple pattern of a query, in ``EXISTS`` and ``NOT EXISTS`` too; subqueries and SERVICE unbounded."""
    query = prepareQuery(text, initNs=dict(_namespaces()))
    found: list[tuple[Node, object, Node]] = []
    projections = []

    def visit(node: object) -> None:
        name = getattr(node, "name", None)
        if name in ("BGP", "TriplesBlock"):
            for terms in node["triples"]:  # type: ignore[index]
                # an unevaluated block (inside EXISTS) keeps a subject's triples in one flat list
                found.extend(tuple(terms[index : index + 3]) for index in range(0, len(terms), 3))
        elif name in ("Project", "SubSelect"):
            projections.append(node)
        elif name in ("ServiceGraphPattern", "GraphGraphPattern", "Graph", "Service"):
            raise Unbounded(f"{name} in a SPARQL constraint is not followed")

    traverse(query.algebra, visitPost=visit)
    if len(projections) > 1:
        raise Unbounded("a subquery in a SPARQL constraint is not followed")
    return tuple(dict.fromkeys(found))


def targeted_shapes(shapes: Graph) -> Iterator[Node]:
    """The shapes with targets (explicit, or implicit: a shape that is also a class)."""
    seen = set()
    for predicate in TARGETS:
        for shape in shapes.subjects(predicate, None):
            if shape not in seen:
                seen.add(shape)
                yield shape
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            if shape not in seen and any((shape, RDF.type, cls) in shapes for cls in CLASSES):
                seen.add(shape)
                yield shape


def shape_footprint(shapes: Graph, shape: Node) -> ShapeFootprint:
    """What validating ``shape`` on its targets reads."""
    implicit = [shape] if any((shape, RDF.type, cls) in shapes for cls in CLASSES) else []
    footprint = ShapeFootprint(
        shape=shape,
        target_classes=frozenset([*shapes.objects(shape, SH.targetClass), *implicit]),
        target_nodes=frozenset(shapes.objects(shape, SH.targetNode)),
        subjects_of=frozenset(shapes.objects(shape, SH.targetSubjectsOf)),
        objects_of=frozenset(shapes.objects(shape, SH.targetObjectsOf)),
    )
    if any(shapes.objects(shape, SH.target)):
        footprint.global_predicates.add(None)  # SPARQL-based targets: not followed
        return footprint
    if footprint.target_classes:
        footprint.chains.add((Step(RDF.type),))
    footprint.chains.update((Step(predicate),) for predicate in footprint.subjects_of)  # type: ignore[arg-type]
    footprint.chains.update((Step(predicate, inverse=True),) for predicate in footprint.objects_of)  # type: ignore[arg-type]
    collector = _Collector(shapes, footprint)
    try:
        collector.shape(shape, ())
    except Unbounded:
        footprint.global_predicates.add(None)
    footprint.chains = {_until_hierarchy(chain) for chain in footprint.chains}
    footprint.chains.discard(())
    return footprint


def _until_hierarchy(chain: Chain) -> Chain:
    """A chain cut before its first ``rdfs:subClassOf`` step: the class hierarchy is read whole, not per node."""
    for index, step in enumerate(chain):
        if step.predicate == RDFS.subClassOf:
            return chain[:index]
    return chain


_DERIVING = threading.Lock()


def footprints() -> tuple[ShapeFootprint, ...]:
    """The footprint of every targeted shape of ``tradekg/ontology/shapes.ttl``, derived once per process.

    Deriving them parses the shapes' SPARQL constraints (seconds of CPU); a server starts it beside its first
    requests, and a write arriving meanwhile waits for that one derivation rather than starting another.
    """
    with _DERIVING:
        return _derived_footprints()


@functools.cache
def _derived_footprints() -> tuple[ShapeFootprint, ...]:
    shapes = shapes_graph()
    return tuple(shape_footprint(shapes, shape) for shape in targeted_shapes(shapes))


def read_predicates(found: Iterable[ShapeFootprint]) -> set[URIRef | None]:
    """Every predicate any of the footprints reads (``None``: some read takes any predicate)."""
    return {step.predicate for footprint in found for chain in footprint.chains for step in chain} | {
        predicate for footprint in found for predicate in footprint.global_predicates
    }
