"""Shapes to SPARQL: each targeted shape of a shapes graph becomes one query over its focus nodes' violations.

The query of a shape is a ``UNION`` of *branches*, one per constraint that can produce a validation result: the
shape's own constraints (its focus node is the value node), those of its ``sh:property`` shapes (values reached
along their ``sh:path``), and its SHACL-SPARQL constraints (their ``WHERE`` pattern inlined with ``$this`` bound,
as pre-binding does). Each branch starts from the focus nodes the caller names (a triple of the focus graph,
:data:`FOCUS_GRAPH`), so a query reads only what validating those nodes reads. A branch yields ``?this`` (the
focus node), ``?value`` (the value node, unbound for counts) and ``?check``, the number of its :class:`Check`:
which shape, constraint component, path and message a row reports.

Nested shapes (``sh:node``, ``sh:or``...) become ``EXISTS`` over the union of the nested shape's own violation
patterns, with its focus variable bound from outside (SPARQL's substitution semantics for ``EXISTS``).

Whatever the compiler does not translate (a constraint component not in
:mod:`tradekg.gate.shacl_sparql.components`, ``sh:severity`` other than ``sh:Violation``, ``sh:deactivated``,
``sh:property`` under a property shape, a SHACL-SPARQL constraint with ``ASK``, ``$PATH``, a subquery, ``VALUES``,
``MINUS``, ``SERVICE`` or ``GRAPH``, a recursive shape) makes the whole targeted shape *unsupported*: it is named,
with the reason, in :attr:`CompiledShapes.unsupported`, and the gate validates it with pySHACL instead.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import NamedTuple

import pyoxigraph as ox
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from tradekg.gate.footprint import targeted_shapes
from tradekg.gate.shacl_sparql.components import (
    FOCUS_COMPONENTS,
    PATH_ONLY,
    VALUE_COMPONENTS,
    Site,
    Unsupported,
    members,
)
from tradekg.gate.shacl_sparql.direct import Direct, direct_test
from tradekg.gate.validate import SH, TARGETS
from tradekg.store.sparql_text import Token, tokens

FOCUS_GRAPH = ox.NamedNode("urn:tradekg:shacl:focus")
"""The graph of the scratch store holding ``(shape, FOCUS, node)``: the focus nodes each shape validates."""
FOCUS = ox.NamedNode("urn:tradekg:shacl:focus-node")

DESCRIPTIVE = frozenset(
    {SH.message, SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.flags, SH.path, *TARGETS}
)
"""Shape predicates that change no verdict (``sh:flags`` is read with ``sh:pattern``)."""
FORBIDDEN_IN_SPARQL = frozenset({"SELECT", "VALUES", "MINUS", "SERVICE", "GRAPH", "ASK", "CONSTRUCT", "DESCRIBE"})
PREBOUND = frozenset({"$currentShape", "?currentShape", "$shapesGraph", "?shapesGraph", "$PATH", "?PATH"})


@dataclass(frozen=True)
class Check:
    """What a violation row of one branch reports: the source shape, component, path and message."""

    shape: Node
    component: URIRef
    path: Node | None
    message: str | None
    constraint: Node | None = None
    """The SHACL-SPARQL constraint's node, for a branch from ``sh:sparql``."""


class Branch(NamedTuple):
    """One constraint's violations: its check, the pattern, and the variables of the value and the focus it reports."""

    check: Check
    pattern: str
    value: str | None
    focus: str
    direct: Direct | None = None
    """The same constraint as a test Python makes without a query, when it can (:mod:`.direct`)."""


@dataclass(frozen=True)
class CompiledShape:
    """A targeted shape's queries (bind its focus nodes in :data:`FOCUS_GRAPH` under ``node``) and its checks."""

    shape: Node
    node: ox.NamedNode
    queries: tuple[str, ...]
    checks: tuple[Check, ...]
    direct: tuple[tuple[int, Direct], ...] = ()
    """The checks tested in Python (:mod:`.direct`), by number; the queries hold the other checks."""


@dataclass
class CompiledShapes:
    """Every targeted shape of a shapes graph: compiled, or unsupported with the reason."""

    compiled: dict[Node, CompiledShape] = field(default_factory=dict)
    unsupported: dict[Node, str] = field(default_factory=dict)


