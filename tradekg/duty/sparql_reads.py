"""The reads the duty rule books are built from: every node of a class with its values, and literals as Python values.

Each read is one SELECT through the store's public interface (:class:`SelectStore`); dates keep what a source leaves
uncertain (a month or a year is kept as text, and an end date counts to its last day).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Protocol

from rdflib import Literal
from rdflib.term import Node

from tradekg.duty.records import Period
from tradekg.ontology.vocab import HS_PREFIX, TKG

XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"


class SelectStore(Protocol):
    """The part of the store interface the calculator uses: SELECT queries with pre-bound variables."""

    def select(self, sparql: str, *, bindings: dict[str, Node] | None = None) -> list[dict[str, Node]]:
        """Rows of a SELECT query as dictionaries of rdflib terms."""
        ...


def day_of(term: Node | None) -> tuple[date | None, str | None]:
    """A date literal as (day if day-precise, text if partial)."""
    if not isinstance(term, Literal):
        return None, None
    text = str(term)
    if str(term.datatype) == XSD_DATE:
        try:
            return date.fromisoformat(text[:10]), None
        except ValueError:
            return None, text
    return None, text


def last_day_of(term: Node | None) -> tuple[date | None, str | None]:
    """The last day an end date can denote: the day itself, a month's last day, or a year's."""
    if not isinstance(term, Literal):
        return None, None
    text = str(term)
    day, partial = day_of(term)
    if day is not None:
        return day, None
    try:
        if len(text) >= 7 and text[4] == "-":
            year, month = int(text[:4]), int(text[5:7])
            first_of_next = date(year + month // 12, month % 12 + 1, 1)
            return date.fromordinal(first_of_next.toordinal() - 1), partial
        return date(int(text[:4]), 12, 31), partial
    except ValueError:
        return None, partial


def period_of(row: dict[str, Node]) -> Period:
    """The period from a row's ``from`` and ``until`` dates (either may be partial or missing)."""
    start, start_text = day_of(row.get("from"))
    end, end_text = last_day_of(row.get("until"))
    return Period(start=start, start_text=start_text, end=end, end_text=end_text)


def decimal_of(term: Node | None) -> Decimal | None:
    """A numeric literal as a decimal; ``None`` for no value."""
    return Decimal(str(term)) if isinstance(term, Literal) else None


def links_of(
    store: SelectStore, kind: str, predicates: Iterable[str], *, imposer: str | None = None
) -> dict[str, dict[str, list[str]]]:
    """For every node typed ``kind`` (or a subclass), the values of each of ``predicates``.

    With ``imposer`` (an IRI), only the nodes ``tkg:imposedBy`` it: one importer's measures, not the whole store's.
    """
    listed = ", ".join(f"<{predicate}>" for predicate in predicates)
    scope = f"?node <{TKG.imposedBy}> <{imposer}> ." if imposer else ""
    # The predicates by a filter, not by VALUES: with VALUES the engine reads every triple of each predicate before
    # joining (2.3 s against 2 ms for an importer of four measures at 10^5 quads).
    rows = store.select(
        f"SELECT DISTINCT ?node ?p ?o WHERE {{ {scope} ?node a/rdfs:subClassOf* <{kind}> ."
        f" ?node ?p ?o FILTER(?p IN ({listed})) }}"
    )
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        found[str(row["node"])][str(row["p"])].append(str(row["o"]))
    return {node: {p: sorted(set(objects)) for p, objects in links.items()} for node, links in found.items()}


def single_values_of(
    store: SelectStore, kind: str, optional: Iterable[str], *, imposer: str | None = None
) -> dict[str, dict[str, Node]]:
    """For every node typed ``kind`` (or a subclass), one value of each single-valued property (the least).

    With ``imposer`` (an IRI), only the nodes ``tkg:imposedBy`` it.
    """
    names = list(optional)
    clauses = " ".join(f"OPTIONAL {{ ?node <{TKG[name]}> ?{name} }}" for name in names)
    scope = f"?node <{TKG.imposedBy}> <{imposer}> ." if imposer else ""
    rows = store.select(
        f"SELECT ?node ?{' ?'.join(names)} WHERE {{ {scope} ?node a/rdfs:subClassOf* <{kind}> . {clauses} }}"
    )
    found: dict[str, dict[str, Node]] = {}
    for row in rows:
        node = found.setdefault(str(row["node"]), {})
        for name in names:
            value = row.get(name)
            if value is not None and (name not in node or str(value) < str(node[name])):
                node[name] = value
    return found


def with_period_names(single: dict[str, Node]) -> dict[str, Node]:
    """The single values with the date properties under the names :func:`period_of` reads."""
    return {"from": single.get("effectiveFrom"), "until": single.get("effectiveUntil"), **single}  # type: ignore[dict-item]


def hs_code_of(iri: str) -> str:
    """The HS code an HS node's IRI names; empty for any other IRI."""
    return iri.removeprefix(HS_PREFIX) if iri.startswith(HS_PREFIX) else ""
