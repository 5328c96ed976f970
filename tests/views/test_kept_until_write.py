"""What the pages keep until the next write changes with every write; the class index is built past a short wait.

A country page keeps its rendered view and its description, the map its imposers, the duty calculator its rule
books and the rules every importer shares: each is checked before and after a write through the gate.
"""

from __future__ import annotations

from tradekg.duty import rules_for
from tradekg.duty.rules import load_rules
from tradekg.duty.shared_rules import load_shared
from tradekg.gate.writes import apply_update
from tradekg.linkeddata.class_index import class_index
from tradekg.server import create_app
from tradekg.store.interface import TradeStore

ID = "https://w3id.org/tradekg/id/"
USA, JPN = f"{ID}country/USA", f"{ID}country/JPN"
NEW = ID + "measure/test-usa-jpn-kept"
GRAPH = ID + "graph/cbp-csms-64680374"
DAY = "2025-05-15"
NEW_TARIFF = f"""INSERT DATA {{ GRAPH <{GRAPH}> {{
    <{NEW}> a tkg:Tariff ; rdfs:label "US kept-page test tariff on Japan"@en ; tkg:imposedBy <{USA}> ;
        tkg:appliesTo <{JPN}> ; tkg:ratePercent 61.0 ; tkg:effectiveFrom "2025-04-09"^^xsd:date ;
        tkg:legalBasis <{ID}instrument/eo-14257> ; prov:wasDerivedFrom <{ID}source/cbp-csms-64680374> . }} }}"""


def _view(html: str) -> str:
    return html[: html.index("<h2>All facts</h2>")]


def _totals(html: str) -> str:
    """The paragraph of the duty on all goods."""
    start = html.index('<p class="totals">')
    return html[start : html.index("</p>", start)]


def test_a_kept_country_page_changes_with_a_write(fresh_store: TradeStore):
    client = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": fresh_store}).test_client()
    before = client.get(f"/page/country/JPN?date={DAY}").text
    assert client.get(f"/page/country/JPN?date={DAY}").text == before  # kept: the same page again
    assert "US kept-page test tariff on Japan" not in before
    apply_update(fresh_store, NEW_TARIFF)
    after = client.get(f"/page/country/JPN?date={DAY}").text
    assert "US kept-page test tariff on Japan" in _view(after)  # the duty table
    assert "kept-page" in after[after.index("<h2>All facts</h2>") :]  # and the links here
    assert _totals(after) and _totals(after) != _totals(before)  # the calculator's answer, read again
    json = client.get(f"/page/country/JPN?date={DAY}&format=json").json
    assert NEW in [d["iri"] for d in json["view"]["faced"]]
    assert NEW in {v["value"] for g in json["incoming"] for v in g["values"]}


def test_the_map_and_the_duty_on_all_goods_follow_a_write(fresh_store: TradeStore):
    client = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": fresh_store}).test_client()

    def japan() -> tuple[str, list[str]]:
        rates = client.get(f"/map?imposer=USA&date={DAY}&format=json").json["rates"]
        row = next(r for r in rates if r["iso3"] == "JPN")
        return row["rate_percent"], [m["iri"] for m in row["measures"]]

    rate, measures = japan()
    assert NEW not in measures
    apply_update(fresh_store, NEW_TARIFF)
    new_rate, new_measures = japan()
    assert NEW in new_measures and float(new_rate) == float(rate) + 61
    assert f"Japan: {float(new_rate):g}%" in client.get(f"/map?imposer=USA&date={DAY}").text


def test_a_rule_book_holds_exactly_its_importers_measures(bundled_store: TradeStore):
    shared = load_shared(bundled_store)
    for importer in ("USA", "CAN", "CHN"):
        rows = bundled_store.select(
            f"SELECT DISTINCT ?m WHERE {{ ?m tkg:imposedBy <{ID}country/{importer}> ;"
            " a/rdfs:subClassOf* tkg:TradeMeasure FILTER NOT EXISTS { ?m a tkg:Suspension }"
            " FILTER NOT EXISTS { ?m a tkg:TariffRateQuota } }"
        )
        book = load_rules(bundled_store, importer=importer, shared=shared)
        assert set(book.measures) == {str(row["m"]) for row in rows}
        assert book == load_rules(bundled_store, importer=importer)  # the shared part read once or again: the same


def test_the_shared_rules_are_read_again_after_a_write(fresh_store: TradeStore):
    first = rules_for(fresh_store, importer="CAN")
    apply_update(
        fresh_store,
        f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{ID}instrument/eo-14257> rdfs:label "A relabelled order"@en }} }}',
    )
    again = rules_for(fresh_store, importer="CAN")
    assert again is not first and again.labels[f"{ID}instrument/eo-14257"] == "A relabelled order"


def test_a_class_page_asked_while_the_index_is_built_says_so_then_pages(fresh_store: TradeStore):
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": fresh_store, "TRADEKG_CLASS_INDEX_WAIT": 0.0})
    client = app.test_client()
    index = class_index(fresh_store)
    index.invalidate()
    with index._lock:  # the background build cannot finish while the test holds the index
        busy = client.get("/class/Tariff")
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "30"
        assert "being built" in busy.text
        assert client.get("/class/Tariff?format=json").json["retry_after"] == 30
    assert index.wait_ready(120)
    page = client.get("/class/Tariff?format=json")
    assert page.status_code == 200 and page.json["total"] > 0 and page.json["items"]
