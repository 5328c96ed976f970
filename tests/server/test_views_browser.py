"""The domain views in Debian's headless Chromium: the analyst's question in a few clicks, the map, phones, axe-core.

Skipped when /usr/bin/chromium or Playwright is missing, except under CI (``CI`` set), where they must run.
"""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.browser

# Every page type on a desktop and a phone (scroll, axe-core, nav bar...): tests/browser/test_analyst_walk.py.


def test_which_us_tariffs_apply_to_japan_and_which_have_exemptions(live_server, browser_page):
    page = browser_page
    page.goto(live_server + "/")
    clicks = 0
    page.locator("ul.country-links").get_by_role("link", name="Japan", exact=True).click()
    clicks += 1
    page.wait_for_url("**/page/country/JPN")
    table = page.locator("table.duties", has=page.locator("caption", has_text="Tariffs Japan faces"))
    rows = table.locator("tbody tr")
    measures = [rows.nth(i).locator("td").nth(1).locator("a").first.inner_text() for i in range(rows.count())]
    assert "US 10% blanket tariff" in measures  # applies to all countries, so it is on Japan's page
    assert "US 25% auto tariff" in measures
    auto = rows.filter(has=page.get_by_role("link", name="US 25% auto tariff", exact=True))
    assert "25%" in auto.locator("td.rate").inner_text()
    assert auto.locator("ul.exemptions a", has_text="Non-passenger vehicles left out of the auto tariff").count() == 1
    aluminum = rows.filter(has=page.get_by_role("link", name="US aluminum tariff", exact=True))
    assert "none recorded" in aluminum.locator("td").nth(3).inner_text()
    # The 10% on all countries: its programme's exceptions inline, its basis and dates, and what it does not stack
    # with (goods under the Section 232 tariffs pay those instead), whatever the day shown.
    baseline = rows.filter(has=page.get_by_role("link", name="US 10% blanket tariff", exact=True))
    assert "10%" in baseline.locator("td.rate").inner_text()
    exemptions = baseline.locator("td").nth(3).inner_text()
    assert "Annex II goods left out of the reciprocal tariffs" in exemptions
    assert "Goods under Section 232 measures left out of the reciprocal tariffs" in exemptions
    assert "from 5 April 2025" in baseline.locator("td").nth(2).inner_text()
    stacking = baseline.locator("td").nth(4).inner_text()
    assert "not paid on goods that pay US Section 232 duties" in stacking and "Executive Order 14257" in stacking
    assert clicks <= 3


def test_the_map_draws_over_200_linked_countries_without_javascript(live_server, chromium):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server + "/map?imposer=USA&date=2025-05-15")
        shapes = page.locator("svg.world-map path")
        assert shapes.count() >= 200
        drawn = page.evaluate(
            "[...document.querySelectorAll('svg.world-map path')].filter(p => p.getBBox().width > 0).length"
        )
        assert drawn >= 200
        japan = page.locator("svg.world-map a[href='/page/country/JPN']")
        assert japan.locator("title").text_content() == "Japan: 10%"
        assert page.locator("ul.legend li").count() >= 6
        japan.focus()  # the keyboard reaches each country's link (its centre may lie in the sea, so no mouse click)
        page.keyboard.press("Enter")
        page.wait_for_url("**/page/country/JPN")
    finally:
        context.close()


def test_the_country_grid_of_a_named_query_sizes_each_tile_to_its_content(live_server, browser_page):
    browser_page.goto(live_server + "/queries/highest-rates")
    assert browser_page.locator("ul.countries li").count() >= 50  # a page of the answer
    heights = browser_page.evaluate(
        "[...document.querySelectorAll('ul.countries li')].map(t => [t.offsetHeight, t.querySelectorAll('dl').length])"
    )
    one, two = next(h for h, n in heights if n == 1), next(h for h, n in heights if n == 2)
    assert one < two  # China's one tariff is not stretched to the height of its neighbours' two (4,900 px once)
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_the_ontology_page_is_a_short_index_whose_terms_open_without_javascript(live_server, chromium):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server + "/ontology#Tariff")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 6000, height  # 26,900 px when every term and its constraints were spelled out
        tariff = page.locator("details#Tariff")
        assert tariff.get_attribute("open") is None and not tariff.locator("dl").is_visible()
        tariff.locator("summary").click()
        assert tariff.get_attribute("open") == "" and tariff.get_by_text("subclass of").is_visible()
    finally:
        context.close()


# The crawl from the home page is tests/browser/test_site_crawl.py (the whole site, in Chromium).


if os.environ.get("CI") and not os.path.exists("/usr/bin/chromium"):  # pragma: no cover - CI must run them
    raise RuntimeError("CI needs /usr/bin/chromium for the browser tests")
