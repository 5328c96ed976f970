"""The properties the tariff index reads whole are taken by the books' whole read only when no commit came between."""

from __future__ import annotations

import pyoxigraph as ox

from tradekg.duty.rules import load_rules
from tradekg.store.interface import TradeStore
from tradekg.views import whole_reads
from tradekg.views.rule_books import rule_book
from tradekg.views.tariff_index import RDF_TYPE, WATCHED, tariff_index

ID = "https://w3id.org/tradekg/id/"
RATE = ox.NamedNode("https://w3id.org/tradekg/ontology#ratePercent")


def _held(store: TradeStore) -> set[str]:
    held = whole_reads._HELD.get(store)
    return set(held[1]) if held is not None else set()


def test_the_books_take_what_the_index_read_and_it_is_dropped(fresh_store: TradeStore) -> None:
    assert tariff_index(fresh_store).facing_count("") > 0
    assert _held(fresh_store) == WATCHED - {RDF_TYPE}
    assert rule_book(fresh_store, "USA") == load_rules(fresh_store, importer="USA")
    assert whole_reads.books_read(fresh_store)
    assert _held(fresh_store) == set()


def test_a_commit_between_the_two_reads_means_reading_the_store_again(fresh_store: TradeStore) -> None:
    assert tariff_index(fresh_store).facing_count("") > 0
    node = ox.NamedNode(ID + "measure/usa-steel-tariff")
    removed = [
        q for q in fresh_store.quads_for_pattern(node, RATE, None) if not isinstance(q.graph_name, ox.DefaultGraph)
    ]
    added = [
        ox.Quad(
            node,
            RATE,
            ox.Literal("33", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
            removed[0].graph_name,
        )
    ]
    with fresh_store.writing():
        fresh_store.apply(removed, added)
    book = rule_book(fresh_store, "USA")
    assert book == load_rules(fresh_store, importer="USA")
    assert book.measures[node.value].rate == 33
