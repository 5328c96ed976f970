"""Reading RML mappings of CSV files: the declarative part of the spreadsheet import.

A mapping is RML (``rr:``/``rml:`` vocabularies, https://rml.io/specs/rml/) in Turtle, or YARRRML in YAML,
which the maintained ``yatter`` translator turns into the same RML. This module compiles a mapping into
:class:`TriplesMap` objects and expands them over CSV rows; :mod:`tradekg.graph.tabular` checks the rows and
reports problems by row and column.

Supported: CSV logical sources; subject, predicate, object and graph maps given by ``rr:constant``,
``rml:reference`` or ``rr:template`` (and the ``rr:subject``/``rr:predicate``/``rr:object``/``rr:graph``
shortcuts); ``rr:class``; ``rr:termType``; ``rr:datatype``; ``rr:language``; and referencing object maps
(``rr:parentTriplesMap``) over the same source without a join condition. Anything else (joins, functions,
other source formats) is refused with a :class:`MappingError` naming the feature, never silently ignored.

Why not morph-kgc, the usual engine: no release of it installs beside this project's dependencies. 2.3.1
fails on pandas 3 (a ``KeyError`` in its partitioner) and numpy 2 (``np.NaN``), so using it means pinning
numpy below 2 and pandas below 3; every later release pins ``pyoxigraph<0.4`` or ``rdflib<7``, while the
store needs pyoxigraph 0.5. The mapping files stay standard RML, runnable by morph-kgc or RMLMapper.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

RR = Namespace("http://www.w3.org/ns/r2rml#")
RML = Namespace("http://semweb.mmlab.be/ns/rml#")
QL = Namespace("http://semweb.mmlab.be/ns/ql#")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_TEMPLATE_PART = re.compile(r"(?<!\\)\{([^{}]*)\}")
_UNSUPPORTED = {
    RR.joinCondition: "join conditions (rr:joinCondition)",
    RR.sqlQuery: "SQL queries (rr:sqlQuery)",
    URIRef("http://semweb.mmlab.be/ns/fnml#functionValue"): "functions (fnml:functionValue)",
}


class MappingError(ValueError):
    """The mapping file cannot be read, or uses an RML feature this importer does not run."""


@dataclass(frozen=True)
class TermMap:
    """How one RDF term is made from a row: a constant, a column's value, or a template over columns."""

    kind: str  # "constant", "reference" or "template"
    value: str
    term_type: str  # "iri", "literal" or "blank"
    datatype: str | None = None
    language: str | None = None
    constant: Node | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns this term map reads."""
        if self.kind == "reference":
            return (self.value,)
        if self.kind == "template":
            return tuple(_TEMPLATE_PART.findall(self.value))
        return ()


@dataclass(frozen=True)
class PredicateObject:
    """One predicate-object map: the predicate, and either an object map or a parent triples map's name."""

    predicate: TermMap
    obj: TermMap | None
    parent: str | None = None
    graphs: tuple[TermMap, ...] = ()


@dataclass(frozen=True)
class TriplesMap:
    """A compiled ``rr:TriplesMap``: one subject per row, its classes and its predicate-object maps."""

    name: str
    subject: TermMap
    classes: tuple[str, ...] = ()
    graphs: tuple[TermMap, ...] = ()
    predicate_objects: tuple[PredicateObject, ...] = field(default=())


