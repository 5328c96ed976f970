import json
import os
import socket
import threading

import pytest

from tests.conftest import WRITE_TOKEN
from tradekg.server import create_app

AUTH = {"Authorization": f"Bearer {WRITE_TOKEN}"}
SELECT = "SELECT ?s WHERE { ?s a tkg:Country }"
SLOW_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z . ?d ?t ?w }"


def test_get_select_defaults_to_json_with_headers(client):
    response = client.get("/sparql", query_string={"query": SELECT})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert response.json["head"]["vars"] == ["s"]
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Server-Timing"].startswith("query;dur=")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/*", "text/csv"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_content_negotiation(client, accept, expected):
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == expected


def test_format_parameter_overrides_accept(client):
    response = client.get("/sparql", query_string={"query": SELECT, "format": "csv"}, headers={"Accept": "text/xml"})
    assert response.mimetype == "text/csv"
    assert response.data.splitlines()[0] == b"s"


def test_construct_defaults_to_turtle_and_negotiates(client):
    query = "CONSTRUCT WHERE { ?s a tkg:Country }"
    assert client.get("/sparql", query_string={"query": query}).mimetype == "text/turtle"
    for media_type in ("application/n-triples", "application/ld+json", "application/rdf+xml", "application/n-quads"):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": media_type})
        assert response.status_code == 200 and response.mimetype == media_type


def test_unmeetable_accept_is_406(client):
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert b"application/sparql-results+json" in response.data


def test_post_form_and_direct(client):
    form = client.post("/sparql", data={"query": "ASK {}"})
    direct = client.post("/sparql", data="ASK {}", content_type="application/sparql-query")
    assert form.json["boolean"] is True and direct.json["boolean"] is True


def test_protocol_dataset_overrides_from(client):
    query = "SELECT (COUNT(*) AS ?n) FROM <urn:nothing> WHERE { ?s ?p ?o }"
    from_only = client.get("/sparql", query_string={"query": query})
    assert from_only.json["results"]["bindings"][0]["n"]["value"] == "0"
    ontology = "https://w3id.org/tradekg/ontology"
    overridden = client.get("/sparql", query_string={"query": query, "default-graph-uri": ontology})
    assert int(overridden.json["results"]["bindings"][0]["n"]["value"]) > 0


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"method": "PUT", "query_string": {"query": "ASK {}"}}, 405),
        ({"method": "GET", "query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400),
        ({"method": "POST", "data": "ASK {}", "content_type": "text/plain"}, 415),
        ({"method": "POST", "data": "ASK {}"}, 415),
        ({"method": "POST", "data": "ASK {}".encode("utf-16"), "content_type": "application/sparql-query"}, 400),
        ({"method": "POST", "data": "ASK {}", "content_type": "application/sparql-query; charset=UTF-16"}, 415),
        ({"method": "GET", "query_string": {"update": "CLEAR ALL"}}, 405),
    ],
)
def test_bad_requests_get_4xx_text_never_500(client, kwargs, status):
    response = client.open("/sparql", **kwargs)
    assert response.status_code == status
    assert response.mimetype in ("text/plain", "application/json")
    assert b"Traceback" not in response.data


def test_syntax_error_names_position(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert b"1:" in response.data and b"syntax error" in response.data


def test_body_over_limit_is_413(bundled_store):
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store, "TRADEKG_MAX_BODY_BYTES": 100})
    response = app.test_client().post("/sparql", data="#" * 200 + "\nASK {}", content_type="application/sparql-query")
    assert response.status_code == 413


def test_query_length_is_bounded(bundled_store):
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store, "TRADEKG_MAX_QUERY_LENGTH": 20})
    response = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o FILTER(true) }"})
    assert response.status_code == 413


def test_max_rows_cuts_and_says_so(bundled_store):
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store, "TRADEKG_MAX_ROWS": 3})
    for format_name in ("json", "xml", "csv", "tsv"):
        response = app.test_client().get(
            "/sparql", query_string={"query": "SELECT * { ?s ?p ?o }", "format": format_name}
        )
        assert response.headers["TradeKG-Truncated"] == "max-rows=3"
    assert len(response.data.strip().splitlines()) == 4  # TSV header and three rows
    small = app.test_client().get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 2"})
    assert "TradeKG-Truncated" not in small.headers and len(small.json["results"]["bindings"]) == 2


def test_slow_aggregate_is_stopped_with_503(bundled_store):
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store, "TRADEKG_TIMEOUT": 0.5})
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": "ASK {}"}).json["boolean"] is True
    workers = app.extensions["tradekg.workers"]
    (first,) = workers.pids
    response = client.get("/sparql", query_string={"query": SLOW_COUNT})  # it would count for hours
    assert response.status_code == 503
    assert b"stopped" in response.data
    assert workers.pids == []  # its worker was killed at the deadline
    with pytest.raises(ChildProcessError):
        os.waitpid(first, os.WNOHANG)  # and reaped
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).json["boolean"] is True  # not cached
    assert len(workers.pids) == 1 and workers.pids != [first]  # answered by a new worker
    workers.close()


