"""The domain views served: country and measure pages, the map, and the fixed findings (404, favicon, /void)."""

from __future__ import annotations

import re


def test_a_country_page_leads_with_its_duties_on_a_day(client):
    response = client.get("/page/country/JPN?date=2025-05-15")
    assert response.status_code == 200
    page = response.text
    assert page.index("Trade position on") < page.index("<h2>All facts</h2>")
    assert "Tariffs Japan faces, measures on all countries included" in page
    assert 'href="/page/measure/usa-blanket-tariff"' in page
    assert "<strong>10%</strong> from" in page
    assert 'class="world-map"' in page and 'class="time-chart"' in page
    assert "<style" not in page and "<script" not in page  # a strict CSP holds


def test_a_country_page_shows_programme_exemptions_and_stacking_rules_inline(client):
    faced = client.get("/page/country/JPN.json?date=2025-05-15").get_json()["view"]["faced"]
    rows = {d["iri"].rsplit("/", 1)[-1]: d for d in faced}
    baseline = rows["usa-blanket-tariff"]  # the 10% on all countries: its programme's exceptions hold for Japan
    assert {e["iri"].rsplit("/", 1)[-1] for e in baseline["programme_exemptions"]} >= {
        "usa-reciprocal-annex-ii",
        "usa-reciprocal-section-232-goods",
    }
    assert baseline["stacking"].startswith("not paid on goods that pay US Section 232 duties")
    assert rows["usa-auto-tariff"]["stacking"].startswith("goods that pay it do not pay")  # it prevails
    assert rows["usa-reciprocal-jpn"]["status"] == "suspended" and rows["usa-reciprocal-jpn"]["programme_exemptions"]


def test_a_country_page_as_json_carries_its_view(client):
    data = client.get("/page/country/JPN.json?date=2025-09-20").get_json()
    assert data["view"]["date"] == "2025-09-20"
    assert data["view"]["all_goods_totals"][0]["rate_percent"] == "15"
    statuses = {d["iri"].rsplit("/", 1)[-1]: d["status"] for d in data["view"]["faced"]}
    assert statuses["usa-blanket-tariff"] == "replaced"
    assert {r["note"] for r in data["view"]["rounds"]} == {"held"}  # rounds 3 and 4: planned, then held


def test_a_bad_date_is_a_400_naming_it(client):
    response = client.get("/page/country/JPN?date=2025-13-01")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.text


def test_a_measure_page_puts_the_rate_first_without_datatype_badges(client):
    page = client.get("/page/measure/usa-blanket-tariff?date=2025-05-15").text
    assert page.index('class="big-rate">10%') < page.index("Applies to")
    assert "xsd:decimal</span>" not in page and 'class="datatype"' not in page
    facts = page[page.index("<h2>All facts</h2>") :]
    first_row = re.search(r"<th scope=\"row\"><a [^>]*>([^<]+)</a>", facts)
    assert first_row is not None and first_row.group(1) == "rate (percent)"
    assert ">yes</span>" in facts  # applies to all countries: yes, not "true"
    assert "Canada left out of the US 10% blanket tariff" in page[: page.index("<h2>All facts</h2>")]


def test_the_map_page_and_its_svg(client):
    page = client.get("/map?imposer=usa&date=2025-05-15")
    assert page.status_code == 200
    assert page.text.count('<a href="/page/country/') >= 200
    picture = client.get("/map.svg?target=JPN")
    assert picture.mimetype == "image/svg+xml"
    assert "Japan: the target this map is about" in picture.text
    assert client.get("/map?imposer=XXX").status_code == 404
    assert client.get("/map?imposer=USA&target=JPN").status_code == 400
    data = client.get("/map?imposer=USA&date=2025-05-15&format=json").get_json()
    assert {row["iso3"]: row["rate_percent"] for row in data["rates"]}["JPN"] == "10"


