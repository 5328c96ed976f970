"""A country's duty tables: the first rows on its page, the rest on paged lists, all kept right through writes."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient

from tradekg.gate.writes import apply_update
from tradekg.server import create_app
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore
from tradekg.views.duties import TABLE_LIMIT, decode_cursor, duty_page, encode_cursor
from tradekg.views.measure_rows import measure_rows
from tradekg.views.measures import load_measures
from tradekg.views.tariff_index import order_key, tariff_index

ID = "https://w3id.org/tradekg/id/"
JPN, USA = f"{ID}country/JPN", f"{ID}country/USA"
GRAPH = ID + "graph/cbp-csms-64680374"
DAY = "2025-05-15"
MANY = 40


def _tariff(number: int, rate: str, start: str) -> str:
    return (
        f"<{ID}measure/test-many-{number}> a tkg:Tariff ; rdfs:label 'US test tariff {number} on Japan'@en ;"
        f" tkg:imposedBy <{USA}> ; tkg:appliesTo <{JPN}> ; tkg:ratePercent {rate} ;"
        f" tkg:effectiveFrom '{start}'^^xsd:date ; tkg:legalBasis <{ID}instrument/eo-14257> ;"
        f" prov:wasDerivedFrom <{ID}source/cbp-csms-64680374> ."
    )


def _with_many(store: TradeStore) -> tuple[TradeStore, FlaskClient]:
    """``store`` with 40 more US tariffs on Japan, half of them in force on the day, half starting later."""
    body = " ".join(_tariff(n, f"{n}.5", "2025-04-01" if n % 2 else "2026-01-01") for n in range(MANY))
    apply_update(store, f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {body} }} }}")
    return store, create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": store}).test_client()


@pytest.fixture(scope="module")
def many(bundled_graph_only: OxigraphStore) -> tuple[TradeStore, FlaskClient]:
    """:func:`_with_many` on a copy of the bundled graph, shared by the tests that only read."""
    return _with_many(bundled_graph_only.copy_in_memory())


def _chain(client: FlaskClient, first: str) -> list[dict]:
    rows, url = [], first
    while url:
        page = client.get(url).json
        rows += page["duties"]
        url = page["next_url"]
    return rows


def test_a_country_page_shows_the_first_rows_and_links_to_every_one(many):
    store, client = many
    view = client.get(f"/page/country/JPN?format=json&date={DAY}").json["view"]
    assert len(view["faced"]) == TABLE_LIMIT < view["faced_count"]
    assert view["faced_next"] is not None and view["imposed_next"] is None
    html = client.get(f"/page/country/JPN?date={DAY}").text
    assert f'href="/country/JPN/faced?date={DAY}"' in html and f"All {view['faced_count']} tariffs" in html
    every = [c.iri for c in tariff_index(store).facing(JPN)]
    rows = _chain(client, f"/country/JPN/faced?format=json&date={DAY}&limit=7")
    assert sorted(r["iri"] for r in rows) == sorted(every) and len(rows) == view["faced_count"]
    first = client.get(f"/country/JPN/faced?format=json&date={DAY}&limit={TABLE_LIMIT}").json
    assert {r["iri"] for r in first["duties"]} == {r["iri"] for r in view["faced"]}  # the page's rows come first


def test_the_lists_put_what_is_in_force_on_the_day_first(many):
    store, client = many
    rows = _chain(client, f"/country/JPN/faced?format=json&date={DAY}&limit=9")
    live = [r["status"] in ("in-force", "uncertain", "suspended", "exempt", "replaced") for r in rows]
    assert live == sorted(live, reverse=True)  # every tariff in force by its dates before any other
    later = _chain(client, "/country/JPN/faced?format=json&date=2026-02-01&limit=9")
    assert {r["iri"]: r["status"] for r in later}[f"{ID}measure/test-many-2"] == "in-force"
    assert {r["iri"]: r["status"] for r in rows}[f"{ID}measure/test-many-2"] == "scheduled"


def test_a_page_deep_in_the_list_is_the_cursor_s_continuation(many):
    store, _ = many
    day = dt.date.fromisoformat(DAY)
    whole = duty_page(store, JPN, day, side="faced", limit=1000)
    ordered = sorted(tariff_index(store).facing(JPN), key=lambda c: order_key(c, day))
    cursor = decode_cursor(encode_cursor(order_key(ordered[29], day)))
    deep = duty_page(store, JPN, day, side="faced", limit=5, after=cursor)
    assert sorted(d.measure.ref.iri for d in deep.duties) == sorted(c.iri for c in ordered[30:35])
    assert whole.count == len(ordered) and whole.next is None


def test_rows_follow_writes_that_change_a_rate_a_date_an_exemption_or_a_label(fresh_store: TradeStore):
    store, client = _with_many(fresh_store)
    tariff = f"{ID}measure/test-many-39"
    before = {r["iri"]: r for r in _chain(client, f"/country/JPN/faced?format=json&date={DAY}&limit=50")}
    assert (before[tariff]["rate_percent"], before[tariff]["status"]) == ("39.5", "in-force")
    apply_update(
        store,
        f"DELETE DATA {{ GRAPH <{GRAPH}> {{ <{tariff}> tkg:ratePercent 39.5 ;"
        " tkg:effectiveFrom '2025-04-01'^^xsd:date } };"
        f" INSERT DATA {{ GRAPH <{GRAPH}> {{ <{tariff}> tkg:ratePercent 3.25 ;"
        " tkg:effectiveFrom '2025-06-01'^^xsd:date } }",
    )
    after = {r["iri"]: r for r in _chain(client, f"/country/JPN/faced?format=json&date={DAY}&limit=50")}
    assert (after[tariff]["rate_percent"], after[tariff]["status"]) == ("3.25", "scheduled")
    exemption = f"{ID}exemption/test-many-39-jpn"
    apply_update(
        store,
        f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{exemption}> a tkg:Exemption ; rdfs:label 'Test exemption'@en ;"
        f" tkg:exemptionFrom <{tariff}> ; tkg:exemptCountry <{JPN}> ;"
        f" prov:wasDerivedFrom <{ID}source/cbp-csms-64680374> }} }}",
    )
    later = {r["iri"]: r for r in _chain(client, "/country/JPN/faced?format=json&date=2025-07-01&limit=50")}
    assert later[tariff]["status"] == "exempt" and [e["iri"] for e in later[tariff]["exemptions"]] == [exemption]
    kept = measure_rows(store).measures(sorted(before))
    assert kept == load_measures(store, sorted(before))  # the rows kept equal rows read afresh
    basis = f"{ID}instrument/eo-14257"
    _chain(client, f"/country/JPN/faced?format=json&date={DAY}&limit=50")  # the rows are kept now
    old = [row[0] for row in store.query(f"SELECT ?l WHERE {{ GRAPH ?g {{ <{basis}> rdfs:label ?l }} }}")]
    assert old
    apply_update(
        store,
        f"DELETE WHERE {{ GRAPH ?g {{ <{basis}> rdfs:label ?l }} }};"
        f" INSERT DATA {{ GRAPH <{GRAPH}> {{ <{basis}> rdfs:label 'A test name of the order'@en }} }}",
    )
    rows = _chain(client, f"/country/JPN/faced?format=json&date={DAY}&limit=50")
    row = next(r for r in rows if r["iri"] == f"{ID}measure/test-many-1")
    assert [b["label"] for b in row["legal_basis"]] == ["A test name of the order"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/country/JPN/faced?after=nonsense", 400),
        ("/country/JPN/faced?date=2025-13-01", 400),
        ("/country/JPN/elsewhere", 404),
        ("/country/XXX/faced", 404),
    ],
)
def test_bad_list_addresses_are_named(client: FlaskClient, path: str, status: int):
    answer = client.get(path)
    assert answer.status_code == status and "Traceback" not in answer.text
