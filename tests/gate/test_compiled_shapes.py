"""The shapes compiled to SPARQL against pySHACL: the same verdict and the same violations on generated data.

Data (hypothesis) is drawn from the terms the shapes read: resources typed with every targeted class, every
predicate a shape reads, and values of every kind (ill-typed and well-typed literals, language-tagged strings,
strings with a final newline, numbers out of range, IRIs of the wrong class, foreign IRIs, blank nodes). Each data
set is validated in full by pySHACL (:func:`tradekg.gate.validate.validate_graph`, every target of every shape)
and by the compiled shapes (:func:`tradekg.gate.shacl_sparql.validate_focus`, every target as a focus node): the
verdicts and the sets of (focus node, shape, constraint component, path, value, message) must be equal. The same
data also goes through a compilation that leaves ``sh:pattern`` and ``sh:or`` to pySHACL, which must agree too.
"""

from __future__ import annotations

import logging

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from tradekg.gate.footprint import footprints, read_predicates
from tradekg.gate.neighbourhood import DataReader, Targets
from tradekg.gate.shacl_sparql import validate_focus
from tradekg.gate.shacl_sparql.compiler import compile_shapes
from tradekg.gate.shacl_sparql.components import FOCUS_COMPONENTS, VALUE_COMPONENTS
from tradekg.gate.shacl_sparql.validator import compiled_shapes, log_unsupported
from tradekg.gate.validate import SH, ValidationReport, quads_to_graph, shapes_graph, short_name, validate_graph

ID = "https://w3id.org/tradekg/id/"
TKG = "https://w3id.org/tradekg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
GRAPH = ox.NamedNode(f"{ID}graph/test")
SOURCE = ox.NamedNode(f"{ID}source/test")
EXAMPLES = 40


def _typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


