"""The Flask application: ``create_app()`` builds it, one blueprint per protocol.

Nothing is built at import time. The store is opened by ``create_app`` (or passed in through the config key
``TRADEKG_STORE_INSTANCE`` by tests and by ``tradekg serve``) and kept in ``app.extensions["tradekg"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask, current_app

from tradekg.graph.load import open_store
from tradekg.graph.store import TradeStore
from tradekg.settings import default_config


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the application.

    Args:
        config: Flask config overrides, keyed as in :mod:`tradekg.settings` (``TRADEKG_MAX_ROWS``...).
            ``TRADEKG_STORE_INSTANCE`` hands in an opened :class:`TradeStore`; otherwise one is opened from
            ``TRADEKG_STORE``, ``TRADEKG_DATA`` and ``TRADEKG_EMPTY``.
    """
    app = Flask(__name__)
    app.config.from_mapping(default_config())
    if config:
        app.config.from_mapping(config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["TRADEKG_MAX_BODY_BYTES"]
    store = app.config.get("TRADEKG_STORE_INSTANCE")
    if store is None:
        store_path = app.config["TRADEKG_STORE"]
        data_files = [Path(str(path)) for path in app.config["TRADEKG_DATA"]]
        store = open_store(
            Path(str(store_path)) if store_path else None,
            data_files=data_files or None,
            empty=bool(app.config["TRADEKG_EMPTY"]),
        )
    app.extensions["tradekg"] = store
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Register every protocol's blueprint (each module owns one)."""
    from tradekg.server import api, graph_store, sparql  # noqa: PLC0415 - blueprints import current_store from here

    app.register_blueprint(sparql.bp)
    app.register_blueprint(graph_store.bp)
    api.init_app(app)


def current_store() -> TradeStore:
    """The store of the application handling the current request."""
    return current_app.extensions["tradekg"]
