"""The Flask application: ``create_app()`` builds it, one blueprint per protocol.

Nothing is built at import time. The store is opened by ``create_app`` (or passed in through the config key
``TRADEKG_STORE_INSTANCE`` by tests and by ``tradekg serve``) and kept in ``app.extensions["tradekg"]``. The
query workers start with the first query that needs them (:func:`query_pool`) and stop when the application is
collected or the interpreter exits. Answers of read queries are kept until the next write
(:mod:`tradekg.server.answer_cache`), and the common ``GET /sparql?query=`` is answered before Flask's request
machinery (:mod:`tradekg.server.fast_sparql`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from flask import Flask, current_app, has_request_context
from flask import request as flask_request

from tradekg.graph.load import open_store
from tradekg.search.text_search import TextIndex, index_path
from tradekg.server import guard
from tradekg.server.answer_cache import AnswerCache
from tradekg.server.bodies import BoundedBodies
from tradekg.server.compiled_templates import TEMPLATE_CODE
from tradekg.server.shares import CLIENT
from tradekg.settings import default_config
from tradekg.store.backends import store_location
from tradekg.store.interface import TradeStore

if TYPE_CHECKING:
    from tradekg.server.worker import QueryPool, Request

_POOL_LOCK = threading.Lock()
T = TypeVar("T")


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the application.

    Args:
        config: Flask config overrides, keyed as in :mod:`tradekg.settings` (``TRADEKG_MAX_ROWS``...).
            ``TRADEKG_STORE_INSTANCE`` hands in an opened :class:`TradeStore`; otherwise one is opened from
            ``TRADEKG_STORE`` (a directory or a SPARQL server's URL, with ``TRADEKG_UPDATE_ENDPOINT`` and
            ``TRADEKG_GSP_ENDPOINT``), ``TRADEKG_DATA`` and ``TRADEKG_EMPTY``.
    """
    app = Flask(__name__)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": TEMPLATE_CODE}  # compiled once per process
    app.config.from_mapping(default_config())
    if config:
        app.config.from_mapping(config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["TRADEKG_MAX_BODY_BYTES"]
    store = app.config.get("TRADEKG_STORE_INSTANCE")
    if store is None:
        location = store_location(
            app.config["TRADEKG_STORE"] or None,
            update_endpoint=app.config["TRADEKG_UPDATE_ENDPOINT"] or None,
            gsp_endpoint=app.config["TRADEKG_GSP_ENDPOINT"] or None,
            timeout=float(app.config["TRADEKG_TIMEOUT"] or 0),
        )
        data_files = [Path(str(path)) for path in app.config["TRADEKG_DATA"]]
        store = open_store(
            location, data_files=data_files or None, empty=bool(app.config["TRADEKG_EMPTY"]), hs_tree=True
        )
    app.extensions["tradekg"] = store
    app.extensions["tradekg.search"] = TextIndex(store, index_path(store))  # built at the first search
    app.extensions["tradekg.answers"] = AnswerCache(int(app.config["TRADEKG_ANSWER_CACHE_MB"]) * 2**20)
    _register_blueprints(app)
    guard.init_app(app)
    from tradekg.server.fast_sparql import SparqlFastPath  # noqa: PLC0415 - it imports this module's helpers

    app.wsgi_app = SparqlFastPath(app, BoundedBodies(app, app.wsgi_app))  # type: ignore[method-assign]
    return app


def _register_blueprints(app: Flask) -> None:
    """Register every protocol's blueprint (each module owns one)."""
    from tradekg.server import (  # noqa: PLC0415 - blueprints import current_store from here
        api,
        duty,
        graph_store,
        linked_data,
        ontology_page,
        pages,
        query_page,
        sparql,
        views,
        void,
    )

    for module in (sparql, graph_store, linked_data, pages, ontology_page, query_page, void, duty, views):
        app.register_blueprint(module.bp)
    api.init_app(app)


def current_store() -> TradeStore:
    """The store of the application handling the current request."""
    return current_app.extensions["tradekg"]


def text_index(app: Flask | None = None) -> TextIndex:
    """The full-text index of an application's store (the current one's by default)."""
    return (app or current_app).extensions["tradekg.search"]


def answer_cache(app: Flask | None = None) -> AnswerCache:
    """The answers kept by an application (the current one by default)."""
    return (app or current_app).extensions["tradekg.answers"]


def query_pool(app: Flask | None = None) -> QueryPool | None:
    """An application's query workers (the current one's by default), started at the first call.

    Returns ``None`` where processes cannot fork.
    """
    from tradekg.server.worker import QueryPool, can_fork  # noqa: PLC0415 - no worker code until a query needs it

    if app is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    pool = app.extensions.get("tradekg.workers")
    if pool is None and can_fork():
        with _POOL_LOCK:
            pool = app.extensions.get("tradekg.workers")
            if pool is None:
                size, memory = int(app.config["TRADEKG_QUERY_WORKERS"]), int(app.config["TRADEKG_QUERY_MEMORY"])
                pool = QueryPool(app.extensions["tradekg"], size, memory_mebibytes=memory)
                weakref.finalize(app, pool.close)  # at collection of the app or at exit, whichever comes first
                app.extensions["tradekg.workers"] = pool
    return pool


def run_bounded(request: Request[T], app: Flask | None = None, *, store_locked: bool = False) -> T:
    """Answer a request within the ``timeout`` setting: in a query worker that is killed at the deadline.

    With ``timeout`` 0 (or where processes cannot fork) the request runs in this thread, without a limit. A store
    that bounds its queries itself (:attr:`TradeStore.bounds_queries`: it was given ``timeout`` when opened) is
    asked in this thread too, and raises ``TimeoutError`` at the limit.

    Args:
        request: The work.
        app: The application whose store and workers answer; the current one by default.
        store_locked: The caller holds the store's write lock (see :meth:`QueryPool.run`).

    Raises:
        QueryTimeout: No answer in time; the work has been stopped.
        WorkerFailed: The worker died without an answer.
    """
    if app is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    seconds = float(app.config["TRADEKG_TIMEOUT"] or 0)
    pool = query_pool(app) if seconds > 0 and not app.extensions["tradekg"].bounds_queries else None
    if pool is None:
        return request.run(app.extensions["tradekg"])
    if not has_request_context():
        return pool.run(request, seconds, store_locked=store_locked)  # the client was set by the caller, if any
    client = CLIENT.set(flask_request.remote_addr or "")
    try:
        return pool.run(request, seconds, store_locked=store_locked)
    finally:
        CLIENT.reset(client)
