"""Bad input is a 4xx naming the problem, never a 500 or a traceback, on every route of the application.

The routes are read from ``app.url_map``, so a new route is fuzzed without editing this file: each of its path
arguments and the protocol's parameters get a seeded corpus of hostile values, then hypothesis' text.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import WRITE_TOKEN
from tests.server.conftest import entity_bomb
from tradekg.graph.load import open_store
from tradekg.server import create_app

HOSTILE_SEGMENTS = [
    "%zz", "%", "%2", "a%20b", "%3C%3E", "<>", "foo", "%5C", "N%0Ax", "x%0D%0ASet-Cookie:%20a=b", "%00", "%ff",
    "%E2%82", "..", "../..", "%2e%2e", "a%2Fb", "%C0%AF", "javascript:alert(1)", "x" * 3000, "%25", "%u0041",
    "%EF%BF%BD", "\u00e9", "%F0%9F%98%80", "a.json", ".json", "a.ttl", ".", "~", "*", "{}", "%7B%7D", "'", '"',
]  # fmt: skip
"""Path segments as they appear in a raw URL (already percent-encoded where encoding matters)."""

HOSTILE_VALUES = [
    "foo", "", "<>", "%zz", "http://a b", "x\r\nSet-Cookie: a=b", "\x00", "99999999999999999999", "{" * 2000,
]  # fmt: skip
"""Values of query parameters (encoded when the URL is built)."""

PARAMETERS = [
    "iri", "graph", "default", "default-graph-uri", "named-graph-uri", "using-graph-uri", "query", "update", "format",
    "output", "offset", "limit", "in_offset", "sort", "q", "order", "country", "date", "product", "measure", "class",
]  # fmt: skip

DEEP = {
    "query": "SELECT * WHERE " + "{" * 1000 + "?s ?p ?o" + "}" * 1000,
    "brackets": "SELECT * WHERE { ?s ?p " + "[ ?p " * 1000 + "1" + " ]" * 1000 + " }",
    "lists": "ASK { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }",
    "update": "INSERT { <urn:x:n> <urn:x:p> ?o } WHERE " + "{" * 1000 + "?s ?p ?o" + "}" * 1000,
}
"""Texts that overflow the stack of Oxigraph's parser (a segfault) unless refused first."""

BODIES = [
    ("text/turtle", b"<< <urn:a> <urn:b> <urn:c> >> <urn:p> <urn:o> ."),
    ("text/turtle", b"<urn:a> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> ."),
    ("text/turtle", b"<urn:a> <urn:p> " + b"(" * 20000 + b")" * 20000 + b" ."),
    ("text/turtle", b"<urn:a> <urn:p> " + b"[ <urn:p> " * 3000 + b"1" + b" ]" * 3000 + b" ."),
    ("text/turtle", b"\xff\xfe not utf-8"),
    ("text/turtle", b"@prefix : <%zz> . :a :b :c ."),
    ("application/ld+json", b'{"@id":"urn:a","urn:p":' * 5000 + b'"x"' + b"}" * 5000),
    ("application/ld+json", b'{"@context": "http://127.0.0.1:9/ctx", "@id": "urn:a"}'),
    ("application/rdf+xml", b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'aaaa'>]><r>&a;</r>"),
    ("application/rdf+xml", b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>" + b"<x>" * 5000),
    ("application/n-triples", b"<a> <b> <c> ."),
    ("application/trig", b"GRAPH <urn:other> { <urn:a> <urn:b> <urn:c> }"),
    ("image/png", b"\x89PNG"),
    ("", b"garbage"),
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=f; filename=a\r\n\r\n<a>\r\n"),
    ("application/sparql-update", DEEP["update"].encode()),
    ("application/sparql-update", b"INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> } }"),
    ("application/sparql-query", DEEP["brackets"].encode()),
    ("application/x-www-form-urlencoded", b"query=%zz&update=%"),
    ("application/x-www-form-urlencoded", b"query=ASK%7B%7D&default-graph-uri=%3C%3E"),
    ("application/x-www-form-urlencoded", b"update=INSERT%20DATA%7B%7D&using-graph-uri=a%20b"),
]  # fmt: skip
"""Request bodies with the Content-Type they claim."""

TRACEBACK = re.compile(rb"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")


@pytest.fixture(scope="module")
def fuzzed_app():
    """A writable application over its own copy of the bundled graph, queries in its own process (no workers)."""
    store = open_store()
    return create_app({"TRADEKG_STORE_INSTANCE": store, "TRADEKG_WRITE_TOKEN": WRITE_TOKEN, "TRADEKG_TIMEOUT": 0})


def routes(app) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every rule of the application: (rule, method, argument names), OPTIONS left out."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"OPTIONS"}):
            found.append((rule.rule, method, tuple(rule.arguments)))
    return found


def url_for_rule(rule: str, segment: str) -> str:
    """The rule with each ``<converter:name>`` replaced by the raw segment."""
    return re.sub(r"<[^>]+>", lambda _: segment, rule)


def assert_not_a_server_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.data[:300]!r}"
    assert not TRACEBACK.search(response.data), f"{what}: a traceback in the body"