NODES = [ox.NamedNode(f"{ID}thing/{index}") for index in range(4)] + [
    ox.NamedNode("https://example.org/foreign"),
    ox.NamedNode("mailto:someone@example.org"),
    ox.NamedNode(f"{ID}hs/8703"),
    ox.NamedNode(f"{ID}hs/87"),
    ox.BlankNode("b1"),
]
CLASSES = sorted(
    {ox.NamedNode(str(cls)) for footprint in footprints() for cls in footprint.target_classes}
    | {ox.NamedNode(TKG + name) for name in ("Source", "Tariff", "Meeting", "NegotiationRound", "Truce")}
    | {ox.NamedNode("https://schema.org/Place"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#Concept")},
    key=str,
)
PREDICATES = sorted({ox.NamedNode(str(p)) for p in read_predicates(footprints()) if p is not None}, key=str)
READ_FROM = {
    ox.NamedNode(str(cls)): sorted(
        {
            ox.NamedNode(str(chain[0].predicate))
            for footprint in footprints()
            if cls in footprint.target_classes
            for chain in footprint.chains
            if chain[0].predicate is not None and not chain[0].inverse
        },
        key=str,
    )
    for footprint in footprints()
    for cls in footprint.target_classes
}
"""The predicates the shapes targeting a class read from its instances (most generated triples use them)."""
VALUE_TESTED = sorted(
    {
        ox.NamedNode(str(path))
        for parameter in (SH.datatype, SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH["class"], SH["in"])
        for shape in shapes_graph().subjects(parameter, None)
        for path in shapes_graph().objects(shape, SH.path)
    },
    key=str,
)
"""The paths of the property shapes that test their values' datatypes, ranges, classes or membership."""
RANGED = {
    ox.NamedNode(str(path))
    for parameter in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive)
    for shape in shapes_graph().subjects(parameter, None)
    for path in shapes_graph().objects(shape, SH.path)
}
NUMBERS = [_typed(value, datatype) for value in ("0", "1", "-3", "24.5", "1000", "1000.5", "abc") for datatype in
           ("decimal", "integer")] + [ox.Literal("5"), _typed("2025", "gYear")]  # fmt: skip
LITERALS = [
    ox.Literal("text"),
    ox.Literal("text", language="en"),
    ox.Literal("JPN"),
    ox.Literal("JPN\n"),
    ox.Literal("jp"),
    ox.Literal("004"),
    ox.Literal("9903.01.25"),
    ox.Literal("1005"),
    _typed("24.5", "decimal"),
    _typed("-3", "decimal"),
    _typed("2000", "decimal"),
    _typed("abc", "decimal"),
    _typed("7", "integer"),
    _typed("0", "integer"),
    _typed("true", "boolean"),
    _typed("yes", "boolean"),
    _typed("2025-05-01", "date"),
    _typed("2024-01-01", "date"),
    _typed("2025-02-30", "date"),
    _typed("2025-05", "gYearMonth"),
    _typed("2025-13", "gYearMonth"),
    _typed("2026", "gYear"),
    _typed("2025", "string"),
    ox.NamedNode(f"{TKG}inForce"),
    ox.NamedNode(f"{TKG}stated"),
    ox.NamedNode(f"{TKG}netProfit"),
    ox.NamedNode(f"{TKG}usmcaQualifying"),
]


@st.composite
def _data(draw: st.DrawFn) -> list[ox.Quad]:
    """A source, a few typed resources with labels and sources (or not), and triples of what the shapes read."""
    quads = [
        ox.Quad(SOURCE, RDF_TYPE, ox.NamedNode(f"{TKG}Source"), GRAPH),
        ox.Quad(SOURCE, ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal("Test"), GRAPH),
    ]
    subjects = draw(st.lists(st.sampled_from(NODES), min_size=1, max_size=4, unique=True))
    read: list[ox.NamedNode] = []
    for subject in subjects:
        for cls in draw(st.lists(st.sampled_from(CLASSES), min_size=1, max_size=2, unique=True)):
            quads.append(ox.Quad(subject, RDF_TYPE, cls, GRAPH))
            read += READ_FROM.get(cls, [])
        if draw(st.integers(0, 4)):
            quads.append(ox.Quad(subject, LABEL, ox.Literal("a label"), GRAPH))
        if draw(st.integers(0, 4)):
            quads.append(ox.Quad(subject, DERIVED, SOURCE, GRAPH))
    for _ in range(draw(st.integers(0, 10))):
        subject = draw(st.sampled_from(subjects + [SOURCE]))
        tested = [predicate for predicate in read if predicate in VALUE_TESTED]
        pool = [read or PREDICATES, tested or VALUE_TESTED, PREDICATES][draw(st.integers(0, 2))]
        predicate = draw(st.sampled_from(pool))
        pool = CLASSES if predicate == RDF_TYPE else NUMBERS if predicate in RANGED else NODES + LITERALS
        for value in draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True)):
            quads.append(ox.Quad(subject, predicate, value, GRAPH))
    return quads


def _stored(quads: list[ox.Quad]) -> ox.Store:
    store = ox.Store()
    store.extend(quads)
    return store


def _all_targets(store: ox.Store) -> dict[object, set[object]]:
    """Every target of every shape, as the gate's focus nodes (``Targets.all_of``)."""
    reader = DataReader(store)  # type: ignore[arg-type]
    targets = Targets(reader)
    return {footprint.shape: targets.all_of(footprint) for footprint in footprints()}


def _results(report: ValidationReport) -> set[tuple[str, ...]]:
    return {
        (item.focus_node, item.shape, item.constraint, item.path, item.value, item.message)
        for item in report.violations
    }


PARTLY = compile_shapes(shapes_graph(), untranslated=frozenset({SH.pattern, SH["or"]}))
QUERIES_ONLY = compile_shapes(shapes_graph(), direct=False)
"""Every constraint a query, none tested in Python (:mod:`tradekg.gate.shacl_sparql.direct`)."""


