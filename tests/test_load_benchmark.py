"""The load benchmark (benchmarks/load.py) runs end to end on a tiny file and its merged table adds up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import load
from benchmarks.generate import write_nquads

ROOT = Path(__file__).resolve().parent.parent


def test_a_round_loads_the_file_in_each_engine_and_merges(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "tiny.nq"
    quads = write_nquads(5, data, seed=2)
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    for output in (first, second):
        load.main(
            [str(data), "--tree", f"here={ROOT}", "--rounds", "1", "--others", "pyoxigraph", "--json", str(output)]
        )
    results = json.loads(first.read_text(encoding="utf-8"))
    ours, raw = results["medians"]["tradekg@here"], results["medians"]["pyoxigraph"]
    assert raw["quads"] == quads
    assert ours["quads"] > quads, "tradekg stores the union default graph besides the named graphs (and the vocabulary)"
    capsys.readouterr()
    load.main(["--merge", str(first), str(second)])
    table = capsys.readouterr().out
    assert "| tradekg@here | " in table and "| pyoxigraph | " in table
    assert (
        load.merge([first, second])["runs"]["pyoxigraph"][1] == json.loads(second.read_text())["runs"]["pyoxigraph"][0]
    )
