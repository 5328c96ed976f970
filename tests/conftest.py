"""Shared fixtures: the bundled store, the Flask app, its test client and the CLI runner."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from rdflib.plugins.sparql import processor
from werkzeug.serving import make_server

from tradekg.graph.load import open_store
from tradekg.linkeddata.class_index import class_index
from tradekg.server import answer_cache, create_app
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore

sys.path.insert(0, str(Path(__file__).parent))
from longest_first import pytest_xdist_make_scheduler  # noqa: E402, F401  (the hook, under ``-n 2 --dist loadfile``)
from sparql_servers import STARTERS, RunningServer, ServerUnavailable  # noqa: E402

WRITE_TOKEN = "test-write-token"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under CI (``CI`` set, as ``.ci/run`` does) a skipped test is a failure: nothing is skipped silently there
    (the browser tests, the W3C suites on every backend, the servers' tests must all run)."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, and nothing may be skipped under CI: {reason}"


@pytest.fixture(scope="session")
def bundled_store() -> TradeStore:
    """The bundled graph in memory with the HS tree, as the server opens it, once for the read-only tests."""
    return open_store(hs_tree=True)


@pytest.fixture(scope="session")
def bundled_graph_only() -> OxigraphStore:
    """The bundled graph without the HS tree, as ``open_store()`` loads it, once: ``fresh_store`` copies it."""
    return open_store()  # type: ignore[return-value]


@pytest.fixture()
def fresh_store(bundled_graph_only: OxigraphStore) -> Iterator[TradeStore]:
    """A new in-memory store with the bundled graph (as ``open_store()`` returns it), for tests that write.

    A copy of one loaded store (:meth:`OxigraphStore.copy_in_memory`), a tenth of the cost of loading the files.
    """
    yield bundled_graph_only.copy_in_memory()


@pytest.fixture(scope="session")
def app(bundled_store: TradeStore) -> Flask:
    """The application over the shared bundled store, built once for the read-only tests.

    Shared by every test that reads, so its search index, answer cache and query workers are built once. A test
    must not change it (its config, extensions or store); one that needs other settings builds its own app.
    """
    return create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store})


@pytest.fixture()
def writable_app(fresh_store: TradeStore) -> Flask:
    """The application over a fresh store, with writes enabled by ``WRITE_TOKEN``."""
    return create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": fresh_store, "TRADEKG_WRITE_TOKEN": WRITE_TOKEN})


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    """A test client of the read-only application, whose answer cache starts empty as in a new application."""
    answer_cache(app).clear()
    return app.test_client()


@pytest.fixture()
def runner() -> CliRunner:
    """A runner for the ``tradekg`` command line."""
    return CliRunner()


@pytest.fixture(scope="module")
def prepared_query_cache() -> Iterator[None]:
    """Reuse parsed SPARQL queries while a module runs (request it with ``pytestmark``).

    The shape and seed-article tests call pySHACL directly on plain rdflib graphs; pySHACL sends the same SPARQL
    constraint text once per focus node and rdflib parses it every time (~90% of the time). The prepared query is
    the object rdflib would build, so results are unchanged.
    """
    original = processor.SPARQLProcessor.query
    prepared: dict[tuple[str, Any, tuple[tuple[str, Any], ...]], Any] = {}

    def query(
        self: Any,
        query: Any,
        initBindings: Any = None,
        initNs: Any = None,
        base: Any = None,
        DEBUG: bool = False,
    ) -> Any:
        if isinstance(query, str):
            key = (query, base, tuple(sorted((initNs or {}).items())))
            if key not in prepared:
                prepared[key] = processor.prepareQuery(query, initNs=initNs or {}, base=base)
            query = prepared[key]
        return original(self, query, initBindings or {}, initNs, base, DEBUG)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(processor.SPARQLProcessor, "query", query)
        yield


@pytest.fixture(scope="session")
def sparql_server() -> Iterator[Callable[[str], RunningServer]]:
    """Start a SPARQL server by name ("virtuoso", "oxigraph") once per session, on free loopback ports.

    A server that cannot start is a failure under CI (the environment variable ``CI`` set, as ``.ci/run`` does),
    and a skip elsewhere; either way it is tried once per session.
    """
    started: dict[str, RunningServer | ServerUnavailable] = {}

    def get(name: str) -> RunningServer:
        if name not in started:
            try:
                started[name] = STARTERS[name](Path(tempfile.mkdtemp(prefix=f"tradekg-{name}-")))
            except ServerUnavailable as error:
                started[name] = error
        server = started[name]
        if isinstance(server, ServerUnavailable):
            message = f"{name} could not start: {server}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        return server

    yield get
    for server in started.values():
        if isinstance(server, RunningServer):
            server.stop()


# -- the browser tests (tests/browser/ and the server's): one Chromium and one live server per session --------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def live_server(app: Flask, bundled_store: TradeStore) -> Iterator[str]:
    """The read-only app over the bundled graph (``app``), served by a real HTTP server on a free port of 127.0.0.1.

    The class index is built first: a class page asked while it is built in the background answers 503 after
    ``TRADEKG_CLASS_INDEX_WAIT`` (tested in tests/server/test_pages.py), which a loaded machine can exceed when a
    browser module is a worker's first (seen at load 15); the browser tests are about the pages once built.
    """
    assert class_index(bundled_store).wait_ready(120.0), "the class index of the bundled graph was not built in 120 s"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _unavailable(reason: str) -> None:
    """Skip, or fail under CI (``CI`` set), where the browser tests are mandatory."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests are mandatory under CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is missing (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def browser_page(chromium: object) -> Iterator[object]:
    """A fresh page (own context) in the shared browser, desktop-sized."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()
