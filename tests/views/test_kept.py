"""Kept answers: what a write drops and what it keeps, the size of each family, and the warm-up at start."""

from __future__ import annotations

import datetime as dt
import logging

import pyoxigraph as ox
import pytest

from tradekg.duty import compute_duty
from tradekg.duty.calculator import Goods, calculate
from tradekg.duty.rules import load_rules
from tradekg.server import create_app
from tradekg.store.interface import TradeStore
from tradekg.views import kept as kept_module
from tradekg.views.kept import Revisions, changed_by, depend, kept, kept_count, link, node, predicate
from tradekg.views.rule_books import rule_book, shared_rules
from tradekg.views.warm import warm_up, warm_up_in_background
from tradekg.views.worldmap import all_goods_duty

ID = "https://w3id.org/tradekg/id/"
TKG = "https://w3id.org/tradekg/ontology#"
GRAPH = ox.NamedNode(ID + "graph/test-kept")
DAY = dt.date(2025, 5, 15)


def _add(store: TradeStore, *triples: tuple[str, str, ox.NamedNode | ox.Literal]) -> None:
    with store.writing():
        store.apply((), [ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o, GRAPH) for s, p, o in triples])


def _chinese_tariff(store: TradeStore) -> str:
    iri = ID + "measure/test-kept-chn"
    _add(
        store,
        (iri, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(TKG + "Tariff")),
        (iri, TKG + "imposedBy", ox.NamedNode(ID + "country/CHN")),
        (iri, TKG + "appliesTo", ox.NamedNode(ID + "country/JPN")),
        (iri, TKG + "ratePercent", ox.Literal("10", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))),
        (
            iri,
            TKG + "effectiveFrom",
            ox.Literal("2025-01-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
        ),
    )
    return iri


def test_a_change_set_names_its_nodes_predicates_and_links() -> None:
    s, p, o = ox.NamedNode(ID + "a"), ox.NamedNode(TKG + "appliesTo"), ox.NamedNode(ID + "b")
    changed = changed_by([], [ox.Quad(s, p, o, GRAPH), ox.Quad(s, p, ox.Literal("x"), GRAPH)])
    assert {node(s.value), node(o.value), predicate(p.value), link(p.value, o.value)} <= changed
    assert node("x") not in changed and len(changed) == 5  # and ANY


@pytest.mark.parametrize("logged", [4096, 1])  # changes read from the log, or dependency by dependency
def test_an_answer_is_kept_until_one_of_its_dependencies_changes(
    fresh_store: TradeStore, monkeypatch: pytest.MonkeyPatch, logged: int
) -> None:
    monkeypatch.setattr(kept_module, "LOGGED", logged)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        depend({node(ID + "country/JPN")})
        return len(calls)

    assert kept(fresh_store, "test", "k", compute) == 1
    _add(fresh_store, (ID + "country/USA", "http://www.w3.org/2000/01/rdf-schema#comment", ox.Literal("unrelated")))
    assert kept(fresh_store, "test", "k", compute) == 1  # kept: the write did not touch Japan
    for number in range(3):
        _add(fresh_store, (ID + "country/CHN", "http://www.w3.org/2000/01/rdf-schema#comment", ox.Literal(f"{number}")))
    assert kept(fresh_store, "test", "k", compute) == 1
    _add(fresh_store, (ID + "country/JPN", "http://www.w3.org/2000/01/rdf-schema#comment", ox.Literal("related")))
    assert kept(fresh_store, "test", "k", compute) == 2


def test_an_answer_computed_while_its_dependency_changed_is_not_kept(fresh_store: TradeStore) -> None:
    revisions = kept_module.revisions(fresh_store)
    assert isinstance(revisions, Revisions)

    def compute() -> str:
        depend({node("x")})
        revisions.bump({node("x")})  # as if a write committed while the answer was read
        return "old"

    assert kept(fresh_store, "test", "racing", compute) == "old"
    assert kept_count(fresh_store, "test") == 0


