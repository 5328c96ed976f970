"""SPARQL Update over HTTP: parse before policy, LOAD SILENT, the body limit, one default graph as a set."""

from __future__ import annotations

from tests.conftest import WRITE_TOKEN
from tradekg.server import create_app

AUTH = {"Authorization": f"Bearer {WRITE_TOKEN}"}


def post(client, text: str):
    return client.post("/sparql", data=text, content_type="application/sparql-update", headers=AUTH)


def test_a_malformed_update_naming_load_is_400_not_403(writable_app):
    client = writable_app.test_client()
    response = post(client, "LOAD <http://127.0.0.1:9/x.ttl> INTO GRAPH")
    assert response.status_code == 400 and b"syntax error" in response.data
    assert post(client, "LOAD <http://127.0.0.1:9/x.ttl>").status_code == 403


def test_load_silent_with_loading_disabled_changes_nothing_and_goes_on(writable_app):
    client = writable_app.test_client()
    store = writable_app.extensions["tradekg"]
    before = len(store)
    response = post(
        client,
        "LOAD SILENT <http://127.0.0.1:9/x.ttl> ; INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }",
    )
    assert response.status_code == 200
    assert len(store) == before + 1


def test_a_long_insert_data_is_bounded_by_the_body_limit_not_the_query_length(writable_app, fresh_store):
    client = writable_app.test_client()
    lines = "\n".join(f'<http://example.org/s{n}> <http://example.org/label> "a label long enough, number {n}" .'
                      for n in range(3000))  # fmt: skip
    update = f"INSERT DATA {{ GRAPH <http://example.org/bulk> {{ {lines} }} }}"
    assert len(update) > writable_app.config["TRADEKG_MAX_QUERY_LENGTH"]
    response = post(client, update)
    assert response.status_code == 200, response.data[:300]
    small = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": fresh_store, "TRADEKG_WRITE_TOKEN": WRITE_TOKEN,
                        "TRADEKG_MAX_BODY_BYTES": 100_000})  # fmt: skip
    assert post(small.test_client(), update).status_code == 413


def test_a_triple_in_two_graphs_is_answered_once(writable_app):
    client = writable_app.test_client()
    triple = "<http://example.org/jp> <http://example.org/name> 'Japan'"
    graphs = f"GRAPH <http://example.org/g1> {{ {triple} }} GRAPH <http://example.org/g2> {{ {triple} }}"
    assert (
        post(
            client,
            f"INSERT DATA {{ {graphs} }}",
        ).status_code
        == 200
    )  # noqa: E501
    rows = client.get("/sparql", query_string={"query": "SELECT ?n WHERE { <http://example.org/jp> ?p ?n }"}).json
    assert len(rows["results"]["bindings"]) == 1
    both = "SELECT ?n WHERE { ?s <http://example.org/name> ?n }"
    merged = client.get(
        "/sparql", query_string={"query": both, "default-graph-uri": ["http://example.org/g1", "http://example.org/g2"]}
    ).json  # noqa: E501
    assert len(merged["results"]["bindings"]) == 1
    graphs = client.get(
        "/sparql", query_string={"query": "SELECT ?g WHERE { GRAPH ?g { <http://example.org/jp> ?p ?n } }"}
    ).json  # noqa: E501
    assert len(graphs["results"]["bindings"]) == 2