class _Compiler:
    """Translates the shapes of one shapes graph (see the module's description)."""

    def __init__(self, shapes: Graph, *, untranslated: frozenset[URIRef], direct: bool = True) -> None:
        self.shapes = shapes
        self.untranslated = untranslated
        self.direct = direct
        self.current: Node = RDF.nil
        self.counter = itertools.count()
        self.active: list[Node] = []
        self.prefixes: dict[str, str] = {}

    def fresh(self) -> str:
        """A new variable (the generated names start with an underscore; renamed ones end with one)."""
        return f"?_v{next(self.counter)}"

    def violations(self, shape: Node, focus: str) -> str:
        """A pattern with a solution exactly when the node bound to ``focus`` violates ``shape``."""
        patterns = [branch.pattern for branch in self.branches(shape, focus, nested=True)]
        if not patterns:
            return "FILTER (false)"
        return " UNION ".join(f"{{ {pattern} }}" for pattern in patterns)

    def nested_tests(self, shape: Node) -> tuple[Direct, ...] | None:
        """A nested shape's constraints as Python tests, or ``None`` when one of them needs a query."""
        tests = tuple(branch.direct for branch in self.branches(shape, self.fresh(), nested=True))
        return None if any(test is None for test in tests) else tests  # type: ignore[return-value]

    def branches(self, shape: Node, focus: str, *, nested: bool) -> list[Branch]:
        """Each constraint of ``shape`` on the node bound to ``focus``; with ``nested``, only what decides conformance.

        Not nested (a validation report), ``sh:node`` also brings the nested shape's own results on each value that
        does not conform to it, with that value as their focus node (pySHACL's ``sh:detail`` results).
        """
        if shape in self.active:
            raise Unsupported(f"the shape {shape!r} is recursive")
        self._check_supported(shape)
        self.active.append(shape)
        try:
            return self._branches(shape, focus, nested=nested)
        finally:
            self.active.pop()

    def _branches(self, shape: Node, focus: str, *, nested: bool) -> list[Branch]:
        shapes = self.shapes
        path_node = shapes.value(shape, SH.path)
        path = sparql_path(shapes, path_node) if path_node is not None else None
        site = Site(focus, self.fresh() if path is not None else focus, path)
        message = _message(shapes, shape)
        found: list[Branch] = []
        for table, value_level in ((VALUE_COMPONENTS, True), (FOCUS_COMPONENTS, False)):
            for parameter, (component, translate) in table.items():
                for argument in sorted(shapes.objects(shape, parameter)):
                    if parameter in PATH_ONLY and path is None:
                        raise Unsupported(f"{parameter} on a node shape")
                    outer, self.current = self.current, shape
                    try:
                        text = translate(site, argument, self)
                    finally:
                        self.current = outer
                    check = Check(shape, component, path_node, message)
                    direct = (
                        direct_test(shapes, shape, parameter, argument, path_node, self.nested_tests)
                        if self.direct
                        else None
                    )
                    if value_level:
                        found.append(Branch(check, f"{site.values()} FILTER ({text})", site.value, focus, direct))
                    else:
                        found.append(Branch(check, text, None, focus, direct))
                    if parameter == SH.node and not nested:
                        for detail in self.branches(argument, site.value, nested=False):
                            found.append(detail._replace(pattern=f"{site.values()} {detail.pattern}", direct=None))
        for inner in sorted(shapes.objects(shape, SH.property)):
            if path is not None:
                raise Unsupported("sh:property under a property shape")
            found.extend(self.branches(inner, focus, nested=nested))
        for constraint in sorted(shapes.objects(shape, SH.sparql)):
            if path is not None:
                raise Unsupported("a SHACL-SPARQL constraint on a property shape")
            pattern, value = self._sparql(constraint, focus)
            own = _message(shapes, constraint) or message
            check = Check(shape, SH.SPARQLConstraintComponent, None, own, constraint)
            found.append(Branch(check, pattern, value or focus, focus))
        return found

    def _check_supported(self, shape: Node) -> None:
        shapes = self.shapes
        known = set(VALUE_COMPONENTS) | set(FOCUS_COMPONENTS) | {SH.property, SH.sparql} | DESCRIPTIVE
        for predicate, value in shapes.predicate_objects(shape):
            if predicate == SH.severity and value != SH.Violation:
                raise Unsupported(f"sh:severity {value}")
            if predicate == SH.deactivated and value != Literal(False):
                raise Unsupported("sh:deactivated")
            if predicate in self.untranslated:
                raise Unsupported(f"{predicate} is left to pySHACL")
            if str(predicate).startswith(str(SH)) and predicate not in known | {SH.severity, SH.deactivated}:
                raise Unsupported(f"the constraint parameter {predicate}")

    def _sparql(self, constraint: Node, focus: str) -> tuple[str, str | None]:
        """A SHACL-SPARQL constraint's ``WHERE`` group inlined, ``$this`` as ``focus``: (pattern, value variable)."""
        shapes = self.shapes
        if any(shapes.objects(constraint, SH.ask)) or any(shapes.objects(constraint, SH.deactivated)):
            raise Unsupported("a SPARQL ASK or deactivated constraint")
        texts = list(shapes.objects(constraint, SH.select))
        if len(texts) != 1:
            raise Unsupported("a SPARQL constraint without exactly one sh:select")
        for prefixes in shapes.objects(constraint, SH.prefixes):
            for declaration in shapes.objects(prefixes, SH.declare):
                prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
                if self.prefixes.setdefault(str(prefix), str(namespace)) != str(namespace):
                    raise Unsupported(f"the prefix {prefix} declared twice, differently")
        text = str(texts[0])
        projection, body = _select_parts(list(tokens(text)))
        suffix = f"_{next(self.counter)}"
        pieces: list[str] = []
        at = body[0].start if body else 0
        for token in body:
            if token.kind != "variable":
                continue
            if token.text in PREBOUND:
                raise Unsupported(f"{token.text} in a SPARQL constraint")
            pieces += [text[at : token.start], focus if token.text[1:] == "this" else f"?{token.text[1:]}{suffix}"]
            at = token.start + len(token.text)
        if body:
            pieces.append(text[at : body[-1].start + len(body[-1].text)])
        projects_value = any(token.kind == "variable" and token.text[1:] == "value" for token in projection)
        return "".join(pieces), f"?value{suffix}" if projects_value else None