def send(client, method: str, url: str, **options):
    headers = {"Authorization": f"Bearer {WRITE_TOKEN}", **options.pop("headers", {})}
    return client.open(url, method=method, headers=headers, **options)


def test_every_route_is_covered(fuzzed_app):
    rules = {rule for rule, _, _ in routes(fuzzed_app)}
    assert {"/sparql", "/rdf-graph-store", "/page/<path:path>", "/data/<path:path>", "/id/<path:path>"} <= rules
    assert "/class/<name>" in rules


def test_hostile_path_segments_are_never_a_server_error(fuzzed_app):
    client = fuzzed_app.test_client()
    for rule, method, arguments in routes(fuzzed_app):
        if not arguments or method not in ("GET", "HEAD"):
            continue
        for segment in HOSTILE_SEGMENTS:
            url = url_for_rule(rule, segment)
            assert_not_a_server_error(send(client, method, url), f"{method} {url}")


def test_hostile_parameters_are_never_a_server_error(fuzzed_app):
    """Each hostile value in every parameter at once, on every route (HEAD answers as GET does)."""
    client = fuzzed_app.test_client()
    for rule, method, _ in routes(fuzzed_app):
        if method != "GET":
            continue
        url = url_for_rule(rule, "country/JPN")
        for value in HOSTILE_VALUES:
            encoded = quote(value, safe="", errors="surrogatepass")
            target = url + "?" + "&".join(f"{quote(name)}={encoded}" for name in PARAMETERS)
            assert_not_a_server_error(send(client, method, target), f"{method} {url} with {value[:40]!r}")


@pytest.mark.parametrize("value", ["%zz", "a%20b", "%3C%3E", "foo", "%5C", "N%0Ax", "%E2%82"])
@pytest.mark.parametrize("name", ["default-graph-uri", "named-graph-uri"])
def test_an_invalid_graph_iri_in_a_query_is_400_naming_the_parameter(fuzzed_app, name, value):
    response = fuzzed_app.test_client().get(f"/sparql?query=ASK%7B%7D&{name}={value}")
    assert response.status_code == 400
    assert name.encode() in response.data and b"not an absolute IRI" in response.data


@pytest.mark.parametrize("path", ["/page/%zz", "/page/a%20b", "/page/%3C%3E", "/page/%5C", "/data/%zz", "/id/a%20b"])
def test_an_invalid_resource_path_is_400(fuzzed_app, path):
    response = fuzzed_app.test_client().get(path)
    assert response.status_code == 400 and b"not an absolute IRI" in response.data


@pytest.mark.parametrize("url", ["/page?iri=foo", "/page?iri=http://a%20b", "/class/N%0Ax", "/class?iri=<>"])
def test_an_invalid_iri_parameter_or_class_is_400(fuzzed_app, url):
    response = fuzzed_app.test_client().get(url)
    assert response.status_code == 400 and b"not an absolute IRI" in response.data


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
@pytest.mark.parametrize("value", ["%zz", "a%20b", "foo", "x%0D%0Ay:z"])
def test_an_invalid_graph_store_graph_is_400(fuzzed_app, method, value):
    response = send(
        fuzzed_app.test_client(),
        method,
        f"/rdf-graph-store?graph={value}",
        data=b"<urn:a> <urn:b> <urn:c> .",
        headers={"Content-Type": "text/turtle"},
    )
    assert response.status_code == 400 and b"graph parameter" in response.data


