"""The search benchmark at a tiny size: it runs, and the index finds what the former substring search found.

No timing is asserted (the figures live in benchmarks/README.md).
"""

from __future__ import annotations

from benchmarks import search


def test_the_search_benchmark_runs_every_search(tmp_path, capsys):
    search.main(
        ["--measures", "30", "--runs", "1", "--baseline-runs", "1", "--write-runs", "2", "--workdir", str(tmp_path)]
    )
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| `")]
    assert len(rows) == len(search.SEARCHES)
    japan = next(row for row in rows if row.startswith("| `japan tariff`"))
    assert japan.split("|")[3].strip() != "0"  # the bundled graph is appended: Japan's tariffs are found
    assert japan.split("|")[8].strip() == "0"  # the former search finds no label holding the phrase
    assert "the index's on_commit listener alone" in out
    assert (tmp_path / "search-stores").is_dir()  # the store is kept for the next run
