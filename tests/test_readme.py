"""The README stays true: its commands, and every server setting documented."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tradekg.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_run_and_test_commands() -> None:
    first_blocks = README.split("```")[1:4:2]
    assert "tradekg serve" in first_blocks[0]
    assert "pytest" in first_blocks[1]
    assert "<!-- test-command -->" in README


def test_ci_runs_the_readme_test_command() -> None:
    script = ROOT / ".ci" / "run"
    printed = subprocess.run(
        ["bash", "-c", script.read_text().split("test_command=", 1)[1].split("\n", 1)[0].join(["x=", '; echo "$x"'])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert printed == README.split("<!-- test-command -->\n```\n", 1)[1].split("\n", 1)[0]


def test_every_setting_is_documented() -> None:
    for setting in SETTINGS:
        assert f"| `{setting.option}` |" in README, setting.name
        assert setting.help in README, setting.name


def tour_blocks() -> list[tuple[str, str]]:
    """The README tour's commands and the output printed under each."""
    blocks = []
    for chunk in README.split("<!-- tour -->\n```\n")[1:]:
        text = chunk.split("\n```", 1)[0]
        command, _, output = text.partition("\n")
        blocks.append((command.removeprefix("$ "), output))
    return blocks


def test_the_tour_shows_real_output() -> None:
    import shlex

    from click.testing import CliRunner

    from tradekg.cli import main

    blocks = tour_blocks()
    assert len(blocks) >= 3
    for command, output in blocks:
        argv = shlex.split(command)
        assert argv[0] == "tradekg"
        result = CliRunner().invoke(main, argv[1:])
        assert result.exit_code == 0, result.output
        assert result.output.rstrip("\n") == output, command
