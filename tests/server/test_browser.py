"""End to end in Debian's headless Chromium (Playwright): click through the graph, run a query, fit a phone.

Skipped when /usr/bin/chromium or Playwright is missing, except under CI (``CI`` set), where they must run.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_click_from_home_through_japan_and_a_tariff_to_an_exemption(live_server, browser_page):
    page = browser_page
    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "Trade policy, as linked data"
    page.get_by_role("link", name="Japan", exact=True).first.click()
    page.wait_for_url("**/page/country/JPN")
    assert page.locator("h1").inner_text() == "Japan"
    assert page.locator("a.external", has_text="Wikidata Q17").count() == 1
    page.get_by_role("link", name="US 24% tariff rate on Japan").first.click()  # an incoming "applies to" link
    page.wait_for_url("**/page/measure/usa-jpn-24-percent-rate")
    assert page.locator("time[datetime='2025-07']").first.inner_text() == "July 2025"  # in the summary and the facts
    page.get_by_role("link", name="US 10% blanket tariff").first.click()  # "amends"
    page.wait_for_url("**/page/measure/usa-blanket-tariff")
    rate = page.locator("tr", has=page.locator("th", has_text="rate (percent)"))
    assert "10" in rate.inner_text()
    # More links point here than a page lists (the reciprocal rates that amend it come first): the exemptions are on
    # the next page.
    page.get_by_role("link", name="next", exact=False).first.click()
    exemptions = page.locator("tr", has=page.locator("th", has_text="exemption from")).locator("td a")
    exemption = exemptions.filter(has_text="left out of the US 10% blanket tariff").first  # the article's own
    name = exemption.inner_text()
    exemption.click()
    page.wait_for_url("**/page/exemption/**")
    assert page.locator("h1").inner_text() == name
    assert page.locator("tr", has=page.locator("th", has_text="exempt country")).locator("td a").count() == 1
    page.get_by_role("link", name="EconoTimes", exact=False).first.click()  # its source
    page.wait_for_url("**/page/source/**")


def test_query_page_runs_an_example_and_shows_the_table(live_server, browser_page):
    page = browser_page
    page.goto(live_server + "/query")
    assert "PREFIX tkg:" in page.locator("textarea#query").input_value()
    page.select_option("#example", "tariffs")
    assert "tkg:Tariff" in page.locator("textarea#query").input_value()
    page.click("#run")
    page.wait_for_selector("table.results-table tbody tr")
    headers = page.locator("table.results-table th").all_inner_texts()
    assert headers == ["tariff", "label", "imposedBy", "rate"]
    assert page.locator("table.results-table tbody tr").count() >= 5
    link = page.locator("table.results-table a", has_text="United States").first  # its label, once fetched
    assert link.get_attribute("href") == "/page/country/USA"
    assert "result" in page.locator("#status").inner_text()
    with page.expect_download() as download:
        page.click("#download-csv")
    assert download.value.suggested_filename == "results.csv"
    link.click()
    page.wait_for_url("**/page/country/USA")


def test_query_page_shows_errors_readably(live_server, browser_page):
    page = browser_page
    page.goto(live_server + "/query")
    page.fill("textarea#query", "SELECT WHERE {")
    page.click("#run")
    page.wait_for_selector("#results .syntax-error")
    assert page.locator("#status").inner_text().startswith("Error 400")


def test_the_timeline_reads_without_javascript(live_server, chromium):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server + "/timeline")
        items = page.locator("ol.timeline li").all_inner_texts()
        assert any("2 April 2025" in item and "announced on" in item for item in items)
        assert any("July 2025" in item and "effective from" in item for item in items)
    finally:
        context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/page/country/JPN",
        "/page/measure/usa-jpn-24-percent-rate",
        "/ontology",
        "/timeline",
        "/query",
        "/class/Tariff",
        "/duty?origin=CHN&hs=8703.23.01&date=2025-04-10",
    ],
)
def test_pages_fit_a_phone_screen(live_server, chromium, path):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(live_server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a phone"
        assert page.evaluate("getComputedStyle(document.body).fontSize") in ("15px", "16px")
    finally:
        context.close()


def test_the_duty_form_computes_and_reads_without_javascript(live_server, chromium):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server + "/duty")
        page.fill("input[name=origin]", "Canada")
        page.fill("input[name=hs]", "9503.00.00")
        page.fill("input[name=date]", "2025-08-01")
        page.get_by_role("button", name="Compute").click()
        page.wait_for_url("**/duty?*")
        assert page.locator("h2").first.inner_text() == "35% additional duty"  # EO 14325 from 2025-08-01
        assert page.locator("svg.duty-bar rect").count() == 1
        page.check("input[name=usmca]")
        page.get_by_role("button", name="Compute").click()
        page.wait_for_url("**usmca=true**")
        assert page.locator("h2").first.inner_text() == "0% additional duty"
        assert "exempt: USMCA-qualifying" in page.locator("ul.not-applied").inner_text()
    finally:
        context.close()
