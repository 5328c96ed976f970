"""A world map of additional duties, drawn as SVG on the server: no script, no network, one link per country.

The shapes are Natural Earth's (1:50m, through npm's ``world-atlas``, vendored in ``geo/``), projected here with
the Equal Earth projection (Šavrič, Patterson and Jenny, 2018) onto a 1000-unit-wide plane and rounded to a tenth
of a unit. Projection runs once per process (:func:`shapes`); a map costs the duty lookup and the string joins.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from html import escape
from pathlib import Path

from tradekg.duty.calculator import Goods, calculate
from tradekg.ontology.vocab import TKG, country_iri
from tradekg.store.interface import TradeStore
from tradekg.views.facts import Ref, labels, percent, solutions
from tradekg.views.kept import RDF_TYPE, depend, kept, link, predicate, rows_nodes, untracked
from tradekg.views.rule_books import book_dependencies, origin_index, shared_rules

GEOMETRY = Path(__file__).with_name("geo") / "countries-50m.json"
WIDTH = 1000.0
TOLERANCE = 0.3
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2
# ColorBrewer's 6-class "OrRd" (Cynthia Brewer, Apache-2.0 licensed scheme), lightest for the lowest duties.
BINS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(10), "#fdd49e"),
    (Decimal(20), "#fdbb84"),
    (Decimal(30), "#fc8d59"),
    (Decimal(50), "#e34a33"),
    (Decimal("Infinity"), "#b30000"),
)
NONE_COLOUR = "#e8f1e4"
NO_DATA_COLOUR = "#d9dde1"
SELF_COLOUR = "#4a5a6a"
TKG_COUNTRY, TKG_ISO_NUMERIC, TKG_ISO_ALPHA3 = (str(TKG[n]) for n in ("Country", "iso3166Numeric", "iso3166Alpha3"))


def _equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


_X_MAX = _equal_earth(180, 0)[0]
_Y_MAX = _equal_earth(0, 90)[1]
SCALE = WIDTH / (2 * _X_MAX)
HEIGHT = round(2 * _Y_MAX * SCALE, 1)


@dataclass(frozen=True)
class Shape:
    """One country's outline: its ISO 3166-1 numeric code (empty for shapes without one), name and SVG path."""

    numeric: str
    name: str
    path: str


def _decode_arcs(topology: dict) -> list[list[tuple[int, int]]]:
    """The arcs of a quantized TopoJSON topology, thinned and projected to whole units.

    Points closer than :data:`TOLERANCE` degrees to the last point kept are dropped (an arc's ends always stay,
    so neighbouring countries still meet): at a map 1000 units wide a degree is under three units.
    """
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        kept: list[tuple[float, float]] = []
        last = len(arc) - 1
        for index, (dx, dy) in enumerate(arc):
            x += dx
            y += dy
            lon, lat = x * sx + tx, y * sy + ty
            if kept and index != last and abs(lon - kept[-1][0]) + abs(lat - kept[-1][1]) < TOLERANCE:
                continue
            kept.append((lon, lat))
        points: list[tuple[int, int]] = []
        for lon, lat in kept:
            px, py = _equal_earth(lon, lat)
            point = (round(WIDTH / 2 + px * SCALE), round(HEIGHT / 2 - py * SCALE))
            if not points or point != points[-1]:
                points.append(point)
        arcs.append(points)
    return arcs


