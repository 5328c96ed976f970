"""The summaries kept on write (tariffs by country, links counted, classes in label order) follow every write.

Each is checked against one built afresh from the store after writes through the gate, and through the pages.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tradekg.gate.writes import apply_update
from tradekg.linkeddata.class_index import ClassIndex, class_index
from tradekg.linkeddata.describe import describe
from tradekg.linkeddata.index import instances, items_of
from tradekg.server import create_app
from tradekg.store.interface import TradeStore
from tradekg.views.duties import country_duties
from tradekg.views.tariff_index import TariffIndex, tariff_index

ID = "https://w3id.org/tradekg/id/"
TKG = "https://w3id.org/tradekg/ontology#"
JPN, USA, CAN = (f"{ID}country/{code}" for code in ("JPN", "USA", "CAN"))
NEW = ID + "measure/test-usa-jpn-77"
GRAPH = ID + "graph/cbp-csms-64680374"
DAY = dt.date(2025, 5, 15)
NEW_TARIFF = f"""INSERT DATA {{ GRAPH <{GRAPH}> {{
    <{NEW}> a tkg:Tariff ; rdfs:label "US test tariff on Japan"@en ; tkg:imposedBy <{USA}> ; tkg:appliesTo <{JPN}> ;
        tkg:ratePercent 77.0 ; tkg:effectiveFrom "2025-04-09"^^xsd:date ; tkg:legalBasis <{ID}instrument/eo-14257> ;
        prov:wasDerivedFrom <{ID}source/cbp-csms-64680374> . }} }}"""


def _lists(index: TariffIndex, countries: list[str]) -> dict[str, object]:
    return {
        c: ([t.iri for t in index.facing(c)], [t.iri for t in index.imposed(c)], index.facing_all_goods(c))
        for c in countries
    }


def test_the_tariff_index_followed_through_writes_equals_one_built_afresh(fresh_store: TradeStore):
    followed = tariff_index(fresh_store)
    before = _lists(followed, [JPN, USA, CAN])
    assert NEW not in before[JPN][0]  # type: ignore[index]
    apply_update(fresh_store, NEW_TARIFF)
    apply_update(
        fresh_store,
        f"DELETE DATA {{ GRAPH <{GRAPH}> {{ <{NEW}> tkg:appliesTo <{JPN}> }} }};"
        f" INSERT DATA {{ GRAPH <{GRAPH}> {{ <{NEW}> tkg:appliesTo <{CAN}> }} }}",
    )
    apply_update(fresh_store, f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{NEW}> tkg:covers <{ID}product/potash> }} }}")
    after = _lists(followed, [JPN, USA, CAN])
    assert after == _lists(TariffIndex(fresh_store), [JPN, USA, CAN])
    assert NEW in after[CAN][0] and NEW not in after[JPN][0] and NEW in after[USA][1]  # type: ignore[index]


def test_a_tariff_written_through_the_gate_shows_on_the_country_page(fresh_store: TradeStore):
    client = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": fresh_store}).test_client()
    page = client.get(f"/page/country/JPN?format=json&date={DAY}").json
    count = page["view"]["faced_count"]
    assert NEW not in [d["iri"] for d in page["view"]["faced"]]
    apply_update(fresh_store, NEW_TARIFF)
    page = client.get(f"/page/country/JPN?format=json&date={DAY}").json
    assert page["view"]["faced_count"] == count + 1
    new = next(d for d in page["view"]["faced"] if d["iri"] == NEW)
    assert (new["status"], new["rate_percent"]) == ("in-force", "77")
    assert {v["value"] for g in page["incoming"] for v in g["values"]} >= {NEW}  # the links here follow too
    html = client.get(f"/page/country/JPN?date={DAY}").text
    assert "US test tariff on Japan" in html
    apply_update(fresh_store, f"DELETE WHERE {{ GRAPH <{GRAPH}> {{ <{NEW}> ?p ?o }} }}")
    page = client.get(f"/page/country/JPN?format=json&date={DAY}").json
    assert page["view"]["faced_count"] == count and NEW not in [d["iri"] for d in page["view"]["faced"]]
    assert NEW not in {v["value"] for g in page["incoming"] for v in g["values"]}


def test_the_country_page_lists_what_the_store_gives(bundled_store: TradeStore):
    duties = country_duties(bundled_store, JPN, DAY, limit=3)
    answer = bundled_store.query(
        f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ {{ ?m tkg:appliesTo <{JPN}> }}"
        " UNION { ?m tkg:appliesToAll true }"
        f" ?m a/rdfs:subClassOf* tkg:Tariff FILTER NOT EXISTS {{ ?m tkg:imposedBy <{JPN}> }} }}"
    )
    assert duties.faced_count == int(next(iter(answer))[0].value)  # type: ignore[call-overload,index]
    assert len([d for d in duties.faced if d.status in ("in-force", "uncertain")]) >= 3


def test_links_here_are_counted_once_and_recounted_after_a_write(fresh_store: TradeStore):
    before = describe(fresh_store, JPN)
    assert before is not None
    apply_update(fresh_store, NEW_TARIFF)
    after = describe(fresh_store, JPN)
    assert after is not None and after.incoming_total == before.incoming_total + 1


def test_many_links_are_paged_in_store_order_reading_only_the_shown(fresh_store: TradeStore, monkeypatch):
    monkeypatch.setattr("tradekg.linkeddata.describe.LABEL_ALL", 5)
    whole = describe(fresh_store, USA, incoming_limit=10_000)
    assert whole is not None and whole.incoming_total > 20
    pairs = [(g.property, v.value) for g in whole.incoming for v in g.values]
    assert len(pairs) == len(set(pairs)) == whole.incoming_total
    pages = []
    for offset in range(0, whole.incoming_total, 7):
        page = describe(fresh_store, USA, incoming_offset=offset, incoming_limit=7)
        assert page is not None
        pages += [(g.property, v.value) for g in page.incoming for v in g.values]
    assert pages == pairs


def _members(index: ClassIndex, cls: str) -> list[str]:
    return index.page(cls, limit=100_000)


def test_class_pages_follow_writes_in_label_order(fresh_store: TradeStore):
    followed = class_index(fresh_store)
    countries = _members(followed, TKG + "Country")
    assert followed.count(TKG + "Country") == len(countries) > 200
    apply_update(fresh_store, NEW_TARIFF)
    apply_update(
        fresh_store,
        f'DELETE DATA {{ GRAPH <{GRAPH}> {{ <{NEW}> rdfs:label "US test tariff on Japan"@en }} }};'
        f' INSERT DATA {{ GRAPH <{GRAPH}> {{ <{NEW}> rdfs:label "(test) first of all"@en }} }}',
    )
    afresh = ClassIndex(fresh_store)
    for cls in (TKG + "Tariff", TKG + "TradeMeasure", TKG + "Country"):
        assert _members(followed, cls) == _members(afresh, cls)
        assert followed.count(cls) == afresh.count(cls)
    assert _members(followed, TKG + "TradeMeasure")[0] == NEW  # a subclass's instance, moved by its new label
    total, items = instances(fresh_store, TKG + "TradeMeasure", limit=1)
    assert total == afresh.count(TKG + "TradeMeasure") and items[0].label == "(test) first of all"


@pytest.mark.parametrize("limit", [1, 7, 50])
def test_keyset_pages_chain_to_the_whole_class(bundled_store: TradeStore, limit: int):
    index = class_index(bundled_store)
    whole = _members(index, TKG + "Country")
    chained: list[str] = []
    after = None
    while True:
        page = index.page(TKG + "Country", limit=limit, after=after)
        if not page:
            break
        chained += page
        after = page[-1]
    assert chained == whole


def _dated(store: TradeStore, cls: str) -> list[tuple[str, str]]:
    """The class's instances and their dates, in date order, chained page by page by key."""
    index, chained, after = class_index(store), [], None
    while page := index.page(cls, limit=13, after=after, sort="date"):
        chained += page
        after = page[-1]
    dates = {
        item.iri: item.date for start in range(0, len(chained), 200) for item in items_of(store, chained[start:][:200])
    }
    return [(iri, dates.get(iri, "")) for iri in chained]


