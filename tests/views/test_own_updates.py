"""An importer's book after a write is patched from the nodes the write touched, and equals the book read whole.

The differential test (``test_kept_differential.py``) checks the answers after many kinds of writes; this module
checks which path gives them: a write to one measure reads that measure again, not the importer's whole book
(:func:`tradekg.views.all_books.read_every_own_part` is not called for it), while a change to the class hierarchy
reads the whole book again.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from tradekg.duty.rules import load_rules
from tradekg.store.interface import TradeStore
from tradekg.views import rule_books
from tradekg.views.kept import BLANK_NODE, changed_by
from tradekg.views.own_updates import patch_own_part
from tradekg.views.rule_books import rule_book, shared_rules

ID = "https://w3id.org/tradekg/id/"
TKG = "https://w3id.org/tradekg/ontology#"
GRAPH = ox.NamedNode(ID + "graph/test-own-updates")
DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _whole_reads(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The importers whose own book is read whole from now on (``None``: every importer's at once)."""
    calls: list[str | None] = []
    read = rule_books.read_every_own_part

    def spy(store: TradeStore, shared: object, *, importer: str | None = None) -> object:
        calls.append(importer)
        return read(store, shared, importer=importer)  # type: ignore[arg-type]

    monkeypatch.setattr(rule_books, "read_every_own_part", spy)
    return calls


def _set_rate(store: TradeStore, measure: str, rate: str) -> None:
    subject, p = ox.NamedNode(ID + "measure/" + measure), ox.NamedNode(TKG + "ratePercent")
    old = [q for q in store.quads_for_pattern(subject, p, None) if not isinstance(q.graph_name, ox.DefaultGraph)]
    with store.writing():
        store.apply(old, [ox.Quad(subject, p, ox.Literal(rate, datatype=DECIMAL), GRAPH)])


def test_a_write_to_one_measure_patches_the_book_without_reading_it_whole(
    fresh_store: TradeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = rule_book(fresh_store, "USA")
    calls = _whole_reads(monkeypatch)
    _set_rate(fresh_store, "usa-steel-tariff", "31.5")
    after = rule_book(fresh_store, "USA")
    assert calls == []
    assert after == load_rules(fresh_store, importer="USA") != before
    assert str(after.measures[ID + "measure/usa-steel-tariff"].rate) == "31.5"


def test_a_change_to_the_class_hierarchy_reads_the_book_whole(
    fresh_store: TradeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule_book(fresh_store, "USA")
    calls = _whole_reads(monkeypatch)
    subclass_of = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    axiom = ox.Quad(ox.NamedNode(TKG + "MFNRate"), subclass_of, ox.NamedNode(TKG + "Tariff"), GRAPH)
    with fresh_store.writing():  # MFN rates made measures: nodes no write touched become part of the book
        fresh_store.apply((), [axiom])
    assert rule_book(fresh_store, "USA") == load_rules(fresh_store, importer="USA")
    assert calls == ["USA"]


def test_a_blank_node_mfn_rate_is_read_again_with_the_importers_rates(fresh_store: TradeStore) -> None:
    book = rule_book(fresh_store, "USA")
    rate = ox.BlankNode()
    facts = [
        (RDF_TYPE, ox.NamedNode(TKG + "MFNRate")),
        (ox.NamedNode(TKG + "imposedBy"), ox.NamedNode(ID + "country/USA")),
        (ox.NamedNode(TKG + "rateFor"), ox.NamedNode(ID + "hs/0101")),
        (ox.NamedNode(TKG + "mfnRatePercent"), ox.Literal("4.5", datatype=DECIMAL)),
    ]
    added = [ox.Quad(rate, p, o, GRAPH) for p, o in facts]
    changes = frozenset(changed_by((), added))
    assert BLANK_NODE in changes
    with fresh_store.writing():
        fresh_store.apply((), added)
    patched = patch_own_part(fresh_store, shared_rules(fresh_store), "USA", book, frozenset(), changes)
    assert patched is not None
    assert patched[0].mfn == load_rules(fresh_store, importer="USA").mfn != book.mfn


def test_a_change_to_a_blank_node_mfn_rate_reaches_the_kept_book(fresh_store: TradeStore) -> None:
    rate, percent = ox.BlankNode(), ox.NamedNode(TKG + "mfnRatePercent")
    facts = [
        (RDF_TYPE, ox.NamedNode(TKG + "MFNRate")),
        (ox.NamedNode(TKG + "imposedBy"), ox.NamedNode(ID + "country/USA")),
        (ox.NamedNode(TKG + "rateFor"), ox.NamedNode(ID + "hs/0101")),
        (percent, ox.Literal("4.5", datatype=DECIMAL)),
    ]
    with fresh_store.writing():
        fresh_store.apply((), [ox.Quad(rate, p, o, GRAPH) for p, o in facts])
    assert rule_book(fresh_store, "USA") == load_rules(fresh_store, importer="USA")
    with fresh_store.writing():  # only the blank node's own fact changes: no IRI names what the write touched
        old = ox.Quad(rate, percent, ox.Literal("4.5", datatype=DECIMAL), GRAPH)
        fresh_store.apply([old], [ox.Quad(rate, percent, ox.Literal("9.5", datatype=DECIMAL), GRAPH)])
    book = rule_book(fresh_store, "USA")
    assert book == load_rules(fresh_store, importer="USA")
    assert "9.5" in {str(r.rate) for r in book.mfn}
