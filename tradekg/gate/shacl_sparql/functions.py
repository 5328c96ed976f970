"""The value tests Oxigraph calls back for, written as pySHACL (0.40.1) makes them.

Three SHACL Core tests depend on how a literal's value is read, and there SPARQL as Oxigraph evaluates it and
pySHACL's Python can disagree: whether a literal is ill-typed (``sh:datatype``), what a regular expression matches
(``sh:pattern``: Python's ``re``, not Rust's ``regex``), and how two literals compare (``sh:minInclusive`` and the
other range components). The compiled queries call these as extension functions, one call per value node, so the
compiled gate decides each exactly as the oracle of its differential test does.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, time
from decimal import Decimal

import pyoxigraph as ox
from pyshacl.rdfutil.compare import compare_literal
from rdflib import RDF, RDFS, XSD, Literal, URIRef

from tradekg.store.interface import to_rdflib

VALUES_KEPT = 8192
"""Answers each test keeps (a test is a function of the RDF terms it is given: the same dates, codes and rates recur
from write to write, and reading a literal's value through rdflib costs more than the rest of its row)."""
DATATYPE_MATCHES = ox.NamedNode("urn:tradekg:shacl:datatype-matches")
PATTERN_MATCHES = ox.NamedNode("urn:tradekg:shacl:pattern-matches")
RANGE_HOLDS = ox.NamedNode("urn:tradekg:shacl:range-holds")

TRUE, FALSE = ox.Literal(True), ox.Literal(False)

_VALUE_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}
"""The Python value a literal of these datatypes must have (pySHACL's ``_assert_actual_datatype``)."""


def _has_value_type(value: Literal, datatype: URIRef) -> bool:
    wanted = _VALUE_TYPES.get(datatype)
    return wanted is None or isinstance(value.value, wanted)


@functools.lru_cache(maxsize=VALUES_KEPT)
def datatype_matches(value: ox.Literal, datatype: ox.NamedNode) -> ox.Literal:
    """Whether a literal matches ``sh:datatype``: same datatype and not ill-typed."""
    literal = to_rdflib(value)
    rule = URIRef(datatype.value)
    assert isinstance(literal, Literal)
    if literal.datatype == rule:
        matches = getattr(literal, "ill_typed", None) is not True and _has_value_type(literal, rule)
    elif rule == RDFS.Literal:
        matches = True
    elif rule == RDFS.Datatype:
        matches = literal.datatype is not None
    elif literal.datatype is None and literal.language is None and rule == XSD.string:
        matches = _has_value_type(literal, rule)
    elif rule == RDF.langString and literal.language:
        matches = _has_value_type(literal, rule)
    else:
        matches = False
    return TRUE if matches else FALSE


@functools.lru_cache(maxsize=256)
def _expression(pattern: str, flags: str) -> re.Pattern[str]:
    options = (re.IGNORECASE if "i" in flags.lower() else 0) | (re.MULTILINE if "m" in flags.lower() else 0)
    return re.compile(pattern, options)


def _string_form(term: ox.NamedNode | ox.Literal) -> str:
    """The string ``sh:pattern`` reads (pySHACL's ``value_node_to_string``)."""
    node = to_rdflib(term)
    if isinstance(node, Literal) and node.value is not None and node.datatype in (None, RDF.langString, XSD.string):
        return str(node.value)
    return str(node)


@functools.lru_cache(maxsize=VALUES_KEPT)
def pattern_matches(value: ox.NamedNode | ox.Literal, pattern: ox.Literal, flags: ox.Literal) -> ox.Literal:
    """Whether a value's string form matches ``sh:pattern`` (``re.search``, flags ``i`` and ``m``)."""
    found = _expression(pattern.value, flags.value).search(_string_form(value))
    return TRUE if found else FALSE


@functools.lru_cache(maxsize=VALUES_KEPT)
def range_holds(value: ox.NamedNode | ox.BlankNode | ox.Literal, limit: ox.Literal, operator: ox.Literal) -> ox.Literal:
    """Whether a value is within a ``sh:minInclusive`` (...) limit: a literal comparable with it, on its side."""
    if not isinstance(value, ox.Literal):
        return FALSE
    node, bound = to_rdflib(value), to_rdflib(limit)
    assert isinstance(node, Literal) and isinstance(bound, Literal)
    if isinstance(node.value, str) != isinstance(bound.value, str):
        return FALSE
    try:
        order = compare_literal(node, bound)
    except (TypeError, NotImplementedError):
        return FALSE
    holds = {
        "minExclusive": order > 0,
        "minInclusive": order >= 0,
        "maxExclusive": order < 0,
        "maxInclusive": order <= 0,
    }[operator.value]
    return TRUE if holds else FALSE


EXTENSION_FUNCTIONS = {DATATYPE_MATCHES: datatype_matches, PATTERN_MATCHES: pattern_matches, RANGE_HOLDS: range_holds}
"""What the compiled queries call, for ``custom_functions``."""
