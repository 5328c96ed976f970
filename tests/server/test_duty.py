"""The duty calculator over HTTP: GET /api/duty, the /duty page, and its description in the OpenAPI document."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from openapi_spec_validator import validate

CAR = {"origin": "JPN", "hs": "8703.23.01", "date": "2025-09-16"}


def test_the_api_answers_the_documented_json(client: FlaskClient) -> None:
    response = client.get("/api/duty", query_string=CAR)
    assert response.status_code == 200
    body = response.json
    assert set(body) >= {"origin", "hs", "date", "additional_percent", "measures", "not_applied"}
    assert (body["origin"], body["hs"], body["date"]) == ("JPN", "8703.23.01", "2025-09-16")
    assert body["additional_percent"] == 12.5  # EO 14345: 15% all-in less the 2.5% MFN rate of 8703
    (measure,) = body["measures"]
    assert set(measure) >= {"measure", "label", "rate_percent", "legal_basis", "heading", "sources"}
    assert measure["legal_basis"][0]["label"] == "EO 14345"
    assert all(set(entry) == {"measure", "label", "reason"} for entry in body["not_applied"])


def test_the_api_reads_usmca_and_names(client: FlaskClient) -> None:
    args = {"origin": "Canada", "hs": "9503.00.00", "date": "2025-08-01"}
    assert client.get("/api/duty", query_string=args).json["additional_percent"] == 35  # EO 14325
    assert client.get("/api/duty", query_string={**args, "usmca": "true"}).json["additional_percent"] == 0


def test_bad_input_is_400_naming_the_problem(client: FlaskClient) -> None:
    cases = [
        ({**CAR, "origin": "XYZ"}, "unknown country 'XYZ'"),
        ({**CAR, "hs": "87.03"}, "not an HS code"),
        ({**CAR, "date": "2024-01-01"}, "outside what the data covers: 2025-02-04 to"),
        ({**CAR, "date": "yesterday"}, "not a date"),
        ({**CAR, "usmca": "maybe"}, "'usmca' must be true or false"),
        ({"hs": "8703"}, "missing parameters: origin, date"),
    ]
    for args, message in cases:
        response = client.get("/api/duty", query_string=args)
        assert response.status_code == 400, args
        assert message in response.json["error"], (args, response.json)


def test_the_openapi_document_describes_the_calculator(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").json
    validate(document)
    operation = document["paths"]["/api/duty"]["get"]
    names = {parameter["name"]: parameter["required"] for parameter in operation["parameters"]}
    assert names == {"origin": True, "hs": True, "date": True, "usmca": False, "over_quota": False}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"origin", "hs", "date", "additional_percent", "measures", "not_applied"}


def test_the_page_shows_a_form_then_the_breakdown(client: FlaskClient) -> None:
    empty = client.get("/duty")
    assert empty.status_code == 200
    assert '<form class="duty"' in empty.text and "the data covers 4 February 2025 to" in empty.text
    page = client.get("/duty", query_string={"origin": "CHN", "hs": "8703.23.01", "date": "2025-04-10"}).text
    assert 'value="CHN"' in page and 'value="8703.23.01"' in page and 'value="2025-04-10"' in page
    assert "45% additional duty" in page  # autos 25% + fentanyl 20%; no reciprocal duty on autos (EO 14257)
    assert re.search(r'<svg class="duty-bar"[^>]*>', page)
    bar = page[page.index('<svg class="duty-bar"') : page.index("</svg>", page.index('<svg class="duty-bar"'))]
    assert bar.count("<rect ") == 3  # the MFN rate, then the two duties
    assert "not stacked with US 25% auto tariff (EO 14257)" in page
    assert "Goods of China" in page and "entered 10 April 2025" in page  # the origin named, dates in words
    assert "In all: 47.5%" in page  # with the MFN rate of 2.5%


def test_a_link_with_origin_and_date_opens_the_form_asking_for_the_code(client: FlaskClient) -> None:
    country = client.get("/page/country/JPN?date=2025-05-15").text
    assert 'href="/duty?origin=JPN&amp;date=2025-05-15"' in country
    page = client.get("/duty", query_string={"origin": "JPN", "date": "2025-05-15"})
    assert page.status_code == 200 and 'value="JPN"' in page.text and 'value="2025-05-15"' in page.text
    assert "Give an HS code (8703 for cars) to compute." in page.text
    data = client.get("/duty", query_string={"origin": "JPN", "date": "2025-05-15", "format": "json"})
    assert data.status_code == 200 and data.json["missing"] == ["hs"]  # the page's JSON alternate answers too


def test_the_page_fills_the_usmca_box_and_shows_errors_escaped(client: FlaskClient) -> None:
    page = client.get("/duty", query_string={"origin": "CAN", "hs": "9503", "date": "2025-08-01", "usmca": "true"})
    assert 'name="usmca" value="true" checked' in page.text
    bad = client.get("/duty", query_string={"origin": "<script>x</script>", "hs": "9503", "date": "2025-08-01"})
    assert bad.status_code == 400
    assert "<script>x" not in bad.text and "&lt;script&gt;x" in bad.text


def test_the_page_as_json_is_the_api_answer(client: FlaskClient) -> None:
    args = {"origin": "VNM", "hs": "9503", "date": "2025-08-07"}
    page = client.get("/duty", query_string={**args, "format": "json"}).json
    assert page == client.get("/api/duty", query_string=args).json
    assert page["additional_percent"] == 20  # EO 14326 Annex I


def test_the_duty_of_every_origin_for_a_map(client: FlaskClient) -> None:
    general = client.get("/api/duty/origins", query_string={"date": "2025-08-07"}).json
    rates = general["additional_percent"]
    assert general["hs"] is None and len(rates) > 200
    assert (rates["CHE"], rates["VNM"], rates["CAN"], rates["ARG"]) == (39, 20, 35, 10)  # EO 14326, EO 14325
    cars = client.get("/api/duty/origins", query_string={"date": "2025-09-16", "hs": "8703.23.01"}).json
    assert cars["hs"] == "8703.23.01"
    # EO 14345 (Japan) and FR 2025-18660 (EU, from 2025-08-01): 15% all-in less MFN 2.5%; others pay the 25% of 232
    percent = cars["additional_percent"]
    assert (percent["JPN"], percent["DEU"], percent["KOR"]) == (12.5, 12.5, 25)
    assert client.get("/api/duty/origins", query_string={"date": "2024-01-01"}).status_code == 400
    assert client.get("/api/duty/origins").status_code == 400
    operation = client.get("/api/openapi.json").json["paths"]["/api/duty/origins"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"date", "hs"}


def test_an_exemption_the_calculator_cannot_check_is_named(client: FlaskClient) -> None:
    medicine = {"origin": "DEU", "hs": "3004.90", "date": "2025-04-09"}
    body = client.get("/api/duty", query_string=medicine).json
    assert body["additional_percent"] == 10  # the baseline, counted: Annex II lists no HS codes in the graph
    annex = next(e for e in body["not_checked"] if e["exemption"].endswith("/usa-reciprocal-annex-ii"))
    assert annex["legal_basis"] == "EO 14257" and "lists no HS codes in this graph" in annex["reason"]
    page = client.get("/duty", query_string=medicine).text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Exemptions not checked" in text
    assert "Annex II goods left out of the reciprocal tariffs (EO 14257): not checked," in text
    later = client.get("/api/duty", query_string={**medicine, "date": "2026-03-01"}).json["not_checked"]
    assert any(e["exemption"].endswith("/usa-section-122-annex-goods") for e in later)
