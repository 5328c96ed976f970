"""The search benchmark at a tiny size: it runs, and the index finds what the former substring search found.

No timing is asserted (the figures live in benchmarks/README.md).
"""

from __future__ import annotations

from benchmarks import search, search_fts5


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
    search.main(["--measures", "30", "--workdir", str(tmp_path), "--prepare", "--rebuild"])  # outside the lock
    prepared = capsys.readouterr().out
    assert "index of " in prepared and " resources, " in prepared and "| `" not in prepared  # built, nothing timed


def test_the_fts5_benchmark_runs_every_statement_on_both_numberings(tmp_path, capsys):
    search_fts5.main(["--measures", "200", "--runs", "1", "--path", str(tmp_path / "fts5.sqlite3")])
    lines = [line.split("|") for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    rows = {cells[1].strip(): cells[2:5] for cells in lines[2:]}  # after the header and its rule
    assert list(rows) == [label for label, _, _ in search_fts5.QUERIES]
    assert rows["`tariff` counted exactly"][0].strip() == "200"  # one per measure
    assert rows["`tarif` expanded into its words"][0] == rows["`tarif` as an FTS5 prefix"][0]  # the same matches
