"""SHACL validation of tradekg data with pySHACL.

The shapes (``tradekg/ontology/shapes.ttl``) are validated against a data graph into which the ontology is
merged, so that ``sh:targetClass`` and ``sh:class`` follow ``rdfs:subClassOf`` (a ``tkg:Tariff`` is a
``tkg:TradeMeasure``). Results come back as :class:`ValidationReport`, which prints grouped by shape and
focus node and serialises to JSON.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from itertools import groupby

import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, Namespace, URIRef, Variable
from rdflib.namespace import OWL, RDF, RDFS, SKOS, NamespaceManager
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import traverse
from rdflib.term import Node

from tradekg.ontology.vocab import ONTOLOGY_PATH, PREFIXES, SHAPES_PATH
from tradekg.store.interface import to_rdflib

SH = Namespace("http://www.w3.org/ns/shacl#")


@functools.cache
def shapes_graph() -> Graph:
    """The SHACL shapes, parsed once per process."""
    return Graph().parse(SHAPES_PATH, format="turtle")


@functools.cache
def backward_predicates() -> frozenset[URIRef]:
    """The predicates the shapes read backwards from a focus node's surroundings.

    Those of ``sh:inversePath``, and those of the SPARQL constraints' triple patterns whose subject is a variable
    other than ``$this`` (``?other tkg:partOf ?negotiation``). The write gate reads them backwards too when it
    gathers a neighbourhood.
    """
    shapes = shapes_graph()
    found: set[URIRef] = {path for path in shapes.objects(None, SH.inversePath) if isinstance(path, URIRef)}
    namespaces = {prefix: str(namespace) for prefix, namespace in shapes.namespaces()}
    namespaces.update(PREFIXES)

    def visit(node: object) -> None:
        if getattr(node, "name", None) == "BGP":
            for subject, predicate, _ in node["triples"]:  # type: ignore[index]
                if isinstance(subject, Variable) and str(subject) != "this" and isinstance(predicate, URIRef):
                    found.add(predicate)

    for text in (*shapes.objects(None, SH.select), *shapes.objects(None, SH.ask)):
        traverse(prepareQuery(str(text), initNs=namespaces).algebra, visitPost=visit)
    return frozenset(found)


@functools.cache
def ontology_graph() -> Graph:
    """The OWL ontology, parsed once per process."""
    return Graph().parse(ONTOLOGY_PATH, format="turtle")


VALIDATION_PREDICATES = frozenset(
    {RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, SKOS.inScheme, SKOS.topConceptOf}
)
"""What validation reads of the ontology: types and the class and property hierarchies (``sh:class``, targets)."""


@functools.cache
def validation_ontology() -> tuple[tuple[Node, Node, Node], ...]:
    """The ontology's triples that validation reads (a third of it: no labels, comments, domains or ranges).

    Every write merges them into its validation graph, so fewer triples to copy is time off every write.
    """
    return tuple(triple for triple in ontology_graph() if triple[1] in VALIDATION_PREDICATES)


@functools.cache
def _namespaces() -> NamespaceManager:
    manager = NamespaceManager(Graph(), bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        manager.bind(prefix, namespace)
    return manager


def short_name(term: Node | None) -> str:
    """A term as a person reads it: a CURIE for known namespaces, else N-Triples syntax."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        try:
            return _namespaces().curie(term, generate=False)
        except (ValueError, KeyError):
            return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3(_namespaces())
    return f"_:{term}"


