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


def measures_facing(store: TradeStore, country: str) -> list[str]:
    """The tariffs that name ``country`` or apply to all countries, imposed by another country."""
    c = _node(country)
    rows = solutions(
        store,
        f"SELECT DISTINCT ?m WHERE {{ {{ ?m tkg:appliesTo {c} }} UNION {{ ?m tkg:appliesToAll true }} {TARIFF}"
        f" FILTER NOT EXISTS {{ ?m tkg:imposedBy {c} }} }}",
    )
    return [row["m"].value for row in rows]


def measures_imposed(store: TradeStore, country: str) -> list[str]:
    """The tariffs ``country`` imposes."""
    rows = solutions(store, f"SELECT DISTINCT ?m WHERE {{ ?m tkg:imposedBy {_node(country)} . {TARIFF} }}")
    return [row["m"].value for row in rows]


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

    def to_json(self) -> dict[str, object]:
        """The duties as JSON."""
        c = self.country.iri
        return {
            "country": self.country.to_json(),
            "date": self.day.isoformat(),
            "all_goods_totals": [t.to_json() for t in self.totals],
            "faced": [d.to_json(self.day, c) for d in self.faced],
            "imposed": [d.to_json(self.day, c) for d in self.imposed],
        }


def country_duties(store: TradeStore, country: str, day: dt.date) -> CountryDuties:
    """The duties ``country`` faces and imposes on ``day``."""
    faced = load_measures(store, measures_facing(store, country))
    imposed = load_measures(store, measures_imposed(store, country))
    ref = Ref(country, labels(store, [country])[country])
    status = statuses(imposed, day)
    imposed_duties = [Duty(m, status[m.ref.iri], _stacking(m, {})) for m in imposed]
    imposed_duties.sort(key=lambda d: (STATUS_ORDER.index(d.status), -_rate(d.measure), d.measure.ref.label.lower()))
    return CountryDuties(
        ref, day, duties_for(faced, country, day), imposed_duties, all_goods_totals(faced, country, day)
    )
