"""The named query API: listing, running in every format, paging, errors, OpenAPI and the HTML pages."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openapi_spec_validator import validate

from tradekg.queries.catalog import load_catalog

CATALOG = load_catalog()
ID = "https://w3id.org/tradekg/id/"
RUN = "/api/queries/tariffs-without-exemptions"


def test_the_catalog_is_listed(client) -> None:
    response = client.get("/api/queries")
    assert response.status_code == 200
    listed = {query["name"]: query for query in response.json["queries"]}
    assert set(listed) == set(CATALOG)
    tariffs = listed["tariffs-in-force"]
    assert tariffs["url"] == "/api/queries/tariffs-in-force"
    assert [param["name"] for param in tariffs["params"]] == ["date", "country"]
    assert all(param["description"] for query in listed.values() for param in query["params"])
    assert 'rel="alternate"' in response.headers["Link"]


def test_running_a_query_answers_friendly_json_with_labels(client) -> None:
    response = client.get(RUN, query_string={"country": "JPN"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.json
    assert body["columns"] == ["tariff", "country", "imposer", "rate", "effectiveFrom"]
    first, second, third = body["rows"][:3]
    assert first["tariff"] == ID + "measure/usa-aluminum-tariff-50"  # 50% from 2025-06-04, Proclamation 10947
    assert first["tariff_label"] == "US 50% Section 232 tariff on aluminum"
    assert first["rate"] == 50
    assert first["effectiveFrom"] == "2025-06-04"
    assert second["tariff"] == ID + "measure/usa-aluminum-tariff"  # 25%, dated by Proclamation 10895
    assert second["rate"] == 25 and second["effectiveFrom"] == "2025-03-12"
    assert third["tariff"] == ID + "measure/usa-jpn-24-percent-rate"
    assert third["tariff_label"] == "US 24% tariff rate on Japan"
    assert third["country_label"] == "Japan"
    assert third["rate"] == 24
    assert third["effectiveFrom"] == "2025-07"
    # The reciprocal rates share their programme's exemptions; the auto, parts and steel tariffs have their own.
    assert len(body["rows"]) == 5  # the fifth: buses 10% from 2025-11-01 (Proclamation 10984)
    assert body["next"] is None and body["prev"] is None


@pytest.mark.parametrize(
    ("how", "media"),
    [
        ({"query_string": {"format": "csv"}}, "text/csv"),
        ({"headers": {"Accept": "text/csv"}}, "text/csv"),
        ({"query_string": {"format": "tsv"}}, "text/tab-separated-values"),
        ({"headers": {"Accept": "text/tab-separated-values"}}, "text/tab-separated-values"),
        ({"query_string": {"format": "sparql-json"}}, "application/sparql-results+json"),
        ({"headers": {"Accept": "application/sparql-results+json"}}, "application/sparql-results+json"),
        ({"headers": {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}}, "application/json"),
    ],
)
def test_formats_by_accept_or_format(client, how, media) -> None:
    options = {"query_string": {"country": "JPN", **how.get("query_string", {})}, "headers": how.get("headers", {})}
    response = client.get(RUN, **options)
    assert response.status_code == 200
    assert response.mimetype == media


def test_the_formats_agree(client) -> None:
    args = {"country": "JPN"}
    table = list(csv.reader(io.StringIO(client.get(RUN, query_string={**args, "format": "csv"}).text)))
    assert table[0] == ["tariff", "country", "imposer", "rate", "effectiveFrom"]
    assert table[3] == [ID + "measure/usa-jpn-24-percent-rate", ID + "country/JPN", ID + "country/USA", "24", "2025-07"]
    tsv = client.get(RUN, query_string={**args, "format": "tsv"}).text.splitlines()
    assert tsv[0] == "?tariff\t?country\t?imposer\t?rate\t?effectiveFrom"
    assert '"2025-07"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>' in tsv[3]
    results = json.loads(client.get(RUN, query_string={**args, "format": "sparql-json"}).data)
    assert results["head"]["vars"] == table[0]
    assert len(results["results"]["bindings"]) == len(table) - 1
    assert results["results"]["bindings"][0]["rate"]["datatype"] == "http://www.w3.org/2001/XMLSchema#decimal"


def test_paging_with_link_headers(client) -> None:
    first = client.get(RUN, query_string={"country": "JPN", "limit": 1})
    assert [row["tariff"] for row in first.json["rows"]] == [ID + "measure/usa-aluminum-tariff-50"]
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    second = client.get(first.json["next"])
    assert second.json["offset"] == 1
    assert [row["tariff"] for row in second.json["rows"]] == [ID + "measure/usa-aluminum-tariff"]
    assert 'rel="prev"' in second.headers["Link"] and 'rel="next"' in second.headers["Link"]
    third = client.get(second.json["next"])
    assert [row["tariff"] for row in third.json["rows"]] == [ID + "measure/usa-jpn-24-percent-rate"]
    fourth = client.get(third.json["next"], headers={"Accept": "text/csv"})
    assert fourth.text.count("\r\n") == 2  # header and the fourth row
    assert 'rel="next"' in fourth.headers["Link"]
    last = client.get(third.json["next"].replace("offset=3", "offset=4"))
    assert [row["tariff"] for row in last.json["rows"]] == [ID + "measure/usa-buses-10"]
    assert 'rel="next"' not in last.headers["Link"]


@pytest.mark.parametrize(
    ("path", "args", "problem"),
    [
        (RUN, {"country": '"} ; DROP ALL ; {"'}, "not an ISO 3166-1 code"),
        ("/api/queries/exemptions-of-measure", {"measure": "not an iri"}, "not an absolute IRI"),
        ("/api/queries/exemptions-of-measure", {"measure": 'http://x/"} ; DROP ALL ; {"'}, "not a valid IRI"),
        ("/api/queries/tariffs-in-force", {"country": "JPN"}, "'date': required"),
        ("/api/queries/tariffs-in-force", {"country": "JPN", "date": "July"}, "not a date"),
        (RUN, {"nation": "JPN"}, "no such parameter"),
        (RUN, {"limit": "ten"}, "limit must be an integer"),
        (RUN, {"limit": "0"}, "limit must be between"),
        (RUN, {"offset": "-1"}, "offset must be between"),
        (RUN, {"format": "xlsx"}, "format must be one of"),
    ],
)
def test_bad_requests_are_400_with_a_message(client, bundled_store, path, args, problem) -> None:
    before = len(bundled_store)
    response = client.get(path, query_string=args)
    assert response.status_code == 400
    assert problem in response.json["error"]
    assert len(bundled_store) == before


def test_an_unknown_query_is_404(client) -> None:
    response = client.get("/api/queries/no-such-question")
    assert response.status_code == 404
    assert "no named query" in response.json["error"]


def test_the_openapi_document_validates_and_documents_every_query(client) -> None:
    document = client.get("/api/openapi.json").json
    validate(document)
    assert document["openapi"].startswith("3.1")
    for query in CATALOG.values():
        operation = document["paths"][f"/api/queries/{query.name}"]["get"]
        assert operation["summary"] == query.summary
        declared = {parameter["name"]: parameter for parameter in operation["parameters"] if "name" in parameter}
        assert set(declared) == {param.name for param in query.params}
        for param in query.params:
            assert declared[param.name]["description"].startswith(param.description)
            assert declared[param.name]["required"] == param.required


def test_the_html_index_lists_every_query(client) -> None:
    page = client.get("/queries").text
    for name in CATALOG:
        assert f'href="/queries/{name}"' in page


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_each_query_has_a_page_with_form_text_and_view(client, name) -> None:
    query = CATALOG[name]
    args = {param.name: param.example for param in query.params}
    response = client.get(f"/queries/{name}", query_string=args)
    assert response.status_code == 200
    page = response.text
    assert "<form" in page
    for param in query.params:
        assert f'name="{param.name}"' in page
    assert "SELECT" in page
    marker = {
        "table": '<table class="answer">',
        "timeline": '<ol class="timeline">',
        "map-of-countries": '<ul class="countries">',
    }
    if "No rows." not in page:
        assert marker[query.view] in page


def test_views_draw_the_answer(client) -> None:
    timeline = client.get("/queries/negotiation-timeline").text
    assert '<time datetime="2025-05-01">1 May 2025</time>' in timeline  # the date in words, its value kept
    assert timeline.index('<time datetime="2025-05-01">') < timeline.index('class="undated">Undated')
    grid = client.get("/queries/exemptions-of-measure").text
    for code, label in (("CAN", "Canada"), ("CHN", "China"), ("MEX", "Mexico")):
        assert f'<span class="code">{code}</span>' in grid
        assert f">{label}</a>" in grid
    rates = client.get("/queries/highest-rates").text
    # China's 125% first, then every country at the 50% steel and aluminum rates (Proclamation 10947), by code.
    assert rates.index('<span class="code">CHN</span>') < rates.index('<span class="code">ABW</span>')


def test_html_errors_are_400_and_escaped(client) -> None:
    response = client.get("/queries/exemptions-of-measure", query_string={"measure": "<script>alert(1)</script>"})
    assert response.status_code == 400
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;" in response.text


def test_a_required_parameter_page_starts_with_the_form_only(client) -> None:
    response = client.get("/queries/tariffs-in-force")
    assert response.status_code == 200
    assert "<form" in response.text and 'class="results"' not in response.text


def test_named_queries_run_in_the_query_workers_within_the_timeout(bundled_store) -> None:
    from tradekg.server import create_app

    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store, "TRADEKG_TIMEOUT": 30})
    answered = app.test_client().get("/api/queries/officials")
    assert answered.status_code == 200 and answered.json["rows"]
    assert app.extensions["tradekg.workers"].pids, "the query ran in a worker process"
    app.extensions["tradekg.workers"].close()


def test_a_named_query_past_the_timeout_is_503_in_json_and_html(bundled_store) -> None:
    from tradekg.server import create_app

    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store, "TRADEKG_TIMEOUT": 1e-6})
    client = app.test_client()
    stopped = client.get("/api/queries/officials")
    assert stopped.status_code == 503
    assert "stopped" in stopped.json["error"]
    page = client.get("/queries/officials?country=JPN")
    assert page.status_code == 503
    app.extensions["tradekg.workers"].close()
