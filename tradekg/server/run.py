"""Serving the application with Granian, an HTTP server written in Rust.

Granian parses HTTP and writes answers in native code and calls the application in a pool of threads. Its
supervisor (this process) forks one serving process, and starts it again when it dies; when it dies again within
5.5 s of that restart (a crash loop), the supervisor exits with an error, and an outer restarter (the systemd unit in
the README) backs off and starts the server again. There is one serving process because there is one store: every
write must reach every reader. A restarted process serves a store on disk as it was; an in-memory store restarts
from the data it was started with (writes since are lost, as they are when the server stops).

The store is opened here, before Granian starts, so that a bad data file or a locked directory ends
``tradekg serve`` with a message and its exit status. An in-memory store is then inherited by the serving
process, forked (copy-on-write). A store on disk is closed and reopened by a serving process *spawned* as a
fresh interpreter: RocksDB keeps process-wide background threads that a forked child would lack, and the child's
first checkpoint would wait for them forever.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from functools import partial
from multiprocessing.util import Finalize

import click
from flask import Flask
from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server import Server

from tradekg.gate.footprint import footprints
from tradekg.server import create_app, query_pool, text_index
from tradekg.server.body_deadline import unavailable_note
from tradekg.settings import SETTINGS, SETTINGS_BY_NAME
from tradekg.store.backends import is_server_url
from tradekg.views.on_disk import save_if_changed
from tradekg.views.warm import warm_up_in_background

_PR_SET_PDEATHSIG = 1


def run_server(settings: Mapping[str, object]) -> None:
    """Open the store, build the app and serve it until interrupted (SIGINT or SIGTERM).

    Args:
        settings: Values keyed by setting name (as the ``serve`` command passes them).
    """
    config = {setting.config_key: settings.get(setting.name, setting.default) for setting in SETTINGS}
    host = str(config["TRADEKG_HOST"])
    port = int(str(config["TRADEKG_PORT"]))
    refuse_a_port_in_use(host, port)
    forget_write_token()
    app = create_app(config)
    store = app.extensions["tradekg"]
    click.echo(f"tradekg serving {served_data(config)} on http://{host}:{port}/", err=True)
    note = unavailable_note(float(str(config["TRADEKG_BODY_READ_TIMEOUT"] or 0)))
    if note:
        click.echo(f"tradekg: {note}", err=True)
    if store.path is None:
        multiprocessing.set_start_method("fork", force=True)
        load_app: Callable[[], Flask] = lambda: app  # noqa: E731 - the forked process inherits the store
    else:
        store.close()
        del app, store
        multiprocessing.set_start_method("spawn", force=True)
        reopen = {**config, "TRADEKG_DATA": (), "TRADEKG_EMPTY": True}  # the data is in the directory already
        load_app = partial(create_app, reopen)  # pickled into the spawned process
    loader = partial(_serving_process, load_app)
    server = Server(
        "tradekg.server:create_app",  # a name for Granian's log; the application comes from target_loader
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=1,
        blocking_threads=int(str(config["TRADEKG_THREADS"])),
        log_level=LogLevels.warning,
        websockets=False,
        workers_kill_timeout=10,  # a serving process that has not ended 10 s after SIGTERM is killed
        respawn_failed_workers=True,  # a serving process that dies is started again (a second death within
        # 5.5 s of the restart ends the server, for an outer restarter such as systemd to back off and retry)
    )
    logging.getLogger("_granian").addFilter(_threads_waiting_on_workers)
    server.serve(target_loader=loader, wrap_loader=False)  # called in the serving process


def refuse_a_port_in_use(host: str, port: int) -> None:
    """Stop if something already answers on ``host:port``, before the store is opened.

    Granian listens with ``SO_REUSEPORT``: a second server on a port in use would start without a word and take
    about half of its connections, perhaps answering from another store. A port bound but not listening is free.

    Raises:
        click.ClickException: A server already accepts connections there.
    """
    if port == 0:
        return
    where = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    try:
        with socket.create_connection((where, port), timeout=2):
            pass
    except OSError:
        return
    raise click.ClickException(
        f"something already answers on {host}:{port} (another tradekg serve?): stop it, or choose another --port"
    )


def served_data(config: Mapping[str, object]) -> str:
    """What is served, said from the settings alone: counting the quads would read the whole store (seconds at 10^7).

    ``tradekg stats`` counts them.
    """
    store_text = str(config["TRADEKG_STORE"] or "")
    if store_text:
        return f"the SPARQL server at {store_text}" if is_server_url(store_text) else f"the store in {store_text}"
    if config["TRADEKG_EMPTY"]:
        return "an empty store in memory"
    data_files = config["TRADEKG_DATA"]
    if isinstance(data_files, (list, tuple)) and data_files:
        return f"{len(data_files)} data file(s) in memory"
    return "the bundled graph in memory"


def forget_write_token() -> None:
    """Remove the write token's variable from this process's environment, once the settings have read it.

    Granian copies the environment into every request's WSGI environ, and the serving and query worker processes
    inherit it: without this, any code that shows a request's environ (a debugger, an error report, a log) would
    show the token. The token lives on in the application's configuration only.
    """
    variable = SETTINGS_BY_NAME["write_token"].env
    if variable:
        os.environ.pop(variable, None)


def _serving_process(load_app: Callable[[], Flask]) -> Flask:
    """Granian's ``target_loader``, run in the serving process: the application, tied to this process's life.

    When the supervisor stops the server (SIGTERM, SIGINT), the process ends through Granian's shutdown and stops
    its query workers, removes their checkpoints and closes the store (Granian's processes end through
    ``multiprocessing``, which runs its own finalizers but not ``atexit``). When the supervisor itself dies, the
    process is killed at once, so that it never keeps a store's lock alone: Granian's graceful shutdown without its
    supervisor hung in 1 of 12 tries. Its workers then read the end of their pipes and exit, and the next server on
    the store removes the checkpoints left behind.
    """
    _end_with_parent()
    app = load_app()
    # The store last, after the text index and the query workers: a store closed cleanly records its stamp as
    # closed, so the indexes kept beside it (class index, text index) are reused after a reboot, not rebuilt.
    Finalize(None, app.extensions["tradekg"].close, exitpriority=5)
    Finalize(None, partial(save_if_changed, app.extensions["tradekg"]), exitpriority=6)  # the views' summaries
    Finalize(None, text_index(app).close, exitpriority=20)  # before the workers: marks an index file up to date
    text_index(app).build_in_background()  # a big store's first search need not wait for its index (minutes)
    warm_up_in_background(app.extensions["tradekg"])  # what every country page and map shares (tradekg.views.warm)
    bounded = float(app.config["TRADEKG_TIMEOUT"] or 0) > 0 and not app.extensions["tradekg"].bounds_queries
    pool = query_pool(app) if bounded else None  # none without a timeout, nor for a store that keeps it itself
    if pool is not None:
        Finalize(None, pool.close, exitpriority=10)
        pool.start_all()  # a spawned worker takes most of a second to start: not on the first queries' time
    if app.config.get("TRADEKG_WRITE_TOKEN"):
        # What each shape reads is derived once per process, parsing the shapes' SPARQL constraints with rdflib
        # (about 4 s of CPU): done now, beside the first requests, rather than inside the first write.
        threading.Thread(target=footprints, name="tradekg-gate-warm-up", daemon=True).start()
    return app


def _end_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (elsewhere, nothing is done)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return


def _threads_waiting_on_workers(record: logging.LogRecord) -> bool:
    """Drop Granian's advice to keep threads near the core count: ours mostly wait for query worker processes."""
    return "Python threads, which seems quite high" not in record.getMessage()