def test_class_pages_by_date_follow_writes_latest_first(fresh_store: TradeStore):
    cls = TKG + "TradeMeasure"
    before = _dated(fresh_store, cls)
    assert [iri for iri, _ in before] == class_index(fresh_store).page(cls, limit=100_000, sort="date")
    texts = [date for _, date in before]
    dated = [d for d in texts if d]
    assert dated == sorted(dated, reverse=True) and texts == dated + [""] * (len(texts) - len(dated))
    apply_update(fresh_store, NEW_TARIFF.replace('"2025-04-09"', '"2031-01-02"'))
    assert _dated(fresh_store, cls)[0] == (NEW, "2031-01-02")
    apply_update(
        fresh_store,
        f'DELETE DATA {{ GRAPH <{GRAPH}> {{ <{NEW}> tkg:effectiveFrom "2031-01-02"^^xsd:date }} }};'
        f' INSERT DATA {{ GRAPH <{GRAPH}> {{ <{NEW}> tkg:effectiveFrom "1901-01-01"^^xsd:date }} }}',
    )
    after = _dated(fresh_store, cls)
    assert after[len(dated)] == (NEW, "1901-01-01")  # the oldest of the dated, before the undated
    assert [iri for iri, _ in after] == ClassIndex(fresh_store).page(cls, limit=100_000, sort="date")
    total, items = instances(fresh_store, cls, sort="date", limit=5, after=after[len(dated) - 1][0])
    assert items[0].iri == NEW and total == len(after)


def test_labels_read_in_one_query_are_those_read_one_by_one(bundled_store: TradeStore):
    from tradekg.linkeddata.describe import Labeller
    from tradekg.linkeddata.incoming import links_to
    from tradekg.linkeddata.vocabulary import vocabulary

    iris = [s.value for _, s in links_to(bundled_store, JPN)] + [JPN, USA, CAN, TKG + "Tariff", ID + "no/such-thing"]
    one_by_one, in_one_query = (
        Labeller(bundled_store, vocabulary(bundled_store)),
        Labeller(bundled_store, vocabulary(bundled_store)),
    )
    in_one_query.prefetch(iris)
    assert len(in_one_query.seen) >= len(iris) - 1
    assert [in_one_query(iri) for iri in iris] == [one_by_one(iri) for iri in iris]
