"""Issue 16's defects of input (odd IRI schemes, RDF-star triple terms, bad IRIs in paths, stored ``javascript:``
IRIs) sent to a real ``tradekg serve`` over real sockets: each is written or refused with a 4xx, never a 500, and
the server answers the next request. The Flask-level fuzz tests (test_hostile_input.py) cover every route; these
show the same through Granian, its headers and its serving process."""

from __future__ import annotations

import http.client
import re
import socket
import urllib.parse

import pytest

from tests.server.conftest import SERVED_TOKEN

GRAPH = "http://example.org/hostile-served"
ID = "https://w3id.org/tradekg/id/"
ASK = "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})


def update(served, text: str) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {SERVED_TOKEN}"}
    status, _, body = served.request("POST", "/sparql", text.encode(), headers)
    return status, body


def still_answers(served) -> None:
    status, _, body = served.request("GET", ASK)
    assert (status, body) == (200, b'{"head":{},"boolean":true}')


@pytest.fixture()
def graph(served_empty):
    """The shared server, with this module's graph dropped after each test."""
    yield served_empty
    assert update(served_empty, f"DROP SILENT GRAPH <{GRAPH}>")[0] == 200


@pytest.mark.parametrize("subject", ["mailto:someone@example.org", "tag:example.org,2025:x", "did:example:123"])
def test_a_subject_with_an_odd_scheme_is_written(graph, subject):
    status, body = update(graph, f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{subject}> rdfs:label "someone" }} }}')
    assert status == 200, body
    status, _, answer = graph.request("GET", "/page?" + urllib.parse.urlencode({"iri": subject}))
    assert status == 200 and b"someone" in answer
    still_answers(graph)


def test_triple_terms_are_400_in_a_graph_store_body_and_in_insert_data(graph):
    headers = {"Content-Type": "text/turtle", "Authorization": f"Bearer {SERVED_TOKEN}"}
    body = b"<urn:a> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> ."
    status, _, answer = graph.request("PUT", f"/rdf-graph-store?graph={GRAPH}", body, headers)
    assert status == 400 and b"RDF-star triple terms" in answer
    status, answer = update(
        graph, f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:a> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> }} }}"
    )
    assert 400 <= status < 500, answer
    still_answers(graph)


def raw_get(served, target: bytes) -> bytes:
    """The status line of a GET of ``target`` sent as raw bytes (http.client refuses some of these targets)."""
    with socket.create_connection((served.host, served.port), timeout=30) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while b"\r\n" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


@pytest.mark.parametrize("target", [b"/page?iri=foo", b"/page/%5C", b"/class/N%0Ax", b"/data/%zz", b"/id/a%20b"])
def test_an_invalid_iri_in_a_path_or_parameter_is_400(served_empty, target):
    assert raw_get(served_empty, target).startswith(b"HTTP/1.1 400"), target
    still_answers(served_empty)


def test_a_stored_javascript_iri_is_never_a_link_and_pages_forbid_scripts_from_elsewhere(graph):
    subject = ID + "hostile-served/x"
    status, body = update(
        graph,
        f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{subject}> rdfs:label "x" ;'
        " rdfs:seeAlso <javascript:alert(document.domain)> ; owl:sameAs <javascript:alert(1)> } }",
    )
    assert status == 200, body
    connection = http.client.HTTPConnection(graph.host, graph.port, timeout=30)
    try:
        connection.request("GET", "/page/hostile-served/x")
        response = connection.getresponse()
        page = response.read().decode()
    finally:
        connection.close()
    assert response.status == 200 and "javascript:alert(document.domain)" in page  # shown as text
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", page, re.IGNORECASE)
    assert "script-src 'self'" in (response.getheader("Content-Security-Policy") or "")
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("X-Frame-Options") == "DENY"
    still_answers(graph)
