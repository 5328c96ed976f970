"""The ``--store`` option the commands share, and opening the store it names."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import click

from tradekg.cli.exits import EXIT_NOT_CONFORMING, EXIT_UNREADABLE, fail
from tradekg.graph.load import ValidationFailed, open_store
from tradekg.graph.rdf_files import LoadError
from tradekg.store.backends import StoreLocation, store_location
from tradekg.store.interface import StoreError, TradeStore

STORE_HELP = (
    "Directory of a persistent store, or the http(s) URL of a SPARQL server's query endpoint holding the data "
    "(credentials from TRADEKG_STORE_USER and TRADEKG_STORE_PASSWORD); without it the bundled graph is loaded in "
    "memory."
)
CLI_REQUEST_SECONDS = 300.0
"""The limit on each request to a SPARQL server from the command line (loads and exports take a while)."""


def store_options(
    *, required: bool = False, help_text: str = STORE_HELP
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``--store`` (a directory or a server's URL) with ``--update-endpoint`` and ``--gsp-endpoint``.

    The command receives ``location``: a :class:`~pathlib.Path`, a
    :class:`~tradekg.store.backends.ServerAddress`, or ``None``.
    """

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def with_location(
            *args: object,
            store_text: str | None,
            update_endpoint: str | None,
            gsp_endpoint: str | None,
            **kwargs: object,
        ) -> None:
            try:
                location = store_location(
                    store_text, update_endpoint=update_endpoint, gsp_endpoint=gsp_endpoint, timeout=CLI_REQUEST_SECONDS
                )
            except StoreError as error:
                fail(str(error), EXIT_UNREADABLE)
            command(*args, location=location, **kwargs)

        options = [
            click.option("--store", "store_text", required=required, default=None, metavar="DIR|URL", help=help_text),
            click.option(
                "--update-endpoint",
                default=None,
                metavar="URL",
                help="With --store URL: the SPARQL update endpoint, when it is not the query endpoint.",
            ),
            click.option(
                "--gsp-endpoint",
                default=None,
                metavar="URL",
                help="With --store URL: the server's Graph Store Protocol endpoint (used to read whole graphs).",
            ),
        ]
        for option in reversed(options):
            with_location = option(with_location)
        return with_location

    return decorate


def open_or_exit(location: StoreLocation, *, data_files: tuple[Path, ...] = ()) -> TradeStore:
    """The store at ``location`` (the bundled graph plus ``data_files`` when ``None``), closed with the command.

    Exits 1 when the data loaded does not conform, 2 when it cannot be read or the store cannot be opened.
    """
    try:
        store = open_store(location, data_files=list(data_files) or None)
    except ValidationFailed as error:
        fail(str(error), EXIT_NOT_CONFORMING)
    except (LoadError, StoreError) as error:
        fail(str(error), EXIT_UNREADABLE)
    click.get_current_context().call_on_close(store.close)
    return store