def read_mapping(path: Path) -> list[TriplesMap]:
    """Read an RML (Turtle) or YARRRML (``.yml``/``.yaml``) mapping file and compile its triples maps.

    Raises:
        MappingError: The file is unreadable, does not parse, or uses an unsupported RML feature.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise MappingError(f"{path}: {error.strerror or error}") from error
    if path.suffix.lower() in (".yml", ".yaml"):
        text = _yarrrml_to_rml(path, text)
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except Exception as error:  # rdflib raises several unrelated types for bad Turtle
        raise MappingError(f"{path}: the RML mapping does not parse as Turtle: {error}") from error
    maps = sorted(
        {*graph.subjects(RDF_TYPE, RR.TriplesMap), *graph.subjects(RML.logicalSource, None)}, key=lambda node: str(node)
    )
    if not maps:
        raise MappingError(f"{path}: no triples map (rr:TriplesMap with an rml:logicalSource) found")
    names = {node: _name(node) for node in maps}
    return [_compile(graph, node, names, path) for node in maps]


def _yarrrml_to_rml(path: Path, text: str) -> str:
    import yatter  # imported here: loading it costs time that only YARRRML users should pay
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as error:
        raise MappingError(f"{path}: the YARRRML mapping is not valid YAML: {error}") from error
    if not isinstance(data, dict) or "mappings" not in data:
        raise MappingError(f"{path}: a YARRRML mapping needs a top-level 'mappings' section")
    messages: list[str] = []
    handler = _Collect(messages)
    logger = logging.getLogger("yatter.constants")  # yatter logs there, through a handler of its own
    saved, logger.handlers = logger.handlers, [handler]
    propagate, logger.propagate = logger.propagate, False
    try:
        rml = yatter.translate(data)
    except Exception as error:  # yatter raises assorted errors on mappings it cannot read
        raise MappingError(f"{path}: the YARRRML mapping could not be translated to RML: {error}") from error
    finally:
        logger.handlers = saved
        logger.propagate = propagate
    if not rml:
        detail = "; ".join(messages) or "no RML was produced"
        raise MappingError(f"{path}: the YARRRML mapping could not be translated to RML: {detail}")
    return str(rml)


class _Collect(logging.Handler):
    """Keeps yatter's warnings and errors for the error message instead of printing them."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        """Keep one record's message."""
        self.messages.append(record.getMessage().strip())


def _name(node: Node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]


def _compile(graph: Graph, node: Node, names: dict[Node, str], path: Path) -> TriplesMap:
    name = names[node]
    _refuse_unsupported(graph, node, path, name)
    source = graph.value(node, RML.logicalSource)
    formulation = graph.value(source, RML.referenceFormulation) if source is not None else None
    if formulation is not None and formulation != QL.CSV:
        raise MappingError(f"{path}: triples map {name}: only CSV sources are supported, not {formulation}")
    subject_map = graph.value(node, RR.subjectMap)
    if subject_map is None:
        constant = graph.value(node, RR.subject)
        if constant is None:
            raise MappingError(f"{path}: triples map {name} has no subject map")
        subject = _constant(constant, "iri")
        classes: tuple[str, ...] = ()
        graphs: tuple[TermMap, ...] = ()
    else:
        subject = _term_map(graph, subject_map, default_type="iri", path=path, where=f"{name}, subject")
        classes = tuple(sorted(str(item) for item in graph.objects(subject_map, RR["class"])))
        graphs = _graph_maps(graph, subject_map, path, name)
    pairs = []
    for pom in graph.objects(node, RR.predicateObjectMap):
        predicates = [_constant(item, "iri") for item in graph.objects(pom, RR.predicate)]
        predicates += [
            _term_map(graph, item, default_type="iri", path=path, where=f"{name}, predicate")
            for item in graph.objects(pom, RR.predicateMap)
        ]
        objects: list[tuple[TermMap | None, str | None]] = [
            (_constant(item, "literal" if isinstance(item, Literal) else "iri"), None)
            for item in graph.objects(pom, RR.object)
        ]
        for item in graph.objects(pom, RR.objectMap):
            parent = graph.value(item, RR.parentTriplesMap)
            if parent is not None:
                if parent not in names:
                    raise MappingError(f"{path}: triples map {name} refers to an unknown parent triples map")
                objects.append((None, names[parent]))
            else:
                objects.append((_term_map(graph, item, default_type="", path=path, where=f"{name}, object"), None))
        pom_graphs = _graph_maps(graph, pom, path, name)
        for predicate in predicates:
            for obj, parent_name in objects:
                pairs.append(PredicateObject(predicate, obj, parent_name, pom_graphs))
    return TriplesMap(name, subject, classes, graphs, tuple(pairs))


def _refuse_unsupported(graph: Graph, node: Node, path: Path, name: str) -> None:
    reachable = {node}
    frontier = [node]
    while frontier:
        current = frontier.pop()
        for predicate, obj in graph.predicate_objects(current):
            if predicate in _UNSUPPORTED:
                raise MappingError(f"{path}: triples map {name} uses {_UNSUPPORTED[predicate]}, not supported")
            if isinstance(obj, BNode) and obj not in reachable:
                reachable.add(obj)
                frontier.append(obj)


def _graph_maps(graph: Graph, node: Node, path: Path, name: str) -> tuple[TermMap, ...]:
    found = [_constant(item, "iri") for item in graph.objects(node, RR.graph)]
    found += [
        _term_map(graph, item, default_type="iri", path=path, where=f"{name}, graph")
        for item in graph.objects(node, RR.graphMap)
    ]
    return tuple(found)


def _constant(value: Node, term_type: str) -> TermMap:
    return TermMap("constant", str(value), term_type, constant=value)


def _term_map(graph: Graph, node: Node, *, default_type: str, path: Path, where: str) -> TermMap:
    datatype = graph.value(node, RR.datatype)
    language = graph.value(node, RR.language)
    declared = graph.value(node, RR.termType)
    constant = graph.value(node, RR.constant)
    reference = graph.value(node, RML.reference)
    template = graph.value(node, RR.template)
    if constant is not None:
        kind, value = "constant", str(constant)
    elif reference is not None:
        kind, value = "reference", str(reference)
    elif template is not None:
        kind, value = "template", str(template)
    else:
        raise MappingError(f"{path}: {where} map needs rr:constant, rml:reference or rr:template")
    if declared is not None:
        term_type = {RR.IRI: "iri", RR.Literal: "literal", RR.BlankNode: "blank"}.get(declared, "")
        if not term_type:
            raise MappingError(f"{path}: {where} map has an unknown rr:termType {declared}")
    elif default_type:
        term_type = default_type
    elif constant is not None:
        term_type = "literal" if isinstance(constant, Literal) else "iri"
    else:
        # R2RML: an object map is a literal when it has a reference, a language or a datatype; else an IRI.
        term_type = "literal" if reference is not None or datatype is not None or language is not None else "iri"
    return TermMap(
        kind,
        value,
        term_type,
        datatype=str(datatype) if datatype is not None else None,
        language=str(language) if language is not None else None,
        constant=constant,
    )


def expand(term_map: TermMap, row: dict[str, str]) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    """The term a term map makes from one row; ``None`` when a column it reads is empty (RML's null).

    Raises:
        ValueError: The result is not a valid IRI (the message says why).
    """
    if term_map.kind == "constant":
        if term_map.term_type == "iri":
            return ox.NamedNode(term_map.value)
        return _literal(term_map.value, term_map)
    values = {column: row.get(column, "") for column in term_map.columns}
    if any(value == "" for value in values.values()):
        return None
    if term_map.kind == "reference":
        text = values[term_map.value]
    else:
        safe = term_map.term_type == "iri"
        text = _TEMPLATE_PART.sub(
            lambda match: quote(values[match.group(1)], safe="") if safe else values[match.group(1)], term_map.value
        )
        text = text.replace("\\{", "{").replace("\\}", "}")
    if term_map.term_type == "iri":
        return ox.NamedNode(text)
    if term_map.term_type == "blank":
        return ox.BlankNode(re.sub(r"[^A-Za-z0-9_]", "_", text))
    return _literal(text, term_map)


def _literal(text: str, term_map: TermMap) -> ox.Literal:
    if term_map.language:
        return ox.Literal(text, language=term_map.language)
    if term_map.datatype:
        return ox.Literal(text, datatype=ox.NamedNode(term_map.datatype))
    return ox.Literal(text)
