"""The views' summaries kept in a file beside a store on disk: reused at the same stamp, ignored at another."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from tradekg.duty.rules import load_rules
from tradekg.graph.load import open_store
from tradekg.store.interface import TradeStore
from tradekg.views import all_books, on_disk, rule_books, tariff_index
from tradekg.views.rule_books import rule_book, shared_rules
from tradekg.views.tariff_index import read_candidates

ID = "https://w3id.org/tradekg/id/"
RATE = ox.NamedNode("https://w3id.org/tradekg/ontology#ratePercent")


def _no_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every whole read of the store fail: what the views need must come from the file."""

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("read from the store, not from the file")

    every = all_books.read_every_own_part

    def one_importer_only(store: TradeStore, shared: object, *, importer: str | None = None) -> object:
        return refused() if importer is None else every(store, shared, importer=importer)  # type: ignore[arg-type, func-returns-value]

    monkeypatch.setattr(rule_books, "read_every_own_part", one_importer_only)
    monkeypatch.setattr(rule_books, "load_shared", refused)
    reread = tariff_index.read_candidates

    def tariffs_touched_only(store: TradeStore, subjects: object = None) -> object:
        return refused() if subjects is None else reread(store, subjects)  # type: ignore[arg-type, func-returns-value]

    monkeypatch.setattr(tariff_index, "read_candidates", tariffs_touched_only)


def _rate_write(store: TradeStore, measure: str) -> None:
    node = ox.NamedNode(measure)
    removed = [q for q in store.quads_for_pattern(node, RATE, None) if not isinstance(q.graph_name, ox.DefaultGraph)]
    added = [ox.Quad(node, RATE, ox.Literal("33", datatype=ox.NamedNode(XSD_DECIMAL)), removed[0].graph_name)]
    with store.writing():
        store.apply(removed, added)


XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"


def test_a_restart_at_the_same_stamp_reuses_the_summaries_and_a_write_reads_only_its_importer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "store"
    store = open_store(directory, validate=False)
    expected = {code: rule_book(store, code) for code in ("USA", "CHN", "CAN")}
    tariffs = read_candidates(store)
    assert tariff_index.tariff_index(store).facing_count("") > 0
    assert on_disk.save(store)
    store.close()

    store = open_store(directory, validate=False)
    with monkeypatch.context() as patched:
        _no_reads(patched)
        assert shared_rules(store).labels == expected["USA"].labels
        for code, book in expected.items():
            assert rule_book(store, code) == book
        assert on_disk.loaded(store)
        index = tariff_index.tariff_index(store)
        assert {c.iri for c in index.facing(ID + "country/JPN")} == {
            iri for iri, c in tariffs.items() if (ID + "country/JPN" in c.targets or c.everyone)
            and ID + "country/JPN" not in c.imposers
        }  # fmt: skip
        _rate_write(store, ID + "measure/usa-steel-tariff")  # the US part is read again, alone; China's is kept
        assert rule_book(store, "USA") == load_rules(store, importer="USA")
        assert rule_book(store, "CHN") == expected["CHN"]
        assert index.get(ID + "measure/usa-steel-tariff").rate == 33  # type: ignore[union-attr]
    store.close()

    store = open_store(directory, validate=False)  # the file holds the stamp before the write: ignored
    try:
        assert not on_disk.loaded(store)
        assert rule_book(store, "USA") == load_rules(store, importer="USA")
        assert not on_disk.loaded(store)
    finally:
        store.close()


def test_a_file_that_does_not_read_is_ignored(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    store = open_store(directory, validate=False)
    try:
        path = on_disk.views_path(store)
        assert path is not None
        path.write_bytes(b"not a pickle")
        assert not on_disk.load(store)
        assert rule_book(store, "USA") == load_rules(store, importer="USA")
    finally:
        store.close()
