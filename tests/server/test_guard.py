"""Links only to http(s) IRIs, and the security headers of HTML pages (:mod:`tradekg.server.guard`)."""

from __future__ import annotations

import pytest

from tradekg.graph.load import open_store
from tradekg.server import create_app
from tradekg.server.guard import CONTENT_SECURITY_POLICY, is_linkable

HOSTILE_LINKS = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/tradekg/id/test/linker> rdfs:label "Linker" ;
    rdfs:seeAlso <javascript:alert(document.domain)>, <data:text/html,x>, <https://example.org/ok> ;
    owl:sameAs <javascript:alert(1)>, <http://www.wikidata.org/entity/Q17> .
"""


@pytest.fixture(scope="module")
def linker_client(tmp_path_factory):
    path = tmp_path_factory.mktemp("guard") / "links.ttl"
    path.write_text(HOSTILE_LINKS)
    store = open_store(data_files=[path], validate=False)
    return create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": store}).test_client()


def test_only_http_iris_are_linkable():
    assert is_linkable("https://example.org/") and is_linkable("HTTP://example.org/")
    assert not any(map(is_linkable, ["javascript:alert(1)", "data:text/html,x", "urn:x", "mailto:a@b", " http://x"]))


def test_stored_javascript_iris_are_shown_as_text_never_as_links(linker_client):
    response = linker_client.get("/page/test/linker")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "javascript:alert(document.domain)" in body and "javascript:alert(1)" in body  # shown
    assert 'href="javascript:' not in body and 'href="data:' not in body  # never linked
    assert 'href="https://example.org/ok"' in body and 'href="http://www.wikidata.org/entity/Q17"' in body


def test_html_pages_carry_the_security_headers(linker_client):
    for path in ("/", "/page/test/linker", "/query", "/page/nothing-here", "/page?iri=foo"):
        response = linker_client.get(path, headers={"Accept": "text/html"})
        assert response.mimetype == "text/html", path
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["X-Frame-Options"] == "DENY", path
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "script-src 'self'" in CONTENT_SECURITY_POLICY


def test_data_answers_are_left_to_their_clients(linker_client):
    response = linker_client.get("/page/test/linker.json")
    assert response.mimetype == "application/json" and "Content-Security-Policy" not in response.headers
