"""The class index kept on disk beside a store: reused when provably in step, rebuilt when not, and ``?offset=``
pages read from fences give the rows the plain ``OFFSET`` gives.

Small stores on disk: the vocabulary graphs of the bundled graph and a class of generated events.
"""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from tradekg.gate.writes import ValidationRejected, apply_update
from tradekg.graph.load import VOCABULARY_GRAPHS
from tradekg.linkeddata.class_index import ClassIndex, class_index
from tradekg.linkeddata.class_table import table_path
from tradekg.server import create_app
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore

TKG = "https://w3id.org/tradekg/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
EVENT = TKG + "Negotiation"
GRAPH = ox.NamedNode("https://w3id.org/tradekg/id/graph/test-events")
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")


def event(number: int, *, label: str | None = None, day: str | None = None) -> list[ox.Quad]:
    """An event's type, label and (for most) date; labels and dates in different orders, some tied."""
    node = ox.NamedNode(f"https://w3id.org/tradekg/id/event/e{number:04d}")
    quads = [
        ox.Quad(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(EVENT), GRAPH),
        ox.Quad(node, ox.NamedNode(RDFS + "label"), ox.Literal(label or f"Event {number * 37 % 101:03d}"), GRAPH),
    ]
    if day is None and number % 5:
        day = f"20{number * 7 % 30:02d}-0{number % 9 + 1}-1{number % 3}"
    if day is not None:
        quads.append(ox.Quad(node, ox.NamedNode(TKG + "effectiveFrom"), ox.Literal(day, datatype=XSD_DATE), GRAPH))
    return quads


@pytest.fixture()
def store_dir(tmp_path: Path, bundled_graph_only: OxigraphStore) -> Path:
    """A store on disk (closed) holding the vocabulary graphs and 60 events."""
    directory = tmp_path / "store"
    store = OxigraphStore(directory)
    store.add_quads([quad for graph in VOCABULARY_GRAPHS for quad in bundled_graph_only.quads(graph)])
    store.add_quads([quad for number in range(60) for quad in event(number)])
    store.close()
    return directory


@pytest.fixture()
def opened(store_dir: Path) -> Iterator[OxigraphStore]:
    store = OxigraphStore(store_dir)
    yield store
    store.close()


@pytest.fixture()
def indexed_dir(store_dir: Path) -> Path:
    """``store_dir`` with its class index built and kept beside it, the store closed cleanly."""
    store = OxigraphStore(store_dir)
    ClassIndex(store).count(EVENT)
    store.close()
    return store_dir


def reopened(store_dir: Path) -> tuple[int, int, str]:
    """Open the store again: its class's count, how many builds that took, and the first instance by label."""
    store = OxigraphStore(store_dir)
    try:
        index = ClassIndex(store)
        return index.count(EVENT), index.builds, members(index)[0]
    finally:
        store.close()


def members(index: ClassIndex, sort: str = "label") -> list[str]:
    return index.page(EVENT, limit=100_000, sort=sort)


def kept_stamp(store_dir: Path) -> str:
    path = table_path(store_dir)
    assert path is not None
    with sqlite3.connect(path) as database:
        return str(database.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()[0])


def test_a_second_start_reuses_the_kept_index_without_building_it(store_dir: Path):
    store = OxigraphStore(store_dir)
    first = ClassIndex(store)
    before = (members(first), members(first, "date"), first.count(EVENT))
    assert first.builds == 1 and first.path is not None and first.path.exists() and before[2] == 60
    store.close()
    store = OxigraphStore(store_dir)
    try:
        again = ClassIndex(store)
        assert (members(again), members(again, "date"), again.count(EVENT)) == before
        assert again.builds == 0
    finally:
        store.close()


def test_a_store_written_without_the_index_is_detected_and_the_index_rebuilt(indexed_dir: Path):
    store = OxigraphStore(indexed_dir)  # a tradekg process that does not keep the index (say, a load)
    store.add_quads(event(500, label="Aaa first"))
    store.close()
    assert reopened(indexed_dir) == (61, 1, "https://w3id.org/tradekg/id/event/e0500")


def test_a_store_written_by_another_tool_is_detected_by_its_files(indexed_dir: Path):
    store_dir = indexed_dir
    OxigraphStore(store_dir, read_only=True).close()  # a reader changes nothing
    store = OxigraphStore(store_dir)
    stamp = store.stamp
    assert class_index(store).open_kept() is True  # reopened: the same state
    store.close()
    other = ox.Store(str(store_dir))  # another program writes the store, knowing nothing of its stamp
    for quad in event(504, label="Aae"):  # in its graph and in the union default graph, as tradekg keeps it
        other.add(quad)
        other.add(ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph()))
    del other
    gc.collect()
    store = OxigraphStore(store_dir)
    try:
        assert store.stamp != stamp
        assert class_index(store).open_kept() is False  # the kept file names another state: built at its first use
        index = ClassIndex(store)
        assert index.count(EVENT) == 61 and index.builds == 1
    finally:
        store.close()


