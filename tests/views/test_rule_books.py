"""The rule books the views keep equal the calculator's, and the book of one origin gives the whole book's duties.

The map and the country pages ask the duty calculator about each origin with a book holding only the measures that
can hit it (:meth:`tradekg.views.rule_books.OriginIndex.book_for`): checked against the whole book for every
importer and every country, on the bundled graph and on a generated one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyoxigraph as ox
import pytest

from benchmarks.generate import write_nquads
from tradekg.duty.calculator import Goods, calculate
from tradekg.duty.rules import load_rules
from tradekg.duty.shared_rules import LABELLED, load_shared
from tradekg.graph.load import load_files, open_store
from tradekg.ontology.vocab import TKG, country_iri
from tradekg.store.interface import TradeStore
from tradekg.views.all_books import read_every_own_part, read_labels
from tradekg.views.facts import classes_below
from tradekg.views.kept import link, node
from tradekg.views.rule_books import origin_index, rule_book, shared_rules
from tradekg.views.tariff_index import read_candidates
from tradekg.views.worldmap import all_goods_duty

ID = "https://w3id.org/tradekg/id/"
DAYS = (dt.date(2025, 5, 15), dt.date(2025, 9, 1))


def _importers_and_countries(store: TradeStore) -> tuple[list[str], list[str]]:
    importers = store.select("SELECT DISTINCT ?c WHERE { ?m tkg:imposedBy ?c . ?c a tkg:Country }")
    countries = store.select("SELECT ?code WHERE { ?c a tkg:Country ; tkg:iso3166Alpha3 ?code }")
    return sorted(str(r["c"]).rsplit("/", 1)[-1] for r in importers), sorted(str(r["code"]) for r in countries)


def _check_every_origin(store: TradeStore) -> int:
    importers, countries = _importers_and_countries(store)
    checked = 0
    for importer in importers:
        whole = load_rules(store, importer=importer)
        assert rule_book(store, importer) == whole
        index = origin_index(store, importer)
        for origin in countries:
            for day in DAYS:
                goods = Goods(origin=origin, hs=None, day=day)
                expected = calculate(whole, goods)
                found = calculate(index.book_for(f"https://w3id.org/tradekg/id/country/{origin}"), goods)
                assert (found.additional, found.applied) == (expected.additional, expected.applied), (importer, origin)
                # As the pages ask: one computation per signature, shared by the origins the rules name alike.
                shared = all_goods_duty(store, importer, origin, day)
                assert shared[0] == expected.additional, (importer, origin)
                assert [ref.iri for ref in shared[1]] == [a["measure"] for a in expected.applied], (importer, origin)
                assert [ref.label for ref in shared[1]] == [a["label"] for a in expected.applied], (importer, origin)
                checked += 1
    return checked


def test_the_book_of_one_origin_gives_the_whole_books_duties_on_the_bundled_graph(bundled_store: TradeStore) -> None:
    assert _check_every_origin(bundled_store) >= 2 * 240


@pytest.fixture(scope="module")
def generated_store(tmp_path_factory: pytest.TempPathFactory) -> TradeStore:
    path: Path = tmp_path_factory.mktemp("generated") / "trade-300.nq"
    write_nquads(300, path, seed=3)
    store = open_store(None)
    load_files(store, [path], validate=False)
    return store


def test_the_book_of_one_origin_gives_the_whole_books_duties_on_a_generated_graph(generated_store: TradeStore) -> None:
    importers, _ = _importers_and_countries(generated_store)
    assert len(importers) >= 10
    assert _check_every_origin(generated_store) >= 10 * 2 * 70


def test_a_chain_of_amendments_through_a_measure_on_another_country_still_replaces(fresh_store: TradeStore) -> None:
    """C (on Japan) is amended by B (on China only), which A (on Japan) amends: A replaces C for Japan's goods."""
    measures = {"a": ("JPN", 30, "b"), "b": ("CHN", 20, "c"), "c": ("JPN", 10, None)}
    lines = []
    for name, (target, rate, amends) in measures.items():
        iri = f"<{ID}measure/test-chain-{name}>"
        lines.append(
            f"{iri} a tkg:Tariff ; tkg:imposedBy <{ID}country/CAN> ; tkg:appliesTo <{ID}country/{target}> ;"
            f' tkg:ratePercent {rate} ; tkg:effectiveFrom "2025-01-01"^^xsd:date .'
        )
        if amends:
            lines.append(f"{iri} tkg:amends <{ID}measure/test-chain-{amends}> .")
    prefixes = "@prefix tkg: <https://w3id.org/tradekg/ontology#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."
    triples = ox.parse(prefixes + "\n".join(lines), format=ox.RdfFormat.TURTLE)
    graph = ox.NamedNode(ID + "graph/test-chain")
    with fresh_store.writing():
        fresh_store.apply((), [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples])
    goods = Goods(origin="JPN", hs=None, day=dt.date(2025, 5, 15))
    expected = calculate(load_rules(fresh_store, importer="CAN"), goods)
    assert [a["measure"].rsplit("-", 1)[-1] for a in expected.applied] == ["a"]
    found = calculate(origin_index(fresh_store, "CAN").book_for("https://w3id.org/tradekg/id/country/JPN"), goods)
    assert (found.additional, found.applied) == (expected.additional, expected.applied)


@pytest.mark.parametrize("graph", ["bundled", "generated"])
def test_every_importers_book_read_at_once_equals_its_book_read_alone(
    graph: str, bundled_store: TradeStore, generated_store: TradeStore
) -> None:
    store = bundled_store if graph == "bundled" else generated_store
    shared = shared_rules(store)
    books = read_every_own_part(store, shared)
    importers, _ = _importers_and_countries(store)
    assert set(importers) <= set(books)
    for code, (book, dependencies) in books.items():
        assert book == load_rules(store, importer=code, shared=shared), code
        assert read_every_own_part(store, shared, importer=code)[code] == (book, dependencies), code  # read alone
        assert link(str(TKG.imposedBy), str(country_iri(code))) in dependencies
        assert {node(iri) for iri in book.measures} <= dependencies
    alone, _ = read_every_own_part(store, shared, importer="ATA")["ATA"]  # an importer of nothing
    assert alone == load_rules(store, importer="ATA", shared=shared)


@pytest.mark.parametrize("graph", ["bundled", "generated"])
def test_the_tariff_index_read_whole_equals_it_read_tariff_by_tariff(
    graph: str, bundled_store: TradeStore, generated_store: TradeStore
) -> None:
    store = bundled_store if graph == "bundled" else generated_store
    whole = read_candidates(store)
    subjects = store.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")
    assert len(whole) >= 50
    assert whole == read_candidates(store, [str(row["s"]) for row in subjects])


@pytest.mark.parametrize("graph", ["bundled", "generated"])
def test_the_labels_read_whole_equal_those_read_by_class_path(
    graph: str, bundled_store: TradeStore, generated_store: TradeStore
) -> None:
    store = bundled_store if graph == "bundled" else generated_store
    found = read_labels(store, classes_below(store, LABELLED))
    assert len(found) >= 100
    assert found == load_shared(store).labels
