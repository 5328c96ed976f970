"""Spreadsheet import: rows checked and reported by number and column, then validated, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradekg.cli import main
from tradekg.graph.load import open_store
from tradekg.graph.reference import reference_quads
from tradekg.graph.tabular import BadRows, import_csv
from tradekg.store.interface import TradeStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MAPPING = EXAMPLES / "tariff-tracker.yarrrml.yml"
GOOD = (EXAMPLES / "tariff-tracker.csv").read_text(encoding="utf-8")


@pytest.fixture()
def store() -> TradeStore:
    store = open_store(empty=True)
    store.add_quads(reference_quads())
    return store


def tracker(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tracker.csv"
    path.write_text(text, encoding="utf-8")
    return path


def problems(error: pytest.ExceptionInfo[BadRows]) -> set[tuple[int, str]]:
    return {(item.row, item.column) for item in error.value.problems}


def test_the_example_imports_into_the_graph_of_each_source(store: TradeStore) -> None:
    before = len(store)
    summary = import_csv(store, EXAMPLES / "tariff-tracker.csv", MAPPING)
    assert summary.rows == 5 and len(store) == before + summary.quads
    rows = store.select("SELECT ?r WHERE { id:measure\\/tracker-reciprocal-jpn tkg:ratePercent ?r }")
    assert [str(row["r"]) for row in rows] == ["24"]
    assert "https://w3id.org/tradekg/id/graph/fr-doc-2025-17908" in summary.graphs


def test_bad_values_are_reported_by_row_and_column_and_nothing_is_written(store: TradeStore, tmp_path: Path) -> None:
    lines = GOOD.splitlines()
    lines[2] = lines[2].replace(",46,", ",forty-six,")  # row 3: rate
    lines[3] = lines[3].replace("2025-03-04", "2025-13-04")  # row 4: effective_from
    before = len(store)
    with pytest.raises(BadRows) as error:
        import_csv(store, tracker(tmp_path, "\n".join(lines) + "\n"), MAPPING)
    assert problems(error) == {(3, "rate_percent"), (4, "effective_from")}
    assert "row 3, column rate_percent: 'forty-six' is not a decimal number" in str(error.value)
    assert len(store) == before


def test_a_missing_column_is_reported_on_the_header_row(store: TradeStore, tmp_path: Path) -> None:
    text = GOOD.replace("rate_percent", "rate", 1)
    with pytest.raises(BadRows) as error:
        import_csv(store, tracker(tmp_path, text), MAPPING)
    assert problems(error) == {(1, "rate_percent")}


def test_shape_violations_are_traced_back_to_row_and_column(store: TradeStore, tmp_path: Path) -> None:
    lines = GOOD.splitlines()
    lines[3] = lines[3].replace(",CAN,", ",XXX,")  # row 4: no such country
    lines[4] = lines[4].replace(",25,", ",2500,")  # row 5: rate above 1000%
    before = len(store)
    with pytest.raises(BadRows) as error:
        import_csv(store, tracker(tmp_path, "\n".join(lines) + "\n"), MAPPING)
    assert problems(error) == {(4, "country"), (5, "rate_percent")}
    assert len(store) == before


def test_an_empty_id_with_values_beside_it_is_reported(store: TradeStore, tmp_path: Path) -> None:
    lines = GOOD.splitlines()
    lines[1] = lines[1].replace("tracker-reciprocal-jpn", "", 1)
    with pytest.raises(BadRows) as error:
        import_csv(store, tracker(tmp_path, "\n".join(lines) + "\n"), MAPPING)
    assert problems(error) == {(2, "measure_id")}


def test_cli_import_csv_reports_bad_rows_and_exits_1(runner, tmp_path: Path) -> None:
    lines = GOOD.splitlines()
    lines[2] = lines[2].replace(",46,", ",abc,")
    path = tracker(tmp_path, "\n".join(lines) + "\n")
    result = runner.invoke(main, ["import-csv", str(path), "--mapping", str(MAPPING), "--store", str(tmp_path / "s")])
    assert result.exit_code == 1, result.output
    assert "row 3, column rate_percent" in result.output
