"""The engine-side load (files staged, then one Oxigraph load) against the quad-by-quad path it replaced.

The quad-by-quad path is still :func:`load_quads` over :func:`parse_file`'s quads (what ``load_files`` did until
session 8): both must leave exactly the same dataset, every named graph and the union default graph, blank nodes
compared up to renaming; and a file that does not parse must leave the store as it was.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from benchmarks.generate import write_nquads
from tradekg.graph.load import bundled_data_files, load_files, load_quads, open_store
from tradekg.graph.rdf_files import RdfSyntaxError, UnreadableFile, parse_file
from tradekg.graph.reference import reference_quads
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore

EX = "http://example.org/"
MIXED_TRIG = f"""\
@prefix ex: <{EX}> .
ex:a ex:p 1 ; ex:q [ ex:r "in the file's graph" ] .
ex:g1 {{ ex:a ex:p 1 . ex:b ex:p _:shared . _:shared ex:r "blank in a named graph" . }}
ex:g2 {{ ex:a ex:p 1 . ex:b ex:p _:shared . }}
_:graph {{ ex:c ex:p "in a graph named by a blank node" . }}
"""


def whole_dataset(store: TradeStore) -> set[ox.Quad]:
    """Every quad of the store, the union default graph's included, blank nodes canonically renamed."""
    quads = [*store.quads_for_pattern(), *store.quads_for_pattern(None, None, None, ox.DefaultGraph())]
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(dataset)


def load_quad_by_quad(store: TradeStore, paths: list[Path], trusted: list[ox.Quad] | None = None) -> None:
    """The path ``load_files`` took before: parse into Python quads, then ``apply`` them with their union."""
    quads: dict[ox.Quad, None] = {}
    for path in paths:
        quads.update(dict.fromkeys(parse_file(path)))
    load_quads(store, quads, validate=False, trusted=trusted or [])


def both_ways(paths: list[Path], *, trusted: list[ox.Quad] | None = None, before: list[Path] = ()) -> None:
    """Load ``paths`` into two stores holding the vocabulary (and ``before``), one each way; compare them whole."""
    stores = [open_store(empty=True), open_store(empty=True)]
    for store in stores:
        if before:
            load_files(store, list(before), validate=False)
    load_files(stores[0], paths, validate=False, trusted=trusted or [])
    load_quad_by_quad(stores[1], paths, trusted)
    staged, by_quad = (whole_dataset(store) for store in stores)
    assert staged == by_quad
    assert stores[0].triple_count() == stores[1].triple_count()
    assert len(stores[0]) == len(stores[1])


def test_the_bundled_graph_loads_to_the_same_dataset_both_ways() -> None:
    both_ways(bundled_data_files(), trusted=reference_quads())


def test_a_generated_graph_loads_to_the_same_dataset_both_ways(tmp_path: Path) -> None:
    path = tmp_path / "generated.nq"
    write_nquads(40, path, seed=3)
    both_ways([path])


def test_blank_nodes_shared_triples_and_default_graph_triples_load_alike(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.trig"
    mixed.write_text(MIXED_TRIG, encoding="utf-8")
    again = tmp_path / "again.ttl"
    again.write_text(f"<{EX}a> <{EX}p> 1 .\n_:x <{EX}p> _:y .\n", encoding="utf-8")
    both_ways([mixed, again], before=[again])


def test_the_union_holds_each_triple_once_and_blank_nodes_stay_one_node(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.trig"
    mixed.write_text(MIXED_TRIG, encoding="utf-8")
    store = OxigraphStore()
    load_files(store, [mixed], validate=False)
    rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ <{EX}a> <{EX}p> 1 }}")
    assert int(rows[0]["n"]) == 1
    linked = store.select(f'SELECT ?x WHERE {{ <{EX}b> <{EX}p> ?x . ?x <{EX}r> "blank in a named graph" }}')
    assert len(linked) == 1, "a blank node and its copy in the union are one node"


def test_a_persistent_store_loads_alike(tmp_path: Path) -> None:
    path = tmp_path / "generated.nq"
    write_nquads(10, path, seed=4)
    on_disk = open_store(tmp_path / "db", empty=True)
    load_files(on_disk, [path], validate=False)
    in_memory = open_store(empty=True)
    load_quad_by_quad(in_memory, [path])
    assert whole_dataset(on_disk) == whole_dataset(in_memory)
    assert on_disk.stamp is not None
    on_disk.close()


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("broken.ttl", f"<{EX}a> <{EX}p> 1 .\n<{EX}a> <{EX}p> .\n", 2),
        ("bad-iri.nt", f"<{EX}a> <{EX}p> <{EX}ok> .\n<{EX}a> <{EX}p> <not an iri> .\n", 2),
        ("broken.trig", f"<{EX}g> {{ <{EX}a> <{EX}p> 1 . }}\n<{EX}g> {{ <{EX}a> <{EX}p> \n", 3),
    ],
)
def test_a_file_that_does_not_parse_leaves_the_store_as_it_was(tmp_path: Path, name: str, text: str, line: int) -> None:
    good = tmp_path / "good.nq"
    write_nquads(5, good, seed=5)
    store = open_store(empty=True)
    load_files(store, [good], validate=False)
    before = whole_dataset(store)
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    more = tmp_path / "more.nq"
    write_nquads(6, more, seed=6)
    with pytest.raises(RdfSyntaxError) as caught:
        load_files(store, [more, bad], validate=False)
    assert caught.value.path == bad
    assert caught.value.line == line
    assert whole_dataset(store) == before


def test_a_missing_file_after_good_ones_writes_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good.nq"
    write_nquads(5, good, seed=5)
    store = open_store(empty=True)
    before = whole_dataset(store)
    with pytest.raises(UnreadableFile):
        load_files(store, [good, tmp_path / "missing.nq"], validate=False)
    assert whole_dataset(store) == before


def test_a_store_with_listeners_is_told_the_exact_change(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.trig"
    mixed.write_text(MIXED_TRIG, encoding="utf-8")
    store = OxigraphStore()
    told: list[tuple[int, set[ox.Quad]]] = []
    store.on_commit(lambda removed, added: told.append((len(removed), set(added))))
    load_files(store, [mixed], validate=False)
    assert told == [(0, set(store.quads_for_pattern()))]
    told.clear()
    again = tmp_path / "again.nt"
    again.write_text(f"<{EX}a> <{EX}p> <{EX}z> .\n", encoding="utf-8")
    load_files(store, [again], validate=False, graph=f"{EX}g1")
    assert told == [
        (0, {ox.Quad(ox.NamedNode(f"{EX}a"), ox.NamedNode(f"{EX}p"), ox.NamedNode(f"{EX}z"), ox.NamedNode(f"{EX}g1"))})
    ]
