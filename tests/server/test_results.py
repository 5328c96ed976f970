"""Answers written by Oxigraph when they surely fit the row limit, and row by row, cut, when they may not."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from tradekg.server.results import MIN_ROW_BYTES, evaluate, serialize_rows

COUNTRIES = "SELECT ?s WHERE { ?s a tkg:Country } ORDER BY ?s"
UNBOUND_ROWS = "SELECT ?nothing WHERE { ?s a tkg:Country } ORDER BY ?s"


def row_count(body: bytes, format_name: str) -> int:
    if format_name == "json":
        return len(json.loads(body)["results"]["bindings"])
    if format_name == "xml":
        return len(ET.fromstring(body).findall(".//{http://www.w3.org/2005/sparql-results#}result"))
    if format_name == "csv":
        return len(list(csv.reader(io.StringIO(body.decode())))) - 1
    return len(body.decode().splitlines()) - 1


@pytest.mark.parametrize("format_name", sorted(MIN_ROW_BYTES))
@pytest.mark.parametrize("query", [COUNTRIES, UNBOUND_ROWS])
@pytest.mark.parametrize("limit", ["1", "5", "total - 1", "total", "total + 1", "10_000"])
def test_every_answer_holds_at_most_max_rows_and_says_when_cut(bundled_store, format_name, query, limit):
    total = len(list(bundled_store.query(query)))
    assert total > 200  # the countries: limits on both sides of the answer's size
    max_rows = eval(limit, {"total": total})  # noqa: S307 - the test's own expressions
    answer = evaluate(bundled_store, query, format_name=format_name, max_rows=max_rows)
    assert row_count(answer.body, format_name) == min(total, max_rows)
    assert answer.truncated is (total > max_rows)


@pytest.mark.parametrize("format_name", sorted(MIN_ROW_BYTES))
def test_an_answer_within_the_limit_has_the_rows_of_the_row_by_row_writer(bundled_store, format_name):
    answer = evaluate(bundled_store, COUNTRIES, format_name=format_name, max_rows=10_000)
    solutions = bundled_store.query(COUNTRIES)
    variables = [variable.value for variable in solutions.variables]
    expected = serialize_rows(variables, [list(solution) for solution in solutions], format_name)
    if format_name == "json":
        assert json.loads(answer.body) == json.loads(expected)
    elif format_name == "xml":
        assert [element.text for element in ET.fromstring(answer.body).iter()] == [
            element.text for element in ET.fromstring(expected).iter()
        ]
    else:
        assert answer.body.replace(b"\r\n", b"\n") == expected.replace(b"\r\n", b"\n")
