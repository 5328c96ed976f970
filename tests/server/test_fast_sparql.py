"""The WSGI fast path for plain GET /sparql?query= gives what Flask's /sparql view gives, byte for byte."""

from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import Client
from werkzeug.wrappers import Response

from tradekg.server import create_app
from tradekg.server.fast_sparql import SparqlFastPath, _only_query
from tradekg.server.sparql import QUERY_FORMS, query_form
from tradekg.store.sparql_text import tokens

SELECT = "SELECT ?s WHERE { ?s a tkg:Country } ORDER BY ?s LIMIT 3"
PROLOGUE_THEN_CONSTRUCT = (
    "# tariffs\nPREFIX ex: <http://example.org/>\nBASE <http://example.org/>\nCONSTRUCT WHERE { ?s a tkg:Tariff }"
)
CASES = [
    ({"query": SELECT}, {}),
    ({"query": SELECT}, {"Accept": "application/sparql-results+json"}),
    ({"query": SELECT}, {"Accept": "text/csv"}),
    ({"query": SELECT}, {"Accept": "*/*"}),
    ({"query": SELECT}, {"Accept": "text/csv;q=0.5, application/sparql-results+xml"}),
    ({"query": SELECT}, {"Accept": "image/png"}),
    ({"query": "ASK { ?s a tkg:Tariff }"}, {"Accept": "application/sparql-results+xml"}),
    ({"query": "CONSTRUCT WHERE { ?s a tkg:Tariff }"}, {}),
    ({"query": "DESCRIBE <https://w3id.org/tradekg/id/country/JPN>"}, {"Accept": "application/n-triples"}),
    ({"query": "CONSTRUCT WHERE { ?s a tkg:Tariff }"}, {"Accept": "text/csv"}),
    ({"query": 'SELECT (IRI("relative") AS ?i) {}'}, {"Host": "example.org"}),
    ({"query": 'SELECT (IRI("relative") AS ?i) {}'}, {"Host": "example.org:80"}),
    ({"query": 'SELECT (IRI("relative") AS ?i) {}'}, {"Host": "example.org:8080"}),
    ({"query": "SELECT ?s WHERE { ?s a tkg:Country "}, {"Accept": "application/json"}),
    ({"query": "SELECT ?s WHERE { ?s a tkg:Country "}, {}),
    ({"query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}, {}),
    ({"query": SELECT, "format": "csv"}, {}),
    ({"query": SELECT, "default-graph-uri": "https://w3id.org/tradekg/graph/reference"}, {}),
    ({"query": [SELECT, SELECT]}, {}),
    ({"query": "SELECT * {}" + " " * 200}, {}),
    ({"query": PROLOGUE_THEN_CONSTRUCT}, {}),
    ({"query": 'SELECT ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, "100% \\\\ + caf\u00e9")) }'}, {}),
    ({"query": "PREFIX construct: <http://example.org/> SELECT * { ?s construct:p ?o }"}, {}),
]


@pytest.fixture(scope="module")
def clients(bundled_store):
    config = {"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store, "TRADEKG_ANSWER_CACHE_MB": 0}
    app = create_app({**config, "TRADEKG_MAX_QUERY_LENGTH": 200})
    assert isinstance(app.wsgi_app, SparqlFastPath)
    flask_only = Client(app.wsgi_app.wsgi_app, Response)
    return app.test_client(), flask_only


def comparable(response) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = sorted((name, value) for name, value in response.headers if name != "Server-Timing")
    return response.status_code, response.data, headers


@pytest.mark.parametrize(("parameters", "headers"), CASES)
def test_fast_path_answers_as_the_flask_view_does(clients, parameters, headers):
    fast, flask_only = clients
    expected = flask_only.get("/sparql", query_string=parameters, headers=headers)
    got = fast.get("/sparql", query_string=parameters, headers=headers)
    assert comparable(got) == comparable(expected)


def test_relative_iris_resolve_against_the_request_url(clients):
    fast, _ = clients
    response = fast.get(
        "/sparql", query_string={"query": 'SELECT (IRI("r") AS ?i) {}'}, headers={"Host": "example.org:8080"}
    )
    assert response.json["results"]["bindings"][0]["i"]["value"] == "http://example.org:8080/r"


def test_plain_queries_never_reach_flask_and_the_rest_always_do(bundled_store):
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store})
    reached: list[str] = []
    flask_app = app.wsgi_app.wsgi_app

    def recording(environ, start_response):
        reached.append(environ["QUERY_STRING"])
        return flask_app(environ, start_response)

    app.wsgi_app.wsgi_app = recording
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": "ASK {}"}).json["boolean"] is True
    csv = client.get("/sparql", query_string={"query": "SELECT * {} LIMIT 1"}, headers={"Accept": "text/csv"})
    assert csv.status_code == 200
    assert reached == []
    assert client.get("/sparql", query_string={"query": "ASK {}", "format": "xml"}).status_code == 200
    assert client.post("/sparql", data={"query": "ASK {}"}).status_code == 200
    assert client.get("/page/country/JPN").status_code == 200
    assert len(reached) == 3


ALPHABET = st.sampled_from(list("query=&%+\\ 09afAFz{}<>#:\n\t") + ["%41", "%5C", "%E2%82%AC", "%2", "é", "€"])


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=30).map("".join))
def test_the_query_string_is_decoded_as_parse_qsl_decodes_it(text):
    query_string = text.encode("utf-8").decode("latin-1")  # what a WSGI server puts in QUERY_STRING
    parameters = parse_qsl(query_string, keep_blank_values=True)
    expected = parameters[0][1] if len(parameters) == 1 and parameters[0][0] == "query" else None
    assert _only_query(query_string) == expected
    assert _only_query("query=" + urlencode({"q": text})[2:]) == text


def test_a_long_encoded_query_decodes_to_its_text():
    text = 'SELECT ?s WHERE { ?s rdfs:label "100% \\\\ caf\u00e9 + \u20ac" }'
    assert _only_query(urlencode({"query": text})) == text
    assert _only_query("query=%zz%41") == "%zzA"  # a bad escape stays as it is, as parse_qsl leaves it


WORDS = st.sampled_from(
    ["PREFIX", "prefix", "BASE", "ex:", "select:", "SELECT", "ask", "Construct", "DESCRIBE", "<http://e.org/a>",
     "<x y>", "# SELECT", "'ASK'", '"describe"', "?select", "{", "}", "*", "WHERE", "x", "-", ".", ":a", "\n", " "]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, max_size=12).map(" ".join))
def test_the_query_form_is_the_first_form_keyword_the_lexer_finds(text):
    lexed = next(
        (token.text.upper() for token in tokens(text) if token.kind == "name" and token.text.upper() in QUERY_FORMS),
        "SELECT",
    )
    query_form.cache_clear()
    assert query_form(text) == lexed