@dataclass(frozen=True)
class Violation:
    """One validation result: which node broke which shape, and why."""

    focus_node: str
    shape: str
    message: str
    severity: str
    path: str = ""
    value: str = ""
    constraint: str = ""


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating data against the shapes."""

    conforms: bool
    violations: tuple[Violation, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        """The report as plain data, for JSON answers."""
        return {"conforms": self.conforms, "violations": [asdict(item) for item in self.violations]}

    def to_text(self) -> str:
        """The report as text a person reads, grouped by shape and then by focus node."""
        if self.conforms:
            return "Conforms: the data satisfies every shape."
        lines = [f"Does not conform: {len(self.violations)} problem(s)."]
        ordered = sorted(self.violations, key=lambda item: (item.shape, item.focus_node, item.path))
        for shape, by_shape in groupby(ordered, key=lambda item: item.shape):
            lines.append(f"\nShape {shape}")
            for focus, by_focus in groupby(by_shape, key=lambda item: item.focus_node):
                lines.append(f"  {focus}")
                for item in by_focus:
                    where = f" [{item.path}]" if item.path else ""
                    value = f" (value: {item.value})" if item.value else ""
                    lines.append(f"    - {item.severity}{where}: {item.message}{value}")
        return "\n".join(lines)


def shape_name(shape: Node, shapes: Graph) -> str:
    """Name a shape; a blank property shape is named by its node shape and path."""
    if not isinstance(shape, BNode):
        return short_name(shape)
    parent = next(iter(shapes.subjects(SH.property, shape)), None)
    path = shapes.value(shape, SH.path)
    if parent is None:
        return f"property shape on {short_name(path)}"
    return f"{short_name(parent)} / {short_name(path)}"


def _violations(report: Graph, shapes: Graph) -> tuple[Violation, ...]:
    found = []
    for result in report.subjects(SH.resultSeverity, None):
        shape = report.value(result, SH.sourceShape)
        message = report.value(result, SH.resultMessage)
        if message is None and shape is not None:
            message = shapes.value(shape, SH.message)
        severity = report.value(result, SH.resultSeverity)
        path = report.value(result, SH.resultPath)
        found.append(
            Violation(
                focus_node=short_name(report.value(result, SH.focusNode)),
                shape=shape_name(shape, shapes) if shape is not None else "",
                message=str(message) if message is not None else "constraint violated",
                severity=str(severity).rsplit("#", 1)[-1],
                path=short_name(path) if isinstance(path, URIRef) else "",
                value=short_name(report.value(result, SH.value)),
                constraint=short_name(report.value(result, SH.sourceConstraintComponent)),
            )
        )
    return tuple(sorted(found, key=lambda item: (item.shape, item.focus_node, item.path, item.message)))


class PreparedQueryGraph(Graph):
    """An in-memory rdflib graph that parses each distinct SPARQL text once per process.

    pySHACL sends a SPARQL constraint's text once per focus node, with ``$this`` bound by ``initBindings``; rdflib
    would parse and translate that same text every time. Here the parsed algebra is cached and reused.
    """

    def query(  # type: ignore[override]
        self,
        query_object: object,
        processor: str = "sparql",
        result: str = "sparql",
        initNs: dict[str, object] | None = None,  # noqa: N803 - rdflib's name
        initBindings: dict[str, Node] | None = None,  # noqa: N803 - rdflib's name
        use_store_provided: bool = True,
        **kwargs: object,
    ) -> object:
        """Answer a query as rdflib does, parsing a text seen before only once."""
        if isinstance(query_object, str):
            namespaces = tuple(sorted((str(key), str(value)) for key, value in (initNs or {}).items()))
            query_object = _prepared(query_object, namespaces)
            initNs = None  # noqa: N806 - bound into the prepared query
        return super().query(query_object, processor, result, initNs, initBindings, False, **kwargs)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=512)
def _prepared(text: str, namespaces: tuple[tuple[str, str], ...]) -> object:
    return prepareQuery(text, initNs=dict(namespaces))


def with_ontology(data: Graph) -> Graph:
    """A new in-memory graph holding ``data`` and the ontology, ready to validate.

    The graph is rdflib's own in-memory store with a parsed-query cache (:class:`PreparedQueryGraph`). pySHACL reads
    it mostly triple by triple, which rdflib's memory store answers without converting terms; an Oxigraph-backed
    graph, used before, converted every term both ways and parsed every query again (bundled graph: 7.3 s there,
    1.1 s here).
    """
    merged = PreparedQueryGraph()
    merged.addN((*triple, merged) for triple in validation_ontology())
    merged += data
    return merged


def validate_graph(data: Graph, *, merge_ontology: bool = True) -> ValidationReport:
    """Validate a whole graph against the shapes: every target of every shape.

    Args:
        data: The data to validate. It is not modified.
        merge_ontology: Merge the ontology into the data first (set ``False`` when ``data`` already holds it).

    Returns:
        The report; ``conforms`` is true when no result of severity Violation was found.
    """
    return _run(with_ontology(data) if merge_ontology else data, shapes_graph())


_VALIDATING = threading.RLock()
"""Held while pySHACL runs here: one validation at a time in a process (writes are serialised anyway)."""


def _run(data: Graph, shapes: Graph) -> ValidationReport:
    """Run pySHACL on ``data`` (modified in place: callers pass a graph of their own) with ``shapes``."""
    with _VALIDATING:
        conforms, report, _ = pyshacl_validate(
            data, shacl_graph=shapes, inference="none", advanced=True, inplace=True, allow_warnings=True
        )
    assert isinstance(report, Graph)
    return ValidationReport(conforms=bool(conforms), violations=_violations(report, shapes_graph()))


TARGETS = frozenset({SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target})
"""The predicates that give a shape its targets."""


@functools.cache
def _untargeted_shapes() -> tuple[tuple[Node, Node, Node], ...]:
    """The shapes graph without targets: no shape applies to any node until it is given ``sh:targetNode`` values.

    A shape that is also a class (implicit class target) loses that type here.
    """
    shapes = shapes_graph()
    targeted = {shape for shape, predicate, _ in shapes if predicate in TARGETS}
    return tuple(
        (subject, predicate, value)
        for subject, predicate, value in shapes
        if predicate not in TARGETS
        and not (subject in targeted and predicate == RDF.type and value in (RDFS.Class, OWL.Class))
    )


def validate_targets(data: Graph, focus: Mapping[Node, Iterable[Node]]) -> ValidationReport:
    """Validate each shape on the given nodes only: ``focus`` maps a shape's node to its focus nodes.

    The nodes become the shapes' ``sh:targetNode`` values in the shapes graph without its own targets (copied once;
    the nodes are added for one call and removed after it); nested shapes (``sh:or``, ``sh:node``...) are evaluated
    in full on whatever values they meet. pySHACL's own
    ``focus_nodes`` option is not used: its ``Shape.validate`` (``pyshacl/shape.py``, the ``executor.focus_nodes``
    filter after the focus list is built, in 0.40.1) drops every value node that is not one of the focus nodes
    even when a nested shape is evaluated on values, so a literal in ``sh:or`` passes unchecked; and its
    ``Validator.run`` (``pyshacl/validator.py``, the ``focus_nodes`` CURIE expansion) passes any IRI that does not
    start with ``http:``, ``https:``, ``urn:`` or ``file:`` (``mailto:``, ``tag:``, ``did:``) to rdflib's
    ``expand_curie``, which raises ``TypeError`` for a ``URIRef``. Blank nodes are valid focus nodes here too.

    Args:
        data: The data, with the ontology merged (see :func:`with_ontology`); pySHACL works on it in place.
        focus: The nodes to validate, by shape.
    """
    targets = [(shape, SH.targetNode, node) for shape, nodes in focus.items() for node in nodes]
    if not targets:
        return ValidationReport(conforms=True)
    with _RETARGETING:
        shapes = _retargetable_shapes()
        shapes.addN((*triple, shapes) for triple in targets)
        try:
            return _run(data, shapes)
        finally:
            for triple in targets:
                shapes.remove(triple)


_RETARGETING = threading.Lock()
"""Held while the one retargetable shapes graph carries a validation's ``sh:targetNode`` triples."""


@functools.cache
def _retargetable_shapes() -> Graph:
    """The shapes graph without targets, copied once (copying it for every write took a tenth of a write's time)."""
    shapes = Graph(bind_namespaces="none")
    for prefix, namespace in shapes_graph().namespaces():
        shapes.bind(prefix, namespace)
    shapes.addN((*triple, shapes) for triple in _untargeted_shapes())
    return shapes


def quads_to_graph(quads: Iterable[ox.Quad], *, into: Graph | None = None) -> Graph:
    """Copy Oxigraph quads into an in-memory rdflib graph (graph names dropped), literals as the store keeps them.

    The quads pass through an Oxigraph store first, which writes numbers in canonical form (``"12.0"^^xsd:decimal``
    is stored as ``"12"``): quads just parsed and quads read from the store then agree, and a value is not counted
    twice by ``sh:maxCount``.
    """
    stored = ox.Store()
    stored.extend(quads)
    graph = Graph() if into is None else into
    for quad in stored:
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def validate_quads(quads: Iterable[ox.Quad]) -> ValidationReport:
    """Validate quads on their own (every target of every shape), the ontology merged."""
    return validate_graph(quads_to_graph(quads, into=with_ontology(Graph())), merge_ontology=False)
