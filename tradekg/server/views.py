"""Domain views in the browser: the world map of duties, and the country and measure views of resource pages.

``/map?imposer=USA&date=2025-05-15`` colours each country by the additional duty on all goods the imposer levies
on it; ``/map?target=JPN`` by what each country levies on Japan's goods. ``/map.svg`` is the picture alone, and
``?format=json`` the numbers. The views themselves are computed in :mod:`tradekg.views`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request, send_from_directory, url_for
from markupsafe import Markup

from tradekg.duty.inputs import DutyInputError, parse_origin
from tradekg.ontology.vocab import ID, TKG
from tradekg.server import current_store
from tradekg.server.web import bad_request, href, int_arg, not_found, page
from tradekg.store.interface import TradeStore
from tradekg.views import chart, worldmap
from tradekg.views.country import country_view
from tradekg.views.duties import SIDES, decode_cursor, duty_page
from tradekg.views.facts import (
    Ref,
    classes_below,
    day_of,
    english_texts,
    first_literal,
    labels,
    outgoing,
    percent,
    solutions,
)
from tradekg.views.kept import RDF_TYPE, depend, kept, link, predicate, rows_nodes
from tradekg.views.measures import STATUS_TEXT, load_measures, statuses
from tradekg.views.programme_rules import measure_view

bp = Blueprint("views", __name__)
COUNTRY = str(TKG) + "Country"
CHART_LIMIT = 40  # measures drawn on a country's timeline (its table's first ones)
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
MEASURE_CLASSES = frozenset(str(TKG) + name for name in ("TradeMeasure", "Tariff", "Suspension"))


def day_arg() -> dt.date:
    """The ``date`` parameter (``YYYY-MM-DD``), today when absent.

    Raises:
        ValueError: The parameter is not a calendar date; the message names it.
    """
    raw = request.args.get("date", "").strip()
    if not raw:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"the parameter 'date' must be a day as YYYY-MM-DD, not {raw!r}") from None


def country_ref(store: TradeStore, code: str) -> Ref | None:
    """The country with the ISO 3166-1 alpha-3 ``code`` (any case) or English name (``Japan``), or ``None``."""
    code = code.strip().upper()
    if not (len(code) == 3 and code.isalpha()):
        try:
            code = parse_origin(code)  # a name, or an alpha-2 code, through pycountry
        except DutyInputError:
            return None
    iri = f"{ID}country/{code}"
    if not solutions(store, f"SELECT ?c WHERE {{ BIND(<{iri}> AS ?c) ?c a tkg:Country }} LIMIT 1"):
        return None
    return Ref(iri, labels(store, [iri])[iri])


def imposers(store: TradeStore) -> list[tuple[str, str]]:
    """The countries that impose at least one tariff, as (alpha-3 code, label), by label, kept until the next write.

    Every map page lists them; at 10^6 quads the query reads every tariff's imposer. Kept while no measure's
    imposer, no country code and no label of theirs changes.
    """
    return kept(store, "map", ("imposer codes",), lambda: _read_imposers(store))


def _read_imposers(store: TradeStore) -> list[tuple[str, str]]:
    rows = solutions(
        store,
        "SELECT DISTINCT ?c ?code WHERE { ?m tkg:imposedBy ?c . ?c tkg:iso3166Alpha3 ?code }",
    )
    depend({predicate(str(TKG.imposedBy)), predicate(str(TKG.iso3166Alpha3)), *rows_nodes(rows)})
    names = labels(store, [row["c"].value for row in rows])
    return sorted(((row["code"].value, names[row["c"].value]) for row in rows), key=lambda item: item[1].lower())


def imposers_and_targets(store: TradeStore) -> list[tuple[str, str]]:
    """The countries a measure names or that impose one, (alpha-3 code, label) by label; kept while they stay."""
    return kept(store, "map", ("imposer and target codes",), lambda: _read_imposers_and_targets(store))


def _read_imposers_and_targets(store: TradeStore) -> list[tuple[str, str]]:
    rows = solutions(
        store,
        "SELECT DISTINCT ?c ?code WHERE { { ?m tkg:imposedBy ?c } UNION { ?m tkg:appliesTo ?c }"
        " ?m a/rdfs:subClassOf* tkg:TradeMeasure . ?c tkg:iso3166Alpha3 ?code }",
    )
    read = ("imposedBy", "appliesTo", "iso3166Alpha3")
    depend({predicate(str(TKG[name])) for name in read} | {predicate(SUBCLASS_OF), *rows_nodes(rows)})
    depend({link(RDF_TYPE, kind) for kind in classes_below(store, ("TradeMeasure",))})
    names = labels(store, [row["c"].value for row in rows])
    return sorted(((row["code"].value, names[row["c"].value]) for row in rows), key=lambda item: item[1].lower())


def _map_data(store: TradeStore) -> worldmap.DutyMap | Response:
    try:
        day = day_arg()
    except ValueError as error:
        return bad_request(str(error))
    imposer, target = request.args.get("imposer", "").strip(), request.args.get("target", "").strip()
    if imposer and target:
        return bad_request("Give either imposer= (what one country levies) or target= (what it pays), not both.")
    code = target or imposer or "USA"
    country = country_ref(store, code)
    if country is None:
        return not_found(f"No country of the graph has the ISO 3166-1 alpha-3 code or the name {code!r}.")
    if target:
        return worldmap.duty_map(store, day=day, target=country)
    return worldmap.duty_map(store, day=day, imposer=country)


_SVGS: dict[tuple[object, ...], str] = {}
SVGS_KEPT = 32


def map_svg(data: worldmap.DutyMap, title_id: str = "map-title") -> str:
    """The SVG of a duty map with links to this site's country pages.

    The drawing (about 240 shapes, a link each) is kept for the same numbers, names and site address: a country's
    page draws its map at each view.
    """
    key = (
        data.mode,
        data.subject,
        data.day,
        title_id,
        href(data.subject.iri),
        frozenset(data.rates.items()),
        frozenset(data.countries.items()),
    )
    found = _SVGS.get(key)
    if found is None:
        links = {ref.iri: href(ref.iri) for ref, _ in data.countries.values()}
        found = worldmap.svg(data, href=links, title_id=title_id)
        if len(_SVGS) >= SVGS_KEPT:
            _SVGS.clear()
        _SVGS[key] = found
    return found


@bp.get("/map")
def map_page() -> Response:
    """The world map of additional duties on a day (``imposer=`` or ``target=``, ``date=``)."""
    store = current_store()
    data = _map_data(store)
    if isinstance(data, Response):
        return data
    ranked = [
        (ref, code, percent(str(rate)))
        for ref, code, rate in sorted(
            ((ref, code, data.rates[ref.iri]) for ref, code in data.countries.values() if data.rates.get(ref.iri)),
            key=lambda item: (-item[2], item[0].label.lower()),
        )
    ]
    return page(
        "map.html",
        data.to_json,
        duty=data,
        svg=map_svg(data),
        legend=worldmap.legend(),
        ranked=ranked,
        imposers=imposers(store),
        countries=imposers_and_targets(store),
        code=data.subject.iri.rsplit("/", 1)[-1],
    )


@bp.app_errorhandler(404)
def page_not_found(error: Exception) -> Response:
    """A styled 404 page with the site's navigation (or JSON when asked), for any address no route serves."""
    return not_found(f"There is no page at {request.path}.")


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site's icon, for clients that ask for it by its conventional name."""
    return send_from_directory(Path(__file__).with_name("static"), "favicon.svg", mimetype="image/svg+xml")


