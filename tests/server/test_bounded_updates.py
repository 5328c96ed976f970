"""Updates bounded by ``--timeout``: a runaway WHERE is evaluated in a worker killed at the deadline, nothing is
applied, the write lock is released; other updates are computed exactly as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import WRITE_TOKEN
from tradekg.graph.load import open_store
from tradekg.server import create_app
from tradekg.server.bounded_updates import evaluates_patterns

AUTH = {"Authorization": f"Bearer {WRITE_TOKEN}"}
RUNAWAY_UPDATE = (
    "INSERT { <http://example.org/runaway> <http://example.org/count> ?n } "
    "WHERE { SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?w { ?a ?b ?c } GRAPH ?x { ?d ?e ?f } GRAPH ?y { ?g ?h ?i } } }"
)  # the named graphs: an update's own default graph is the write-default graph, empty here
NORMAL_WRITE = 'INSERT DATA { <http://example.org/after> <http://example.org/label> "written after" }'
RUNAWAY_THERE = "ASK { <http://example.org/runaway> ?p ?o }"
NORMAL_THERE = "ASK { <http://example.org/after> ?p ?o }"


def post(client, text: str):
    return client.post("/sparql", data=text, content_type="application/sparql-update", headers=AUTH)


def ask(client, query: str) -> bool:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    return json.loads(response.data)["boolean"]


@pytest.mark.parametrize(
    "update,evaluates",
    [
        ("INSERT DATA { <urn:a> <urn:p> 1 }", False),
        ("DELETE DATA { <urn:a> <urn:p> 1 } ; CLEAR SILENT GRAPH <urn:g> ; COPY <urn:g> TO <urn:h>", False),
        ("INSERT { <urn:a> <urn:p> ?o } WHERE { ?s ?p ?o }", True),
        ("INSERT DATA { <urn:a> <urn:p> 1 } ; DELETE WHERE { ?s <urn:p> ?o }", True),
        ("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", True),
        ("LOAD SILENT <http://example.org/data.ttl>", True),
    ],
)
def test_which_updates_are_evaluated_in_a_worker(update, evaluates):
    assert evaluates_patterns(update) is evaluates


def test_a_runaway_update_is_stopped_and_nothing_is_applied(fresh_store):
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": fresh_store, "TRADEKG_WRITE_TOKEN": WRITE_TOKEN,
                      "TRADEKG_TIMEOUT": 1.0})  # fmt: skip
    client = app.test_client()
    before = len(fresh_store)
    response = post(client, RUNAWAY_UPDATE)
    assert response.status_code == 503
    assert b"stopped; nothing was changed" in response.data
    assert app.extensions["tradekg.workers"].pids == []  # the worker evaluating it was killed
    assert len(fresh_store) == before and not ask(client, RUNAWAY_THERE)
    assert not fresh_store.write_lock.locked()
    assert post(client, NORMAL_WRITE).status_code == 200  # the next write is not held up
    assert ask(client, NORMAL_THERE)
    app.extensions["tradekg.workers"].close()


def test_updates_evaluated_in_a_worker_change_what_they_did_in_the_server(fresh_store):
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": fresh_store, "TRADEKG_WRITE_TOKEN": WRITE_TOKEN,
                      "TRADEKG_TIMEOUT": 30.0})  # fmt: skip
    client = app.test_client()
    graph = "<http://example.org/g>"
    assert (
        post(
            client, f"INSERT DATA {{ GRAPH {graph} {{ <urn:x:a> <urn:x:p> 1, 2 . <urn:x:b> <urn:x:p> 3 }} }}"
        ).status_code
        == 200
    )
    update = (
        f"DELETE {{ GRAPH {graph} {{ ?s <urn:x:p> ?o }} }} INSERT {{ GRAPH {graph} {{ ?s <urn:x:q> ?o }} }} "
        f"WHERE {{ GRAPH {graph} {{ ?s <urn:x:p> ?o FILTER(?o > 1) }} }} ; "
        f"INSERT {{ GRAPH {graph} {{ ?s <urn:x:r> ?n }} }} WHERE {{ GRAPH {graph} {{ ?s <urn:x:q> ?n }} }}"
    )  # the second operation sees what the first did
    response = post(client, update)
    assert response.status_code == 200, response.data
    assert b"4 triple(s) added, 2 removed" in response.data
    workers = app.extensions["tradekg.workers"]
    assert workers.pids  # it was computed in a worker
    rows = client.get("/sparql", query_string={"query": f"SELECT ?s ?p ?o {{ GRAPH {graph} {{ ?s ?p ?o }} }}",
                                                "format": "csv"}).data.decode().splitlines()[1:]  # fmt: skip
    assert sorted(rows) == [
        "urn:x:a,urn:x:p,1", "urn:x:a,urn:x:q,2", "urn:x:a,urn:x:r,2", "urn:x:b,urn:x:q,3", "urn:x:b,urn:x:r,3"
    ]  # fmt: skip
    failing = post(client, "DROP GRAPH <http://example.org/none> ; DELETE WHERE { ?s <urn:x:q> ?o }")
    assert failing.status_code == 400 and b"does not exist" in failing.data  # errors come back from the worker
    workers.close()


def test_a_runaway_update_on_a_store_on_disk_is_stopped(tmp_path: Path):
    store = open_store(tmp_path / "store", empty=True)
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": store, "TRADEKG_WRITE_TOKEN": WRITE_TOKEN,
                      "TRADEKG_TIMEOUT": 20.0})  # fmt: skip
    client = app.test_client()
    try:
        workers = app.extensions.get("tradekg.workers")
        assert post(client, "INSERT { <urn:x:s> <urn:x:p> ?o } WHERE { VALUES ?o { 1 2 } }").status_code == 200
        assert ask(client, "ASK { <urn:x:s> <urn:x:p> 2 }")  # computed in a worker reading a checkpoint
        app.config["TRADEKG_TIMEOUT"] = 2.0  # a worker is started by now: the deadline is the update's own
        workers = app.extensions["tradekg.workers"]
        response = post(client, RUNAWAY_UPDATE)
        assert response.status_code == 503
        app.config["TRADEKG_TIMEOUT"] = 20.0  # time to start a worker in place of the killed one
        assert not ask(client, RUNAWAY_THERE)
        assert post(client, NORMAL_WRITE).status_code == 200 and ask(client, NORMAL_THERE)
    finally:
        if workers is not None:
            workers.close()
        store.close()
