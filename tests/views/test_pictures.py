"""The pictures: the projected country shapes, the map's SVG and the drawn timeline."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from tradekg.views import chart, worldmap
from tradekg.views.facts import Ref

SVG = "{http://www.w3.org/2000/svg}"
ID = "https://w3id.org/tradekg/id/"


def test_every_shape_of_the_vendored_file_is_drawn_inside_the_frame():
    shapes = worldmap.shapes()
    assert len(shapes) == 241
    assert len({s.numeric for s in shapes if s.numeric}) >= 230
    x, y = worldmap._equal_earth(180, 0)
    assert round(worldmap.WIDTH / 2 + x * worldmap.SCALE) == worldmap.WIDTH
    assert worldmap._equal_earth(0, 0) == (0.0, 0.0)


def test_the_map_links_each_country_with_its_name_and_rate(bundled_store):
    data = worldmap.duty_map(bundled_store, day=dt.date(2025, 5, 15), imposer=Ref(f"{ID}country/USA", "United States"))
    links = {ref.iri: f"/page/{ref.iri[len(ID) :]}" for ref, _ in data.countries.values()}
    root = ET.fromstring(worldmap.svg(data, href=links))
    anchors = root.findall(f"{SVG}a")
    assert len(anchors) >= 200
    titles = {a.get("href"): a.find(f"{SVG}path/{SVG}title").text for a in anchors}
    assert titles["/page/country/JPN"] == "Japan: 10%"
    assert titles["/page/country/CHN"] == "China: 30%"
    assert titles["/page/country/USA"].startswith("United States: the imposer")
    fills = {a.get("href"): a.find(f"{SVG}path").get("fill") for a in anchors}
    assert fills["/page/country/CHN"] == worldmap.colour(data.rates[f"{ID}country/CHN"]) != fills["/page/country/JPN"]


def test_the_timeline_draws_bars_and_points_on_a_time_axis(bundled_store):
    japan = chart.chart(bundled_store, country=Ref(f"{ID}country/JPN", "Japan"))
    assert japan.measures and japan.events
    root = ET.fromstring(chart.svg(japan, href={}, today=dt.date(2025, 6, 1)))
    assert len(root.findall(f".//{SVG}rect")) >= len(japan.measures)
    assert len(root.findall(f".//{SVG}circle")) == len(japan.events)
    everything = chart.chart(bundled_store)
    assert len(everything.measures) > len(japan.measures)
    # A bar ends where a later measure on the same goods and at least the same countries replaced it (the 50% steel
    # tariff from 4 June 2025); the 10% baseline is not ended by one country's rate.
    replaced = {
        iri.rsplit("/", 1)[-1]: (day, m.ref.label) for iri, (day, m) in chart.replacements(japan.measures).items()
    }
    assert replaced["usa-steel-tariff"] == (dt.date(2025, 6, 4), "US 50% Section 232 tariff on steel")
    assert "usa-blanket-tariff" not in replaced
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert any(t.startswith("US steel tariff, 25%: from 12 March 2025, replaced by US 50%") for t in titles)


def test_a_timeline_point_does_not_call_a_dated_event_held(bundled_store):
    japan = chart.chart(bundled_store, country=Ref(f"{ID}country/JPN", "Japan"))
    root = ET.fromstring(chart.svg(japan, href={}, today=dt.date(2025, 5, 15)))
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert "US-Japan trade talks, round 4: on 30 May 2025" in titles  # planned in one source: its date only
    assert not any(": held " in t for t in titles)
