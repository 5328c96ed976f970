"""The duties a country faces and those it imposes on a day, and the additional duty on all goods by country.

A measure counts for a country when it names the country (``tkg:appliesTo``) or applies to all countries
(``tkg:appliesToAll``), and its imposer is another country. Its status on the day comes from
:meth:`~tradekg.views.measures.Measure.status_on`. The *additional duty on all goods* adds up the rates of the
measures in force that name no product category, as the ontology says duties do (they stack) unless a measure in
force is recorded as not stacked with another (``tkg:notStackedWith``: the other one then does not apply).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from tradekg.graph.store import TradeStore
from tradekg.views.facts import Ref, labels, percent, solutions
from tradekg.views.measures import LIVE, STATUS_TEXT, Measure, load_measures, statuses

TARIFF = "?m a/rdfs:subClassOf* tkg:Tariff ."
TABLE_LIMIT = 100  # tariffs per table on a country's page
STATUS_ORDER = ("in-force", "uncertain", "replaced", "suspended", "exempt", "scheduled", "undated", "ended", "reported")


@dataclass(frozen=True)
class Duty:
    """A measure as it stands for one country on one day."""

    measure: Measure
    status: str
    stacking: str

    @property
    def status_text(self) -> str:
        """The status as a person reads it."""
        return STATUS_TEXT[self.status]

    def to_json(self, day: dt.date, country: str) -> dict[str, object]:
        """The duty as JSON."""
        return {**self.measure.to_json(day, country), "status": self.status, "stacking": self.stacking}


@dataclass(frozen=True)
class Total:
    """The additional duty on all goods from one imposer, and the measures that make it up."""

    imposer: Ref
    rate: Decimal
    measures: tuple[Ref, ...]

    @property
    def rate_text(self) -> str:
        """The total as a person reads it."""
        return percent(str(self.rate))

    def to_json(self) -> dict[str, object]:
        """The total as JSON."""
        return {
            "imposer": self.imposer.to_json(),
            "rate_percent": str(self.rate),
            "measures": [m.to_json() for m in self.measures],
        }


def _node(iri: str) -> str:
    return str(ox.NamedNode(iri))


def _query_measures(
    store: TradeStore, scope: str, *, day: dt.date | None, limit: int | None, all_goods: bool
) -> list[str]:
    """Tariffs matching ``scope`` (graph patterns on ``?m``), those in force around ``day`` and highest rate first.

    With ``limit``, at most that many: the ones whose dates hold ``day`` come first, then by rate, so that a page
    stays a bounded amount of work however many tariffs a country faces.
    """
    goods = "FILTER NOT EXISTS { ?m tkg:covers ?anyProduct }" if all_goods else ""
    if limit is None:
        rows = solutions(store, f"SELECT DISTINCT ?m WHERE {{ {scope} {TARIFF} {goods} }}")
        return [row["m"].value for row in rows]
    when = (day or dt.date.today()).isoformat()
    rows = solutions(
        store,
        f"""SELECT ?m (MAX(?live0) AS ?live) (MAX(?rate0) AS ?rate) WHERE {{
            {{ SELECT DISTINCT ?m WHERE {{ {scope} {TARIFF} {goods} }} }}
            OPTIONAL {{ ?m tkg:ratePercent ?rate0 }}
            OPTIONAL {{ ?m tkg:effectiveFrom ?from }}
            OPTIONAL {{ ?m tkg:effectiveUntil ?until }}
            BIND(BOUND(?from) && STR(?from) <= "{when}"
                 && (!BOUND(?until) || CONCAT(STR(?until), "-99") >= "{when}") AS ?live0)
        }} GROUP BY ?m ORDER BY DESC(?live) DESC(?rate) ?m LIMIT {int(limit)}""",
    )
    return [row["m"].value for row in rows]


def measures_facing(
    store: TradeStore,
    country: str,
    *,
    day: dt.date | None = None,
    limit: int | None = None,
    all_goods: bool = False,
) -> list[str]:
    """The tariffs that name ``country`` or apply to all countries, imposed by another country.

    Args:
        store: The store to read.
        country: The country's IRI.
        day: With ``limit``: those in force on this day first.
        limit: At most this many, highest rate first (all of them when ``None``).
        all_goods: Only the tariffs that name no product category.
    """
    c = _node(country)
    scope = (
        f"{{ ?m tkg:appliesTo {c} }} UNION {{ ?m tkg:appliesToAll true }} FILTER NOT EXISTS {{ ?m tkg:imposedBy {c} }}"
    )
    return _query_measures(store, scope, day=day, limit=limit, all_goods=all_goods)


def measures_imposed(
    store: TradeStore,
    country: str,
    *,
    day: dt.date | None = None,
    limit: int | None = None,
    all_goods: bool = False,
) -> list[str]:
    """The tariffs ``country`` imposes (options as for :func:`measures_facing`)."""
    return _query_measures(store, f"?m tkg:imposedBy {_node(country)} .", day=day, limit=limit, all_goods=all_goods)


def count_measures(store: TradeStore, country: str) -> tuple[int, int]:
    """How many tariffs ``country`` faces and imposes in all."""
    c = _node(country)
    rows = solutions(
        store,
        f"""SELECT (COUNT(DISTINCT ?f) AS ?faced) (COUNT(DISTINCT ?i) AS ?imposed) WHERE {{
            {{ {{ ?f tkg:appliesTo {c} }} UNION {{ ?f tkg:appliesToAll true }} ?f a/rdfs:subClassOf* tkg:Tariff .
               FILTER NOT EXISTS {{ ?f tkg:imposedBy {c} }} }}
            UNION {{ ?i tkg:imposedBy {c} . ?i a/rdfs:subClassOf* tkg:Tariff . }}
        }}""",
    )
    return int(rows[0]["faced"].value), int(rows[0]["imposed"].value)


def _rate(measure: Measure) -> Decimal:
    try:
        return Decimal(measure.rate or "0")
    except InvalidOperation:
        return Decimal(0)


def _stacking(measure: Measure, live: dict[str, Measure], known: set[str] | None = None) -> str:
    """What the measure adds to, in words: replaced by, instead of, or on top of the other duties."""
    overriding = [r.label for r in measure.not_stacked_by if r.iri in live]
    if overriding:
        return "not added on the goods of " + ", ".join(overriding)
    instead = [r.label for r in measure.not_stacked_with if known is None or r.iri in known]
    if instead:
        return "instead of " + ", ".join(instead)
    return "adds to the other duties"


def duties_for(measures: list[Measure], country: str, day: dt.date) -> list[Duty]:
    """The measures as they stand for ``country`` on ``day``, live ones first, highest rate first."""
    status = statuses(measures, day, country)
    live = {m.ref.iri: m for m in measures if status[m.ref.iri] in LIVE}
    known = {m.ref.iri for m in measures}
    duties = [Duty(m, status[m.ref.iri], _stacking(m, live, known)) for m in measures]
    duties.sort(key=lambda d: (STATUS_ORDER.index(d.status), -_rate(d.measure), d.measure.ref.label.lower()))
    return duties


def all_goods_totals(measures: list[Measure], country: str, day: dt.date) -> list[Total]:
    """The additional duty on all goods ``country`` pays on ``day``, per imposer (certain facts only)."""
    concerned = [m for m in measures if m.applies_to(country)]
    status = statuses(concerned, day, country)
    live = {m.ref.iri: m for m in concerned if status[m.ref.iri] == "in-force"}
    general = [m for m in live.values() if m.all_goods]
    displaced = {r.iri for m in general for r in m.not_stacked_with}
    by_imposer: dict[Ref, list[Measure]] = {}
    for measure in general:
        if measure.ref.iri not in displaced and measure.imposer is not None and measure.imposer.iri != country:
            by_imposer.setdefault(measure.imposer, []).append(measure)
    return [
        Total(imposer, sum((_rate(m) for m in found), Decimal(0)), tuple(m.ref for m in found))
        for imposer, found in sorted(by_imposer.items(), key=lambda item: item[0].label.lower())
    ]


@dataclass(frozen=True)
class CountryDuties:
    """What a country faces and imposes on a day."""

    country: Ref
    day: dt.date
    faced: list[Duty]
    imposed: list[Duty]
    totals: list[Total]
    faced_count: int = 0
    imposed_count: int = 0

    def to_json(self) -> dict[str, object]:
        """The duties as JSON."""
        c = self.country.iri
        return {
            "country": self.country.to_json(),
            "date": self.day.isoformat(),
            "all_goods_totals": [t.to_json() for t in self.totals],
            "faced_count": self.faced_count,
            "imposed_count": self.imposed_count,
            "faced": [d.to_json(self.day, c) for d in self.faced],
            "imposed": [d.to_json(self.day, c) for d in self.imposed],
        }


def _with_related(store: TradeStore, measures: list[Measure], country: str) -> list[Measure]:
    """The measures and those that amend them or are not stacked with them for ``country`` (their status needs them)."""
    have = {m.ref.iri for m in measures}
    wanted = {r.iri for m in measures for r in (*m.amended_by, *m.not_stacked_by)} - have
    extra = [m for m in load_measures(store, sorted(wanted)) if m.applies_to(country)]
    return measures + extra


def country_duties(store: TradeStore, country: str, day: dt.date, *, limit: int = TABLE_LIMIT) -> CountryDuties:
    """The duties ``country`` faces and imposes on ``day``: at most ``limit`` of each, those in force first.

    The additional duty on all goods counts every tariff that names no product category, however many.
    """
    faced_ids = measures_facing(store, country, day=day, limit=limit)
    general = measures_facing(store, country, all_goods=True)
    faced = _with_related(store, load_measures(store, list(dict.fromkeys(faced_ids + general))), country)
    imposed = load_measures(store, measures_imposed(store, country, day=day, limit=limit))
    ref = Ref(country, labels(store, [country])[country])
    status = statuses(imposed, day)
    imposed_duties = [Duty(m, status[m.ref.iri], _stacking(m, {})) for m in imposed]
    imposed_duties.sort(key=lambda d: (STATUS_ORDER.index(d.status), -_rate(d.measure), d.measure.ref.label.lower()))
    faced_count, imposed_count = count_measures(store, country)
    return CountryDuties(
        ref,
        day,
        duties_for(faced, country, day),
        imposed_duties,
        all_goods_totals(faced, country, day),
        faced_count,
        imposed_count,
    )
