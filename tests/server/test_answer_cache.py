"""The answer cache: kept per store generation, bounded in bytes, never for volatile queries, emptied by writes."""

import pytest

from tests.conftest import WRITE_TOKEN
from tradekg.server import create_app
from tradekg.server.answer_cache import AnswerCache, is_cacheable
from tradekg.server.results import Answer
from tradekg.server.worker import QueryRequest

AUTH = {"Authorization": f"Bearer {WRITE_TOKEN}"}
ASK = 'ASK { <http://example.org/s> <http://example.org/p> "o" }'


def request(text: str = "SELECT * { ?s ?p ?o }", **options) -> QueryRequest:
    return QueryRequest(text, options.pop("format_name", "json"), options.pop("max_rows", 100), **options)


def answer(size: int = 10) -> Answer:
    return Answer(b"x" * size, False, 0.001)


def test_an_answer_is_kept_for_the_same_request_and_generation_only():
    cache = AnswerCache(1 << 20)
    kept = answer()
    assert cache.put(1, request(), kept)
    assert cache.get(1, request()) is kept
    assert cache.get(1, request(format_name="csv")) is None
    assert cache.get(1, request(max_rows=5)) is None
    assert cache.get(1, request(base_iri="http://example.org/sparql")) is None
    assert cache.get(1, request(default_graph_uris=("http://example.org/g",))) is None
    assert (cache.hits, cache.misses) == (1, 4)


def test_a_newer_generation_drops_every_older_answer():
    cache = AnswerCache(1 << 20)
    cache.put(1, request(), answer())
    assert cache.get(2, request()) is None
    assert len(cache) == 0 and cache.size_bytes == 0
    assert not cache.put(1, request(), answer())  # made before the write that the cache has already seen
    assert cache.get(2, request()) is None


def test_least_recently_used_answers_leave_first_within_the_budget():
    cache = AnswerCache(3000, max_entry_fraction=0.5)  # each entry costs its 1,000 bytes, text and overhead
    first, second, third = request("SELECT 1 {}"), request("SELECT 2 {}"), request("SELECT 3 {}")
    for query in (first, second):
        assert cache.put(1, query, answer(1000))
    assert cache.get(1, first) is not None  # first is now the most recently used
    assert cache.put(1, third, answer(1000))
    assert cache.get(1, second) is None
    assert cache.get(1, first) is not None and cache.get(1, third) is not None
    assert cache.size_bytes <= 3000


def test_an_answer_larger_than_its_share_is_not_kept():
    cache = AnswerCache(10_000, max_entry_fraction=0.1)
    assert not cache.put(1, request(), answer(5000))
    assert len(cache) == 0


def test_a_cache_of_no_bytes_keeps_nothing():
    cache = AnswerCache(0)
    assert not cache.enabled
    assert not cache.put(1, request(), answer(1))


@pytest.mark.parametrize(
    ("query", "cacheable"),
    [
        ("SELECT * { ?s ?p ?o }", True),
        ("SELECT (NOW() AS ?t) {}", False),
        ("SELECT (rand() AS ?r) {}", False),
        ("SELECT (UUID() AS ?u) (STRUUID() AS ?v) {}", False),
        ("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", False),
        ('SELECT * { ?s rdfs:label "now and then" }', True),
        ("SELECT * { ?s <http://example.org/rand> ?o }", True),
        ("SELECT * { ?s tkg:now ?o }", True),
    ],
)
def test_volatile_queries_are_never_kept(query, cacheable):
    assert is_cacheable(query) is cacheable


def test_the_server_answers_a_repeated_query_from_the_cache_until_a_write(writable_app):
    client = writable_app.test_client()
    first = client.get("/sparql", query_string={"query": ASK})
    assert first.json["boolean"] is False and first.headers["Server-Timing"].startswith("query;dur=")
    second = client.get("/sparql", query_string={"query": ASK})
    assert second.headers["Server-Timing"] == 'cache;desc="hit"' and second.data == first.data
    update = 'INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> "o" } }'
    assert client.post("/sparql", data={"update": update}, headers=AUTH).status_code == 200
    after = client.get("/sparql", query_string={"query": ASK})
    assert after.json["boolean"] is True and after.headers["Server-Timing"].startswith("query;dur=")


def test_graph_store_writes_also_empty_the_cache(writable_app):
    client = writable_app.test_client()
    assert client.get("/sparql", query_string={"query": ASK}).json["boolean"] is False
    turtle = '<http://example.org/s> <http://example.org/p> "o" .'
    response = client.put(
        "/rdf-graph-store?graph=http://example.org/g", data=turtle, content_type="text/turtle", headers=AUTH
    )
    assert response.status_code in (200, 201, 204)
    assert client.get("/sparql", query_string={"query": ASK}).json["boolean"] is True


def test_volatile_answers_are_evaluated_every_time(client):
    query = "SELECT (STRUUID() AS ?u) {}"
    answers = {client.get("/sparql", query_string={"query": query}).data for _ in range(3)}
    assert len(answers) == 3


def test_the_cache_can_be_turned_off(bundled_store):
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store, "TRADEKG_ANSWER_CACHE_MB": 0})
    client = app.test_client()
    for _ in range(2):
        timing = client.get("/sparql", query_string={"query": "ASK {}"}).headers["Server-Timing"]
        assert timing.startswith("query;dur=")
