"""``tradekg duty``: the additional duty goods paid entering the US on a date, and why."""

from __future__ import annotations

import json

import click

from tradekg.cli.exits import EXIT_UNREADABLE, fail
from tradekg.cli.store_option import open_or_exit, store_options
from tradekg.duty import DutyInputError, compute_duty
from tradekg.duty.report import answer_table as duty_table
from tradekg.store.backends import StoreLocation


@click.command()
@click.option("--origin", required=True, help="Country of origin: ISO 3166-1 alpha-3 code (JPN) or name.")
@click.option("--hs", "hs_code", required=True, help="HS or HTS code, 4 to 10 digits, e.g. 8703.23.01.")
@click.option("--date", "day", required=True, help="Date of entry, YYYY-MM-DD.")
@click.option("--usmca", is_flag=True, help="The goods are USMCA-qualifying and the importer claims it.")
@click.option("--over-quota", is_flag=True, help="The tariff-rate quota that would cover the goods is filled.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_options()
def duty(
    origin: str, hs_code: str, day: str, usmca: bool, over_quota: bool, output_format: str, location: StoreLocation
) -> None:
    """The additional duty goods paid entering the US on a date, and why.

    Each duty comes with its legal basis; each measure that did not apply, with the rule and source that say so.
    Exits 2 on an unknown country, a malformed code or a date outside what the data covers.
    """
    store = open_or_exit(location)
    try:
        answer = compute_duty(store, origin=origin, hs=hs_code, day=day, usmca=usmca, over_quota=over_quota)
    except DutyInputError as error:
        fail(str(error), EXIT_UNREADABLE)
    if output_format == "json":
        click.echo(json.dumps(answer.to_json(), indent=2))
    else:
        click.echo(duty_table(answer))
