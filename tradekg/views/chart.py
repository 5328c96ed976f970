"""A timeline drawn on a time axis, as SVG made on the server: measures as bars, events as points.

A measure's bar runs from its ``tkg:effectiveFrom`` to its ``tkg:effectiveUntil`` (to the axis's end, with an
arrow, when no end is recorded). A start or end known only to the month is drawn over that whole month in a paler
tone rather than on a guessed day. Events (``tkg:date``) and conclusions (``tkg:concludedOn``) are points.
Filtered by country, only the measures it faces or imposes and the events of negotiations and agreements it is a
party to are drawn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

import pyoxigraph as ox

from tradekg.store.interface import TradeStore
from tradekg.views.duties import measures_facing, measures_imposed
from tradekg.views.facts import Day, Ref, labels, solutions, tkg
from tradekg.views.kept import depend, kept, predicate, rows_nodes
from tradekg.views.measures import Measure, load_measures

WIDTH = 1000
LEFT = 10
RIGHT = 30
ROW = 24
AXIS = 28
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Point:
    """A dated event: what, when, and the kind of date (``on`` a meeting's date, ``concluded`` an agreement)."""

    ref: Ref
    day: Day
    what: str

    def to_json(self) -> dict[str, object]:
        """The event as JSON."""
        return {**self.ref.to_json(), **self.day.to_json(), "what": self.what}


@dataclass(frozen=True)
class Chart:
    """What the drawn timeline shows."""

    measures: list[Measure]
    events: list[Point]
    country: Ref | None

    def to_json(self) -> dict[str, object]:
        """The chart's data as JSON."""
        return {
            "country": self.country.to_json() if self.country else None,
            "measures": [{**m.ref.to_json(), "rate_percent": m.rate, **m.window.to_json()} for m in self.measures],
            "events": [e.to_json() for e in self.events],
        }


def _dated_measures(store: TradeStore) -> list[str]:
    rows = solutions(
        store, "SELECT DISTINCT ?m WHERE { ?m tkg:effectiveFrom ?f . ?m a/rdfs:subClassOf* tkg:TradeMeasure . }"
    )
    return [row["m"].value for row in rows]


def _events(store: TradeStore, country: str | None) -> list[Point]:
    """The dated events (of ``country``'s negotiations, agreements and officials), kept while none changes.

    They depend on the properties followed to find them and on every event shown (its label).
    """

    def read() -> list[Point]:
        depend({predicate(tkg(name)) for name in ("party", "partOf", "postIn", "holdsPost", "participant")})
        depend({predicate(tkg(name)) for name in ("date", "concludedOn")})
        return _read_events(store, country)

    return kept(store, "country", ("events", country), read)


def _read_events(store: TradeStore, country: str | None) -> list[Point]:
    dated = "?e ?p ?d FILTER(?p IN (tkg:date, tkg:concludedOn) && isLiteral(?d))"
    if country is None:
        where = "VALUES ?p { tkg:date tkg:concludedOn } ?e ?p ?d FILTER(isLiteral(?d))"
    else:  # each branch looks its events' dates up: joined after the union, every dated node was read
        c = str(ox.NamedNode(country))
        where = (
            f"{{ ?n tkg:party {c} . ?e tkg:partOf ?n . {dated} }} UNION {{ ?e tkg:party {c} . {dated} }}"
            f" UNION {{ ?post tkg:postIn {c} . ?who tkg:holdsPost ?post . ?e tkg:participant ?who . {dated} }}"
        )
    rows = solutions(store, f"SELECT DISTINCT ?e ?p ?d WHERE {{ {where} }}")
    depend(rows_nodes(rows))
    names = labels(store, [row["e"].value for row in rows])
    points = [
        Point(
            Ref(row["e"].value, names[row["e"].value]),
            Day(row["d"].value, row["d"].datatype.value),  # type: ignore[union-attr]
            "concluded" if row["p"].value.endswith("concludedOn") else "on",  # a date says nothing of a status
        )
        for row in rows
    ]
    return sorted(points, key=lambda p: (p.day.lexical, p.ref.label.lower()))


def chart(store: TradeStore, *, country: Ref | None = None, measures: list[Measure] | None = None) -> Chart:
    """The measures with a start date and the dated events, of one country when given.

    Args:
        store: The store to read.
        country: Keep the measures the country faces or imposes and the events it takes part in.
        measures: Those measures, when the caller has them already.
    """
    if measures is None:
        if country is None:
            measure_iris = _dated_measures(store)
        else:
            faced, imposed = measures_facing(store, country.iri), measures_imposed(store, country.iri)
            measure_iris = list(dict.fromkeys(faced + imposed))
        measures = load_measures(store, measure_iris)
    measures = [m for m in measures if m.window.start and m.window.start.first_day()]
    measures.sort(key=lambda m: (m.window.start.lexical if m.window.start else "", m.ref.label.lower()))
    return Chart(measures, _events(store, country.iri if country else None), country)


def _month_start(day: dt.date, months: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def svg(data: Chart, *, href: dict[str, str], today: dt.date, title_id: str = "chart-title") -> str:
    """The timeline as an SVG element; ``href`` gives the address of each measure's and event's page by IRI."""
    days = [d for m in data.measures for d in (m.window.start, m.window.end) if d] + [e.day for e in data.events]
    firsts = [d.first_day() for d in days if d.first_day()]
    lasts = [d.last_day() for d in days if d.last_day()]
    heading = "Timeline" + (f" of {data.country.label}" if data.country else "") + ": measures and events"
    if not firsts:
        return ""
    start = _month_start(min(firsts))  # type: ignore[type-var]
    end = _month_start(max([*lasts, min(today, max(lasts) + dt.timedelta(days=90))]), 1)  # type: ignore[type-var,operator]
    span = (end - start).days or 1

    def x(day: dt.date) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span, 1)

    height = AXIS + ROW * (len(data.measures) + (1 if data.events else 0)) + 8
    replaced = replacements(data.measures)
    out = [
        f'<svg class="time-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
        f' role="group" aria-labelledby="{title_id}"><title id="{title_id}">{escape(heading)}</title>'
    ]
    months = (end.year * 12 + end.month) - (start.year * 12 + start.month)
    step = 1 if months <= 14 else 3 if months <= 40 else 12
    tick = start
    while tick <= end:
        tx = x(tick)
        label = (
            f"{_MONTHS[tick.month - 1]} {tick.year}" if tick.month == 1 or tick == start else _MONTHS[tick.month - 1]
        )
        out.append(f'<line x1="{tx}" y1="{AXIS - 6}" x2="{tx}" y2="{height}" stroke="#d8dee4"/>')
        anchor = ' text-anchor="end"' if tx + 7 * len(label) > WIDTH else ""  # the last label ends at the edge
        at = tx - 2 if anchor else tx + 2
        out.append(f'<text x="{at}" y="{AXIS - 10}" font-size="11" fill="#5b6670"{anchor}>{escape(label)}</text>')
        tick = _month_start(tick, step)
    if start <= today <= end:
        out.append(
            f'<line x1="{x(today)}" y1="{AXIS - 6}" x2="{x(today)}" y2="{height}" stroke="#9a3412"'
            ' stroke-dasharray="4 3"><title>today</title></line>'
        )
    for row, measure in enumerate(data.measures):
        out.append(_bar(measure, AXIS + row * ROW, x, end, href, replaced.get(measure.ref.iri)))
    if data.events:
        y = AXIS + len(data.measures) * ROW + ROW / 2
        out.append(f'<text x="{LEFT}" y="{y - 7}" font-size="11" fill="#5b6670">events</text>')
        for event in data.events:
            first = event.day.first_day()
            if first is None:
                continue
            text = f"{event.ref.label}: {event.what} {event.day.text}"
            dot = (
                f'<circle cx="{x(first)}" cy="{y + 3}" r="5" fill="#0b5cad" stroke="#fff">'
                f"<title>{escape(text)}</title></circle>"
            )
            link = href.get(event.ref.iri)
            out.append(f'<a href="{escape(link)}" aria-label="{escape(text)}">{dot}</a>' if link else dot)
    out.append("</svg>")
    return "".join(out)


def replacements(measures: list[Measure]) -> dict[str, tuple[dt.date, Measure]]:
    """The day each drawn measure without an end was replaced, and the measure that replaced it.

    That is a later drawn amendment of it, known to the day, covering all its goods and at least its countries (the
    50% steel tariff replacing the 25% one). An amendment for fewer countries (one country's reciprocal rate
    amending the 10% baseline) replaces nothing on a chart of every country; the duty tables say, country by
    country, what is replaced on a day.
    """
    drawn = {m.ref.iri: m for m in measures}
    found: dict[str, tuple[dt.date, Measure]] = {}
    for measure in measures:
        start = measure.window.start.first_day() if measure.window.start else None
        if measure.window.end is not None or start is None:
            continue
        for ref in measure.amended_by:
            other = drawn.get(ref.iri)
            if other is None or other.window.start is None or other.window.start.precision != "day":
                continue
            day = other.window.start.first_day()
            wider = (
                other.all_countries
                or not measure.all_countries
                and {t.iri for t in measure.targets} <= {t.iri for t in other.targets}
            )
            if day and day > start and wider and measure.is_replaced_by(other):
                if measure.ref.iri not in found or day < found[measure.ref.iri][0]:
                    found[measure.ref.iri] = (day, other)
    return found


def _bar(
    measure: Measure,
    top: float,
    x: object,
    end: dt.date,
    href: dict[str, str],
    replaced: tuple[dt.date, Measure] | None = None,
) -> str:
    """One measure's bar, its pale partial-date ends, and its label (ended where a drawn amendment replaced it)."""
    scale = x  # a function of a day
    assert measure.window.start is not None
    first, last = measure.window.start.first_day(), measure.window.start.last_day()
    until = measure.window.end
    stop = until.last_day() if until else replaced[0] if replaced else end
    stop_first = until.first_day() if until else stop
    x0, x1 = scale(first), scale(last)  # type: ignore[operator]
    x2, x3 = scale(stop_first), scale(stop)  # type: ignore[operator]
    open_end = until is None and replaced is None
    dates = f"from {measure.window.start.text}" + (
        f" until {until.text}"
        if until
        else f", replaced by {replaced[1].ref.label} from {replaced[1].window.start.text}"  # type: ignore[union-attr]
        if replaced
        else ", no end recorded"
    )
    text = f"{measure.ref.label}" + (f", {measure.rate_text}" if measure.rate else "") + f": {dates}"
    y, h = top + 4, ROW - 8
    shapes = [f'<rect x="{x0}" y="{y}" width="{max(x3 - x0, 2)}" height="{h}" rx="3" fill="#cfe1f3"/>']
    if x2 > x1:
        shapes.append(f'<rect x="{x1}" y="{y}" width="{x2 - x1}" height="{h}" rx="3" fill="#8dbbe6"/>')
    if open_end:
        shapes.append(f'<path d="M{x3},{y} l8,{h / 2} l-8,{h / 2} Z" fill="#8dbbe6"/>')
    near_end = x0 > WIDTH * 0.6
    label = measure.ref.label + (f" ({measure.rate_text})" if measure.rate else "")
    shapes.append(
        f'<text x="{x0 - 4 if near_end else x0 + 4}" y="{y + h - 4}" font-size="12"'
        f' text-anchor="{"end" if near_end else "start"}" fill="#1d2329" stroke="#fff" stroke-width="3"'
        f' paint-order="stroke">{escape(label)}</text>'
    )
    body = f"<title>{escape(text)}</title>" + "".join(shapes)
    link = href.get(measure.ref.iri)
    return f'<a href="{escape(link)}" aria-label="{escape(text)}">{body}</a>' if link else f"<g>{body}</g>"
