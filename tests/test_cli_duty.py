"""``tradekg duty``: the calculator on the command line (table or JSON; exit 2 on bad input)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tradekg.cli import main


def test_duty_as_json(runner: CliRunner) -> None:
    result = runner.invoke(main, ["duty", "--origin", "JPN", "--hs", "8703.23.01", "--date", "2025-05-15",
                                  "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["additional_percent"] == 25  # Proclamation 10908; the reciprocal rate is paused and not stacked
    assert [m["heading"] for m in answer["measures"]] == ["9903.94.01"]


def test_duty_as_a_table_with_reasons(runner: CliRunner) -> None:
    result = runner.invoke(main, ["duty", "--origin", "CAN", "--hs", "9503", "--date", "2025-08-01", "--usmca"])
    assert result.exit_code == 0, result.output
    assert "Goods of CAN, HS 9503, entered 2025-08-01 (claims: usmca)" in result.output
    assert "0  " in result.output and "additional duty in all" in result.output
    assert "exempt: " in result.output


def test_duty_bad_input_exits_2(runner: CliRunner) -> None:
    for args, message in [
        (["--origin", "Narnia", "--hs", "8703", "--date", "2025-05-15"], "unknown country 'Narnia'"),
        (["--origin", "JPN", "--hs", "8703.2", "--date", "2025-05-15"], "not an HS code"),
        (["--origin", "JPN", "--hs", "8703", "--date", "2031-01-01"], "outside what the data covers"),
    ]:
        result = runner.invoke(main, ["duty", *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output