def test_a_write_to_one_importers_measure_keeps_the_other_importers_rules(fresh_store: TradeStore) -> None:
    measure = _chinese_tariff(fresh_store)
    usa, chn, shared = rule_book(fresh_store, "USA"), rule_book(fresh_store, "CHN"), shared_rules(fresh_store)
    japan = all_goods_duty(fresh_store, "USA", "JPN", DAY)
    _add(
        fresh_store,
        (
            measure,
            TKG + "ratePercent",
            ox.Literal("20", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
        ),
    )
    assert shared_rules(fresh_store) is shared  # no label, class or exemption changed
    assert rule_book(fresh_store, "USA").measures is usa.measures  # the US part is kept
    assert rule_book(fresh_store, "CHN").measures is not chn.measures  # China's is read again
    assert all_goods_duty(fresh_store, "USA", "JPN", DAY) is japan


def test_rendered_views_are_kept_up_to_their_familys_limit(
    fresh_store: TradeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(kept_module.LIMITS, "rendered view", 2)
    client = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": fresh_store}).test_client()
    pages = [client.get(f"/page/country/JPN?date=2025-0{month}-01").text for month in (4, 5, 6)]
    assert kept_count(fresh_store, "rendered view") == 2
    assert client.get("/page/country/JPN?date=2025-06-01").text == pages[2]


def test_the_warm_up_keeps_what_the_pages_share(fresh_store: TradeStore, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="tradekg.views.warm"):
        warm_up_in_background(fresh_store).join(120)
    assert "views warmed up" in caplog.text
    assert kept_count(fresh_store, "duty rules") >= 3  # the shared part, the US part and the whole US book
    assert kept_count(fresh_store, "all goods") == 0  # those depend on the day a page asks for
    assert warm_up(fresh_store, day=DAY) >= 0
    assert kept_count(fresh_store, "all goods") > 200  # every country's duty on all goods from the US that day


def test_a_duty_shared_by_origins_the_rules_name_alike_follows_the_importers_book(fresh_store: TradeStore) -> None:
    """Origins of one signature share one computation; deleting a measure on all countries drops it for both."""
    blanket = ox.NamedNode(ID + "measure/usa-blanket-tariff")
    before = all_goods_duty(fresh_store, "USA", "ABW", DAY), all_goods_duty(fresh_store, "USA", "AFG", DAY)
    assert blanket.value in {ref.iri for ref in before[0][1]} and before[0] == before[1]
    gone = [
        q for q in fresh_store.quads_for_pattern(blanket, None, None) if not isinstance(q.graph_name, ox.DefaultGraph)
    ]
    with fresh_store.writing():
        fresh_store.apply(gone, ())
    for origin in ("ABW", "AFG"):
        after = all_goods_duty(fresh_store, "USA", origin, DAY)
        assert blanket.value not in {ref.iri for ref in after[1]}
        expected = calculate(load_rules(fresh_store, importer="USA"), Goods(origin=origin, hs=None, day=DAY))
        assert after[0] == expected.additional


def test_the_duty_page_reads_the_kept_us_rules_and_follows_a_write_to_them(fresh_store: TradeStore) -> None:
    client = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": fresh_store}).test_client()
    ask = "/api/duty?origin=JPN&hs=9403.60&date=2025-05-15"
    before = client.get(ask).get_json()
    assert rule_book(fresh_store, "USA") is rule_book(fresh_store, "USA")  # kept: what /duty read
    blanket = ox.NamedNode(ID + "measure/usa-blanket-tariff")
    rate = ox.NamedNode(TKG + "ratePercent")
    old = [q for q in fresh_store.quads_for_pattern(blanket, rate, None) if isinstance(q.graph_name, ox.NamedNode)]
    decimal = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    with fresh_store.writing():
        fresh_store.apply(old, [ox.Quad(blanket, rate, ox.Literal("12", datatype=decimal), old[0].graph_name)])
    after = client.get(ask).get_json()
    expected = compute_duty(fresh_store, origin="JPN", hs="9403.60", day="2025-05-15")
    assert after == expected.to_json() != before


def test_a_write_to_a_measure_on_one_country_keeps_the_duties_of_the_others(fresh_store: TradeStore) -> None:
    chinese = fresh_store.select(
        "SELECT ?m WHERE { ?m tkg:imposedBy <https://w3id.org/tradekg/id/country/USA> ;"
        " tkg:appliesTo <https://w3id.org/tradekg/id/country/CHN> ; tkg:ratePercent ?r"
        " FILTER NOT EXISTS { ?m tkg:appliesTo ?other FILTER(?other != <https://w3id.org/tradekg/id/country/CHN>) }"
        " FILTER NOT EXISTS { ?m tkg:appliesToAll true } } ORDER BY ?m LIMIT 1"
    )[0]["m"]
    aruba, china = all_goods_duty(fresh_store, "USA", "ABW", DAY), all_goods_duty(fresh_store, "USA", "CHN", DAY)
    measure, rate = ox.NamedNode(str(chinese)), ox.NamedNode(TKG + "ratePercent")
    old = [q for q in fresh_store.quads_for_pattern(measure, rate, None) if isinstance(q.graph_name, ox.NamedNode)]
    decimal = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    with fresh_store.writing():
        fresh_store.apply(old, [ox.Quad(measure, rate, ox.Literal("77", datatype=decimal), old[0].graph_name)])
    assert all_goods_duty(fresh_store, "USA", "ABW", DAY) is aruba  # no rule naming Aruba changed
    after = all_goods_duty(fresh_store, "USA", "CHN", DAY)
    expected = calculate(load_rules(fresh_store, importer="USA"), Goods(origin="CHN", hs=None, day=DAY))
    assert after[0] == expected.additional and after is not china