def test_service_is_refused_without_connecting(client):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    connections = []

    def accept():
        try:
            connections.append(listener.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"
    response = client.get("/sparql", query_string={"query": query})
    thread.join()
    listener.close()
    assert response.status_code == 403 and b"--allow-federation" in response.data
    assert connections == []


def test_service_in_a_string_is_not_refused(client):
    response = client.get("/sparql", query_string={"query": 'SELECT * WHERE { BIND("SERVICE" AS ?x) }'})
    assert response.status_code == 200


def test_browser_get_without_query_goes_to_query_page(client):
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/query")


# -- update --------------------------------------------------------------------------------------------------------

INSERT = 'INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> "o" } }'


def test_update_refused_without_configured_token(client):
    response = client.post("/sparql", data=INSERT, content_type="application/sparql-update", headers=AUTH)
    assert response.status_code == 403


def test_update_needs_the_right_token(writable_app):
    client = writable_app.test_client()
    assert client.post("/sparql", data=INSERT, content_type="application/sparql-update").status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (
        client.post("/sparql", data=INSERT, content_type="application/sparql-update", headers=wrong).status_code == 401
    )


def test_update_writes_and_query_sees_it(writable_app):
    client = writable_app.test_client()
    response = client.post("/sparql", data={"update": INSERT}, headers=AUTH)
    assert response.status_code == 200
    ask = client.get("/sparql", query_string={"query": 'ASK { <http://example.org/s> <http://example.org/p> "o" }'})
    assert ask.json["boolean"] is True


def test_default_graph_writes_are_visible_to_queries(writable_app):
    client = writable_app.test_client()
    update = "INSERT DATA { <http://example.org/d> <http://example.org/p> 1 }"
    assert (
        client.post("/sparql", data=update, content_type="application/sparql-update", headers=AUTH).status_code == 200
    )
    ask = client.get("/sparql", query_string={"query": "ASK { <http://example.org/d> ?p 1 }"})
    assert ask.json["boolean"] is True
    delete = "DELETE WHERE { <http://example.org/d> ?p ?o }"
    assert (
        client.post("/sparql", data=delete, content_type="application/sparql-update", headers=AUTH).status_code == 200
    )
    assert client.get("/sparql", query_string={"query": "ASK { <http://example.org/d> ?p 1 }"}).json["boolean"] is False


def test_non_conforming_update_is_422_and_changes_nothing(writable_app):
    client = writable_app.test_client()
    store = writable_app.extensions["tradekg"]
    before = len(store)
    update = (
        'INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/t> a tkg:Tariff ; tkg:ratePercent "abc" } }'
    )
    response = client.post("/sparql", data=update, content_type="application/sparql-update",
                           headers={**AUTH, "Accept": "application/json"})  # fmt: skip
    assert response.status_code == 422
    assert response.json["validation"]["conforms"] is False
    assert any(v["path"] == "tkg:ratePercent" for v in response.json["validation"]["violations"])
    text = client.post("/sparql", data=update, content_type="application/sparql-update", headers=AUTH)
    assert text.status_code == 422 and b"tkg:ratePercent" in text.data
    assert len(store) == before


def test_subjects_with_odd_iri_schemes_are_written_or_refused_never_500(writable_app):
    """Issue 16: pySHACL took mailto:, tag: and did: IRIs for prefixed names, and the write failed with a 500."""
    client = writable_app.test_client()
    for subject in ("mailto:someone@example.org", "tag:example.org,2025:x", "did:example:123"):
        valid = f'INSERT DATA {{ GRAPH <http://example.org/g> {{ <{subject}> rdfs:label "someone" }} }}'
        response = client.post("/sparql", data=valid, content_type="application/sparql-update", headers=AUTH)
        assert response.status_code == 200, response.data
        typed = f"INSERT DATA {{ GRAPH <http://example.org/g> {{ <{subject}> a tkg:Official }} }}"
        response = client.post("/sparql", data=typed, content_type="application/sparql-update", headers=AUTH)
        assert response.status_code == 422 and b"tkgsh:ResourceShape" in response.data


def test_update_syntax_error_and_load_refused(writable_app):
    client = writable_app.test_client()
    bad = client.post("/sparql", data="CLEAR XYZ", content_type="application/sparql-update", headers=AUTH)
    assert bad.status_code == 400 and b"syntax" in bad.data
    load = client.post("/sparql", data="LOAD <http://127.0.0.1:9/x.ttl>", content_type="application/sparql-update",
                       headers=AUTH)  # fmt: skip
    assert load.status_code == 403


def test_vocabulary_graphs_are_read_only_and_survive_drop_all(writable_app):
    client = writable_app.test_client()
    store = writable_app.extensions["tradekg"]
    shapes = "https://w3id.org/tradekg/shapes"
    update = f"INSERT DATA {{ GRAPH <{shapes}> {{ <http://example.org/x> <http://example.org/p> 1 }} }}"
    assert (
        client.post("/sparql", data=update, content_type="application/sparql-update", headers=AUTH).status_code == 403
    )
    assert (
        client.post("/sparql", data="DROP ALL", content_type="application/sparql-update", headers=AUTH).status_code
        == 200
    )
    graphs = {str(iri) for iri in store.named_graphs()}
    assert shapes in graphs and "https://w3id.org/tradekg/ontology" in graphs
    assert (
        json.loads(client.get("/sparql", query_string={"query": "SELECT * { ?s tkg:iso3166Alpha3 ?c }"}).data)[
            "results"
        ]["bindings"]
        == []
    )


def test_using_graph_uri_conflicts_with_with_clause(writable_app):
    client = writable_app.test_client()
    update = "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"
    response = client.post("/sparql?using-graph-uri=http://example.org/g", data=update,
                           content_type="application/sparql-update", headers=AUTH)  # fmt: skip
    assert response.status_code == 400
