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
from tradekg.ontology.vocab import TKG
from tradekg.views.facts import Ref, labels, percent, solutions
from tradekg.views.measures import LIVE, STATUS_TEXT, Measure, load_measures, statuses

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


@dataclass(frozen=True)
class Candidate:
    """A tariff found for a country, with what ranks it: whether its dates hold the day, and its rate."""

    iri: str
    rate: Decimal
    starts: tuple[str, ...]
    ends: tuple[str, ...]
    specific: bool  # it names product categories

    def live_on(self, day: dt.date) -> bool:
        """Whether a start on or before ``day`` and no end before it are recorded (partial dates kept open)."""
        when = day.isoformat()
        return any(s <= when for s in self.starts) and all(e + "-99" >= when for e in self.ends)


def tariff_types(store: TradeStore) -> frozenset[str]:
    """The classes of tariffs: ``tkg:Tariff`` and its subclasses."""
    rows = solutions(store, "SELECT DISTINCT ?t WHERE { ?t rdfs:subClassOf* tkg:Tariff }")
    return frozenset(row["t"].value for row in rows) | {str(TKG) + "Tariff"}


def candidates(store: TradeStore, scope: str) -> list[Candidate]:
    """Every tariff matching ``scope`` (graph patterns on ``?m``), read in one query without grouping or sorting.

    The type is read, not matched: a pattern ``?m a ?type`` with the types bound would start from every tariff of
    the graph (the engine's plan), where reading the types of the few measures in scope is a lookup each.
    """
    rows = solutions(
        store,
        f"""SELECT ?m ?type ?rate ?from ?until ?specific WHERE {{
            {scope} ?m a ?type .
            OPTIONAL {{ ?m tkg:ratePercent ?rate }}
            OPTIONAL {{ ?m tkg:effectiveFrom ?from }}
            OPTIONAL {{ ?m tkg:effectiveUntil ?until }}
            BIND(EXISTS {{ ?m tkg:covers ?anyProduct }} AS ?specific)
        }}""",
    )
    kinds = tariff_types(store)
    found: dict[str, dict[str, object]] = {}
    tariffs: set[str] = set()
    for row in rows:
        if row["type"].value in kinds:
            tariffs.add(row["m"].value)
        entry = found.setdefault(
            row["m"].value, {"rate": Decimal(0), "starts": set(), "ends": set(), "specific": False}
        )
        if "rate" in row:
            try:
                entry["rate"] = max(entry["rate"], Decimal(row["rate"].value))  # type: ignore[type-var]
            except InvalidOperation:
                pass
        if "from" in row:
            entry["starts"].add(row["from"].value)  # type: ignore[union-attr]
        if "until" in row:
            entry["ends"].add(row["until"].value)  # type: ignore[union-attr]
        entry["specific"] = entry["specific"] or row.get("specific") is not None and row["specific"].value == "true"
    return [
        Candidate(iri, e["rate"], tuple(sorted(e["starts"])), tuple(sorted(e["ends"])), bool(e["specific"]))  # type: ignore[arg-type]
        for iri, e in found.items()
        if iri in tariffs
    ]


def facing_scope(country: str) -> str:
    """The graph patterns of the tariffs a country faces: naming it or all countries, imposed by another."""
    c = _node(country)
    return (
        f"{{ ?m tkg:appliesTo {c} }} UNION {{ ?m tkg:appliesToAll true }} FILTER NOT EXISTS {{ ?m tkg:imposedBy {c} }}"
    )


def imposed_scope(country: str) -> str:
    """The graph pattern of the tariffs a country imposes."""
    return f"?m tkg:imposedBy {_node(country)} ."


def first_ones(found: list[Candidate], day: dt.date, limit: int) -> list[str]:
    """The ``limit`` tariffs to list first: those whose dates hold ``day``, then by rate, highest first."""
    ranked = sorted(found, key=lambda c: (not c.live_on(day), -c.rate, c.iri))
    return [c.iri for c in ranked[:limit]]


def measures_facing(store: TradeStore, country: str, *, all_goods: bool = False) -> list[str]:
    """The tariffs naming ``country`` or all countries, imposed by another (``all_goods``: naming no product)."""
    return [c.iri for c in candidates(store, facing_scope(country)) if not (all_goods and c.specific)]


def measures_imposed(store: TradeStore, country: str, *, all_goods: bool = False) -> list[str]:
    """The tariffs ``country`` imposes (``all_goods``: naming no product category)."""
    return [c.iri for c in candidates(store, imposed_scope(country)) if not (all_goods and c.specific)]


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
    facing = candidates(store, facing_scope(country))
    imposing = candidates(store, imposed_scope(country))
    general = [c.iri for c in facing if not c.specific]
    faced_ids = list(dict.fromkeys(first_ones(facing, day, limit) + general))
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
        len(facing),
        len(imposing),
    )