def _select_parts(found: list[Token]) -> tuple[list[Token], list[Token]]:
    """The projection and the ``WHERE`` group's inside of a ``SELECT`` query (its prologue ignored)."""
    start = next((index for index, token in enumerate(found) if token.is_keyword("SELECT")), None)
    opening = next((index for index, token in enumerate(found) if token.text == "{"), None)
    if start is None or opening is None:
        raise Unsupported("a SPARQL constraint that is not a SELECT query")
    depth = 0
    for index in range(opening, len(found)):
        depth += {"{": 1, "}": -1}.get(found[index].text, 0)
        if depth == 0:
            break
    body, rest = found[opening + 1 : index], found[index + 1 :]
    if rest or any(token.kind == "name" and token.text.upper() in FORBIDDEN_IN_SPARQL for token in body):
        raise Unsupported("a SPARQL constraint with a subquery, VALUES, MINUS, SERVICE, GRAPH or solution modifiers")
    return found[start + 1 : opening], body


def _message(shapes: Graph, node: Node) -> str | None:
    found = shapes.value(node, SH.message)
    return str(found) if found is not None else None


def sparql_path(shapes: Graph, path: Node) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in shapes:
        return "(" + "/".join(sparql_path(shapes, item) for item in Collection(shapes, path)) + ")"
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return f"^({sparql_path(shapes, inverse)})"
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(shapes, item) for item in members(shapes, alternatives)) + ")"
    for predicate, operator in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = shapes.value(path, predicate)
        if inner is not None:
            return f"({sparql_path(shapes, inner)}){operator}"
    raise Unsupported(f"the path {path!r}")


BRANCHES_PER_QUERY = 4
"""Branches evaluated by one query. Oxigraph's time to parse and plan a query grows faster than its number of
``UNION`` branches (a 29-branch query of a shape took 7.5 ms before any evaluation, the same branches in queries of
four took about a third of that), so a shape's branches are split."""


def compile_shape(
    shapes: Graph, shape: Node, number: int, *, untranslated: frozenset[URIRef], direct: bool = True
) -> CompiledShape:
    """The queries and Python tests of one targeted shape (raises :class:`Unsupported`); ``direct``: any tests."""
    compiler = _Compiler(shapes, untranslated=untranslated, direct=direct)
    node = ox.NamedNode(f"urn:tradekg:shacl:shape:{number}")
    branches = compiler.branches(shape, "?this", nested=False)
    focus = f"GRAPH <{FOCUS_GRAPH.value}> {{ <{node.value}> <{FOCUS.value}> ?this }}"
    parts = []
    for index, branch in enumerate(branches):
        if branch.direct is not None:
            continue
        bound = f" BIND ({branch.value} AS ?value)" if branch.value is not None else ""
        parts.append(f"{{ {focus} {branch.pattern}{bound} BIND ({branch.focus} AS ?focus) BIND ({index} AS ?check) }}")
    prologue = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in compiler.prefixes.items())
    queries = tuple(
        f"{prologue}SELECT ?focus ?value ?check WHERE {{\n  "
        + "\n  UNION ".join(parts[start : start + BRANCHES_PER_QUERY])
        + "\n}"
        for start in range(0, len(parts), BRANCHES_PER_QUERY)
    )
    direct = tuple((index, branch.direct) for index, branch in enumerate(branches) if branch.direct is not None)
    return CompiledShape(shape, node, queries, tuple(branch.check for branch in branches), direct)


def compile_shapes(
    shapes: Graph, *, untranslated: frozenset[URIRef] = frozenset(), direct: bool = True
) -> CompiledShapes:
    """Compile every targeted shape of ``shapes``; ``untranslated`` parameters are left to pySHACL (for tests).

    With ``direct`` (the default) the constraints :mod:`.direct` answers are tested in Python; without, every
    constraint is a query (the tests compare both).
    """
    result = CompiledShapes()
    for number, shape in enumerate(targeted_shapes(shapes)):
        try:
            result.compiled[shape] = compile_shape(shapes, shape, number, untranslated=untranslated, direct=direct)
        except Unsupported as reason:
            result.unsupported[shape] = str(reason)
    return result
