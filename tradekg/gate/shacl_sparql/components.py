"""SHACL Core constraint components as SPARQL, one small function per component (SHACL 1.0, section 4).

Each function receives the :class:`Site` where its constraint is evaluated (the focus variable, the value
variable, the property path between them) and the parameter's value in the shapes graph, and returns SPARQL text:

- a *value* component (:data:`VALUE_COMPONENTS`) returns a boolean expression over the value variable, true when
  that value node violates the constraint (one validation result per such value node, as the spec says);
- a *focus* component (:data:`FOCUS_COMPONENTS`: the counts, ``sh:hasValue``) returns a group pattern, evaluated
  with the focus variable already bound, that has a solution when the focus node violates it (one result, no
  value).

Where SPARQL's operators and pySHACL's Python differ (is ``"2025-02-30"^^xsd:date`` ill-typed? Python's ``re``
against Rust's ``regex`` on ``$`` before a final newline; comparing a decimal with a string), the test of one value
node is an extension function (:mod:`tradekg.gate.shacl_sparql.functions`) that Oxigraph calls with the value,
written as pySHACL's own test, so that the compiled gate and its oracle cannot disagree on it.

Shape-based components (``sh:node``, ``sh:or``, ``sh:and``, ``sh:not``, ``sh:xone``) need the SPARQL pattern of a
nested shape's violations, which the compiler hands in as :meth:`Nesting.violations`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from tradekg.gate.shacl_sparql.functions import DATATYPE_MATCHES, PATTERN_MATCHES, RANGE_HOLDS
from tradekg.gate.validate import SH


class Unsupported(Exception):
    """The shapes graph uses something the compiler does not translate (the shape is left to pySHACL)."""


@dataclass(frozen=True)
class Site:
    """Where a constraint is evaluated: a variable for the focus node, one for the value nodes, the path between.

    For a node shape the value variable is the focus variable and ``path`` is ``None``.
    """

    focus: str
    value: str
    path: str | None

    def values(self) -> str:
        """The pattern that binds the value variable from the focus variable (nothing for a node shape)."""
        return f"{self.focus} {self.path} {self.value} ." if self.path is not None else ""


class Nesting(Protocol):
    """What a shape-based component asks of the compiler."""

    shapes: Graph
    current: Node
    """The shape whose constraint is being translated (``sh:pattern`` reads its ``sh:flags``)."""

    def violations(self, shape: Node, focus: str) -> str:
        """A group pattern with a solution exactly when the node bound to ``focus`` does not conform to ``shape``."""
        ...

    def fresh(self) -> str:
        """A variable name not used anywhere else in the query."""
        ...


def term(node: Node) -> str:
    """A shapes-graph term in SPARQL syntax (a blank node cannot be named in a query: unsupported)."""
    if isinstance(node, URIRef | Literal):
        return node.n3()
    raise Unsupported(f"a blank node {node!r} as a constraint parameter")


def members(shapes: Graph, head: Node) -> list[Node]:
    """The members of an RDF list in the shapes graph."""
    if head != RDF.nil and (head, RDF.first, None) not in shapes:
        raise Unsupported(f"{head!r} is not an RDF list")
    return list(Collection(shapes, head))


# -- value type constraint components (4.1) ---------------------------------------------------------------------


def class_(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:class``: the value is not a SHACL instance of the class (``rdf:type/rdfs:subClassOf*``)."""
    return f"NOT EXISTS {{ {site.value} <{RDF.type}>/<{RDFS.subClassOf}>* {term(parameter)} }}"


