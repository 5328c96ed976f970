"""A crawl of the whole site from the home page, in Debian's headless Chromium (Playwright).

Every internal link reachable from ``/`` is followed, and each page fetched must answer 200 with HTML or with the
type its link declares (``type="application/json"``...). The bundled graph (with the HS tree) makes some twenty
thousand distinct addresses, most of them the same page for another resource (``/page/country/XXX`` for 249
countries, ``/data/hs/...`` in four syntaxes), so the crawl fetches every *kind* of address it meets: a kind is the
route that serves it, the resource's kind (``country``, ``measure``, ``hs``...) or named query, and the names of its
query parameters. Each kind's first page is rendered in a Chromium page (links read from its DOM, console errors
collected); its next ones are fetched with the browser context's request API, up to ``PER_KIND`` of each.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

pytestmark = pytest.mark.browser

PER_KIND = 2
"""Addresses fetched of each kind (the first rendered in Chromium)."""
SKIPPED_PATHS = ("/dump.",)
"""The whole dataset (megabytes of TriG and N-Quads): its links are checked by tests/server/test_void.py."""
MEDIA_BY_SUFFIX = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".js": "text/javascript",
}
"""What an address answers when its link declares no type and it is not a page: its suffix's media type."""
LINKS_IN_DOM = """() => [...document.querySelectorAll('a[href], link[href], form[action]')].map(e => [
    new URL(e.getAttribute(e.tagName === 'FORM' ? 'action' : 'href'), document.baseURI).href,
    e.getAttribute('type') || ''])"""


class _Links(HTMLParser):
    """The links of a page fetched without rendering: (address, declared type)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        target = values.get("action") if tag == "form" else values.get("href") if tag in ("a", "link") else None
        if target:
            self.found.append((target, values.get("type") or ""))


@dataclass
class Crawl:
    """What the crawl met: every internal address with its declared type, and the answers of those fetched."""

    origin: str
    declared: dict[str, str] = field(default_factory=dict)
    kinds: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    answers: dict[str, tuple[int, str]] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0
    from_home: set[str | None] = field(default_factory=set)
    console_errors: list[str] = field(default_factory=list)

    def local(self, url: str) -> str | None:
        """The address of an internal link (path and query), or ``None`` for another site or a skipped path."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin or parts.path.startswith(SKIPPED_PATHS):
            return None
        return parts.path + ("?" + parts.query if parts.query else "")


def address_kind(app, address: str) -> tuple[str, ...]:
    """The kind of an address: its route, the resource's kind or the named query, and its query parameters' names."""
    parts = urlsplit(address)
    try:
        endpoint, args = app.url_map.bind("localhost").match(parts.path, method="GET")
    except RequestRedirect:
        endpoint, args = "redirect", {}
    except HTTPException:
        endpoint, args = "no route", {}
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    detail = ""
    if "path" in args:  # /page/country/JPN (a view per kind of resource), /data/hs/01.ttl (one writer per syntax)
        head, _, tail = str(args["path"]).partition("/")
        detail = os.path.splitext(tail)[1] if endpoint == "linked_data.data" else "" if keys else head
    elif not keys:  # /class/Tariff, /queries/highest-rates, /country/JPN/faced, /void.ttl...: each one
        detail = str(next((args[name] for name in ("name", "ext", "side", "filename") if name in args), ""))
    return (endpoint, detail, *keys)


def _expected_type(address: str, declared: str) -> str | None:
    """The media type an address must answer with, or ``None`` for a page (HTML)."""
    if declared:
        return declared
    return MEDIA_BY_SUFFIX.get(os.path.splitext(urlsplit(address).path)[1])


