"""The duties a country faces and those it imposes on a day, and the additional duty on all goods by country.

A measure counts for a country when it names the country (``tkg:appliesTo``) or applies to all countries
(``tkg:appliesToAll``), and its imposer is another country. Its status on the day comes from
:meth:`~tradekg.views.measures.Measure.status_on`. The *additional duty on all goods* is the duty
calculator's (:mod:`tradekg.duty`, its rules read from the graph as data) for goods that no product tariff names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from tradekg.duty import rules_for
from tradekg.duty.calculator import Goods, calculate
from tradekg.graph.store import TradeStore
from tradekg.views.facts import Ref, labels, percent
from tradekg.views.measures import LIVE, STATUS_TEXT, Measure, load_measures, statuses
from tradekg.views.tariff_index import first_ones, tariff_index

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


def measures_facing(store: TradeStore, country: str, *, all_goods: bool = False) -> list[str]:
    """The tariffs naming ``country`` or all countries, imposed by another (``all_goods``: naming no product)."""
    return [c.iri for c in tariff_index(store).facing(country) if not (all_goods and c.specific)]


def measures_imposed(store: TradeStore, country: str, *, all_goods: bool = False) -> list[str]:
    """The tariffs ``country`` imposes (``all_goods``: naming no product category)."""
    return [c.iri for c in tariff_index(store).imposed(country) if not (all_goods and c.specific)]


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


def all_goods_totals(store: TradeStore, measures: list[Measure], country: str, day: dt.date) -> list[Total]:
    """The additional duty on all goods ``country`` pays on ``day`` to each imposer of ``measures``.

    Computed by the duty calculator (:mod:`tradekg.duty`) for goods that no product tariff names, so that the page,
    the map and ``/duty`` give one answer; imposers whose answer is nil are left out.
    """
    origin = country.rstrip("/").rsplit("/", 1)[-1]
    imposers = {m.imposer for m in measures if m.imposer is not None and m.imposer.iri != country}
    totals = []
    for imposer in sorted(imposers, key=lambda ref: ref.label.lower()):
        book = rules_for(store, importer=imposer.iri.rstrip("/").rsplit("/", 1)[-1])
        answer = calculate(book, Goods(origin=origin, hs=None, day=day))
        if answer.additional:
            parts = tuple(Ref(str(a["measure"]), str(a["label"])) for a in answer.applied)
            totals.append(Total(imposer, answer.additional, parts))
    return totals


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
    index = tariff_index(store)
    imposing = index.imposed(country)
    general = index.facing_all_goods(country)
    faced_ids = list(dict.fromkeys(first_ones(index.facing(country), day, limit) + general))
    faced = _with_related(store, load_measures(store, faced_ids), country)
    imposed = load_measures(store, first_ones(imposing, day, limit))
    ref = Ref(country, labels(store, [country])[country])
    status = statuses(imposed, day)
    imposed_duties = [Duty(m, status[m.ref.iri], _stacking(m, {})) for m in imposed]
    imposed_duties.sort(key=lambda d: (STATUS_ORDER.index(d.status), -_rate(d.measure), d.measure.ref.label.lower()))
    return CountryDuties(
        ref,
        day,
        duties_for(faced, country, day),
        imposed_duties,
        all_goods_totals(store, faced, country, day),
        index.facing_count(country),
        len(imposing),
    )
