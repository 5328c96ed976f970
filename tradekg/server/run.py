"""Running the application under waitress, a production WSGI server."""

from __future__ import annotations

import signal
import sys
from collections.abc import Mapping
from types import FrameType

import click
from waitress import serve

from tradekg.server import create_app
from tradekg.settings import SETTINGS


def run_server(settings: Mapping[str, object]) -> None:
    """Open the store, build the app and serve it until interrupted.

    Args:
        settings: Values keyed by setting name (as the ``serve`` command passes them).
    """
    config = {setting.config_key: settings.get(setting.name, setting.default) for setting in SETTINGS}
    app = create_app(config)
    host = str(config["TRADEKG_HOST"])
    port = int(str(config["TRADEKG_PORT"]))
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    click.echo(f"tradekg serving {len(app.extensions['tradekg']):,} quads on http://{host}:{port}/", err=True)
    serve(app, host=host, port=port, threads=int(str(config["TRADEKG_THREADS"])), ident="tradekg")


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Leave through ``sys.exit`` on SIGTERM, so that exit handlers stop and reap the query workers."""
    sys.exit(0)
