"""Loading files: all or nothing, errors naming the file and line, validation before commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradekg.graph.load import ValidationFailed, bundled_data_files, load_files, open_store
from tradekg.graph.rdf_files import RdfSyntaxError, UnreadableFile, file_graph_iri
from tradekg.ontology.vocab import ONTOLOGY_IRI, SHAPES_GRAPH_IRI
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore

PREFIXES = """\
@prefix tkg: <https://w3id.org/tradekg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ex: <https://w3id.org/tradekg/id/country/> .
@prefix src: <https://w3id.org/tradekg/id/source/> .
"""

SOURCE = """\
src:test-source a tkg:Source ; rdfs:label "A test source" ; dcterms:title "A test source" ;
    dcterms:publisher "Test publisher" ; prov:wasDerivedFrom src:test-source .
"""


def country(code: str, name: str) -> str:
    return (
        f'ex:{name} a tkg:Country ; rdfs:label "{name}" ; tkg:iso3166Alpha3 "{code}" ;'
        " prov:wasDerivedFrom src:test-source .\n"
    )


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(PREFIXES + text, encoding="utf-8")
    return path


def test_turtle_triples_go_into_a_graph_named_after_the_file(tmp_path: Path) -> None:
    store = OxigraphStore()
    path = write(tmp_path, "atlantis.ttl", SOURCE + country("ATL", "ATL"))
    summary = load_files(store, [path])
    assert summary.graphs == (file_graph_iri(path),)
    assert file_graph_iri(path) == "https://w3id.org/tradekg/id/graph/atlantis"
    rows = store.select("SELECT ?c WHERE { ?c tkg:iso3166Alpha3 'ATL' }")
    assert len(rows) == 1


def test_a_syntax_error_names_file_line_and_column_and_loads_nothing(tmp_path: Path) -> None:
    store = OxigraphStore()
    good = write(tmp_path, "good.ttl", SOURCE + country("ATL", "ATL"))
    bad = write(tmp_path, "bad.ttl", SOURCE + "ex:a ex:b .\n")
    with pytest.raises(RdfSyntaxError) as caught:
        load_files(store, [good, bad])
    assert caught.value.path == bad
    assert caught.value.line == PREFIXES.count("\n") + SOURCE.count("\n") + 1
    assert str(caught.value).startswith(f"{bad}:{caught.value.line}:")
    assert len(store) == 0


def test_data_breaking_the_shapes_is_refused_whole(tmp_path: Path) -> None:
    store = OxigraphStore()
    path = write(tmp_path, "mixed.ttl", SOURCE + country("ATL", "ATL") + country("atl", "LOW"))
    with pytest.raises(ValidationFailed) as caught:
        load_files(store, [path])
    assert not caught.value.report.conforms
    focus_nodes = {violation.focus_node for violation in caught.value.report.violations}
    assert focus_nodes == {"<https://w3id.org/tradekg/id/country/LOW>"}
    assert "iso3166Alpha3" in caught.value.report.to_text()
    assert len(store) == 0


def test_new_data_may_link_to_data_already_in_the_store(tmp_path: Path) -> None:
    store = OxigraphStore()
    load_files(store, [write(tmp_path, "source.ttl", SOURCE)])
    load_files(store, [write(tmp_path, "country.ttl", country("ATL", "ATL"))])
    assert len(store.select("SELECT ?c WHERE { ?c a tkg:Country }")) == 1


def test_a_load_into_a_store_with_data_checks_the_new_nodes_without_copying_the_store(tmp_path, monkeypatch) -> None:
    store = OxigraphStore()
    load_files(store, [write(tmp_path, "source.ttl", SOURCE)])
    before = len(store)
    monkeypatch.setattr(TradeStore, "quads", lambda *args, **kwargs: pytest.fail("the whole store was read"))
    orphan = 'ex:ORP a tkg:Country ; rdfs:label "ORP" ; tkg:iso3166Alpha3 "ORP" ; prov:wasDerivedFrom src:missing .\n'
    path = write(tmp_path, "countries.ttl", country("ATL", "ATL") + country("atl", "LOW") + orphan)
    with pytest.raises(ValidationFailed) as caught:
        load_files(store, [path])
    assert caught.value.origin == str(path)
    focus_nodes = {violation.focus_node for violation in caught.value.report.violations}
    assert focus_nodes == {"<https://w3id.org/tradekg/id/country/LOW>", "<https://w3id.org/tradekg/id/country/ORP>"}
    assert len(store) == before
    load_files(store, [write(tmp_path, "country.ttl", country("ATL", "ATL"))])
    assert len(store) == before + 4


def test_unknown_extension_and_missing_file_are_unreadable(tmp_path: Path) -> None:
    store = OxigraphStore()
    with pytest.raises(UnreadableFile, match="unknown RDF file extension"):
        load_files(store, [write(tmp_path, "notes.txt", "")])
    with pytest.raises(UnreadableFile, match="No such file"):
        load_files(store, [tmp_path / "missing.ttl"])


def test_open_store_installs_vocabulary_and_bundled_graph() -> None:
    store = open_store()
    graphs = {str(graph) for graph in store.named_graphs()}
    assert {str(ONTOLOGY_IRI), str(SHAPES_GRAPH_IRI)} <= graphs
    assert len(graphs) >= 2 + len(bundled_data_files())
    assert store.select("SELECT ?c WHERE { ?c tkg:iso3166Alpha3 'JPN' }")


def test_a_persistent_store_keeps_its_data_when_reopened(tmp_path: Path) -> None:
    first = open_store(tmp_path / "db", empty=True)
    load_files(first, [write(tmp_path, "atlantis.ttl", SOURCE + country("ATL", "ATL"))])
    first.close()
    again = open_store(tmp_path / "db")
    assert again.select("SELECT ?c WHERE { ?c tkg:iso3166Alpha3 'ATL' }")
    assert not again.select("SELECT ?c WHERE { ?c tkg:iso3166Alpha3 'JPN' }"), "bundled data is not mixed in"


def test_bundled_verdicts_are_remembered_only_for_identical_files(tmp_path: Path, monkeypatch) -> None:
    import shutil

    from tradekg.graph import load

    copies = []
    for path in bundled_data_files():
        copy = tmp_path / "data" / path.name
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(path, copy)
        copies.append(copy)
    monkeypatch.setattr(load, "bundled_data_files", lambda: copies)
    monkeypatch.setattr(load, "_verdicts_this_process", set())
    monkeypatch.setenv("TRADEKG_CACHE_DIR", str(tmp_path / "cache"))
    open_store()
    assert len(list((tmp_path / "cache").glob("conforms-*"))) == 1
    monkeypatch.setattr(load, "_verdicts_this_process", set())
    open_store()  # the remembered verdict: no new entry
    assert len(list((tmp_path / "cache").glob("conforms-*"))) == 1
    target = next(copy for copy in copies if '"JPN"' in copy.read_text(encoding="utf-8"))
    broken = target.read_text(encoding="utf-8").replace('"JPN"', '"jpn"', 1)
    target.write_text(broken, encoding="utf-8")
    with pytest.raises(ValidationFailed, match="iso3166Alpha3"):
        open_store()


def test_a_relative_path_loads(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, "atlantis.ttl", SOURCE + country("ATL", "ATL"))
    monkeypatch.chdir(tmp_path)
    store = OxigraphStore()
    summary = load_files(store, [Path("atlantis.ttl")])
    assert summary.graphs == ("https://w3id.org/tradekg/id/graph/atlantis",)


def test_an_unvalidated_file_streams_in_with_its_graphs(tmp_path: Path) -> None:
    store = OxigraphStore()
    path = tmp_path / "mixed.trig"
    path.write_text(
        "<http://example.org/a> <http://example.org/b> 1 .\n"
        "<http://example.org/g> { <http://example.org/a> <http://example.org/b> 2 . }\n"
    )
    summary = load_files(store, [path], validate=False)
    assert summary.quads == 2
    assert set(summary.graphs) == {file_graph_iri(path), "http://example.org/g"}
    assert {quad.graph_name.value for quad in store.quads()} == set(summary.graphs)
    broken = tmp_path / "broken.nq"
    broken.write_text(
        '<http://example.org/a> <http://example.org/b> "3" <http://example.org/g> .\n<http://example.org/a> <b\n'
    )
    with pytest.raises(RdfSyntaxError) as caught:
        load_files(store, [broken], validate=False)
    assert (caught.value.path, caught.value.line) == (broken, 2)
    assert len(store) == 2
