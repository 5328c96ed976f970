"""Shared fixtures: the bundled store, the Flask app, its test client and the CLI runner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from tradekg.graph.load import open_store
from tradekg.graph.store import TradeStore
from tradekg.server import create_app

WRITE_TOKEN = "test-write-token"


@pytest.fixture(scope="session")
def bundled_store() -> TradeStore:
    """The bundled graph in memory, opened once for the read-only tests (do not write to it)."""
    return open_store()


@pytest.fixture()
def fresh_store() -> Iterator[TradeStore]:
    """A new in-memory store with the bundled graph, for tests that write."""
    yield open_store()


@pytest.fixture()
def app(bundled_store: TradeStore) -> Flask:
    """The application over the shared bundled store (read-only)."""
    return create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store})


@pytest.fixture()
def writable_app(fresh_store: TradeStore) -> Flask:
    """The application over a fresh store, with writes enabled by ``WRITE_TOKEN``."""
    return create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": fresh_store, "TRADEKG_WRITE_TOKEN": WRITE_TOKEN})


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    """A test client of the read-only application."""
    return app.test_client()


@pytest.fixture()
def runner() -> CliRunner:
    """A runner for the ``tradekg`` command line."""
    return CliRunner()
