"""A named query's ORDER BY applied in Python gives the engine's order (tradekg/queries/ordering.py).

Three levels: the sort itself against Oxigraph's ORDER BY on generated rows of every kind of term (where Python
says it can sort, the order must be Oxigraph's; where it cannot, it must say so); the clauses it accepts; and every
named query's pages (Python-sorted) against the query run as written (engine-sorted), on the bundled graph and on
the bundled graph with a generated graph added.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate import Generator
from tradekg.queries.catalog import NamedQuery, load_catalog
from tradekg.queries.ordering import python_order, sorted_rows
from tradekg.queries.results import run_page
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore

CATALOG = load_catalog()
XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "http://example.org/"
VARIABLES = ["i", "a", "b"]


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


TERMS = [
    None,
    ox.NamedNode(EX + "a"),
    ox.NamedNode(EX + "B"),
    ox.NamedNode(EX + "\u00e4"),
    ox.NamedNode("urn:x"),
    ox.BlankNode("blank"),
    ox.Literal("b"),
    ox.Literal("B"),
    ox.Literal("\u00e4"),
    ox.Literal(""),
    ox.Literal("10"),
    ox.Literal("9"),
    typed("1", "integer"),
    typed("1.0", "decimal"),
    typed("-2.5", "decimal"),
    typed("1e1", "double"),
    typed("10", "int"),
    typed("2025-01-01", "date"),
    typed("2024-12-31", "date"),
    typed("2025-01-01Z", "date"),
    typed("2025-07", "gYearMonth"),
    typed("true", "boolean"),
    ox.Literal("x", language="en"),
]
CLAUSES = ["?a ?b", "DESC(?a) ?b", "STR(?a) DESC(?b)", "?b STR(?a)", "DESC(STR(?b)) ?a", "ASC(?a)"]


def keys_of(rows: list[tuple[ox.NamedNode | ox.BlankNode | ox.Literal | None, ...]], clause: str) -> list[tuple]:
    """The sequence of the values a clause sorts by (as text; STR() of a blank node is no value)."""
    order = python_order(f"SELECT * {{}}\nORDER BY {clause}\n", VARIABLES)
    assert order is not None
    found = []
    for row in rows:
        values = []
        for key in order.keys:
            term = row[VARIABLES.index(key.variable)]
            if key.as_text:
                values.append(None if term is None or isinstance(term, ox.BlankNode) else term.value)
            else:
                values.append(None if term is None else str(term))
        found.append(tuple(values))
    return found


@settings(max_examples=60, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.sampled_from(TERMS), st.sampled_from(TERMS)), min_size=1, max_size=10),
    clause=st.sampled_from(CLAUSES),
)
def test_python_sorts_as_oxigraph_or_says_it_cannot(pairs: list[tuple], clause: str) -> None:
    store = ox.Store()
    for number, (first, second) in enumerate(pairs):
        row = ox.NamedNode(f"{EX}row{number}")
        store.add(ox.Quad(row, ox.NamedNode(EX + "i"), typed(str(number), "integer")))
        for name, term in (("a", first), ("b", second)):
            if term is not None:
                store.add(ox.Quad(row, ox.NamedNode(EX + name), term))
    sparql = (
        f"SELECT ?i ?a ?b WHERE {{ ?s <{EX}i> ?i OPTIONAL {{ ?s <{EX}a> ?a }} OPTIONAL {{ ?s <{EX}b> ?b }} }}\n"
        f"ORDER BY {clause}\n"
    )
    order = python_order(sparql, VARIABLES)
    assert order is not None
    by_engine = [tuple(solution) for solution in store.query(sparql)]  # type: ignore[union-attr]
    unsorted = [tuple(solution) for solution in store.query(order.unsorted_sparql)]  # type: ignore[union-attr]
    by_python = sorted_rows(unsorted, VARIABLES, order.keys)
    if by_python is None:
        return
    assert Counter(map(str, by_python)) == Counter(map(str, by_engine))
    assert keys_of(by_python, clause) == keys_of(by_engine, clause)


def test_kinds_python_does_not_order_are_left_to_the_engine() -> None:
    order = python_order("SELECT ?a WHERE {}\nORDER BY ?a\n", ["a"])
    assert order is not None
    unordered = [ox.BlankNode("b"), typed("2025-07", "gYearMonth"), ox.Literal("x", language="en")]
    unordered += [typed("x", "integer"), typed("NaN", "double")]
    for term in unordered:
        assert sorted_rows([(term,), (ox.NamedNode(EX),)], ["a"], order.keys) is None, term
    assert sorted_rows([(ox.Literal("1"),), (typed("1", "integer"),)], ["a"], order.keys) is None  # two families
    assert sorted_rows([(ox.Literal("b"),), (None,), (ox.NamedNode(EX),)], ["a"], order.keys) == [
        (None,),
        (ox.NamedNode(EX),),
        (ox.Literal("b"),),
    ]


@pytest.mark.parametrize(
    ("clause", "accepted"),
    [
        ("\nORDER BY DESC(?rate) ?tariff\n", True),
        ("\norder by str(?a)", True),
        ("\nORDER BY (!BOUND(?date)) STR(?date)\n", False),  # an expression other than STR()
        ("\nORDER BY ?a\nLIMIT 10\n", False),  # not the last clause
        ("\nORDER BY ?hidden\n", False),  # a variable the query does not project
        ("\nORDER BY ?a }\n", False),  # a subquery's clause
        ("\n# ORDER BY ?a\n", False),  # a comment
        ("\nORDER BY (?a)\n", False),
    ],
)
def test_which_clauses_python_applies(clause: str, accepted: bool) -> None:
    order = python_order("SELECT ?a ?rate ?tariff ?date WHERE { ?a ?rate ?tariff }" + clause, ["a", "rate", "tariff"])
    assert (order is not None) == accepted
    if order is not None:
        assert "ORDER" not in order.unsorted_sparql.upper()


PARAMETERS: dict[str, list[dict[str, str]]] = {
    "country-profile": [{"country": code} for code in ("JPN", "USA", "CHN", "ABW")],
    "single-source-facts": [{"class": ""}],
    "tariffs-in-force": [{"date": date, "country": "JPN"} for date in ("2025-07-15", "2025-04-05")]
    + [{"date": "2025-07-15", "country": code} for code in ("CHN", "CAN")],
    "highest-rates": [{"imposer": code} for code in ("USA", "CHN")],
    "tariffs-without-exemptions": [{"country": code} for code in ("JPN", "", "CAN")],
}
"""Parameter sets beyond each query's example, for the queries that are slow at 10^6 (their sort is the point)."""
PYTHON_SORTED = tuple(PARAMETERS)
"""The queries whose order Python must apply on these graphs, not leave to the engine."""


