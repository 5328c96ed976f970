"""``tradekg serve``: one option per setting of :mod:`tradekg.settings`, then the HTTP server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from tradekg.cli.exits import EXIT_NOT_CONFORMING, EXIT_UNREADABLE, fail
from tradekg.graph.load import ValidationFailed
from tradekg.graph.rdf_files import LoadError
from tradekg.queries.catalog import CatalogError
from tradekg.settings import SETTINGS, Setting
from tradekg.store.interface import StoreError


def setting_option(setting: Setting) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The click option of one setting: its flag, type, default, environment variable and help."""
    shown_default = setting.default not in (None, (), False)
    if setting.kind is bool:
        return click.option(setting.option, setting.name, is_flag=True, default=False, help=setting.help)
    click_type: click.ParamType | type = setting.kind
    if setting.kind is Path:
        click_type = click.Path(path_type=Path, exists=setting.multiple, dir_okay=not setting.multiple)
    return click.option(
        setting.option,
        setting.name,
        type=click_type,
        default=setting.default,
        multiple=setting.multiple,
        envvar=setting.env,
        show_default=shown_default,
        show_envvar=setting.env is not None,
        help=setting.help,
    )


def with_settings(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with an option for every setting, in the order :data:`~tradekg.settings.SETTINGS` lists them."""
    for setting in reversed(SETTINGS):
        command = setting_option(setting)(command)
    return command


@click.command()
@with_settings
def serve(**settings: object) -> None:
    """Serve the graph over HTTP: SPARQL, linked-data pages and the query API."""
    from tradekg.server.run import run_server

    try:
        run_server(settings)
    except CatalogError as error:
        fail(f"a named query is broken: {error}", EXIT_UNREADABLE)
    except ValidationFailed as error:
        fail(str(error), EXIT_NOT_CONFORMING)
    except (LoadError, StoreError) as error:
        fail(str(error), EXIT_UNREADABLE)
