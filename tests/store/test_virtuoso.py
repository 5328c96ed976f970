"""The shape Virtuoso 7.2.5 crashes on, recognised in query text (tradekg.store.virtuoso_crash), and the rewrites.

Each query below was sent to a throwaway Virtuoso 7.2.5 while bisecting ``duties-in-force-on-date``: those marked
``True`` killed the server (SIGSEGV), those marked ``False`` were answered.
"""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox
import pytest

from tradekg.graph.load import open_store
from tradekg.queries.catalog import load_catalog
from tradekg.store.virtuoso import (
    with_isolated_paths,
    with_tagged_concatenations,
    with_typed_booleans,
    with_virtuoso_answers,
)
from tradekg.store.virtuoso_crash import crashes_virtuoso

UNION = "{ ?a :q ?o } UNION { ?a :w ?o }"
SENT = [
    (f"?c :x ?y . FILTER NOT EXISTS {{ ?r a :S . {UNION} FILTER NOT EXISTS {{ ?b :p ?c }} }}", True),
    (f"?c :x ?y . FILTER NOT EXISTS {{ ?r a :S . {UNION} FILTER NOT EXISTS {{ ?r :p ?z FILTER (?z < ?y) }} }}", True),
    (f"?c :x ?y . FILTER NOT EXISTS {{ {{ ?r a :S . {UNION} }} FILTER NOT EXISTS {{ ?b :p ?c }} }}", True),
    (f"?c :x ?y . FILTER NOT EXISTS {{ {UNION} {{ ?r :q ?a }} UNION {{ ?r :w ?a }} FILTER NOT EXISTS {{ ?b :p ?c }} }}",
     True),
    ("?c :x ?y . FILTER NOT EXISTS { { ?r :q ?o } UNION { ?r :w ?o } ?r a :S . FILTER EXISTS { ?r :p ?c } }", True),
    ("VALUES ?c { :c } ?m a :T . MINUS { ?r a :S . FILTER EXISTS { ?r :p ?c } { ?r :q ?m } UNION { ?r :w ?m } }", True),
    (f"?c :x ?y . FILTER EXISTS {{ ?r a :S . FILTER EXISTS {{ ?r :p ?c }} {UNION} }}", True),
    (f"?c :x ?y . FILTER NOT EXISTS {{ {UNION} FILTER NOT EXISTS {{ ?b :p ?c }} }}", False),
    (f"?c :x ?y . ?r a :S . {UNION} FILTER NOT EXISTS {{ ?b :p ?c }}", False),
    (f"?c :x ?y . OPTIONAL {{ ?r a :S . {UNION} FILTER NOT EXISTS {{ ?b :p ?c }} }}", False),
    (f"?c :x ?y . FILTER NOT EXISTS {{ {{ ?r a :S . FILTER EXISTS {{ ?r :p ?c }} }} {UNION} }}", False),
    (f"?c :x ?y . FILTER NOT EXISTS {{ ?r a :S . {UNION} FILTER (?o != ?c) }}", False),
    (f"?c :x ?y . FILTER NOT EXISTS {{ ?r a :S . {UNION} {{ ?a :t ?t FILTER NOT EXISTS {{ ?b :p ?c }} }} }}", False),
    ("?c :x ?y . FILTER NOT EXISTS { ?a :q ?o OPTIONAL { ?a :w ?o } FILTER NOT EXISTS { ?b :p ?c } }", False),
]  # fmt: skip


@pytest.mark.parametrize(("pattern", "crashed"), SENT)
def test_the_crashing_shape_is_recognised(pattern: str, crashed: bool) -> None:
    assert crashes_virtuoso(f"PREFIX : <http://example.org/>\nSELECT * WHERE {{ {pattern} }}") is crashed


def test_of_the_named_queries_only_duties_in_force_on_date_has_it() -> None:
    found = [query.name for query in load_catalog().values() if crashes_virtuoso(query.sparql)]
    assert found == ["duties-in-force-on-date"]


def test_strings_iris_and_comments_do_not_count() -> None:
    text = 'SELECT * WHERE { ?s ?p "UNION EXISTS { ?a ?b ?c }" # FILTER NOT EXISTS { ?x ?y ?z } UNION\n }'
    assert not crashes_virtuoso(text)


BOOLEAN = "<http://www.w3.org/2001/XMLSchema#boolean>"


