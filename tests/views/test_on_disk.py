"""The views' summaries kept in a file beside a store on disk: reused at the same stamp, ignored at another."""

from __future__ import annotations

import dataclasses
import json
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from tradekg.duty.rules import load_rules
from tradekg.graph.load import open_store
from tradekg.store.interface import TradeStore
from tradekg.store.stamp import SUFFIX as STAMP_SUFFIX
from tradekg.views import all_books, on_disk, rule_books, saved_views, tariff_index
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


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """A store on disk with its summaries saved beside it; the US book and the tariffs as read from the store."""
    directory = tmp_path_factory.mktemp("saved") / "store"
    store = open_store(directory, validate=False)
    try:
        expected = {"USA": rule_book(store, "USA"), "tariffs": read_candidates(store)}
        assert tariff_index.tariff_index(store).facing_count("") > 0
        assert on_disk.save(store)
        return directory, expected
    finally:
        store.close()


def _copy(saved: tuple[Path, dict[str, object]], tmp_path: Path) -> Path:
    """A copy of the saved store, its stamp and its file of summaries (each test damages its own)."""
    source, target = saved[0], tmp_path / "store"
    shutil.copytree(source, target)
    for suffix in (STAMP_SUFFIX, on_disk.SUFFIX):
        shutil.copyfile(source.with_name(source.name + suffix), target.with_name(target.name + suffix))
    return target


def _falls_back_to_the_store(directory: Path) -> None:
    """The file is not taken, and the views read what they need from the store (equal to a whole read)."""
    store = open_store(directory, validate=False)
    try:
        assert not on_disk.loaded(store)
        assert rule_book(store, "USA") == load_rules(store, importer="USA")
        index = tariff_index.tariff_index(store)
        assert index.facing_count("") > 0
        assert index.tariffs_at(store.stamp or "") == read_candidates(store)
    finally:
        store.close()


def test_a_missing_file_means_reading_the_store(saved: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    directory = _copy(saved, tmp_path)
    views = directory.with_name(directory.name + on_disk.SUFFIX)
    views.unlink()
    _falls_back_to_the_store(directory)


def test_a_stale_file_means_reading_the_store(saved: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    directory = _copy(saved, tmp_path)
    store = open_store(directory, validate=False)
    _rate_write(store, ID + "measure/usa-steel-tariff")  # a new stamp; the file holds the one before
    store.close()
    _falls_back_to_the_store(directory)


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short
        lambda text: "not JSON",
        lambda text: text.replace('"tariffs":[[', '"tariffs":[[1,', 1),  # a record of the wrong layout
        lambda text: text.replace('"own":[', '"own":[["USA",{}, []],', 1),
        lambda text: '{"format": 7}',
    ],
    ids=["truncated", "not-json", "bad-tariff", "bad-book", "other-format"],
)
def test_a_corrupt_file_means_reading_the_store(
    saved: tuple[Path, dict[str, object]], tmp_path: Path, damage: Callable[[str], str]
) -> None:
    directory = _copy(saved, tmp_path)
    views = directory.with_name(directory.name + on_disk.SUFFIX)
    views.write_text(damage(views.read_text(encoding="utf-8")), encoding="utf-8")
    _falls_back_to_the_store(directory)


class _Planted:
    """What a pickle would call when read: the file of the old format must never be unpickled."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(Path(_PLANTED_MARK[0])),))  # type: ignore[return-value]


_PLANTED_MARK: list[str] = [""]


def test_a_planted_pickle_runs_nothing(saved: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    directory = _copy(saved, tmp_path)
    mark = tmp_path / "ran"
    _PLANTED_MARK[0] = str(mark)
    planted = pickle.dumps({"format": 1, "stamp": "x", "tariffs": _Planted(), "books": {}})
    for suffix in (on_disk.SUFFIX, on_disk.OLD_SUFFIX):
        directory.with_name(directory.name + suffix).write_bytes(planted)
    _falls_back_to_the_store(directory)
    assert not mark.exists()


def test_the_saved_summaries_come_back_equal_and_of_the_same_types(
    saved: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    directory, expected = _copy(saved, tmp_path), saved[1]
    store = open_store(directory, validate=False)
    try:
        assert tariff_index.tariff_index(store) and on_disk.loaded(store)
        books = saved_views.books_in(json.loads(on_disk.views_path(store).read_bytes())["books"])  # type: ignore[union-attr]
        _same(books[("own", "USA")][0], dataclasses.replace(expected["USA"]))  # type: ignore[type-var]
        _same(
            tariff_index.tariff_index(store).tariffs_at(store.stamp or ""),
            expected["tariffs"],
        )
    finally:
        store.close()


def _same(found: object, wanted: object) -> None:
    """Equal, and of the same types all the way down (a set for a frozenset, a list for a tuple would fail)."""
    assert type(found) is type(wanted), (found, wanted)
    if dataclasses.is_dataclass(wanted):
        for item in dataclasses.fields(wanted):
            _same(getattr(found, item.name), getattr(wanted, item.name))
    elif isinstance(wanted, dict):
        assert found.keys() == wanted.keys()  # type: ignore[attr-defined]
        for key, value in wanted.items():
            _same(found[key], value)  # type: ignore[index]
    elif isinstance(wanted, tuple):
        assert len(found) == len(wanted)  # type: ignore[arg-type]
        for left, right in zip(found, wanted, strict=True):  # type: ignore[call-overload]
            _same(left, right)
    elif isinstance(wanted, frozenset):
        assert found == wanted and all(type(item) is str for item in found)  # type: ignore[attr-defined]
    else:
        assert found == wanted and str(found) == str(wanted)