def _ring(indexes: list[int], arcs: list[list[tuple[int, int]]]) -> str:
    points: list[tuple[int, int]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    if len(points) < 3:
        return ""
    (x0, y0), moves = points[0], []
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        moves.append(f"{bx - ax} {by - ay}")
    return f"M{x0} {y0}l" + " ".join(moves) + "z"


@lru_cache(maxsize=1)
def shapes() -> tuple[Shape, ...]:
    """Every country shape of the vendored Natural Earth file, projected (computed once per process)."""
    topology = json.loads(GEOMETRY.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    found = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = geometry.get("arcs", [])
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        path = "".join(_ring(ring, arcs) for polygon in polygons for ring in polygon)
        if not path and polygons:  # a country too small to keep a ring at this scale: a marker where it lies
            first = polygons[0][0][0]
            x, y = (arcs[first] if first >= 0 else arcs[~first])[0]
            path = f"M{x} {y - 3}l3 3l-3 3l-3 -3z"
        if path:
            found.append(Shape(str(geometry.get("id", "")), geometry["properties"]["name"], path))
    return tuple(found)


def colour(rate: Decimal | None) -> str:
    """The fill of a country facing ``rate`` (``None``: no data)."""
    if rate is None:
        return NO_DATA_COLOUR
    if rate <= 0:
        return NONE_COLOUR
    return next(fill for upper, fill in BINS if rate <= upper)


def legend() -> list[tuple[str, str]]:
    """The legend's entries: fill and what it means."""
    entries = [(NONE_COLOUR, "no additional duty")]
    lower = Decimal(0)
    for upper, fill in BINS:
        entries.append((fill, f"over {lower}%" if upper.is_infinite() else f"over {lower}% to {upper}%"))
        lower = upper
    entries += [(SELF_COLOUR, "the country the map is about"), (NO_DATA_COLOUR, "not in the graph")]
    return entries


@dataclass(frozen=True)
class DutyMap:
    """Additional duties on all goods by country on a day, as one imposer levies them or as one target pays them."""

    day: dt.date
    mode: str  # "imposer": what the subject levies on each country; "target": what each country levies on it
    subject: Ref
    countries: dict[str, tuple[Ref, str]]  # numeric code -> (country, alpha-3)
    rates: dict[str, Decimal]  # country IRI -> rate
    measures: dict[str, tuple[Ref, ...]]

    def to_json(self) -> dict[str, object]:
        """The map's data as JSON (no geometry)."""
        return {
            "date": self.day.isoformat(),
            self.mode: self.subject.to_json(),
            "rates": [
                {
                    **ref.to_json(),
                    "iso3": code,
                    "rate_percent": str(self.rates[ref.iri]),
                    "measures": [m.to_json() for m in self.measures.get(ref.iri, ())],
                }
                for ref, code in sorted(self.countries.values(), key=lambda item: item[1])
                if ref.iri in self.rates
            ],
        }


def countries_by_code(store: TradeStore) -> dict[str, tuple[Ref, str]]:
    """The countries by ISO numeric code, kept while no country's codes, class or label change."""
    return kept(store, "map", ("countries",), lambda: _read_countries(store))


def _read_countries(store: TradeStore) -> dict[str, tuple[Ref, str]]:
    rows = solutions(
        store,
        "SELECT ?c (SAMPLE(?n) AS ?num) (SAMPLE(?a) AS ?code) (MIN(STR(?l)) AS ?label) WHERE {"
        " ?c a tkg:Country ; tkg:iso3166Numeric ?n ; tkg:iso3166Alpha3 ?a ."
        " OPTIONAL { ?c rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), 'en') || LANG(?l) = '') } } GROUP BY ?c",
    )
    depend({predicate(TKG_ISO_NUMERIC), predicate(TKG_ISO_ALPHA3), link(RDF_TYPE, TKG_COUNTRY), *rows_nodes(rows)})
    return {
        row["num"].value.zfill(3): (
            Ref(row["c"].value, row["label"].value if "label" in row else row["code"].value),
            row["code"].value,
        )
        for row in rows
    }


def alpha3(ref: Ref) -> str:
    """The ISO 3166 alpha-3 code that ends a country's IRI."""
    return ref.iri.rstrip("/").rsplit("/", 1)[-1]


def all_goods_duty(store: TradeStore, importer: str, origin: str, day: dt.date) -> tuple[Decimal, tuple[Ref, ...]]:
    """The duty calculator's additional duty on goods no product tariff names, and the measures that make it up.

    ``importer`` and ``origin`` are ISO alpha-3 codes. Answers are kept while the importer's rule book stays
    (:mod:`tradekg.views.rule_books`): at 10^6 quads one answer walks thousands of rules, and each country page
    and map asks again. Origins that the importer's rules name alike share one computation
    (:meth:`~tradekg.views.rule_books.OriginIndex.signature`): a map of 249 countries computes a few.
    """

    def compute() -> tuple[Decimal, tuple[Ref, ...]]:
        iri = str(country_iri(origin))
        with untracked():  # not the whole book: only what can change this origin's answer (see below)
            index = origin_index(store, importer)
        shared_rules(store)  # its dependencies are this answer's
        depend(index.signature_dependencies(iri))

        def calculated() -> tuple[Decimal, tuple[Ref, ...]]:  # the same for every origin of this signature
            with untracked():
                book = origin_index(store, importer).book_for(iri)
            shared_rules(store)
            depend(book_dependencies(book))  # so a write to another origin's measure keeps this answer
            answer = calculate(book, Goods(origin=origin, hs=None, day=day))
            return answer.additional, tuple(Ref(str(a["measure"]), str(a["label"])) for a in answer.applied)

        return kept(store, "all goods by signature", (importer, index.signature(iri), day), calculated)

    return kept(store, "all goods", (importer, origin, day), compute)


def _by_origin(
    store: TradeStore, importer: Ref, countries: dict[str, tuple[Ref, str]], day: dt.date
) -> tuple[dict[str, Decimal], dict[str, tuple[Ref, ...]]]:
    """What ``importer`` levies on every other country on ``day``, kept while its answers stay."""

    def compute() -> tuple[dict[str, Decimal], dict[str, tuple[Ref, ...]]]:
        rates: dict[str, Decimal] = {}
        parts: dict[str, tuple[Ref, ...]] = {}
        code = alpha3(importer)
        origin_index(store, code)  # what every answer below depends on, named once (not once per country)
        with untracked():
            for ref, origin in countries.values():
                if ref.iri != importer.iri:
                    rates[ref.iri], parts[ref.iri] = all_goods_duty(store, code, origin, day)
        return rates, parts

    origins = tuple(sorted((ref.iri, code) for ref, code in countries.values()))
    return kept(store, "map", ("by origin", importer.iri, day, origins), compute)


def duty_map(
    store: TradeStore,
    *,
    day: dt.date,
    imposer: Ref | None = None,
    target: Ref | None = None,
    importers: list[Ref] | None = None,
) -> DutyMap:
    """The additional duty on all goods each country faces from ``imposer`` (or levies on ``target``) on ``day``.

    The duties come from the duty calculator (:mod:`tradekg.duty`), for goods that no product tariff names.

    Args:
        store: The store to read.
        day: The day.
        imposer: Draw what this country levies on each other country...
        target: ...or what each country levies on this one.
        importers: With ``target``: the countries that may levy duties on it (by default, every country that
            imposes a tariff).

    Raises:
        ValueError: Neither or both of ``imposer`` and ``target`` are given.
    """
    if (imposer is None) == (target is None):
        raise ValueError("give an imposer or a target, not both")
    countries = countries_by_code(store)
    if imposer is not None:
        rates, parts = _by_origin(store, imposer, countries, day)
        return DutyMap(day, "imposer", imposer, countries, rates, parts)
    assert target is not None
    rates = {ref.iri: Decimal(0) for ref, _ in countries.values() if ref.iri != target.iri}
    parts: dict[str, tuple[Ref, ...]] = {}
    for importer in importers if importers is not None else imposing_countries(store):
        if importer.iri != target.iri:
            rates[importer.iri], parts[importer.iri] = all_goods_duty(store, alpha3(importer), alpha3(target), day)
    return DutyMap(day, "target", target, countries, rates, parts)


def imposing_countries(store: TradeStore) -> list[Ref]:
    """The countries that impose at least one tariff, kept while no imposer, country or their label changes."""

    def read() -> list[Ref]:
        rows = solutions(store, "SELECT DISTINCT ?c WHERE { ?m tkg:imposedBy ?c . ?c a tkg:Country }")
        depend({predicate(str(TKG.imposedBy)), link(RDF_TYPE, TKG_COUNTRY), *rows_nodes(rows)})
        names = labels(store, [row["c"].value for row in rows])
        return [Ref(iri, names[iri]) for iri in sorted(names)]

    return kept(store, "map", ("imposers",), read)


def svg(data: DutyMap, *, href: dict[str, str], title_id: str = "map-title") -> str:
    """The map as an SVG element: one linked, titled shape per country, the subject in its own colour.

    Args:
        data: The duties to draw.
        href: The address of each country's page, by IRI (countries without one are drawn unlinked).
        title_id: The id of the SVG's title (unique on a page).
    """
    verb = "levied by" if data.mode == "imposer" else "levied on"
    heading = f"Additional duty on all goods {verb} {data.subject.label}, {data.day.isoformat()}"
    parts = [
        f'<svg class="world-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {HEIGHT:g}"'
        f' role="group" aria-labelledby="{title_id}"><title id="{title_id}">{escape(heading)}</title>'
    ]
    for shape in shapes():
        country = data.countries.get(shape.numeric)
        if country is None:
            parts.append(f'<path fill="{NO_DATA_COLOUR}" d="{shape.path}"><title>{escape(shape.name)}</title></path>')
            continue
        ref, _ = country
        if ref.iri == data.subject.iri:
            fill, text = SELF_COLOUR, f"{ref.label}: the {data.mode} this map is about"
        else:
            rate = data.rates.get(ref.iri)
            fill = colour(rate)
            text = f"{ref.label}: {percent(str(rate)) if rate else 'no additional duty'}"
        link = href.get(ref.iri)
        shape_svg = f'<path fill="{fill}" d="{shape.path}"><title>{escape(text)}</title></path>'
        if link:
            parts.append(f'<a href="{escape(link)}" aria-label="{escape(text)}">{shape_svg}</a>')
        else:
            parts.append(shape_svg)
    parts.append("</svg>")
    return "".join(parts)