@pytest.fixture(scope="module")
def generated_store(bundled_graph_only: OxigraphStore) -> TradeStore:
    """The bundled graph with 300 generated measures added (about 7,000 quads)."""
    store = bundled_graph_only.copy_in_memory()
    text = "".join(Generator(300, seed=2).quads())
    with store.writing():
        store.apply((), list(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS)))
    return store


def sort_columns(query: NamedQuery) -> list[tuple[int, bool]]:
    assert query.order is not None
    return [(query.variables.index(key.variable), key.as_text) for key in query.order.keys]


def sort_values(query: NamedQuery, rows: list[tuple]) -> list[tuple]:
    """The sequence of the values the query sorts by (STR() compares texts: 1 and "1" are alike there)."""
    return [
        tuple(
            None if row[column] is None else (row[column].value if as_text else str(row[column]))
            for column, as_text in sort_columns(query)
        )
        for row in rows
    ]


def compare(query: NamedQuery, store: TradeStore, values: Mapping[str, str]) -> tuple[int, bool]:
    """Check the Python-sorted page against the engine-sorted answer; return the rows and whether Python sorted."""
    by_engine = [tuple(solution) for solution in query.run(store, values)]
    page = run_page(query, store, values, limit=10**9)
    by_python = list(page.rows)
    assert Counter(map(str, by_python)) == Counter(map(str, by_engine)), f"{query.name} {values}: other rows"
    assert sort_values(query, by_python) == sort_values(query, by_engine), f"{query.name} {values}: other order"
    assert query.order is not None
    unsorted = store.query(query.order.unsorted_sparql, bindings=query.bind(values))
    python_sorted = sorted_rows([tuple(row) for row in unsorted], query.variables, query.order.keys)  # type: ignore[union-attr]
    return len(by_engine), python_sorted is not None


@pytest.mark.parametrize("name", sorted(name for name, query in CATALOG.items() if query.order is not None))
@pytest.mark.parametrize("data", ["bundled", "generated"])
def test_python_sorted_pages_answer_as_the_engine_sorts(
    name: str, data: str, bundled_store: TradeStore, generated_store: TradeStore
) -> None:
    store = bundled_store if data == "bundled" else generated_store
    query = CATALOG[name]
    example = {param.name: param.example or param.default or "" for param in query.params}
    rows = [compare(query, store, values) for values in [example, *PARAMETERS.get(name, [])]]
    if name in PYTHON_SORTED:
        assert any(count > 1 for count, _ in rows), f"{name}: no parameter set answered two rows or more"
        assert all(python for _, python in rows), f"{name}: Python left the sort to the engine"


def test_pages_of_a_python_sorted_answer_follow_one_another(bundled_store: TradeStore) -> None:
    query = CATALOG["country-profile"]
    whole = run_page(query, bundled_store, {"country": "JPN"}, limit=10**9).rows
    pages = [run_page(query, bundled_store, {"country": "JPN"}, limit=7, offset=offset) for offset in (0, 7, 14)]
    assert [row for page in pages for row in page.rows] == list(whole[:21])
    assert all(page.has_more for page in pages) == (len(whole) > 21)