@pytest.mark.parametrize(
    ("expression", "cast"),
    [
        ("EXISTS { ?s ?p ?o }", True),
        ("NOT EXISTS { ?s ?p ?o }", True),
        ("?a = ?b", True),
        ("STRLEN(?s) + 1 > 2", True),
        ("!BOUND(?z)", True),
        ("?q IN (1, 2)", True),
        ("REGEX(?s, 'x')", True),
        ("true", True),
        ("STRLEN(?s) + 1", False),
        ("IF(EXISTS { ?a ?b ?c }, 'a', 'b')", False),
        ("COUNT(*)", False),
        ("?x", False),
    ],
)
def test_boolean_expressions_bound_to_a_variable_are_cast(expression: str, cast: bool) -> None:
    for text in (f"SELECT * WHERE {{ BIND ({expression} AS ?v) }}", f"SELECT ({expression} AS ?v) WHERE {{ }}"):
        rewritten = with_typed_booleans(text)
        assert (rewritten != text) is cast
        if cast:
            assert f"{BOOLEAN}({expression} ) AS ?v" in rewritten


DATA = """\
PREFIX : <http://example.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
:Truce rdfs:subClassOf :Agreement . :a1 a :Agreement ; :party :x, :y . :a2 a :Truce ; :party :y, :z .
:a1 :label "one"@en, "un"@en . :a2 :label "deux"@fr, "two"@en . :a3 :label "three" .
"""
PREFIXES = "PREFIX : <http://example.org/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


def answers(sparql: str) -> list[tuple[str, ...]]:
    """The query's rows, sorted, on an in-memory Oxigraph store holding DATA."""
    store = ox.Store()
    store.load(DATA.encode(), ox.RdfFormat.TURTLE)
    return sorted(tuple(str(term) for term in row) for row in store.query(sparql))  # type: ignore[union-attr]


PATH_QUERIES = [
    "SELECT ?a ?c WHERE { ?a a/rdfs:subClassOf* :Agreement ; :party ?c } ORDER BY ?a ?c",
    "SELECT DISTINCT ?a ?c WHERE { ?a :party ?c ; a/rdfs:subClassOf* :Agreement ; :label ?l }",
    "SELECT ?a ?c WHERE { { SELECT ?a WHERE { ?a a/rdfs:subClassOf* :Agreement } ORDER BY ?a } ?a :party ?c }",
    "SELECT ?a WHERE { ?a a/(rdfs:subClassOf)+ :Agreement . }",
    "SELECT ?a ?c WHERE { ?a :party ?c . ?a a ?t . ?t rdfs:subClassOf* :Agreement }",
]


@pytest.mark.parametrize("query", PATH_QUERIES)
def test_a_transitive_path_is_moved_into_a_subquery_of_its_own_with_the_same_answer(query: str) -> None:
    rewritten = with_isolated_paths(PREFIXES + query)
    assert rewritten.count("LIMIT 1000000000000000") == query.count("*") + query.count("+")
    assert answers(rewritten) == answers(PREFIXES + query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s",
        "SELECT (COUNT(*) AS ?n) (?x * 2 AS ?y) (?x + 1 AS ?z) WHERE { ?s :n ?x }",
        "SELECT ?o WHERE { [ :p ?x ] :q* ?o }",  # a blank node's brackets: sent as it is
        'SELECT ?s WHERE { ?s :q* "a literal" }',
    ],
)
def test_other_stars_and_pluses_are_left_alone(query: str) -> None:
    assert with_isolated_paths(query) == query


def test_a_concatenation_gets_the_common_language_tag_of_its_parts() -> None:
    query = PREFIXES + (
        'SELECT DISTINCT ?s (GROUP_CONCAT(?l; SEPARATOR=", ") AS ?labels) WHERE { { SELECT ?s ?l WHERE '
        "{ ?s :label ?l } ORDER BY ?l } } GROUP BY ?s ORDER BY ?s LIMIT 10"
    )
    rewritten = with_tagged_concatenations(query)
    assert "SAMPLE(LANG(?l)) AS ?labels_tag" in rewritten
    assert rewritten.rstrip().endswith("ORDER BY ?s LIMIT 10")  # the sort and slice stay outside
    # Oxigraph tags the concatenation already: the rewrite keeps its answer ("one, un"@en, "deux, two", "three").
    assert answers(rewritten) == answers(query)
    assert any(row[1].endswith('"@en') for row in answers(rewritten))


def test_the_named_queries_keep_their_answers_once_rewritten_for_virtuoso() -> None:
    store = open_store()
    try:
        for query in load_catalog().values():
            values = {param.name: param.example or param.default or "" for param in query.params}
            rewritten = dataclasses.replace(query, sparql=with_virtuoso_answers(query.sparql))
            assert sorted(map(str, query.run(store, values))) == sorted(map(str, rewritten.run(store, values)))
    finally:
        store.close()