def test_a_crash_between_the_commit_and_the_index_update_makes_a_rebuild(indexed_dir: Path):
    store_dir = indexed_dir
    crashed = OxigraphStore(store_dir, flush_delay=0)  # no timer holding it: dropped, it is released unclosed
    before = crashed.stamp
    crashed.add_quads(event(501, label="Aab"))  # committed; no index followed it, and the process "dies"
    assert crashed.stamp != before
    del crashed  # never closed: the stamp file still says the store was open, in this boot
    gc.collect()
    store = OxigraphStore(store_dir)
    try:
        assert kept_stamp(store_dir) == before != store.stamp
        index = ClassIndex(store)
        assert index.count(EVENT) == 61 and index.builds == 1
        assert kept_stamp(store_dir) == store.stamp
    finally:
        store.close()


def test_every_commit_is_recorded_with_its_stamp_and_shows_at_once(opened: OxigraphStore):
    client = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": opened}).test_client()
    assert client.get("/class/Negotiation?format=json").json["total"] == 60
    index = class_index(opened)
    opened.add_quads(event(502, label="Aac"))
    page = client.get("/class/Negotiation?format=json").json
    assert page["total"] == 61 and page["items"][0]["label"] == "Aac"
    assert kept_stamp(opened.path) == opened.stamp  # type: ignore[arg-type]
    other = ox.Quad(ox.NamedNode("https://w3id.org/tradekg/id/x"), ox.NamedNode(TKG + "note"), ox.Literal("n"), GRAPH)
    opened.add_quads([other])  # touches no type, label or date: the stamp is recorded all the same
    assert kept_stamp(opened.path) == opened.stamp and index.builds == 1  # type: ignore[arg-type]


def test_an_index_open_at_start_follows_writes_and_is_reused_after(indexed_dir: Path):
    store = OxigraphStore(indexed_dir)
    create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": store})  # opens the kept index: it follows writes
    store.add_quads(event(503, label="Aad"))
    store.close()
    assert reopened(indexed_dir) == (61, 0, "https://w3id.org/tradekg/id/event/e0503")


def test_a_refused_write_changes_nothing_in_the_index(opened: OxigraphStore):
    index = class_index(opened)
    before = (members(index), kept_stamp(opened.path), opened.stamp)  # type: ignore[arg-type]
    with pytest.raises(ValidationRejected):
        apply_update(
            opened,
            f"INSERT DATA {{ GRAPH {GRAPH} {{ <https://w3id.org/tradekg/id/event/bad> a <{EVENT}> ;"
            f' rdfs:label "Aaa bad" ; tkg:effectiveFrom "not a date" }} }}',
        )
    assert (members(index), kept_stamp(opened.path), opened.stamp) == before  # type: ignore[arg-type]


def offsets_as_plain_offset(store: TradeStore, fenced: ClassIndex) -> None:
    """Every page by offset from ``fenced`` equals a slice of the whole order, read without fences."""
    for sort in ("label", "date"):
        whole = members(ClassIndex(store, fence_every=10**9), sort)
        for offset in (0, 1, 6, 7, 8, 13, 14, 29, 30, 59, len(whole) - 3, len(whole), len(whole) + 5):
            for limit in (1, 5, 50):
                assert fenced.page(EVENT, limit=limit, offset=offset, sort=sort) == whole[offset : offset + limit]


def test_offset_pages_from_fences_are_the_plain_offsets_through_writes(tmp_path: Path):
    store = OxigraphStore()
    store.add_quads([quad for number in range(60) for quad in event(number)])
    fenced = ClassIndex(store, fence_every=7)
    offsets_as_plain_offset(store, fenced)
    store.add_quads(event(600, label="Event 050"))  # a new row inside the order, between fences
    store.replace_graphs({GRAPH.value: [q for n in range(60) if n % 7 for q in event(n)]})  # fence rows removed
    offsets_as_plain_offset(store, fenced)
    with store.writing():  # a date changed: the row moves in the date order only
        store.apply(event(8), [*event(8)[:2], *event(8, day="1900-01-01")[2:]])
    offsets_as_plain_offset(store, fenced)
    store.add_quads([quad for number in range(1000, 1400) for quad in event(number)])  # past the shift limit
    offsets_as_plain_offset(store, fenced)
    for number in range(2000, 2060):  # one gap grows, a row at a time
        store.add_quads(event(number, label=f"Event 050 {number}"))
    offsets_as_plain_offset(store, fenced)
