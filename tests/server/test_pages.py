"""Index pages: home, class pages with paging and sorting, search, timeline, ontology, query page; all as JSON too."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import quote

import pytest

from tradekg.linkeddata.index import class_counts, instances
from tradekg.linkeddata.timeline import timeline
from tradekg.search.text_search import TextIndex
from tradekg.server import create_app

TKG = "https://w3id.org/tradekg/ontology#"


def test_home_counts_classes_and_lists_events(browse_client):
    response = browse_client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<a href="/class/Tariff">Tariff</a> <span class="count">61</span>' in html
    assert '<a href="/page/country/TST">Testland</a>' in html
    assert "Latest dated events" in html and '<time datetime="2024-03">March 2024</time>' in html
    assert 'rel="alternate"; type="application/json"' in response.headers["Link"]
    data = browse_client.get("/?format=json").json
    counts = {c["class"]: c["count"] for c in data["classes"]}
    assert counts[TKG + "Country"] == 2 and counts[TKG + "Exemption"] == 1
    assert data["latest_events"][0]["date"] == "2026"
    assert browse_client.get("/index.json").json == data


def test_class_page_pages_and_sorts(browse_client):
    data = browse_client.get("/class/Tariff?format=json&limit=20").json
    assert data["total"] == 61 and len(data["items"]) == 20
    assert data["items"][0]["label"] == "Many tariff 00"
    page_two = browse_client.get("/class/Tariff?format=json&limit=20&offset=20").json
    assert page_two["items"][0]["label"] == "Many tariff 20"
    by_date = browse_client.get("/class/Tariff.json?sort=date").json
    assert by_date["items"][0]["label"] == "Test tariff" and by_date["items"][0]["date"] == "2024-02-01"
    html = browse_client.get("/class/Tariff").get_data(as_text=True)
    fiftieth = browse_client.get("/class/Tariff?format=json").json["items"][-1]["iri"]
    assert f'rel="next" href="/class/Tariff?after={quote(fiftieth, safe="")}"' in html  # keyset, not offset
    assert "50 shown, 61 in all" in html
    by_date_html = browse_client.get("/class/Tariff?sort=date").get_data(as_text=True)
    fiftieth_by_date = by_date["items"][-1]["iri"]
    assert f'rel="next" href="/class/Tariff?sort=date&amp;after={quote(fiftieth_by_date, safe="")}"' in by_date_html
    assert "50 shown, 61 in all" in by_date_html
    rest = browse_client.get(f"/class/Tariff.json?sort=date&after={quote(fiftieth_by_date, safe='')}").json
    assert len(rest["items"]) == 11 and not {i["iri"] for i in rest["items"]} & {i["iri"] for i in by_date["items"]}


def test_class_page_includes_subclasses_and_names_bad_input(browse_client):
    assert browse_client.get("/class/TradeMeasure?format=json").json["total"] == 61
    response = browse_client.get("/class/Tariff?sort=colour")
    assert response.status_code == 400 and b"cannot sort by &#39;colour&#39;" in response.data
    assert browse_client.get("/class/Tariff?offset=x").status_code == 400
    assert browse_client.get("/class/NoSuchClass").status_code == 404
    assert browse_client.get("/class").status_code == 400


def test_search_by_words(browse_client):
    data = browse_client.get("/search?q=TESTLAND&format=json").json
    assert [i["iri"] for i in data["items"]] == ["https://w3id.org/tradekg/id/country/TST"]
    assert data["items"][0]["types"] == [{"iri": TKG + "Country", "label": "country"}]
    html = browse_client.get("/search?q=exemp").get_data(as_text=True)
    assert '<a href="/page/exemption/test-exemption">Test exemption</a>' in html
    assert '<span class="kind" title="tkg:Exemption">Exemption</span>' in html
    assert "Nothing matches every word" in browse_client.get("/search?q=zzzz").get_data(as_text=True)
    assert browse_client.get("/search").status_code == 200
    assert browse_client.get("/search?q=" + "a" * 300).status_code == 400
    assert browse_client.get("/search?q=%22%7D%20UNION%20NEAR(").status_code == 200  # no FTS5 syntax gets through


def test_search_facets_filter_by_class(client):
    everything = client.get("/search?q=japan+tariff&format=json").json
    facets = {f["class"]: f["count"] for f in everything["facets"]}
    assert facets[TKG + "Tariff"] >= 2 and len(facets) > 1
    tariffs = client.get("/search?q=japan+tariff&type=Tariff&format=json").json
    assert tariffs["total"] == facets[TKG + "Tariff"]
    assert all(TKG + "Tariff" in [t["iri"] for t in item["types"]] for item in tariffs["items"])
    assert client.get("/search?q=japan+tariff&type=tkg:Tariff&format=json").json["total"] == tariffs["total"]
    html = client.get("/search?q=japan+tariff").get_data(as_text=True)
    assert 'href="/search?q=japan+tariff&amp;type=Tariff"' in html
    assert '<a href="/page/measure/usa-jpn-24-percent-rate">US 24% tariff rate on Japan</a>' in html


def test_timeline_in_order_without_javascript(browse_client):
    html = browse_client.get("/timeline").get_data(as_text=True)
    announced = html.index('<time datetime="2024-02-01">')
    effective = html.index('<time datetime="2024-03">')
    until = html.index('<time datetime="2026">')
    assert announced < effective < until
    assert "<script" not in html
    for label in ("announced on", "effective from", "effective until"):
        assert label in html
    data = browse_client.get("/timeline?format=json").json
    assert [e["precision"] for e in data["entries"]] == ["day", "month", "year"]
    newest = browse_client.get("/timeline?format=json&order=newest").json
    assert newest["entries"][0]["date"] == "2026"


def test_ontology_page_documents_terms(client):
    response = client.get("/ontology")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<details class="term" id="Tariff">' in html and '<details class="term" id="imposedBy">' in html
    assert "subclass of" in html and '<a href="/ontology#TradeMeasure"><code>tkg:TradeMeasure</code></a>' in html
    assert "domain" in html and "range" in html
    assert "SHACL constraints" in html
    assert "A country needs exactly one ISO 3166-1 alpha-3 code" in html  # from the shapes graph
    data = client.get("/ontology?format=json").json
    assert any(c["iri"] == TKG + "Tariff" for c in data["classes"])
    assert any(p["iri"] == TKG + "imposedBy" and p["ranges"] == [TKG + "Country"] for p in data["properties"])


@pytest.mark.parametrize(
    ("path", "accept", "media"),
    [
        ("/ontology", "text/turtle", "text/turtle"),
        ("/ontology.nt", "", "application/n-triples"),
        ("/ontology.jsonld", "", "application/ld+json"),
    ],
)
def test_ontology_dereferences_as_rdf(client, path, accept, media):
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.mimetype == media
    assert "Accept" in response.headers["Vary"]
    assert TKG + "Tariff" in response.get_data(as_text=True) or "tkg:Tariff" in response.get_data(as_text=True)


def test_query_page_has_prefixes_examples_and_no_cdn(client):
    html = client.get("/query").get_data(as_text=True)
    assert "PREFIX tkg: &lt;https://w3id.org/tradekg/ontology#&gt;" in html
    assert 'data-endpoint="/sparql"' in html
    assert "Tariffs, who imposes them and their rates" in html
    assert 'src="/static/query.js"' in html
    assert client.get("/static/query.js").status_code == 200
    picked = client.get("/query?name=exemptions").get_data(as_text=True)
    assert "tkg:exemptionFrom ?measure" in picked


@pytest.mark.parametrize("path", ["/", "/query", "/ontology", "/timeline", "/search?q=a", "/page/country/JPN"])
def test_pages_load_nothing_from_other_hosts(client, path):
    html = client.get(path).get_data(as_text=True)
    loaded = re.findall(r"<(?:script|link|img|iframe)\b[^>]*?(?:src|href)=\"([^\"]+)\"", html)
    assert loaded and all(url.startswith("/") and not url.startswith("//") for url in loaded), loaded


def test_core_index_queries(browse_store):
    assert {c.iri for c in class_counts(browse_store)} >= {TKG + "Tariff", TKG + "Country", TKG + "Source"}
    total, items = instances(browse_store, TKG + "Country")
    assert total == 2 and [i.label for i in items][1] == "Testland"
    with pytest.raises(ValueError, match="cannot sort"):
        instances(browse_store, TKG + "Country", sort="size")
    assert [e.property_label for e in timeline(browse_store)] == ["announced on", "effective from", "effective until"]


def test_a_browser_opening_sparql_lands_on_the_query_page(client):
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/query")
    assert b'id="query-form"' in client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=True).data


def test_home_lists_the_named_queries_of_the_catalog(client):
    data = client.get("/?format=json").json
    names = [q["name"] for q in data["named_queries"]]
    assert "highest-rates" in names and all(q["title"] for q in data["named_queries"])
    home = client.get("/").get_data(as_text=True)
    assert '<a href="/queries/highest-rates">' in home and '<a class="edit" href="/query?name=highest-rates">' in home
    assert '<a href="/queries">Named queries</a>' in home


def test_named_queries_run_on_the_query_page_with_their_defaults(client):
    editor = client.get("/query?name=highest-rates").get_data(as_text=True)
    assert "VALUES (?imposer) { (&lt;https://w3id.org/tradekg/id/country/USA&gt;) }" in editor
    assert 'id="param-imposer" name="imposer"' in editor and "data-autorun" not in editor  # asks, does not run
    text = html.unescape(
        editor.split('<textarea id="query" name="query"', 1)[1].split(">", 1)[1].split("</textarea>")[0]
    )
    answer = client.post("/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"})
    catalog = client.get("/api/queries/highest-rates?limit=1000")
    assert answer.status_code == 200 and catalog.status_code == 200
    assert len(answer.json["results"]["bindings"]) == len(catalog.json["rows"]) > 1  # the page runs what the API runs


def test_parameterised_examples_ask_for_their_parameters_and_run_once_given(client):
    asked = client.get("/query?name=tariffs-in-force").get_data(as_text=True)
    assert 'id="query-params"' in asked and 'value="2025-07-15"' in asked  # filled with the catalog's examples
    assert '<option value="JPN">Japan</option>' in asked  # a picker of the graph's countries
    given = client.get("/query?name=tariffs-in-force&date=2025-07-15&country=Japan").get_data(as_text=True)
    assert "data-autorun" in given
    assert "VALUES (?date ?country) { (&#34;2025-07-15&#34;^^&lt;http://www.w3.org/2001/XMLSchema#date&gt; " in given
    wrong = client.get("/query?name=tariffs-in-force&date=2025-07-15&country=Japanland").get_data(as_text=True)
    assert "data-autorun" not in wrong and "not an ISO 3166-1 code" in wrong
    assert "data-autorun" in client.get("/query?query=ASK%20%7B%7D").get_data(as_text=True)  # a shared link runs
    assert "<code>country:</code>" in asked  # the predeclared prefixes of id/ kinds are listed


def editor_text(page: str) -> str:
    return html.unescape(page.split('<textarea id="query" name="query"', 1)[1].split(">", 1)[1].split("</textarea>")[0])


def test_the_query_page_binds_parameters_as_the_api_does(client):
    from tradekg.queries.catalog import load_catalog

    for query in load_catalog().values():
        values = {p.name: p.example for p in query.params if p.example}
        if not values:
            continue
        text = editor_text(client.get("/query", query_string={"name": query.name, **values}).get_data(as_text=True))
        answer = client.post("/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"})
        api = client.get(f"/api/queries/{query.name}", query_string={**values, "limit": 1000})
        assert answer.status_code == 200, (query.name, answer.data)
        assert len(answer.json["results"]["bindings"]) == len(api.json["rows"]), query.name


def test_prefixes_of_resource_kinds_are_predeclared(client):
    answer = client.post(
        "/sparql",
        data={"query": "SELECT ?l WHERE { country:JPN rdfs:label ?l }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200 and answer.json["results"]["bindings"][0]["l"]["value"] == "Japan"


def test_named_queries_from_a_catalog_module_without_the_api(browse_app, monkeypatch):
    from dataclasses import dataclass

    from rdflib import URIRef

    @dataclass
    class Param:
        name: str
        default: str | None

        def to_term(self, value):
            return URIRef("https://w3id.org/tradekg/id/country/" + value)

    @dataclass
    class Query:
        name: str
        summary: str
        sparql: str
        params: tuple

    fake = {
        "rates": Query(
            "rates", "Highest <rates>", "SELECT ?t WHERE { ?t tkg:imposedBy ?imposer }", (Param("imposer", "USA"),)
        )
    }
    monkeypatch.setitem(browse_app.extensions, "tradekg.catalog", fake)
    client = browse_app.test_client()
    assert client.get("/?format=json").json["named_queries"] == [{"name": "rates", "title": "Highest <rates>"}]
    assert "Highest &lt;rates&gt;</a>" in client.get("/").get_data(as_text=True)


def test_home_lists_no_named_queries_without_a_catalog(client, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tradekg.queries.catalog", None)  # import fails
    monkeypatch.setitem(sys.modules, "tradekg.server.api", None)
    assert client.get("/?format=json").json["named_queries"] == []
    assert "<h2>Named queries</h2>" not in client.get("/").get_data(as_text=True)


def test_search_says_more_than_when_matches_are_not_all_counted(bundled_store):
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store})
    app.extensions["tradekg.search"] = TextIndex(bundled_store, window=3, count_limit=5)
    client = app.test_client()
    data = client.get("/search?q=tariff&format=json").json
    assert (data["total"], data["total_is_lower_bound"], data["window"], len(data["items"])) == (5, True, 3, 3)
    page = client.get("/search?q=tariff").get_data(as_text=True)
    assert "More than 5 resources match every word of “tariff” (the order and the kinds count the first 3" in page


def test_the_home_page_reads_the_graph_once_per_store_generation(writable_app, monkeypatch):
    """The examples of each class (one query per class) are remembered until a write, which changes the page."""
    from tests.conftest import WRITE_TOKEN
    from tradekg.server import pages

    calls = []
    counted = pages.examples
    monkeypatch.setattr(pages, "examples", lambda store, iri, **options: calls.append(iri) or counted(store, iri))
    client = writable_app.test_client()
    first = client.get("/index.json").json
    read = len(calls)
    assert read > 10  # a query per class
    assert client.get("/index.json").json == first and client.get("/").status_code == 200
    assert len(calls) == read  # remembered
    update = (
        "INSERT DATA { GRAPH <http://example.org/g> {"
        ' <http://example.org/w> a <http://example.org/Widget> ; <http://www.w3.org/2000/01/rdf-schema#label> "W" } }'
    )
    auth = {"Authorization": f"Bearer {WRITE_TOKEN}"}
    assert client.post("/sparql", data={"update": update}, headers=auth).status_code == 200
    after = client.get("/index.json").json
    assert len(calls) == 2 * read  # read again after the write
    assert {"class": "http://example.org/Widget", "count": 1} in [
        {key: c[key] for key in ("class", "count")} for c in after["classes"]
    ]
    assert after["classes"] != first["classes"]


JSON_ALTERNATES = {
    "home": "/",
    "country": "/page/country/JPN?date=2025-05-15",
    "tariffs a country faces": "/country/JPN/faced",
    "tariffs a country imposes": "/country/USA/imposed",
    "measure": "/page/measure/usa-auto-tariff",
    "resource": "/page/exemption/usa-blanket-tariff-can",
    "class": "/class/Tariff",
    "search": "/search?q=japan",
    "map": "/map?imposer=USA",
    "timeline": "/timeline",
    "duty": "/duty?origin=JPN&hs=8703.23.01&date=2025-05-15",
    "query page": "/query",
    "named queries": "/queries",
    "named query": "/queries/tariffs-in-force?date=2025-07-15&country=Japan",
    "ontology": "/ontology",
    "void": "/void",
    "not found": "/no/such/page",
}


@pytest.mark.parametrize("kind", sorted(JSON_ALTERNATES))
def test_every_page_type_names_its_json_alternate_which_answers_json(client, kind):
    """Datasette-style: each page says where its JSON is (``Link: rel="alternate"`` and a link in the page)."""
    path = JSON_ALTERNATES[kind]
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.mimetype == "text/html" and page.status_code == (404 if kind == "not found" else 200)
    link = re.search(r'<([^>]+)>; rel="alternate"; type="application/(?:ld\+)?json"', page.headers.get("Link", ""))
    assert link, f"{kind}: no JSON alternate in its Link header"
    in_page = re.findall(r'<(?:a|link) [^>]*?href="([^"]+)"[^>]*?type="application/(?:ld\+)?json"', page.text)
    in_page += re.findall(r'<(?:a|link) [^>]*?type="application/(?:ld\+)?json"[^>]*?href="([^"]+)"', page.text)
    assert in_page, f"{kind}: the page links no JSON alternate"
    for alternate in {link.group(1), *(html.unescape(found) for found in in_page)}:
        answer = client.get(alternate)
        assert answer.status_code == page.status_code, alternate
        assert answer.mimetype in ("application/json", "application/ld+json"), alternate
        assert isinstance(json.loads(answer.text), (dict, list))


def test_search_while_the_index_is_built_answers_503_and_says_so(bundled_store, monkeypatch):
    import threading

    from tradekg.search import text_documents

    release = threading.Event()
    real_rebuild = text_documents.rebuild
    monkeypatch.setattr(text_documents, "rebuild", lambda database, store, **options: release.wait(60) and None)
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store})
    index = app.extensions["tradekg.search"] = TextIndex(bundled_store)
    index.build_in_background()  # as `tradekg serve` does at start
    client = app.test_client()
    response = client.get("/search?q=tariff")
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    assert "The search index is being built" in response.get_data(as_text=True)
    assert client.get("/search?q=tariff&format=json").json["building"] is True
    monkeypatch.setattr(text_documents, "rebuild", real_rebuild)
    release.set()
    assert index.wait(60)
    index.rebuild()  # the paused build wrote nothing
    data = client.get("/search?q=tariff&format=json").json
    assert data["building"] is False and data["total"] > 0
