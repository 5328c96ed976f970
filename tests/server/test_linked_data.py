"""Dereferenceable IRIs: 303 by Accept, RDF by Accept or extension, Vary and Link headers, 404s, resource pages."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from tradekg.linkeddata.describe import describe, format_date, inverse_label, resource_triples

JPN = "https://w3id.org/tradekg/id/country/JPN"
TST = "https://w3id.org/tradekg/id/country/TST"
TARIFF = "https://w3id.org/tradekg/id/measure/test-tariff"


@pytest.mark.parametrize(
    ("accept", "target"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "/page/country/JPN"),
        ("text/turtle", "/data/country/JPN"),
        ("application/ld+json", "/data/country/JPN"),
        ("application/n-triples", "/data/country/JPN"),
        ("application/rdf+xml", "/data/country/JPN"),
        ("application/json", "/page/country/JPN.json"),
        ("", "/page/country/JPN"),
    ],
)
def test_id_answers_303_by_accept(client, accept, target):
    response = client.get("/id/country/JPN", headers={"Accept": accept} if accept else {})
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost" + target
    assert "Accept" in response.headers["Vary"]
    assert 'rel="alternate"; type="text/turtle"' in response.headers["Link"]


def test_unknown_resource_is_a_404_page(client):
    for path in ("/id/country/ZZZ", "/page/country/ZZZ", "/data/country/ZZZ", "/data/country/ZZZ.ttl"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"nothing about https://w3id.org/tradekg/id/country/ZZZ" in response.data
    assert client.get("/page/country/ZZZ?format=json").json["error"]


@pytest.mark.parametrize(
    ("suffix", "accept", "media_type", "rdf_format"),
    [
        (".ttl", "", "text/turtle", ox.RdfFormat.TURTLE),
        (".jsonld", "", "application/ld+json", ox.RdfFormat.JSON_LD),
        (".nt", "", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        (".rdf", "", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("", "application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("", "application/rdf+xml;q=0.9, text/turtle;q=0.5", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("", "*/*", "text/turtle", ox.RdfFormat.TURTLE),
    ],
)
def test_data_in_every_format(client, suffix, accept, media_type, rdf_format):
    response = client.get("/data/country/JPN" + suffix, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    for other in ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml", "text/html"):
        assert f'type="{other}"' in response.headers["Link"]
    triples = list(ox.parse(response.data, format=rdf_format, base_iri="http://localhost/"))
    labels = [t.object.value for t in triples if t.subject.value == JPN and t.predicate.value.endswith("#label")]
    assert labels == ["Japan"]


def test_data_refuses_formats_it_cannot_write(client):
    response = client.get("/data/country/JPN", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert b"text/turtle" in response.data


def test_dataset_base_and_web_base_are_settings(bundled_store):
    from tradekg.server import create_app

    app = create_app(
        {
            "TESTING": True,
            "TRADEKG_STORE_INSTANCE": bundled_store,
            "TRADEKG_WEB_BASE": "https://trade.example.org/",
        }
    )
    response = app.test_client().get("/id/country/JPN", headers={"Accept": "text/turtle"})
    assert response.headers["Location"] == "https://trade.example.org/data/country/JPN"
    for path in ("/page/country/JPN", "/query"):
        html = app.test_client().get(path).get_data(as_text=True)
        assert '"https://trade.example.org/static/' in html and '"/static/' not in html  # assets under the web base
    other = create_app(
        {"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store, "TRADEKG_DATASET_BASE": "https://example.org/x/"}
    )
    assert other.test_client().get("/id/country/JPN").status_code == 404


def test_resource_page_shows_labels_not_iris(browse_client):
    html = browse_client.get("/page/measure/test-tariff").get_data(as_text=True)
    assert "<h1>Test tariff</h1>" in html
    assert '<a href="/ontology#Tariff">tariff</a>' in html
    assert ">imposed by</a>" in html and ">rate (percent)</a>" in html
    assert '<a href="/page/country/TST">Testland</a>' in html
    assert '<time datetime="2024-02-01">1 February 2024</time>' in html
    assert '<time datetime="2024-03">March 2024</time>' in html
    assert '<time datetime="2026">2026</time>' in html
    assert "xsd:decimal" in html
    assert "an inline note node" in html  # the blank node, inline
    assert "has exemption from" not in html and ">exemption from</span>" in html  # incoming, read backwards
    assert '<a href="/page/exemption/test-exemption">Test exemption</a>' in html
    assert '<a href="/page/source/browse-test">Browse test source</a>' in html  # provenance
    assert "https://w3id.org/tradekg/id/graph/browse-test" in html


def test_every_literal_is_escaped(browse_client):
    for path in ("/page/country/XSS", "/page/measure/test-tariff", "/search?q=script", "/class/Country"):
        html = browse_client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html, path
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Land" in html, path
    html = browse_client.get("/page/country/XSS").get_data(as_text=True)
    assert "<b>markup</b>" not in html and "&lt;b&gt;markup&lt;/b&gt; &amp; an ampersand" in html


def test_same_as_links_go_out(browse_client):
    html = browse_client.get("/page/country/TST").get_data(as_text=True)
    assert 'href="http://www.wikidata.org/entity/Q1">Wikidata Q1</a>' in html


def test_incoming_links_are_counted_and_paged(browse_client):
    first = browse_client.get("/page/country/TST.json").json
    assert first["incoming_total"] == 61
    groups = {g["label"]: g for g in first["incoming"]}
    assert groups["imposed by"]["total"] == 61
    assert len(groups["imposed by"]["values"]) == 50
    second = browse_client.get("/page/country/TST?format=json&in_offset=50").json
    shown = [v["label"] for g in second["incoming"] for v in g["values"]]
    assert len(shown) == 11 and shown[-1] == "Test tariff"
    html = browse_client.get("/page/country/TST").get_data(as_text=True)
    assert 'rel="next" href="/page/country/TST?in_offset=50"' in html
    assert browse_client.get("/page/country/TST?in_offset=many").status_code == 400


def test_page_json_is_the_alternate(client):
    response = client.get("/page/country/JPN")
    assert '</page/country/JPN?format=json>; rel="alternate"; type="application/json"' in response.headers["Link"]
    data = client.get("/page/country/JPN?format=json").json
    assert data["iri"] == JPN and data["label"] == "Japan"
    assert client.get("/page/country/JPN", headers={"Accept": "application/json"}).json == data
    assert json.loads(client.get("/page/country/JPN.json").data) == data


def test_pages_by_iri_for_other_namespaces(client):
    assert client.get("/page?iri=" + JPN).status_code == 301
    assert client.get("/page").status_code == 400
    assert client.get("/page?iri=http://example.org/nothing").status_code == 404


def test_describe_is_flask_free(bundled_store):
    # Its speed is measured in benchmarks/pages.py, not asserted here.
    description = describe(bundled_store, JPN)
    assert description is not None and description.label == "Japan"
    assert describe(bundled_store, "https://w3id.org/tradekg/id/country/ZZZ") is None


def test_every_page_the_page_benchmark_times_answers(client):
    from benchmarks.pages import PAGES

    for path in PAGES:
        assert client.get(path).status_code == 200, path


def test_resource_triples_follow_blank_nodes(browse_store):
    triples = resource_triples(browse_store, TARIFF)
    assert any(t.object.value == "an inline note node" for t in triples)
    assert any(t.subject.value.endswith("test-exemption") for t in triples)  # incoming


def test_format_date_keeps_precision():
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert format_date("2025-04-02", xsd + "date") == "2 April 2025"
    assert format_date("2025-07", xsd + "gYearMonth") == "July 2025"
    assert format_date("2025", xsd + "gYear") == "2025"
    assert format_date("not a date", xsd + "date") == "not a date"


def test_inverse_labels_read_from_the_object():
    assert inverse_label("imposed by") == "imposed by"
    assert inverse_label("covers") == "covers"
    assert inverse_label("party") == "has party"
    assert inverse_label("exempt country") == "has exempt country"


def test_json_views_name_their_html_page_and_are_open_to_scripts(client):
    for json_path, html_path in [
        ("/page/country/JPN.json", "/page/country/JPN"),
        ("/index.json", "/"),
        ("/class/Tariff?format=json&sort=date", "/class/Tariff?sort=date"),
    ]:
        response = client.get(json_path)
        assert response.headers["Link"].startswith(f'<{html_path}>; rel="alternate"; type="text/html"'), json_path
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    for path in ("/data/country/JPN.ttl", "/void", "/ontology.ttl", "/dump.nq"):
        assert client.get(path).headers["Access-Control-Allow-Origin"] == "*", path