def test_some_shapes_are_left_to_pyshacl_in_the_partial_compilation() -> None:
    assert PARTLY.unsupported and PARTLY.compiled
    assert all("is left to pySHACL" in reason for reason in PARTLY.unsupported.values())


def test_most_constraints_are_tested_in_python_and_the_rest_are_queries() -> None:
    compiled = compiled_shapes().compiled.values()
    tested = {test.kind for shape in compiled for _, test in shape.direct}
    assert {"minCount", "maxCount", "datatype", "class", "nodeKind", "pattern", "in", "range", "or"} <= tested
    queried = {number for shape in compiled for number in range(len(shape.checks))} - {
        number for shape in compiled for number, _ in shape.direct
    }
    assert queried, "the SHACL-SPARQL constraints stay queries"
    every = [check for shape in QUERIES_ONLY.compiled.values() for check in shape.checks]
    assert sum(len(shape.checks) for shape in compiled) == len(every)
    assert sum(len(shape.queries) for shape in compiled) < sum(len(s.queries) for s in QUERIES_ONLY.compiled.values())


def test_every_shape_of_the_project_is_compiled() -> None:
    assert compiled_shapes().unsupported == {}
    assert len(compiled_shapes().compiled) == len(footprints())


COMPONENT_OF = {
    str(parameter): short_name(component)
    for parameter, (component, _) in {**VALUE_COMPONENTS, **FOCUS_COMPONENTS}.items()
} | {str(SH.sparql): "sh:SPARQLConstraintComponent"}


def test_the_compiled_shapes_find_exactly_the_violations_pyshacl_finds() -> None:
    seen: dict[str, int] = {}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=_data())
    def check(data: list[ox.Quad]) -> None:
        store = _stored(data)
        quads = list(store)
        expected = validate_graph(quads_to_graph(quads, into=Graph()))
        focus = _all_targets(store)
        for compiled in (None, PARTLY, QUERIES_ONLY):
            found = validate_focus(quads, focus, compiled=compiled)  # type: ignore[arg-type]
            assert found.conforms == expected.conforms
            assert _results(found) == _results(expected)
        for key in (
            "conforms" if expected.conforms else "does not conform",
            *(v.constraint for v in expected.violations),
        ):
            seen[key] = seen.get(key, 0) + 1

    check()
    # Both verdicts and every constraint component the shapes use must be exercised, or the comparison proves little.
    used = {str(parameter) for parameter in shapes_graph().predicates() if parameter in COMPONENT_OF}
    exercised = {parameter for parameter in used if seen.get(COMPONENT_OF[parameter], 0)}
    assert seen.get("conforms") and seen.get("does not conform"), seen
    assert exercised == used, (sorted(used - exercised), seen)


SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:Closed a sh:NodeShape ; sh:targetClass ex:Thing ; sh:closed true .
ex:Tagged a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:name ; sh:languageIn ( "en" ) ] .
ex:Plain a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
ex:Quiet a sh:NodeShape ; sh:targetClass ex:Thing ; sh:severity sh:Warning ; sh:nodeKind sh:IRI .
ex:Asking a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:ask "ASK { $this ?p ?o }" ] .
"""


def test_the_compiler_names_what_it_leaves_to_pyshacl(caplog: pytest.LogCaptureFixture) -> None:
    found = compile_shapes(Graph().parse(data=SHAPES, format="turtle"))
    reasons = {str(shape).rsplit("/", 1)[-1]: reason for shape, reason in found.unsupported.items()}
    assert set(reasons) == {"Closed", "Tagged", "Quiet", "Asking"}
    assert "closed" in reasons["Closed"] and "languageIn" in reasons["Tagged"]
    assert "severity" in reasons["Quiet"] and "ASK" in reasons["Asking"]
    assert [str(shape) for shape in found.compiled] == ["http://example.org/Plain"]
    with caplog.at_level(logging.WARNING):
        log_unsupported(found)
    assert "ex:Closed" in caplog.text or "example.org/Closed" in caplog.text
    assert "validated by pySHACL" in caplog.text