@bp.get("/map.svg")
def map_picture() -> Response:
    """The map alone, as an SVG document."""
    data = _map_data(current_store())
    if isinstance(data, Response):
        return data
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + map_svg(data)
    return Response(body, mimetype="image/svg+xml")


LIST_PAGE = 50  # rows on a page of a country's full duty list


def duty_list_url(code: str, side: str, day: dt.date, after: str | None = None) -> str:
    """The address of a page of a country's full list of duties faced or imposed (``after``: its cursor)."""
    args = {"date": day.isoformat(), **({"after": after} if after else {})}
    return url_for("views.duty_list", code=code, side=side, **args)


@bp.get("/country/<code>/<side>")
def duty_list(code: str, side: str) -> Response:
    """Every tariff a country faces (``/country/JPN/faced``) or imposes, on a day, a page at a time.

    Paged by key: ``?after=`` is the last row's cursor, given by the page's ``next`` link, so a page deep in the
    list costs what the first does. ``?date=`` as on the country's page; ``?limit=`` up to 200 rows.
    """
    if side not in SIDES:
        return not_found(f"A country's duty list is /country/{code}/faced or /country/{code}/imposed.")
    store = current_store()
    country = country_ref(store, code)
    if country is None:
        return not_found(f"No country has the ISO 3166-1 alpha-3 code {code!r}.")
    code = country.iri.rsplit("/", 1)[-1]
    try:
        day = day_arg()
        limit = int_arg("limit", LIST_PAGE, low=1, high=200)
        raw = request.args.get("after", "").strip()
        chosen = duty_page(store, country.iri, day, side=side, limit=limit, after=decode_cursor(raw) if raw else None)
    except ValueError as error:
        return bad_request(str(error))
    kept = {k: v for k, v in request.args.items() if k in ("limit", "format")}  # a JSON page links to JSON pages
    next_url = (
        url_for("views.duty_list", code=code, side=side, **{"date": day.isoformat(), **kept, "after": chosen.next})
        if chosen.next
        else None
    )
    first_url = url_for("views.duty_list", code=code, side=side, **{"date": day.isoformat(), **kept}) if raw else None

    def data() -> dict[str, object]:
        return {
            "country": country.to_json(),
            "date": day.isoformat(),
            "side": side,
            "count": chosen.count,
            "duties": [d.to_json(day, country.iri) for d in chosen.duties],
            "after": raw or None,
            "next": chosen.next,
            "next_url": next_url,
        }

    return page(
        "views/duty_list.html",
        data,
        country=country,
        day=day,
        side=side,
        listed=chosen,
        next_url=next_url,
        first_url=first_url,
        country_url=href(country.iri) + f"?date={day.isoformat()}",
        status_text=STATUS_TEXT,
    )


