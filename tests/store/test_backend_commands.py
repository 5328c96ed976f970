"""The command line on every backend: the embedded store, Virtuoso 7 and the Oxigraph server (``--store``).

``tradekg export``, ``query``, ``stats``, ``validate``, ``load`` and ``import-csv`` are run as a person would; only the
``--store`` arguments differ. Each backend holds the bundled graph (tests/store/conftest.py), and every test leaves it
as it found it: a test that writes takes back what it wrote, even when it fails, and a test that leaves quads behind
fails itself (``leaves_the_store_as_it_found_it``), so the tests do not depend on their order.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.store.backend_suite import (
    EXAMPLES,
    JAPAN_LABELS,
    RDFS_LABEL,
    Backend,
    dropped_from,
    exported,
    run,
    store_location_of,
)
from tradekg.graph.load import open_store
from tradekg.store.backends import open_backend

pytestmark = pytest.mark.usefixtures("leaves_the_store_as_it_found_it")

NOT_CONFORMING = """\
@prefix tkg: <https://w3id.org/tradekg/ontology#> .
<https://w3id.org/tradekg/id/country/NOWHERE> a tkg:Country ; tkg:iso3166Alpha3 "nowhere" .
"""
GOOD = "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"


@pytest.fixture(scope="module")
def embedded_export() -> set[ox.Quad]:
    store = open_store()
    try:
        return set(ox.parse(store.dump(ox.RdfFormat.N_QUADS), ox.RdfFormat.N_QUADS))
    finally:
        store.close()


def without_blank_nodes(quads: set[ox.Quad]) -> set[ox.Quad]:
    def blank(term: object) -> bool:
        return isinstance(term, ox.BlankNode) or (
            isinstance(term, ox.NamedNode) and "/.well-known/genid/" in term.value
        )

    return {quad for quad in quads if not blank(quad.subject) and not blank(quad.object)}


def test_export_holds_the_bundled_graph_as_the_embedded_store_does(
    backend: Backend, embedded_export: set[ox.Quad]
) -> None:
    quads = exported(backend)
    assert len(quads) == len(embedded_export)
    # Blank nodes (the shapes' property shapes) come back as Skolem IRIs from a SPARQL server.
    assert without_blank_nodes(quads) == without_blank_nodes(embedded_export)


def test_the_default_graph_counts_each_triple_once(backend: Backend) -> None:
    code, output = run(backend, "query", JAPAN_LABELS, "--format", "csv")
    assert code == 0, output
    assert list(csv.reader(io.StringIO(output)))[1:] == [["Japan"]]  # stated by two sources, answered once
    code, output = run(backend, "stats")
    union = int(output.split("triples (union of graphs): ", 1)[1].split("\n", 1)[0].replace(",", ""))
    quads = int(output.split("quads: ", 1)[1].split("\n", 1)[0].replace(",", ""))
    assert union < quads  # a triple in two graphs is one triple of the default graph


def test_a_graph_emptied_by_a_write_is_exported_as_empty(backend: Backend) -> None:
    """An emptied graph stays one of tradekg's; Virtuoso's Graph Store endpoint forgets it (404), read as empty."""
    graph = ox.NamedNode("http://example.org/emptied")
    quad = ox.Quad(ox.NamedNode(f"{graph.value}-node"), RDFS_LABEL, ox.Literal("emptied"), graph)
    store = open_backend(store_location_of(backend))
    try:
        with store.writing():
            store.apply([], [quad])
        with store.writing():
            store.apply([quad], [])
    finally:
        store.close()
    try:
        assert quad not in exported(backend)  # the export reads every graph, the emptied one too
    finally:
        dropped_from(backend, graph.value)


@pytest.mark.parametrize("backend", ["oxigraph"], indirect=True)  # the same code reads any backend; pySHACL is slow
def test_validate_reads_the_whole_store(backend: Backend) -> None:
    code, output = run(backend, "validate")
    assert code == 0 and "Conforms" in output, output


def test_load_is_validated_and_all_or_nothing(backend: Backend, tmp_path: Path) -> None:
    before = len(exported(backend))
    nonconforming = tmp_path / "nowhere.ttl"
    nonconforming.write_text(NOT_CONFORMING)
    code, output = run(backend, "load", str(nonconforming))
    assert code == 1, output
    good = tmp_path / "good.ttl"
    good.write_text(GOOD)
    graph = ox.NamedNode("https://w3id.org/tradekg/id/graph/good")
    try:
        code, output = run(backend, "load", str(good))
        assert code == 0 and "Loaded 1 quads" in output, output
        after = exported(backend)
        assert len(after) == before + 1  # nothing of the refused file
        assert ox.Quad(*(ox.NamedNode(f"http://example.org/{name}") for name in "abc"), graph) in after
    finally:
        dropped_from(backend, graph.value)


TRACKER_GRAPH = "https://w3id.org/tradekg/id/graph/backend-suite-tracker"
"""Where the mapping puts every row of :func:`tracker_rows` (the graph of its source)."""


def tracker_rows() -> list[dict[str, str]]:
    """The example tracker, citing a source of its own (the example cites sources the bundled graph titles already)."""
    rows = list(csv.DictReader(io.StringIO((EXAMPLES / "tariff-tracker.csv").read_text(encoding="utf-8"))))
    for row in rows:
        row.update(source_id="backend-suite-tracker", source_title="The backend suite's tracker", source_url="")
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as output:
        writer = csv.DictWriter(output, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_import_csv_validates_every_row_first(backend: Backend, tmp_path: Path) -> None:
    mapping = str(EXAMPLES / "tariff-tracker.yarrrml.yml")
    rows = tracker_rows()
    broken = [dict(row) for row in rows]
    broken[1]["rate_percent"] = "forty-six"
    before = len(exported(backend))
    code, output = run(backend, "import-csv", str(write_csv(tmp_path / "broken.csv", broken)), "--mapping", mapping)
    assert code == 1 and "row 3" in output, output
    try:
        code, output = run(backend, "import-csv", str(write_csv(tmp_path / "good.csv", rows)), "--mapping", mapping)
        assert code == 0, output
        written = int(output.split(" as ", 1)[1].split(" quads", 1)[0].replace(",", ""))
        after = exported(backend)
        assert len(after) == before + written  # nothing of the refused file
        rate = ox.NamedNode("https://w3id.org/tradekg/ontology#ratePercent")
        measure = ox.NamedNode("https://w3id.org/tradekg/id/measure/tracker-reciprocal-jpn")
        assert {quad.object.value for quad in after if quad.subject == measure and quad.predicate == rate} == {"24"}
    finally:
        dropped_from(backend, TRACKER_GRAPH)  # the tracker's measures would change the duty cases and named queries
