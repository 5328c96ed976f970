"""What a query worker sends back is what evaluating in the server's own process gives, byte for byte."""

import os
import pickle
import threading

import pytest

from tradekg.server.frames import receive_frame, send_frame
from tradekg.server.results import MIN_ROW_BYTES, evaluate
from tradekg.server.worker import QueryPool, QueryRequest, QueryTimeout

COUNTRIES = "PREFIX tkg: <https://w3id.org/tradekg/ontology#> SELECT ?s WHERE { ?s a tkg:Country } ORDER BY ?s"
UNDECLARED = "SELECT ?s WHERE { ?s a tkg:Country } ORDER BY ?s"  # tkg: is one of the predeclared prefixes
GRAPH = "CONSTRUCT WHERE { ?s a tkg:Country } "
SLOW_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z . ?d ?t ?w }"


@pytest.fixture(scope="module")
def pool(bundled_store):
    workers = QueryPool(bundled_store, 1)
    yield workers
    workers.close()


@pytest.mark.parametrize("format_name", sorted(MIN_ROW_BYTES))
@pytest.mark.parametrize("max_rows", [3, 10_000])
@pytest.mark.parametrize("query", [COUNTRIES, UNDECLARED])
def test_the_worker_sends_the_bytes_the_server_would_write(bundled_store, pool, format_name, max_rows, query):
    expected = evaluate(bundled_store, query, format_name=format_name, max_rows=max_rows)
    got = pool.run(QueryRequest(query, format_name, max_rows), 30)
    assert (got.body, got.truncated) == (expected.body, expected.truncated)
    assert got.truncated is (max_rows == 3)


@pytest.mark.parametrize("format_name", ["ttl", "nt", "jsonld", "rdf", "trig", "nq"])
def test_graph_answers_come_back_whole_and_cut(bundled_store, pool, format_name):
    for max_rows in (2, 10_000):
        expected = evaluate(bundled_store, GRAPH, format_name=format_name, max_rows=max_rows)
        got = pool.run(QueryRequest(GRAPH, format_name, max_rows), 30)
        assert (got.body, got.truncated) == (expected.body, expected.truncated)


def test_every_field_of_a_query_reaches_the_worker(bundled_store, pool):
    graphs = sorted(str(graph) for graph in bundled_store.named_graphs())[:2]
    query = (
        "SELECT ?g (<relative> AS ?base) (COUNT(*) AS ?n) "
        "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?g"
    )
    work = QueryRequest(query, "csv", 7, (graphs[0],), tuple(graphs), "http://example.org/here/")
    expected = evaluate(bundled_store, query, format_name="csv", max_rows=7, default_graph_uris=(graphs[0],),
                        named_graph_uris=tuple(graphs), base_iri="http://example.org/here/")  # fmt: skip
    got = pool.run(work, 30)
    assert (got.body, got.truncated) == (expected.body, expected.truncated)
    assert b"http://example.org/here/relative" in got.body and graphs[1].encode() in got.body


def test_an_error_in_the_worker_comes_back_as_itself(pool):
    with pytest.raises(SyntaxError):
        pool.run(QueryRequest("SELECT ?s WHERE { ?s", "json", 10), 30)
    assert pool.run(QueryRequest(COUNTRIES, "json", 10), 30).body  # the worker goes on answering


def test_a_timed_out_query_kills_its_worker_and_the_next_is_answered(pool):
    before = pool.pids
    with pytest.raises(QueryTimeout):
        pool.run(QueryRequest(SLOW_COUNT, "json", 10), 0.5)
    assert not set(before) & set(pool.pids)  # the worker that ran it is gone: killed and reaped
    for pid in before:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert pool.run(QueryRequest("ASK {}", "json", 10), 30).body.startswith(b'{"head"')


@pytest.mark.parametrize("size", [0, 10, 65_536 - 40, 65_536, 3 * 2**20 + 7])
def test_frames_of_every_size_arrive_whole(size):
    read_end, write_end = os.pipe()
    message = (True, os.urandom(size))
    writer = threading.Thread(target=send_frame, args=(write_end, message))
    writer.start()
    try:
        assert receive_frame(read_end, None) == message
        small = threading.Thread(target=send_frame, args=(write_end, ("small", 1)))
        small.start()
        assert receive_frame(read_end, None) == ("small", 1)
        small.join()
    finally:
        writer.join()
        os.close(read_end)
        os.close(write_end)


def test_a_frame_not_in_time_is_a_timeout_and_a_closed_pipe_an_end():
    read_end, write_end = os.pipe()
    with pytest.raises(TimeoutError):
        receive_frame(read_end, 0.0)
    os.write(write_end, b"\x00\x00\x00\x00\x00\x00\x00\x10" + pickle.dumps(1)[:3])  # a frame cut short
    os.close(write_end)
    with pytest.raises(EOFError):
        receive_frame(read_end, None)
    os.close(read_end)