def test_unknown_addresses_get_a_styled_404_with_navigation(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert '<nav aria-label="site">' in response.text and "style.css" in response.text


def test_a_favicon_and_void_as_html_for_browsers(client):
    assert client.get("/favicon.ico").mimetype == "image/svg+xml"
    browser = client.get("/void", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.mimetype == "text/html" and "VoID description" in browser.text
    assert client.get("/void", headers={"Accept": "*/*"}).mimetype == "text/turtle"
    assert client.get("/void").mimetype == "text/turtle"


def test_named_query_tables_link_here_and_read_as_words(client):
    page = client.get("/queries/tariffs-in-force?date=2025-07-15&country=JPN").text
    assert 'href="https://w3id.org/tradekg/id/' not in page
    assert '<a href="/page/country/JPN"' in page
    assert ">15 July 2025<" in page and ">25%<" in page
    headers = re.findall(r'<th scope="col" title="\?(\w+)">([^<]+)</th>', page)
    assert ("effectiveFrom", "Effective from") in headers
    assert "effectiveUntil" not in dict(headers)  # always empty here: hidden
    legal = client.get("/queries/measures-by-legal-basis?instrument=instrument:eo-14257").text
    assert ">HTS heading</th>" in legal  # acronyms stay in capitals
    proposals = client.get("/queries/proposals-by-country?country=Japan").text  # measures a GROUP_CONCAT listed
    assert (
        '<a href="/page/measure/usa-auto-tariff"' in proposals
        and ">https://w3id.org/tradekg/id/measure" not in proposals
    )


def test_the_ontology_states_shared_constraints_once(client):
    page = client.get("/ontology").text
    assert page.count("Every tradekg resource must be derived from a source") == 1


def test_class_pages_page_by_key_not_by_offset(client):
    first = client.get("/class/Country?format=json&limit=20").get_json()
    second = client.get(
        "/class/Country", query_string={"format": "json", "limit": 20, "after": first["items"][-1]["iri"]}
    )
    second = second.get_json()
    by_offset = client.get("/class/Country?format=json&limit=20&offset=20").get_json()
    assert [i["iri"] for i in second["items"]] == [i["iri"] for i in by_offset["items"]]
    assert not {i["iri"] for i in first["items"]} & {i["iri"] for i in second["items"]}
    page = client.get("/class/Country?limit=20").text
    assert 'rel="next" href="/class/Country?limit=20&amp;after=' in page
    assert client.get("/class/Country?after=not%20an%20iri").status_code == 400


def test_a_measure_page_leads_with_status_scope_basis_stacking_amendments_and_sources(client):
    page = client.get("/page/measure/usa-blanket-tariff?date=2025-09-20").text
    view = page[: page.index("<h2>All facts</h2>")]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", view))
    assert "10% in force on 20 September 2025" in text  # the rate, its status on the chosen day
    assert "in force from 5 April 2025" in text and "Applies to all countries" in text
    assert "Canada left out of the US 10% blanket tariff" in text  # exemptions inline
    assert "Executive Order 14257" in text and "rests on IEEPA" in text  # legal basis and its statute
    assert "under International Emergency Economic Powers Act" in text  # the statute, linked
    # the exceptions of the whole reciprocal programme, and the rule that Section 232 goods do not pay it
    assert "Annex II goods left out of the reciprocal tariffs" in text
    assert "China left out of the US 10% blanket tariff (contradicted by another source)" in text
    assert "Stacking not paid on goods that pay" in text  # buses first (Proclamation 10984), then EO 14257's rule
    assert "not paid on goods that pay US Section 232 duties on aluminum" in text
    assert "Amended by" in text and "US 24% tariff rate on Japan" in text
    assert "CBP CSMS 64680374" in text  # its sources
    data = client.get("/page/measure/usa-blanket-tariff?date=2025-09-20&format=json").json["view"]
    assert data["rate_percent"] == "10" and data["applies_to_all"] and data["sources"]
    assert {r["role"] for r in data["stacking_rules"]} == {"displaced"}
    assert "https://w3id.org/tradekg/id/exemption/usa-reciprocal-annex-ii" in {
        e["iri"] for e in data["programme_exemptions"]
    }


def test_a_dated_country_page_shows_rounds_as_they_stood_that_day(client):
    def rounds(date: str) -> dict[str, str]:
        view = client.get(f"/page/country/JPN.json?date={date}").get_json()["view"]
        return {r["label"]: r["note"] for r in view["rounds"]}

    before = rounds("2025-05-15")  # round 3 (23 May) and round 4 (30 May): planned by their sources, held later
    assert before["US-Japan trade talks, round 3"] == "planned"
    assert before["US-Japan trade talks, round 4"] == "planned"
    assert before["US-Japan trade talks, round 1"] == "held"  # 16 April, before the day
    assert rounds("2025-05-24")["US-Japan trade talks, round 3"] == "held"  # its held period began on 23 May
    assert rounds("2025-04-01")["US-Japan trade talks, round 1"] == "not yet held on this day"  # dated 16 April
    page = client.get("/page/country/JPN?date=2025-05-15").text
    assert 'US-Japan trade talks, round 4</a> <span class="muted">(planned)</span>' in page
    agreements = client.get("/page/country/JPN.json?date=2025-05-15").get_json()["view"]["agreements"]
    assert [a["note"] for a in agreements] == ["announced 22 July 2025, after this day"]
    later = client.get("/page/country/JPN.json?date=2025-09-20").get_json()["view"]["agreements"]
    assert [a["note"] for a in later] == [""]


def test_a_country_page_shows_only_the_stacking_rules_that_concern_its_goods(client):
    def rules(country: str) -> dict[str, set[str]]:
        faced = client.get(f"/page/country/{country}.json?date=2025-09-20").get_json()["view"]["faced"]
        return {d["iri"].rsplit("/", 1)[-1]: {r["iri"].rsplit("/", 1)[-1] for r in d["stacking_rules"]} for d in faced}

    india_only = "section-232-over-india-russian-oil"  # EO 14329: its displaced side is the 25% on India alone
    assert india_only in rules("IND")["usa-steel-tariff-50"]
    japan = rules("JPN")
    assert "usa-steel-tariff-50" in japan and not any(india_only in found for found in japan.values())
    assert any(found for found in japan.values())  # the rules on Japan's goods stay
    page = client.get("/page/country/JPN?date=2025-09-20").text
    assert "products of India" not in page and "products of Brazil" not in page


def test_a_suspension_page_does_not_say_it_adds_a_duty(client):
    page = client.get("/page/measure/usa-chn-geneva-suspension?date=2025-06-01").text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[: page.index("<h2>All facts</h2>")]))
    assert "adds to the other duties" not in text
    assert "Stacking adds no duty of its own: a suspension with no rate recorded" in text


def test_a_suspended_row_says_which_date_is_the_measure_s_and_which_the_suspension_s(client):
    page = client.get("/page/country/JPN?date=2025-05-15").text
    cells = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c))
        for c in re.findall(r'data-label="Status">(.*?)</td>', page, re.S)
    ]
    suspended = [c.strip() for c in cells if c.strip().startswith("suspended")]
    assert suspended == [
        "suspended effective from 9 April 2025 until 6 August 2025 ; suspended from 10 April 2025 until 9 July 2025"
        " by 90-day pause of the country-specific reciprocal rates"
    ]
    faced = client.get("/page/country/JPN.json?date=2025-05-15").get_json()["view"]["faced"]
    row = next(d for d in faced if d["status"] == "suspended")
    assert [(s["from"]["date"], s["until"]["date"]) for s in row["suspended_on_the_day_by"]] == [
        ("2025-04-10", "2025-07-09")
    ]
