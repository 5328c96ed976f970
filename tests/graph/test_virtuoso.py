"""The shape Virtuoso 7.2.5 crashes on, recognised in query text (tradekg.graph.virtuoso).

Each query below was sent to a throwaway Virtuoso 7.2.5 while bisecting ``duties-in-force-on-date``: those marked
``True`` killed the server (SIGSEGV), those marked ``False`` were answered.
"""

from __future__ import annotations

import pytest

from tradekg.graph.virtuoso import crashes_virtuoso, with_typed_booleans
from tradekg.queries.catalog import load_catalog

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