def resource_view_html(iri: str, types: list[str]) -> Markup | None:
    """The domain view of a resource page rendered as HTML, kept while what it shows stays; ``None`` if none.

    A country's view (its duty tables, map and timeline) is the same for every reader of a day until a write
    changes what it shows: most of a country page's cost is reading and rendering it, so the rendered fragment is
    kept (:func:`tradekg.views.kept.kept`, family ``"rendered view"``, at most ``LIMITS["rendered view"]``) by IRI,
    day, today's date (the timeline marks it) and the site's addresses (its links depend on them), with the
    dependencies of everything it read.

    Raises:
        ValueError: The page's ``date`` parameter is not a day.
    """
    if not (COUNTRY in types or MEASURE_CLASSES & set(types)):
        return None
    store = current_store()
    config = current_app.config
    key = (iri, tuple(types), day_arg(), dt.date.today(), config["TRADEKG_WEB_BASE"], config["TRADEKG_DATASET_BASE"])

    def render() -> Markup | None:
        view = resource_view(iri, types)
        if view is None:
            return None
        template, data, context = view
        return Markup(render_template(template, view=data, **context))  # noqa: S704 - a template Jinja escaped

    return kept(store, "rendered view", key, render)


def resource_view(iri: str, types: list[str]) -> tuple[str, object, dict[str, object]] | None:
    """The domain view of a resource page: its template, its data (with ``to_json``) and its context, if any.

    Raises:
        ValueError: The page's ``date`` parameter is not a day.
    """
    store = current_store()
    if COUNTRY in types:
        day = day_arg()
        view = country_view(store, iri, day)
        ref = view.duties.country
        faced = [d.measure for d in view.duties.faced]
        imposed = [d.measure for d in view.duties.imposed]
        data = (
            worldmap.duty_map(store, day=day, imposer=ref)
            if imposed
            else worldmap.duty_map(store, day=day, target=ref, importers=[t.imposer for t in view.duties.totals])
        )
        drawn = faced[:CHART_LIMIT] + [m for m in imposed[:CHART_LIMIT] if m not in faced]
        timeline = chart.chart(store, country=ref, measures=drawn)
        hrefs = {m.ref.iri: href(m.ref.iri) for m in timeline.measures} | {
            e.ref.iri: href(e.ref.iri) for e in timeline.events
        }
        context = {
            "day": day,
            "map_svg": map_svg(data, "country-map-title"),
            "map_mode": data.mode,
            "legend": worldmap.legend(),
            "chart_svg": chart.svg(timeline, href=hrefs, today=dt.date.today(), title_id="country-chart-title"),
            "status_text": STATUS_TEXT,
            "faced_url": duty_list_url(ref.iri.rsplit("/", 1)[-1], "faced", day),
            "imposed_url": duty_list_url(ref.iri.rsplit("/", 1)[-1], "imposed", day),
        }
        return "views/country.html", view, context
    if MEASURE_CLASSES & set(types):
        day = day_arg()
        measure = load_measures(store, [iri])[0]
        status = statuses([measure], day)[iri]
        instruments = _instruments(store, [r.iri for r in measure.legal_basis])
        context = {"day": day, "measure_status": status, "status_text": STATUS_TEXT, "instruments": instruments}
        return "views/measure.html", measure_view(store, measure), context
    return None


def _instruments(store: TradeStore, iris: list[str]) -> list[dict[str, object]]:
    """The legal instruments' identifiers, dates and notes (the statute they rest on is in the note)."""
    schema = "https://schema.org/"
    note = str(TKG) + "note"
    statute = str(TKG) + "statutoryBasis"
    facts = outgoing(
        store, iris, (schema + "legislationIdentifier", schema + "legislationDate", note, schema + "url", statute)
    )
    statutes = {
        iri: [t.value for t in facts.get(iri, {}).get(statute, []) if isinstance(t, ox.NamedNode)] for iri in iris
    }
    names = labels(store, iris + [s for found in statutes.values() for s in found])
    found = []
    for iri in iris:
        own = facts.get(iri, {})
        day = day_of(own.get(schema + "legislationDate"))
        found.append(
            {
                "ref": Ref(iri, names[iri]),
                "identifier": first_literal(own.get(schema + "legislationIdentifier")),
                "date": day,
                "notes": english_texts(own.get(note)),
                "statutes": sorted((Ref(s, names[s]) for s in statutes[iri]), key=lambda r: r.label),
            }
        )
    return found