@pytest.fixture(scope="module")
def crawl(app, live_server, chromium) -> Crawl:
    """Crawl the site from ``/``: render each kind's first page in Chromium, fetch its next ones by request."""
    found = Crawl(origin=live_server)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)  # a loaded machine running the suite in parallel is slow, never wrong
    page.on(
        "console",
        lambda message: found.console_errors.append(f"{page.url}: {message.text}") if message.type == "error" else None,
    )
    started = time.process_time()
    frontier = ["/"]
    found.declared["/"] = ""
    try:
        while frontier:
            address = frontier.pop(0)
            kind = found.kinds.setdefault(address_kind(app, address), [])
            if len(kind) >= PER_KIND and address not in found.from_home:
                continue
            kind.append(address)
            links: list[tuple[str, str]]
            if not kind[1:] and _expected_type(address, found.declared[address]) is None:
                response = page.goto(live_server + address)
                assert response is not None
                status, media = response.status, response.headers.get("content-type", "")
                found.rendered.append(address)
                links = [(url, declared) for url, declared in page.evaluate(LINKS_IN_DOM)]
            else:
                response = context.request.get(live_server + address, max_redirects=0)
                status, media = response.status, response.headers.get("content-type", "")
                links = []
                if media.startswith("text/html"):
                    parser = _Links()
                    parser.feed(response.text())
                    links = [(urljoin(live_server + address, url), declared) for url, declared in parser.found]
            found.answers[address] = (status, media.split(";")[0].strip())
            if address == "/":
                found.from_home = {found.local(url.split("#")[0]) for url, _ in links} - {None}
            for url, declared in links:
                local = found.local(url.split("#")[0])
                if local is not None and local not in found.declared:
                    found.declared[local] = declared
                    frontier.append(local)
    finally:
        context.close()
    found.cpu_seconds = time.process_time() - started
    return found


def test_every_address_fetched_answers_200_with_html_or_its_declared_type(crawl):
    wrong = {}
    for address, (status, media) in crawl.answers.items():
        expected = _expected_type(address, crawl.declared[address]) or "text/html"
        if status != 200 or media != expected:
            wrong[address] = (status, media, expected)
    assert not wrong, wrong
    print(
        f"\nthe crawl met {len(crawl.declared)} addresses of {len(crawl.kinds)} kinds, fetched {len(crawl.answers)}"
        f" and rendered {len(crawl.rendered)} in Chromium, in {crawl.cpu_seconds:.1f} CPU-s of this process"
    )


PAGES_FOR_PEOPLE = {
    "pages.home",
    "pages.class_page",
    "pages.search_page",
    "pages.timeline_page",
    "ontology_page.ontology",
    "query_page.query_page",
    "void.void",
    "duty.duty_page",
    "views.map_page",
    "views.map_picture",
    "views.duty_list",
    "queries.index_page",
    "queries.query_page",
    "queries.run_query",
    "linked_data.resource_page",
    "linked_data.data",
}


def test_the_crawl_reaches_every_kind_of_page_and_chromium_logs_no_error(crawl):
    assert PAGES_FOR_PEOPLE <= {kind[0] for kind in crawl.kinds}
    assert {"country", "measure", "exemption", "source", "hs"} <= {
        kind[1] for kind in crawl.kinds if kind[0] == "linked_data.resource_page"
    }
    assert {kind[1] for kind in crawl.kinds if kind[0] == "queries.query_page"} >= {"highest-rates", "agreements"}
    assert not crawl.console_errors, crawl.console_errors  # a missing favicon, a refused script...


def test_every_resource_address_met_names_a_resource_of_the_graph(app, crawl):
    """The addresses met but not fetched (other countries' pages, HS codes' data...) name resources the graph has."""
    from tradekg.server import current_store

    base = app.config["TRADEKG_DATASET_BASE"]
    iris = set()
    for address in crawl.declared:
        path = urlsplit(address).path
        for prefix, suffixes in (("/page/", ("",)), ("/data/", tuple(MEDIA_BY_SUFFIX))):
            if path.startswith(prefix):
                rest = unquote(path[len(prefix) :])
                iris.add(base + next((rest.removesuffix(s) for s in suffixes if s and rest.endswith(s)), rest))
    assert len(iris) > 500
    values = " ".join(f"<{iri}>" for iri in sorted(iris))
    with app.app_context():
        rows = current_store().query(
            f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} {{ ?s ?p ?o }} UNION {{ ?x ?q ?s }} }}"
        )
        described = {row[0].value for row in rows}
    assert iris - described == set()
