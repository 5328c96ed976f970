"""Issue 13's findings, walked again in Debian's headless Chromium as a new analyst would, on a desktop and a phone.

Every page type (each named query included) is opened at 1280 px and at 390 px, and must: not scroll sideways;
pass axe-core (``axe-playwright-python``, which bundles axe.min.js) with no violation; show the full nav bar; link
the dataset's resources to this site's pages, with labels; show dates in words and rates with %; log no console
error (a missing favicon was one on every page); and link its JSON alternate, which answers JSON. The 404 page is
styled, with the nav bar; ``/void`` is HTML for a browser.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tradekg.queries.catalog import load_catalog
from tradekg.queries.choices import compact

pytestmark = pytest.mark.browser

CATALOG = load_catalog()
PAGE_TYPES = {
    "home": "/",
    "country": "/page/country/JPN?date=2025-05-15",
    "tariffs a country faces": "/country/JPN/faced?date=2025-05-15",
    "tariffs a country imposes": "/country/USA/imposed?date=2025-05-15&limit=30",
    "measure": "/page/measure/usa-auto-tariff",
    "class": "/class/Tariff",
    "resource (exemption)": "/page/exemption/usa-blanket-tariff-can",
    "resource (source)": "/page/source/econotimes-japan-tariff-relief",
    "resource (HS heading)": "/page/hs/8703",
    "query page": "/query",
    "query page with an example": "/query?name=tariffs-in-force",
    "named queries": "/queries",
    **{
        f"named query {name}": f"/queries/{name}?"
        + urlencode({p.name: compact(p.example or p.default or "") for p in query.params})
        for name, query in CATALOG.items()
    },
    "search": "/search?q=japan+tariff",
    "map": "/map?imposer=USA&date=2025-05-15",
    "timeline": "/timeline?country=JPN",
    "duty": "/duty?origin=CHN&hs=8703.23.01&date=2025-04-10",
    "void": "/void",
    "ontology": "/ontology",
    "not found": "/no/such/page",
}
NOT_200 = {"not found": 404}
DATASET_BASE = "https://w3id.org/tradekg/id/"

# What a page shows that it should not: links to the dataset's IRIs (dead offline), links without a label, ISO dates
# as a whole table cell or value, datatype noise, rates without %.
FINDINGS = r"""() => {
  const main = document.querySelector('main');
  const skip = 'CODE, PRE, TEXTAREA, SCRIPT, .iri, [data-raw]';
  const cells = [...main.querySelectorAll('td, dd')].filter(cell => !cell.closest(skip) && cell.offsetParent !== null);
  const raw = cells.map(cell => cell.textContent.trim())
    .filter(text => /^\d{4}-\d{2}(-\d{2})?$|\^\^|\S\s*xsd:(decimal|date|string)|\S@en\b/.test(text));
  const links = [...main.querySelectorAll('a[href]')];
  const rates = [...main.querySelectorAll('table')].flatMap(table => {
    const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim().toLowerCase());
    const bare = (td, i) => /^rate\b|rate$/.test(heads[i] || '') && /^\d+(\.\d+)?$/.test(td.textContent.trim());
    return [...table.querySelectorAll('tbody tr')].flatMap(tr => [...tr.children].filter(bare))
      .map(td => td.textContent);
  });
  return {
    dataset_links: links.filter(a => a.getAttribute('href').startsWith('%s')).map(a => a.getAttribute('href')),
    unlabelled: links.filter(a => !(a.textContent.trim() || a.getAttribute('aria-label') || a.querySelector('title')))
      .map(a => a.outerHTML.slice(0, 120)),
    raw: raw.slice(0, 5),
    rates_without_percent: rates.slice(0, 5),
    nav: [...document.querySelectorAll('header.site nav a')].map(a => a.textContent.trim()),
    json: [...document.querySelectorAll('link[rel~=alternate], a[rel~=alternate]')]
      .filter(e => /json/.test(e.getAttribute('type') || '')).map(e => e.href),
    icon: !!document.querySelector('link[rel~=icon]'),
    sideways: document.documentElement.scrollWidth - window.innerWidth,
    styled: !!document.querySelector('link[rel=stylesheet]') && getComputedStyle(document.body).margin !== '8px',
  };
}""".replace("%s", DATASET_BASE)


def walk(live_server: str, chromium, viewport: dict[str, int], *, axe: bool) -> dict[str, list[str]]:
    """Open every page type in one page of a new context; return what each does wrong (empty lists when right)."""
    from axe_playwright_python.sync_playwright import Axe  # bundles axe.min.js: nothing is downloaded

    context = chromium.new_context(viewport=viewport, is_mobile=viewport["width"] < 500)
    page = context.new_page()
    page.set_default_timeout(60_000)  # a loaded machine running the suite in parallel is slow, never wrong
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    problems: dict[str, list[str]] = {}
    home_nav: list[str] | None = None
    try:
        for kind, path in PAGE_TYPES.items():
            errors.clear()
            response = page.goto(live_server + path)
            wrong: list[str] = []
            if response.status != NOT_200.get(kind, 200):
                wrong.append(f"status {response.status}")
            if not response.headers.get("content-type", "").startswith("text/html"):
                wrong.append(f"not HTML: {response.headers.get('content-type')}")
            seen = page.evaluate(FINDINGS)
            home_nav = home_nav or seen["nav"]
            if seen["sideways"] > 0:
                wrong.append(f"{seen['sideways']} px sideways scroll")
            if seen["nav"] != home_nav or len(home_nav) < 6:
                wrong.append(f"nav bar {seen['nav']}")
            for finding in ("dataset_links", "unlabelled", "raw", "rates_without_percent"):
                if seen[finding]:
                    wrong.append(f"{finding}: {seen[finding][:3]}")
            if not seen["icon"] or not seen["styled"]:
                wrong.append("no favicon or no style")
            if not seen["json"]:
                wrong.append("no JSON alternate linked")
            else:
                answer = context.request.get(seen["json"][0])
                if answer.status != NOT_200.get(kind, 200) or "json" not in answer.headers.get("content-type", ""):
                    wrong.append(
                        f"JSON alternate {seen['json'][0]}: {answer.status} {answer.headers.get('content-type')}"
                    )
            if axe:
                results = Axe().run(page)
                if results.violations_count:
                    wrong.append(results.generate_report()[:1500])
            if [e for e in errors if not (kind == "not found" and "404" in e)]:
                wrong.append(f"console errors {errors}")
            problems[kind] = wrong
    finally:
        context.close()
    return problems


def report(problems: dict[str, list[str]]) -> str:
    """What each page type does wrong, one line each."""
    return "\n".join(f"{kind}: {' | '.join(wrong)}" for kind, wrong in problems.items() if wrong)


def test_every_page_type_on_a_desktop(live_server, chromium):
    problems = walk(live_server, chromium, {"width": 1280, "height": 900}, axe=True)
    assert len(problems) == len(PAGE_TYPES) >= 30
    assert not any(problems.values()), report(problems)


def test_every_page_type_on_a_390_px_phone(live_server, chromium):
    problems = walk(live_server, chromium, {"width": 390, "height": 844}, axe=True)
    assert not any(problems.values()), report(problems)


def test_the_404_page_is_styled_and_void_is_html_for_a_browser(live_server, browser_page):
    page = browser_page
    response = page.goto(live_server + "/no/such/page")
    assert response.status == 404 and page.locator("header.site nav a").count() >= 6
    assert page.evaluate("getComputedStyle(document.querySelector('header.site')).display") != "inline"
    assert page.locator("h1").count() == 1
    response = page.goto(live_server + "/void")
    assert response.headers["content-type"].startswith("text/html") and page.locator("h1").count() == 1
    turtle = page.context.request.get(live_server + "/void", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    favicon = page.context.request.get(live_server + "/favicon.ico", max_redirects=3)
    assert favicon.status == 200 and "svg" in favicon.headers["content-type"]
