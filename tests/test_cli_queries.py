"""The command line's named queries: `tradekg queries` and `tradekg query --name NAME --param k=v`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tradekg.cli import main
from tradekg.queries.catalog import load_catalog


def test_queries_lists_the_catalog(runner: CliRunner) -> None:
    result = runner.invoke(main, ["queries"])
    assert result.exit_code == 0, result.output
    for query in load_catalog().values():
        assert query.name in result.output
        assert query.summary in result.output
    assert "date*=<date>" in result.output


def test_query_by_name_with_parameters(runner: CliRunner) -> None:
    # One run only: each run opens (and validates) the bundled graph, which takes seconds.
    result = runner.invoke(
        main,
        [
            "query",
            "--name",
            "tariffs-in-force",
            "--param",
            "date=2025-07-15",
            "--param",
            "country=JPN",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    bindings = json.loads(result.output)["results"]["bindings"]
    # Japan's 24% was suspended on that day (EO 14266, EO 14316); steel and aluminum show at 25% and at the 50%
    # that replaced it from 2025-06-04 (this query does not apply amendments).
    assert [row["tariff"]["value"].rsplit("/", 1)[-1] for row in bindings] == [
        "usa-aluminum-tariff-50",
        "usa-steel-tariff-50",
        "usa-aluminum-tariff",
        "usa-auto-parts-tariff",
        "usa-auto-tariff",
        "usa-steel-tariff",
        "usa-blanket-tariff",
    ]
    assert [row["rate"]["value"] for row in bindings] == ["50", "50", "25", "25", "25", "25", "10"]


def test_query_by_name_errors(runner: CliRunner) -> None:
    unknown = runner.invoke(main, ["query", "--name", "no-such-question"])
    assert unknown.exit_code == 2 and "no named query" in unknown.output
    bad = runner.invoke(main, ["query", "--name", "tariffs-in-force", "--param", "date=soon", "--param", "country=JPN"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    missing = runner.invoke(main, ["query", "--name", "tariffs-in-force", "--param", "country=JPN"])
    assert missing.exit_code == 2 and "'date': required" in missing.output
    malformed = runner.invoke(main, ["query", "--name", "officials", "--param", "JPN"])
    assert malformed.exit_code == 2 and "NAME=VALUE" in malformed.output
    both = runner.invoke(main, ["query", "ASK {}", "--name", "officials"])
    assert both.exit_code == 2
    neither = runner.invoke(main, ["query"])
    assert neither.exit_code == 2
