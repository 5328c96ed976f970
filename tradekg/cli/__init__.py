"""The ``tradekg`` command: serve, query, validate, load, export and count the graph, and compute duties.

Exit codes: 0 success; 1 the data does not conform or the query fails; 2 unreadable input or bad usage.
One module per family of commands: :mod:`~tradekg.cli.serve`, :mod:`~tradekg.cli.data` (validate, load, import-csv,
export, stats), :mod:`~tradekg.cli.queries` (queries, query) and :mod:`~tradekg.cli.duty`.
"""

from __future__ import annotations

import click

from tradekg.cli.data import export, import_csv_command, load, stats, validate
from tradekg.cli.duty import duty
from tradekg.cli.exits import EXIT_UNREADABLE, fail
from tradekg.cli.queries import queries, query
from tradekg.cli.serve import serve
from tradekg.store.interface import StoreConflict, StoreError


class CommandGroup(click.Group):
    """The ``tradekg`` commands, ending with a message and exit code 2 when the store fails mid-command.

    A SPARQL server gone, or a write refused as concurrent: a message, never a traceback.
    """

    def invoke(self, ctx: click.Context) -> object:
        """Run the command, turning a store failure into a message."""
        try:
            return super().invoke(ctx)
        except StoreConflict as error:
            fail(f"{error}; run the command again", EXIT_UNREADABLE)
        except StoreError as error:
            fail(f"the store failed: {error}", EXIT_UNREADABLE)


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tradekg")
def main() -> None:
    """tradekg: an open knowledge graph of trade policy.

    Start with `tradekg serve`, then open http://127.0.0.1:8080/.
    """


for command in (serve, validate, queries, query, export, load, import_csv_command, stats, duty):
    main.add_command(command)
