"""The WSGI fast path for plain GET /sparql?query= gives what Flask's /sparql view gives, byte for byte."""

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Response

from tradekg.server import create_app
from tradekg.server.fast_sparql import SparqlFastPath

SELECT = "SELECT ?s WHERE { ?s a tkg:Country } ORDER BY ?s LIMIT 3"
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