def datatype(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:datatype``: the value is not a literal of that datatype, or is ill-typed (pySHACL's test)."""
    return f"(!isLiteral({site.value}) || !{DATATYPE_MATCHES}({site.value}, {term(parameter)}))"


NODE_KINDS = {
    SH.IRI: "!isIRI({v})",
    SH.BlankNode: "!isBlank({v})",
    SH.Literal: "!isLiteral({v})",
    SH.BlankNodeOrIRI: "isLiteral({v})",
    SH.BlankNodeOrLiteral: "isIRI({v})",
    SH.IRIOrLiteral: "isBlank({v})",
}


def node_kind(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:nodeKind``: the value is not of that kind."""
    if parameter not in NODE_KINDS:
        raise Unsupported(f"sh:nodeKind {parameter!r}")
    return NODE_KINDS[parameter].format(v=site.value)  # type: ignore[index]


# -- value range constraint components (4.3) --------------------------------------------------------------------


def _range(operator: str) -> Callable[[Site, Node, Nesting], str]:
    def component(site: Site, parameter: Node, nesting: Nesting) -> str:
        return f'!{RANGE_HOLDS}({site.value}, {term(parameter)}, "{operator}")'

    component.__doc__ = f"``sh:{operator}``: the value is not a literal comparable with the limit and within it."
    return component


min_exclusive, min_inclusive = _range("minExclusive"), _range("minInclusive")
max_exclusive, max_inclusive = _range("maxExclusive"), _range("maxInclusive")


# -- string-based constraint components (4.4) -------------------------------------------------------------------


def pattern(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:pattern`` (with the shape's ``sh:flags``): a blank node, or a string form the expression misses."""
    flags = nesting.shapes.value(nesting.current, SH.flags)
    flag_text = term(Literal(str(flags))) if flags is not None else '""'
    return f"(isBlank({site.value}) || !{PATTERN_MATCHES}({site.value}, {term(Literal(str(parameter)))}, {flag_text}))"


# -- property pair and other constraint components (4.5, 4.8) ---------------------------------------------------


def in_(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:in``: the value is none of the list's members (term equality, as ``sameTerm``)."""
    allowed = [f"sameTerm({site.value}, {term(member)})" for member in members(nesting.shapes, parameter)]
    return f"!({' || '.join(allowed) or 'false'})"


# -- shape-based constraint components (4.6) and logical ones (4.6) ---------------------------------------------


def node(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:node``: the value does not conform to the shape."""
    return f"EXISTS {{ {nesting.violations(parameter, site.value)} }}"


def or_(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:or``: the value conforms to none of the shapes."""
    failing = [f"EXISTS {{ {nesting.violations(shape, site.value)} }}" for shape in members(nesting.shapes, parameter)]
    return f"({' && '.join(failing) or 'true'})"


def and_(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:and``: the value does not conform to every one of the shapes."""
    failing = [f"EXISTS {{ {nesting.violations(shape, site.value)} }}" for shape in members(nesting.shapes, parameter)]
    return f"({' || '.join(failing) or 'false'})"


def not_(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:not``: the value conforms to the shape."""
    return f"NOT EXISTS {{ {nesting.violations(parameter, site.value)} }}"


def xone(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:xone``: the value conforms to none, or to more than one, of the shapes."""
    shapes = members(nesting.shapes, parameter)
    conforming = [f"IF(EXISTS {{ {nesting.violations(shape, site.value)} }}, 0, 1)" for shape in shapes]
    return f"({' + '.join(conforming) or '0'}) != 1"


# -- cardinality constraint components (4.2) and sh:hasValue (4.8.2): about the focus node ----------------------

MAX_COUNTED = 8
"""Counts above this are not translated (the pattern names count + 1 distinct values)."""


def _distinct_values(site: Site, count: int, nesting: Nesting) -> str:
    """A pattern with a solution when the focus node has at least ``count`` distinct values."""
    if count > MAX_COUNTED:
        raise Unsupported(f"a count of {count} (more than {MAX_COUNTED})")
    names = [nesting.fresh() for _ in range(count)]
    triples = " ".join(f"{site.focus} {site.path} {name} ." for name in names)
    different = [f"!sameTerm({a}, {b})" for index, a in enumerate(names) for b in names[index + 1 :]]
    return triples + (f" FILTER ({' && '.join(different)})" if different else "")


def _count(parameter: Node) -> int:
    if not isinstance(parameter, Literal) or not isinstance(parameter.value, int) or parameter.value < 0:
        raise Unsupported(f"a count {parameter!r} that is not a non-negative integer")
    return parameter.value


def min_count(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:minCount``: fewer distinct value nodes than the count."""
    count = _count(parameter)
    if count == 0:
        return "FILTER (false)"
    return f"FILTER NOT EXISTS {{ {_distinct_values(site, count, nesting)} }}"


def max_count(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:maxCount``: more distinct value nodes than the count."""
    return f"FILTER EXISTS {{ {_distinct_values(site, _count(parameter) + 1, nesting)} }}"


def has_value(site: Site, parameter: Node, nesting: Nesting) -> str:
    """``sh:hasValue``: the value is not among the value nodes."""
    if site.path is None:
        return f"FILTER (!sameTerm({site.focus}, {term(parameter)}))"
    return f"FILTER NOT EXISTS {{ {site.focus} {site.path} {term(parameter)} }}"


Component = Callable[[Site, Node, Nesting], str]

VALUE_COMPONENTS: dict[URIRef, tuple[URIRef, Component]] = {
    SH["class"]: (SH.ClassConstraintComponent, class_),
    SH.datatype: (SH.DatatypeConstraintComponent, datatype),
    SH.nodeKind: (SH.NodeKindConstraintComponent, node_kind),
    SH.minExclusive: (SH.MinExclusiveConstraintComponent, min_exclusive),
    SH.minInclusive: (SH.MinInclusiveConstraintComponent, min_inclusive),
    SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, max_exclusive),
    SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, max_inclusive),
    SH.pattern: (SH.PatternConstraintComponent, pattern),
    SH["in"]: (SH.InConstraintComponent, in_),
    SH.node: (SH.NodeConstraintComponent, node),
    SH["or"]: (SH.OrConstraintComponent, or_),
    SH["and"]: (SH.AndConstraintComponent, and_),
    SH["not"]: (SH.NotConstraintComponent, not_),
    SH.xone: (SH.XoneConstraintComponent, xone),
}
"""Parameter -> (its constraint component, the function): one result per violating value node."""

FOCUS_COMPONENTS: dict[URIRef, tuple[URIRef, Component]] = {
    SH.minCount: (SH.MinCountConstraintComponent, min_count),
    SH.maxCount: (SH.MaxCountConstraintComponent, max_count),
    SH.hasValue: (SH.HasValueConstraintComponent, has_value),
}
"""Parameter -> (its constraint component, the function): one result per violating focus node."""

PATH_ONLY = frozenset({SH.minCount, SH.maxCount})
"""Parameters allowed on property shapes only."""
