"""The duty views on the bundled graph: statuses on a day, the additional duty on all goods, the map's numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tradekg.duty import duty_by_origin
from tradekg.views.duties import country_duties
from tradekg.views.facts import Day, Ref
from tradekg.views.measures import Window
from tradekg.views.worldmap import duty_map

ID = "https://w3id.org/tradekg/id/"
JPN, USA, CHN = (f"{ID}country/{code}" for code in ("JPN", "USA", "CHN"))


def _status(duties, name: str) -> str:
    return next(d.status for d in duties if d.measure.ref.iri == f"{ID}measure/{name}")


def test_japan_in_may_2025_pays_the_baseline_while_its_own_rate_is_paused(bundled_store):
    duties = country_duties(bundled_store, JPN, dt.date(2025, 5, 15))
    assert [(t.imposer.iri, t.rate) for t in duties.totals] == [(USA, Decimal(10))]
    assert _status(duties.faced, "usa-blanket-tariff") == "in-force"  # applies to all countries
    assert _status(duties.faced, "usa-reciprocal-jpn") == "suspended"
    assert _status(duties.faced, "usa-auto-tariff") == "in-force"
    assert _status(duties.faced, "usa-jpn-24-percent-rate") == "reported"  # the news report of usa-reciprocal-jpn
    auto = next(d for d in duties.faced if d.measure.ref.iri.endswith("usa-auto-tariff"))
    assert auto.measure.exemptions_for(JPN)
    assert [m.iri for t in duties.totals for m in t.measures] == [f"{ID}measure/usa-blanket-tariff"]


def test_after_the_agreement_its_all_in_rate_replaces_the_others(bundled_store):
    duties = country_duties(bundled_store, JPN, dt.date(2025, 9, 20))
    assert [(t.imposer.iri, t.rate) for t in duties.totals] == [(USA, Decimal(15))]
    assert _status(duties.faced, "usa-blanket-tariff") == "replaced"
    assert _status(duties.faced, "usa-jpn-reciprocal-15") == "in-force"


def test_a_whole_country_exemption_takes_a_country_out(bundled_store):
    duties = country_duties(bundled_store, f"{ID}country/CAN", dt.date(2025, 5, 15))
    assert _status(duties.faced, "usa-blanket-tariff") == "exempt"


def test_a_month_is_never_taken_for_a_day():
    july = Window(Day("2025-07", "http://www.w3.org/2001/XMLSchema#gYearMonth"), None)
    assert july.covers(dt.date(2025, 6, 30), open_start=False) is False
    assert july.covers(dt.date(2025, 7, 10), open_start=False) is None  # may be in force: the day is not known
    assert july.covers(dt.date(2025, 8, 1), open_start=False) is True
    no_start = Window(None, Day("2025-07-09", "http://www.w3.org/2001/XMLSchema#date"))
    assert no_start.covers(dt.date(2025, 7, 1), open_start=False) is False
    assert no_start.covers(dt.date(2025, 7, 1)) is True
    assert no_start.covers(dt.date(2025, 7, 10)) is False


def test_the_map_of_us_duties_agrees_with_each_countrys_page_and_the_calculator(bundled_store):
    day = dt.date(2025, 5, 15)
    data = duty_map(bundled_store, day=day, imposer=Ref(USA, "United States"))
    assert len(data.countries) >= 240
    for country in (JPN, CHN, f"{ID}country/CAN", f"{ID}country/VNM"):
        totals = country_duties(bundled_store, country, day).totals
        assert data.rates[country] == sum((t.rate for t in totals if t.imposer.iri == USA), Decimal(0))
    assert data.rates[CHN] > data.rates[f"{ID}country/CAN"] > data.rates[JPN]  # 30% > 25% (fentanyl) > 10%
    assert USA not in data.rates
    by_origin = duty_by_origin(bundled_store, day)
    assert all(data.rates[f"{ID}country/{code}"] == rate for code, rate in by_origin.items())


def test_the_target_map_says_who_levies_on_a_country(bundled_store):
    data = duty_map(bundled_store, day=dt.date(2025, 5, 15), target=Ref(JPN, "Japan"))
    assert data.rates[USA] == Decimal(10)
    assert sum(1 for rate in data.rates.values() if rate) == 1
