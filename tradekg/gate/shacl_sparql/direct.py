"""The constraints tested in Python, on the focus nodes' values read from the quads (no query parsed or planned).

Oxigraph parses and plans each compiled query on every call (pyoxigraph 0.5 takes only query text), about 0.4 ms a
query before any evaluation, and a new measure's group needed 23 queries: two thirds of the time its validation
took. Most of SHACL Core's constraints, on a property shape whose path is one predicate (or its inverse), ask a
question about a focus node's values that a lookup answers: how many there are (``sh:minCount``, ``sh:maxCount``),
their node kind, their datatype, their class, a pattern, a range, a list (``sh:in``), a value (``sh:hasValue``).
The compiler marks those branches (:class:`Direct`) and leaves them out of its queries; :func:`direct_violations`
tests them here, over the same terms the queries read (the scratch store's data and the ontology's validated part,
read back from it, so that literals are in the store's canonical form), with the same value tests Oxigraph calls back
for (:mod:`tradekg.gate.shacl_sparql.functions`) and the SPARQL the compiler writes for the rest as the
specification: each test below names the pattern it answers. What needs a pattern (``sh:or``, ``sh:node``, a longer
path, a SHACL-SPARQL constraint) stays a query. ``tests/gate/test_compiled_shapes.py`` compares both with pySHACL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.term import Node

from tradekg.gate.shacl_sparql.components import members
from tradekg.gate.shacl_sparql.functions import TRUE, datatype_matches, pattern_matches, range_holds
from tradekg.gate.validate import SH
from tradekg.store.interface import to_engine

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Index = dict[tuple[Term, ox.NamedNode], set[Term]]
RDF_TYPE = ox.NamedNode(str(RDF.type))
SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))
RANGES = {SH.minExclusive: "minExclusive", SH.minInclusive: "minInclusive"} | {
    SH.maxExclusive: "maxExclusive", SH.maxInclusive: "maxInclusive"
}  # fmt: skip
VALUE_TESTS = frozenset({SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH["in"], *RANGES})
NESTING = {SH["or"]: "or"}
"""The shape-based parameters tested in Python, from the nested shapes' own tests (when they all are :class:`Direct`).
Only ``sh:or``: the project's ``sh:node`` shapes have SHACL-SPARQL constraints, and what no shape of the project
uses would not be compared with pySHACL by the tests."""
COUNT_TESTS = frozenset({SH.minCount, SH.maxCount, SH.hasValue})
NODE_KIND_VIOLATIONS: dict[Node, tuple[type, bool]] = {
    SH.IRI: (ox.NamedNode, False),  # !isIRI(?v)
    SH.BlankNode: (ox.BlankNode, False),  # !isBlank(?v)
    SH.Literal: (ox.Literal, False),  # !isLiteral(?v)
    SH.BlankNodeOrIRI: (ox.Literal, True),  # isLiteral(?v)
    SH.BlankNodeOrLiteral: (ox.NamedNode, True),  # isIRI(?v)
    SH.IRIOrLiteral: (ox.BlankNode, True),  # isBlank(?v)
}
"""A node kind: the term type its test reads, and whether being of that type (else not being it) violates it."""


class Direct(NamedTuple):
    """A constraint on the values one predicate step reaches from the focus node (``predicate`` ``None``: the node).

    ``kind`` is the parameter's local name (``minInclusive`` and the other ranges: ``range``). ``argument`` is the
    parameter's value as the test reads it: an engine term; a count (``int``); ``sh:in``'s members; ``sh:pattern``'s
    expression and flags; a node kind as :data:`NODE_KIND_VIOLATIONS` reads it; a shape-based parameter's nested
    shapes, each as its own tests.
    """

    kind: str
    argument: object
    predicate: ox.NamedNode | None
    inverse: bool


def direct_test(
    shapes: Graph,
    shape: Node,
    parameter: URIRef,
    argument: Node,
    path: Node | None,
    nested: Callable[[Node], tuple[Direct, ...] | None],
) -> Direct | None:
    """The branch of ``parameter`` on ``shape`` as a :class:`Direct` test, or ``None`` when it needs a query.

    ``nested`` gives a nested shape's tests (``None`` when one of them needs a query).
    """
    if parameter not in VALUE_TESTS and parameter not in COUNT_TESTS and parameter not in NESTING:
        return None
    if path is None:
        predicate, inverse = None, False
    elif isinstance(path, URIRef):
        predicate, inverse = ox.NamedNode(str(path)), False
    else:
        backwards = shapes.value(path, SH.inversePath)
        if not isinstance(backwards, URIRef) or len(list(shapes.predicate_objects(path))) != 1:
            return None
        predicate, inverse = ox.NamedNode(str(backwards)), True
    value: object
    if parameter in NESTING:
        inner = [nested(member) for member in members(shapes, argument)]
        if any(tests is None for tests in inner):
            return None
        value = tuple(inner)
        return Direct(NESTING[parameter], value, predicate, inverse)
    if parameter == SH["in"]:
        listed = members(shapes, argument)
        if not all(isinstance(member, URIRef) for member in listed):
            return None  # a literal member: sameTerm on the store's encoding, left to Oxigraph
        value = frozenset(ox.NamedNode(str(member)) for member in listed)
    elif parameter in (SH.minCount, SH.maxCount):
        value = argument.value  # type: ignore[union-attr] - checked by the compiler's translation
    elif parameter in (SH["class"], SH.hasValue):
        if not isinstance(argument, URIRef):
            return None
        value = ox.NamedNode(str(argument))
    elif parameter == SH.nodeKind:
        value = NODE_KIND_VIOLATIONS[argument]  # the compiler's translation refused any other kind
    elif parameter == SH.pattern:
        flags = shapes.value(shape, SH.flags)
        value = (ox.Literal(str(argument)), ox.Literal(str(flags) if flags is not None else ""))
    elif parameter in RANGES:
        value = (to_engine(argument), ox.Literal(RANGES[parameter]))
    else:
        value = to_engine(argument)
    kind = "range" if parameter in RANGES else str(parameter).rsplit("#", 1)[-1]
    return Direct(kind, value, predicate, inverse)


def indexed(quads: Iterable[ox.Quad]) -> tuple[Index, Index]:
    """Quads indexed by (subject, predicate) to objects, and by (object, predicate) to subjects."""
    forward: Index = {}
    backward: Index = {}
    for quad in quads:
        forward.setdefault((quad.subject, quad.predicate), set()).add(quad.object)  # type: ignore[arg-type]
        backward.setdefault((quad.object, quad.predicate), set()).add(quad.subject)  # type: ignore[arg-type]
    return forward, backward


class IndexedQuads:
    """The terms the queries read, indexed: the data quads of one validation over the ontology's validated part.

    ``ontology`` is that part indexed (:func:`indexed`), read from a store as the data is, once per process.
    """

    def __init__(self, quads: Iterable[ox.Quad], ontology: tuple[Index, Index]) -> None:
        self.forward, self.backward = ontology
        self.data_forward, self.data_backward = indexed(quads)
        self._instances: dict[tuple[Term, ox.NamedNode], bool] = {}

    def values(self, node: Term, predicate: ox.NamedNode, *, inverse: bool = False) -> set[Term]:
        """The values of ``node`` along ``predicate`` (``inverse``: the nodes pointing to it), in either part."""
        key = (node, predicate)
        data, ontology = (self.data_backward, self.backward) if inverse else (self.data_forward, self.forward)
        found, more = data.get(key), ontology.get(key)
        if found is None:
            return more or set()
        return found | more if more else found

    def is_instance(self, node: Term, cls: ox.NamedNode) -> bool:
        """``node rdf:type/rdfs:subClassOf* cls``."""
        key = (node, cls)
        known = self._instances.get(key)
        if known is None:
            seen: set[Term] = set()
            pending = list(self.values(node, RDF_TYPE))
            while pending and cls not in seen:
                current = pending.pop()
                if current not in seen:
                    seen.add(current)
                    pending.extend(self.values(current, SUBCLASS_OF))
            known = self._instances[key] = cls in seen
        return known


def _holds(test: Callable[[], ox.Literal]) -> bool:
    """Whether an extension function answers true; an error is not a violation (a filter's error is false)."""
    try:
        return test() == TRUE
    except Exception:  # noqa: BLE001 - Oxigraph turns the function's error into an unbound value: the same here
        return True


def value_violates(test: Direct, value: Term, dataset: IndexedQuads) -> bool:
    """Whether a value node violates a value test (the compiler's ``FILTER`` of :mod:`.components`)."""
    kind, argument = test.kind, test.argument
    if kind == "class":  # NOT EXISTS { ?v rdf:type/rdfs:subClassOf* C }
        return not dataset.is_instance(value, argument)  # type: ignore[arg-type]
    if kind == "datatype":  # !isLiteral(?v) || !datatype-matches(?v, D)
        if not isinstance(value, ox.Literal):
            return True
        return not _holds(lambda: datatype_matches(value, argument))  # type: ignore[arg-type]
    if kind == "nodeKind":
        term_type, violates_when_of_it = argument  # type: ignore[misc]
        return isinstance(value, term_type) == violates_when_of_it
    if kind == "pattern":  # isBlank(?v) || !pattern-matches(?v, P, F)
        if isinstance(value, ox.BlankNode):
            return True
        pattern, flags = argument  # type: ignore[misc]
        return not _holds(lambda: pattern_matches(value, pattern, flags))  # type: ignore[arg-type]
    if kind == "in":  # !(sameTerm(?v, m1) || ...)
        return value not in argument  # type: ignore[operator]
    if kind == "or":  # EXISTS { violations of the 1st shape on ?v } && EXISTS { ... of the 2nd } && ...
        return all(any(direct_violations(inner, value, dataset) for inner in tests) for tests in argument)  # type: ignore[attr-defined]
    limit, operator = argument  # type: ignore[misc]  # !range-holds(?v, L, "minInclusive")
    return not _holds(lambda: range_holds(value, limit, operator))


def focus_violates(test: Direct, focus: Term, dataset: IndexedQuads) -> bool:
    """Whether a focus node violates a count or ``sh:hasValue`` (the compiler's patterns of :mod:`.components`)."""
    if test.predicate is None:  # sh:hasValue on a node shape: !sameTerm(?this, V)
        return focus != test.argument
    values = dataset.values(focus, test.predicate, inverse=test.inverse)
    if test.kind == "minCount":
        return len(values) < test.argument  # type: ignore[operator]
    if test.kind == "maxCount":
        return len(values) > test.argument  # type: ignore[operator]
    return test.argument not in values


COUNTS = frozenset({"minCount", "maxCount", "hasValue"})


def direct_violations(test: Direct, focus: Term, dataset: IndexedQuads) -> list[Term | None]:
    """The value nodes of ``focus`` violating ``test`` (``[None]`` when a count or ``sh:hasValue`` fails)."""
    if test.kind in COUNTS:
        return [None] if focus_violates(test, focus, dataset) else []
    if test.predicate is None:
        values: Iterable[Term] = (focus,)
    else:
        values = dataset.values(focus, test.predicate, inverse=test.inverse)
    return [value for value in values if value_violates(test, value, dataset)]
