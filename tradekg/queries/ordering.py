"""A named query's ORDER BY applied in Python, where Python reproduces SPARQL's order exactly.

Oxigraph 0.5 sorts by decoding both terms of every comparison from the store: on a directory store, sorting the
12,348 rows of ``country-profile`` at 10^6 quads costs ten times finding them, and half of ``single-source-facts``
(58,707 rows) is its sort (benchmarks/README.md, "catalog9, session 9"). Reading the rows once and sorting them
in Python decodes each term once. This module does that for the ORDER BY clauses and the values where the order is
certain to be SPARQL 1.1's (section 15.1) as Oxigraph implements it, and says "no" otherwise, so that the caller
lets the engine sort:

* the clause is the query's last, at its top level, and made only of ``?v``, ``ASC(?v)``, ``DESC(?v)``,
  ``STR(?v)``, ``ASC(STR(?v))`` or ``DESC(STR(?v))`` over projected variables (SPARQL orders before projecting:
  a key on a variable the query does not return could not be read back);
* in each sort column the values are unbound, IRIs, and literals all of one family: numbers (the XSD numeric
  types, compared by value), simple strings (``xsd:string``, compared by code point, as Rust compares UTF-8) or
  dates (``xsd:date`` written YYYY-MM-DD, no time zone). Unbound sorts first, then IRIs, then literals (SPARQL
  1.1, 15.1). ``STR(?v)`` gives a string for an IRI or a literal and no value (sorted as unbound) for a blank node.

Anything else (a blank node itself, a date with a time zone, a year or a month, a boolean, a language-tagged
string, numbers beside strings, a number that does not parse, NaN) returns ``None``. Rows whose keys are all
equal keep the order of the unsorted answer: SPARQL leaves the order of such rows open.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

import pyoxigraph as ox

XSD: Final = "http://www.w3.org/2001/XMLSchema#"
NUMERIC_TYPES: Final = frozenset(
    XSD + name
    for name in (
        "integer", "decimal", "float", "double", "nonPositiveInteger", "negativeInteger", "long", "int", "short",
        "byte", "nonNegativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
        "positiveInteger",
    )
)  # fmt: skip
STRING_TYPES: Final = frozenset({XSD + "string"})

_KEY: Final = r"(?:(?:ASC|DESC)\s*\(\s*)?(?:STR\s*\(\s*)?\?[A-Za-z_][A-Za-z0-9_]*(?:\s*\))*"
_CLAUSE: Final = re.compile(rf"(?im)^[ \t]*ORDER[ \t]+BY[ \t]+((?:{_KEY}[ \t]*)+)\s*\Z")
_ONE_KEY: Final = re.compile(
    r"(?i)(?P<direction>ASC|DESC)?\s*\(?\s*(?P<str>STR\s*\()?\s*\?(?P<variable>[A-Za-z_][A-Za-z0-9_]*)\s*\)?\s*\)?"
)

_PLAIN_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class SortKey:
    """One key of an ORDER BY clause: a variable, taken as it is or as ``STR()`` of it, ascending or descending."""

    variable: str
    descending: bool = False
    as_text: bool = False


@dataclass(frozen=True)
class PythonOrder:
    """A query's text without its final ORDER BY clause, and that clause's keys."""

    unsorted_sparql: str
    keys: tuple[SortKey, ...]


def python_order(sparql: str, variables: Sequence[str]) -> PythonOrder | None:
    """The query's final ORDER BY clause as keys Python can sort by, or ``None`` where it cannot (see the module)."""
    clause = _CLAUSE.search(sparql)
    if clause is None:
        return None
    keys = []
    for match in re.finditer(_KEY, clause.group(1), flags=re.IGNORECASE):
        text = match.group(0)
        parts = _ONE_KEY.fullmatch(text)
        opened, closed = text.count("("), text.count(")")
        if parts is None or opened != closed or opened != bool(parts["direction"]) + bool(parts["str"]):
            return None
        if parts["variable"] not in variables:
            return None
        descending = (parts["direction"] or "").upper() == "DESC"
        keys.append(SortKey(parts["variable"], descending=descending, as_text=bool(parts["str"])))
    if not keys:
        return None
    return PythonOrder(sparql[: clause.start()], tuple(keys))


def _family(term: Term | None, as_text: bool) -> tuple[str, object] | None:
    """The term's place in the order: a family (``""`` unbound, ``"iri"``, ``"number"``, ``"string"``) and a value.

    ``None`` where the module cannot promise SPARQL's order.
    """
    if as_text:
        if term is None or isinstance(term, ox.BlankNode):
            return "", None
        if isinstance(term, ox.NamedNode | ox.Literal):
            return "string", term.value
        return None
    if term is None:
        return "", None
    if isinstance(term, ox.NamedNode):
        return "iri", term.value
    if not isinstance(term, ox.Literal):
        return None
    datatype = term.datatype.value
    if datatype in STRING_TYPES:
        return "string", term.value
    if datatype == XSD + "date" and _PLAIN_DATE.fullmatch(term.value):
        return "date", term.value  # no time zone, four-digit year: the text sorts as the days do
    if datatype in NUMERIC_TYPES:
        try:
            number = float(term.value) if datatype in (XSD + "float", XSD + "double") else Decimal(term.value)
        except (ValueError, InvalidOperation):
            return None
        if isinstance(number, float) and math.isnan(number) or isinstance(number, Decimal) and not number.is_finite():
            return None
        return "number", number
    return None


_RANK: Final = {"": 0, "iri": 1, "number": 2, "string": 2, "date": 2}


def sorted_rows(
    rows: Sequence[tuple[Term | None, ...]], variables: Sequence[str], keys: Sequence[SortKey]
) -> list[tuple[Term | None, ...]] | None:
    """The rows in the order of ``keys``, or ``None`` where a column holds values Python cannot order for certain."""
    ordered = list(rows)
    for key in reversed(keys):  # stable sorts, last key first
        column = variables.index(key.variable)
        places = []
        for row in ordered:
            place = _family(row[column], key.as_text)
            if place is None:
                return None
            places.append(place)
        literals = {family for family, _ in places if _RANK[family] == 2}
        if len(literals) > 1:
            return None
        sort_keys = [(_RANK[family], value if family else 0) for family, value in places]
        positions = sorted(range(len(ordered)), key=sort_keys.__getitem__, reverse=key.descending)
        ordered = [ordered[position] for position in positions]
    return ordered
