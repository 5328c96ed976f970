"""The query page and search in Debian's headless Chromium (Playwright): Ctrl+Enter, a shareable address, errors
that point at their line, labels beside IRIs, and search by words with facets.

Skipped when /usr/bin/chromium or Playwright is missing, except under CI (``CI`` set), where they must run.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.browser


def run_in_editor(page, live_server: str, text: str, *, keys: str = "", wait_for: str = "") -> None:
    """Open the query page, type ``text`` and run it with ``keys`` (or the Run button), then wait for a selector."""
    page.goto(live_server + "/query")
    page.fill("textarea#query", text)
    if keys:
        page.press("textarea#query", keys)
    else:
        page.click("#run")
    page.wait_for_selector(wait_for or "table.results-table tbody tr")


LABELS = "SELECT ?country ?rate WHERE { ?t tkg:appliesTo ?country ; tkg:ratePercent ?rate } ORDER BY ?rate LIMIT 3"


def test_ctrl_enter_runs_and_the_address_runs_it_again(live_server, browser_page):
    page = browser_page
    run_in_editor(page, live_server, "SELECT ?name WHERE { country:JPN rdfs:label ?name }", keys="Control+Enter")
    assert page.locator("table.results-table tbody td").first.inner_text() == "Japan"
    shared = page.url
    assert parse_qs(urlsplit(shared).query)["query"] == ["SELECT ?name WHERE { country:JPN rdfs:label ?name }"]
    other = page.context.new_page()
    other.goto(shared)  # opened from a link: the query runs at once
    other.wait_for_selector("table.results-table tbody tr")
    assert other.locator("textarea#query").input_value().startswith("SELECT ?name")
    assert other.locator("table.results-table tbody td").first.inner_text() == "Japan"


def test_results_show_labels_beside_iris_and_no_datatype_noise(live_server, browser_page):
    page = browser_page
    run_in_editor(page, live_server, LABELS, wait_for="table.results-table a.term + span.iri")  # a label arrived
    first = page.locator("table.results-table tbody tr").first
    link = first.locator("a.term")
    assert link.get_attribute("href").startswith("/page/country/")
    assert ":" not in link.inner_text() and first.locator("span.iri").inner_text().startswith("country:")
    rate = first.locator("td").nth(1)
    assert "xsd" not in rate.inner_text() and "@" not in rate.inner_text()
    assert rate.get_attribute("title") == "datatype: xsd:decimal"  # on hover only


def test_a_syntax_error_points_at_its_line(live_server, browser_page):
    page = browser_page
    text = "SELECT ?s WHERE {\n  ?s a tkg:Tariff .\n  ?s nope:rate ?r\n}"
    run_in_editor(page, live_server, text, wait_for="#results .syntax-error")
    message = page.locator(".syntax-error p.where").inner_text()
    assert message.startswith("Syntax error at line 3, column") and "Unknown prefix “nope:”" in message
    assert page.locator("pre.error-context .error-line").get_attribute("data-line") == "3"
    selected = page.evaluate("[document.activeElement.id, document.activeElement.selectionStart]")
    assert selected[0] == "query" and selected[1] > len("SELECT ?s WHERE {\n  ?s a tkg:Tariff .\n")  # on line 3


def test_id_country_jpn_is_explained_and_its_escaped_form_runs(live_server, browser_page):
    page = browser_page
    run_in_editor(
        page, live_server, "SELECT ?t WHERE {\n  ?t tkg:appliesTo id:country/JPN\n}", wait_for="#results .syntax-error"
    )
    message = page.locator(".syntax-error p.where").inner_text()
    assert "“id:country/JPN” is not one SPARQL name" in message and "id:country\\/JPN" in message
    run_in_editor(page, live_server, "SELECT ?t WHERE { ?t tkg:appliesTo id:country\\/JPN }", wait_for="table tbody tr")
    labelled = page.locator("table a", has_text="US 24% tariff rate on Japan")
    labelled.first.wait_for()  # labels are asked for after the rows are drawn (query.js fetchLabels)
    assert labelled.count() == 1


def test_a_parameterised_example_asks_for_its_parameters(live_server, browser_page):
    page = browser_page
    page.goto(live_server + "/query")
    page.select_option("#example", "tariffs-in-force")
    page.wait_for_url("**/query?name=tariffs-in-force")
    page.fill("#param-country", "Japan")
    page.click("#apply-params")
    page.wait_for_selector("table.results-table tbody tr")  # given its parameters, it runs at once
    assert page.locator("table.results-table tbody tr").count() >= 3
    assert "query=" in page.url


def test_search_by_words_shows_kinds_and_filters_by_them(live_server, browser_page):
    page = browser_page
    page.goto(live_server + "/")
    page.fill("header form.search input[name=q]", "japan tariff")
    page.press("header form.search input[name=q]", "Enter")
    page.wait_for_url("**/search?q=japan+tariff")
    hit = page.locator("ol.hits li", has=page.get_by_role("link", name="US 24% tariff rate on Japan", exact=True))
    assert hit.locator(".kind").inner_text() == "Tariff"
    page.locator("nav.facets a", has_text="Tariff").click()
    page.wait_for_url("**type=Tariff")
    kinds = page.locator("ol.hits .kind").all_inner_texts()
    assert kinds and set(kinds) == {"Tariff"}


STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'"


def test_the_query_page_works_under_a_strict_content_security_policy(live_server, browser_page):
    page = browser_page
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else 0)

    def with_policy(route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    page.route("**/query**", with_policy)
    run_in_editor(page, live_server, LABELS, keys="Control+Enter", wait_for="table.results-table a.term + span.iri")
    assert refused == []