@pytest.mark.parametrize("content_type,body", BODIES)
@pytest.mark.parametrize("route", ["/rdf-graph-store?graph=http://example.org/g", "/rdf-graph-store", "/sparql"])
def test_hostile_bodies_are_refused_with_a_4xx(fuzzed_app, route, content_type, body):
    headers = {"Content-Type": content_type} if content_type else {}
    for method in ("POST", "PUT") if "graph=" in route else ("POST",):
        response = send(fuzzed_app.test_client(), method, route, data=body, headers=headers)
        assert_not_a_server_error(response, f"{method} {route} {content_type}")
        if route == "/sparql" and content_type.startswith("application/sparql"):
            assert response.status_code == 400


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_nesting_is_refused_before_the_parser(fuzzed_app, name):
    """Without the limit, each of these kills the test process with a segfault in Oxigraph's parser."""
    text = DEEP[name]
    kind = "update" if name == "update" else "query"
    client = fuzzed_app.test_client()
    response = client.post("/sparql", data={kind: text})
    assert response.status_code == 400 and b"nests brackets more than 100 deep" in response.data
    response = client.get("/sparql", query_string={"query": text})
    assert response.status_code == 400


def test_triple_terms_are_refused_with_a_clear_message(fuzzed_app):
    response = send(
        fuzzed_app.test_client(),
        "PUT",
        "/rdf-graph-store?graph=http://example.org/g",
        data=b"<urn:a> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> .",
        headers={"Content-Type": "text/turtle"},
    )
    assert response.status_code == 400 and b"RDF-star triple terms" in response.data


def test_an_entity_bomb_is_refused_before_it_expands(fuzzed_app):
    """529 bytes that Oxigraph's RDF/XML parser would expand into a 100,000,000-character literal."""
    body = entity_bomb()
    assert len(body) < 1000
    response = send(
        fuzzed_app.test_client(),
        "PUT",
        "/rdf-graph-store?graph=http://example.org/bomb",
        data=body,
        headers={"Content-Type": "application/rdf+xml"},
    )
    assert response.status_code == 400 and b"declares the entity" in response.data


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    segment=st.text(max_size=40),
    name=st.sampled_from(PARAMETERS),
    value=st.text(max_size=60),
    data=st.data(),
)
def test_random_text_in_paths_and_parameters_is_never_a_server_error(fuzzed_app, segment, name, value, data):
    rule, method, _ = data.draw(st.sampled_from([r for r in routes(fuzzed_app) if r[1] in ("GET", "HEAD")]))
    url = url_for_rule(rule, quote(segment, safe="/%:", errors="surrogatepass"))
    url += f"?{quote(name)}={quote(value, safe='', errors='surrogatepass')}"
    assert_not_a_server_error(send(fuzzed_app.test_client(), method, url), f"{method} {url}")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content_type=st.sampled_from(["text/turtle", "application/ld+json", "application/rdf+xml", "application/trig",
                                  "application/sparql-update", "application/sparql-query"]),
    body=st.binary(max_size=200) | st.text(alphabet="<>{}()[]\"'.:;@ _#\\ax", max_size=200).map(str.encode),
)  # fmt: skip
def test_random_bodies_are_never_a_server_error(fuzzed_app, content_type, body):
    route = "/sparql" if content_type.startswith("application/sparql") else "/rdf-graph-store?graph=http://ex.org/g"
    response = send(fuzzed_app.test_client(), "POST", route, data=body, headers={"Content-Type": content_type})
    assert_not_a_server_error(response, f"POST {route} {content_type} {body[:80]!r}")


def test_an_update_is_bounded_by_the_body_size_not_the_query_length(fresh_store):
    app = create_app(
        {"TRADEKG_STORE_INSTANCE": fresh_store, "TRADEKG_WRITE_TOKEN": WRITE_TOKEN, "TRADEKG_MAX_QUERY_LENGTH": 100}
    )
    update = "INSERT DATA { GRAPH <http://example.org/long> { <http://example.org/s> <http://example.org/p> " + (
        '"' + "x" * 500 + '" } }'
    )
    headers = {"Content-Type": "application/sparql-update"}
    response = send(app.test_client(), "POST", "/sparql", data=update.encode(), headers=headers)
    assert response.status_code == 200, response.data
    response = app.test_client().get("/sparql", query_string={"query": "ASK {}" + " " * 200})
    assert response.status_code == 413
