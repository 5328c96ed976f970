"""Every IRI and country parameter of the named queries has a picker, in Debian's headless Chromium (Playwright).

On a named query's page (``/queries/NAME``) and on the query page's form for an example (``/query?name=NAME``),
each ``iri`` parameter offers the resources of its class and each ``country`` parameter the graph's countries (an
HTML ``datalist``: it works without JavaScript, and any other value may still be typed). Picking the example's
value runs the query; a country is typed by its name.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tradekg.queries.catalog import load_catalog
from tradekg.queries.choices import compact

pytestmark = pytest.mark.browser

CATALOG = load_catalog()
PICKED = [(query.name, param.name) for query in CATALOG.values() for param in query.params if param.type == "iri"]
COUNTRIES = [
    (query.name, param.name) for query in CATALOG.values() for param in query.params if param.type == "country"
]


def _picker(page, param: str) -> dict[str, str]:
    """The options of a parameter's picker: value -> label (empty when the field has none)."""
    field = page.locator(f"#param-{param}")
    listed = field.get_attribute("list")
    assert listed, f"{param} has no picker"
    options = page.locator(f"datalist#{listed} option")
    return dict(zip(options.evaluate_all("os => os.map(o => o.value)"), options.all_inner_texts(), strict=True))


def _fill_the_others(page, query_name: str, skip: str) -> None:
    for param in CATALOG[query_name].params:
        if param.name != skip and param.required:
            page.fill(f"#param-{param.name}", compact(param.example or ""))


@pytest.fixture()
def page_without_script(chromium):
    """A page in a context without JavaScript: the named query pages and their pickers work without it."""
    context = chromium.new_context(java_script_enabled=False)
    try:
        yield context.new_page()
    finally:
        context.close()


def _run_with(page, name: str, param: str, value: str) -> None:
    """Give one parameter a value (and the other required ones their examples), run, and check it answered.

    A query whose parameters are all optional shows an answer on its first visit already: waiting for the results
    section alone could read that page, before the form's navigation. So wait for the address the form leads to.
    """
    page.fill(f"#param-{param}", value)
    _fill_the_others(page, name, param)
    page.get_by_role("button", name="Run").click()
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get(param) == [value])
    page.wait_for_selector("section.results")
    assert page.locator("p.error").count() == 0, f"{name}: {page.locator('p.error').inner_text()}"


def test_every_iri_parameter_offers_its_class_and_picking_the_example_answers(live_server, page_without_script):
    page = page_without_script
    assert len(PICKED) >= 5
    for name, param in PICKED:
        page.goto(f"{live_server}/queries/{name}")
        options = _picker(page, param)
        example = compact(CATALOG[name].param(param).example or "")
        assert example in options, f"{name}: the picker of {param} lacks its example {example}"
        assert options[example] and ":" not in options[example], "each choice reads as a label"
        _run_with(page, name, param, example)
        assert page.locator("section.results p", has_text="No rows.").count() == 0, f"{name}: no rows"


def test_every_country_parameter_offers_the_countries_and_takes_a_name(live_server, page_without_script):
    page = page_without_script
    for name, param in COUNTRIES:
        page.goto(f"{live_server}/queries/{name}")
        options = _picker(page, param)
        assert options.get("JPN") == "Japan" and len(options) >= 200
        _run_with(page, name, param, "Japan" if name != "agreements" else "United Kingdom")


def test_the_query_page_asks_for_an_examples_parameters_with_pickers(live_server, browser_page):
    page = browser_page
    for name in sorted({name for name, _ in PICKED + COUNTRIES}):
        page.goto(f"{live_server}/query?name={name}")
        for param in CATALOG[name].params:
            if param.type in ("iri", "country"):
                options = _picker(page, param.name)
                assert compact(param.example or "") in options, f"{name}: {param.name}"
