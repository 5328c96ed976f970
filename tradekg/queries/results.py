"""One page of a named query's answer, and its shapes: friendly rows, SPARQL JSON, CSV and TSV.

A page is cut from the solutions in Python (not by rewriting the query's text), so the query keeps its own
ORDER BY and LIMIT; these writers then serialise only that page. Where Python can apply the query's ORDER BY
exactly (:mod:`tradekg.queries.ordering`), the engine answers the text without it and the rows are sorted here:
Oxigraph 0.5 decodes both terms from the store at every comparison of its sort, Python once per term.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox
from rdflib.term import Node

from tradekg.queries.catalog import NamedQuery
from tradekg.queries.ordering import PythonOrder, sorted_rows
from tradekg.store.answers import sparql_json_term
from tradekg.store.interface import TradeStore

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {XSD + name for name in ("integer", "int", "long", "short", "positiveInteger", "nonNegativeInteger")}
_NUMBERS = {XSD + name for name in ("decimal", "double", "float")}


@dataclass(frozen=True)
class Page:
    """Rows ``offset`` to ``offset + limit`` of an answer, and whether more follow."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]
    offset: int
    limit: int
    has_more: bool


@dataclass(frozen=True)
class PageRequest:
    """One page of a named query with its parameters bound: picklable, so a query worker can answer it."""

    sparql: str
    bindings: Mapping[str, Node]
    limit: int
    offset: int = 0
    order: PythonOrder | None = None
    """The query's ORDER BY, where Python applies it (see :attr:`NamedQuery.order`)."""

    def run(self, store: TradeStore) -> Page:
        """Evaluate on ``store`` and keep one page of the solutions."""
        end = self.offset + self.limit + 1
        if self.order is not None:
            answer = store.query(self.order.unsorted_sparql, bindings=self.bindings)
            assert isinstance(answer, ox.QuerySolutions)  # the catalog admits SELECT queries only
            variables = tuple(variable.value for variable in answer.variables)
            rows = sorted_rows([tuple(solution) for solution in answer], variables, self.order.keys)
            if rows is not None:
                taken = rows[self.offset : end]
                return Page(variables, tuple(taken[: self.limit]), self.offset, self.limit, len(taken) > self.limit)
        answer = store.query(self.sparql, bindings=self.bindings)  # the engine sorts (or Python could not)
        assert isinstance(answer, ox.QuerySolutions)
        variables = tuple(variable.value for variable in answer.variables)
        taken = [tuple(solution[name] for name in variables) for solution in islice(answer, self.offset, end)]
        return Page(variables, tuple(taken[: self.limit]), self.offset, self.limit, len(taken) > self.limit)


def page_request(query: NamedQuery, values: Mapping[str, str], *, limit: int, offset: int = 0) -> PageRequest:
    """Bind a named query's parameters (checked, as RDF terms) for one page of its answer.

    Raises:
        ParamError: A parameter value is wrong (see :meth:`NamedQuery.bind`).
    """
    return PageRequest(query.sparql, query.bind(values), limit, offset, query.order)


def run_page(query: NamedQuery, store: TradeStore, values: Mapping[str, str], *, limit: int, offset: int = 0) -> Page:
    """Run a named query and keep one page of its solutions.

    Raises:
        ParamError: A parameter value is wrong (see :meth:`NamedQuery.bind`).
    """
    return page_request(query, values, limit=limit, offset=offset).run(store)


def label_of(store: TradeStore, node: ox.NamedNode) -> str | None:
    """The node's ``rdfs:label`` (English first), if the graph has one."""
    labels = [quad.object for quad in store.quads_for_pattern(node, RDFS_LABEL, None, None)]
    labels = [label for label in labels if isinstance(label, ox.Literal)]
    labels.sort(key=lambda label: (label.language not in ("en", None), label.value))
    return labels[0].value if labels else None


def plain_value(term: Term) -> object:
    """A term as a JSON value: numbers as numbers, booleans as booleans, everything else as its text."""
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGERS:
                return int(term.value)
            if datatype in _NUMBERS:
                return float(term.value)
        except ValueError:
            return term.value
        if datatype == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


def friendly_rows(page: Page, store: TradeStore) -> list[dict[str, object]]:
    """The page as a list of objects: one key per variable, and ``{name}_label`` beside each labelled IRI."""
    labels: dict[ox.NamedNode, str | None] = {}
    rows: list[dict[str, object]] = []
    for row in page.rows:
        item: dict[str, object] = {}
        for name, term in zip(page.variables, row, strict=True):
            item[name] = None if term is None else plain_value(term)
            if isinstance(term, ox.NamedNode):
                if term not in labels:
                    labels[term] = label_of(store, term)
                if labels[term] is not None:
                    item[f"{name}_label"] = labels[term]
        rows.append(item)
    return rows


def sparql_json(page: Page) -> bytes:
    """The page as SPARQL 1.1 Query Results JSON."""
    bindings = [
        {name: sparql_json_term(term) for name, term in zip(page.variables, row, strict=True) if term is not None}
        for row in page.rows
    ]
    document = {"head": {"vars": list(page.variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False).encode()


def sparql_csv(page: Page) -> bytes:
    """The page as SPARQL 1.1 Query Results CSV (IRIs and literals' lexical forms, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(page.variables)
    for row in page.rows:
        writer.writerow(
            ["" if term is None else (str(term) if isinstance(term, ox.BlankNode) else term.value) for term in row]
        )
    return buffer.getvalue().encode()


def sparql_tsv(page: Page) -> bytes:
    """The page as SPARQL 1.1 Query Results TSV (terms in N-Triples syntax)."""
    lines = ["\t".join(f"?{name}" for name in page.variables)]
    lines += ["\t".join("" if term is None else str(term) for term in row) for row in page.rows]
    return ("\n".join(lines) + "\n").encode()
