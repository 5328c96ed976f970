"""Fixtures of the server tests: an app over a small browsing graph, a live server, and headless Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from tradekg.graph.load import open_store
from tradekg.graph.store import TradeStore
from tradekg.server import create_app

BROWSE_DATA = Path(__file__).resolve().parent / "data" / "browse.trig"
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
def browse_store() -> TradeStore:
    """The bundled vocabulary with the browsing test graph (hostile labels, blank node, 60 incoming links)."""
    return open_store(data_files=[BROWSE_DATA], validate=False)


@pytest.fixture()
def browse_app(browse_store: TradeStore) -> Flask:
    return create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": browse_store})


@pytest.fixture()
def browse_client(browse_app: Flask) -> FlaskClient:
    return browse_app.test_client()


@pytest.fixture(scope="session")
def live_server(bundled_store: TradeStore) -> Iterator[str]:
    """The app over the bundled graph, served by a real HTTP server on a free port of 127.0.0.1."""
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store})
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
