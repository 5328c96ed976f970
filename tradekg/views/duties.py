"""The duties a country faces and those it imposes on a day, and the additional duty on all goods by country.

A measure counts for a country when it names the country (``tkg:appliesTo``) or applies to all countries
(``tkg:appliesToAll``), and its imposer is another country. Its status on the day comes from
:meth:`~tradekg.views.measures.Measure.status_on`. The *additional duty on all goods* is the duty
calculator's (:mod:`tradekg.duty`, its rules read from the graph as data) for goods that no product tariff names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from tradekg.duty.matching import hits_origin, on_side
from tradekg.duty.records import Measure as BookMeasure
from tradekg.duty.records import RuleBook
from tradekg.store.interface import TradeStore
from tradekg.views.facts import Ref, labels, percent
from tradekg.views.measure_rows import measure_rows
from tradekg.views.measures import LIVE, STATUS_TEXT, Exemption, Measure, Window, statuses
from tradekg.views.programme_rules import ProgrammeRules, StackingNote, programme_rules
from tradekg.views.rule_books import origin_index
from tradekg.views.tariff_index import Cursor, order_key, page_of, tariff_index
from tradekg.views.worldmap import all_goods_duty, alpha3

TABLE_LIMIT = 25  # tariffs per table on a country's page; the rest are on the tables' own pages
SIDES = ("faced", "imposed")
DEFAULT_STACKING = "adds to the other duties"
STATUS_ORDER = ("in-force", "uncertain", "replaced", "suspended", "exempt", "scheduled", "undated", "ended", "reported")


@dataclass(frozen=True)
class Duty:
    """A measure as it stands for one country on one day."""

    measure: Measure
    status: str
    stacking: str
    rules: ProgrammeRules = ProgrammeRules()
    stacking_rules: tuple[StackingNote, ...] = ()  # the rules in force on the day for the country's goods
    country: str | None = None  # the country whose goods the row is about (``None``: the imposer's list)
    older_stacking: str = ""  # what ``tkg:notStackedWith`` says, beside the rules (empty when it says nothing)
    suspended_by: tuple[tuple[Ref, Window], ...] = ()  # the suspensions in force on the day, with their own dates

    @property
    def status_text(self) -> str:
        """The status as a person reads it."""
        return STATUS_TEXT[self.status]

    @property
    def exemptions(self) -> list[Exemption]:
        """The measure's own exemptions and its programmes', those naming another country left out."""
        own = self.measure.exemptions if self.country is None else self.measure.exemptions_for(self.country)
        return sorted([*own, *self.rules.exemptions_for(self.country)], key=lambda e: (e.ref.label.lower(), e.ref.iri))

    def to_json(self, day: dt.date, country: str) -> dict[str, object]:
        """The duty as JSON."""
        return {
            **self.measure.to_json(day, country),
            **self.rules.to_json(),
            "status": self.status,
            "suspended_on_the_day_by": [{**r.to_json(), **w.to_json()} for r, w in self.suspended_by],
            "stacking": self.stacking,
        }


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


def _stacking(
    measure: Measure, live: dict[str, Measure], known: set[str] | None = None, notes: Iterable[StackingNote] = ()
) -> str:
    """What the measure adds to, in words: replaced by, instead of, or on top of the other duties."""
    words = [
        ("goods that pay it do not pay " if note.prevails else "not paid on goods that pay ")
        + ", ".join(r.label for r in note.others)
        for note in notes
    ]
    overriding = [r.label for r in measure.not_stacked_by if r.iri in live]
    if overriding:
        words.append("not added on the goods of " + ", ".join(overriding))
    instead = [r.label for r in measure.not_stacked_with if known is None or r.iri in known]
    if instead:
        words.append("instead of " + ", ".join(instead))
    return "; ".join(words) or DEFAULT_STACKING


_Hitting = dict[str, tuple[RuleBook, list[BookMeasure]]]  # imposer -> its book for one origin, the measures hitting it


def _concerning(
    store: TradeStore, measure: Measure, notes: Iterable[StackingNote], country: str, books: _Hitting
) -> list[StackingNote]:
    """The stacking notes whose other side holds a measure that hits goods of ``country``.

    A rule concerns goods of a country only if a measure of its other side can be paid on them: the duty
    calculator's test (:func:`~tradekg.duty.matching.on_side` over the imposer's measures that hit the origin), so
    the rule of an order on one country's goods is not shown on every other country's page. ``books`` keeps each
    imposer's book for the origin across the rows of a page.
    """
    notes = list(notes)
    if not notes or measure.imposer is None:
        return notes
    imposer = alpha3(measure.imposer)
    if imposer not in books:
        book = origin_index(store, imposer).book_for(country)
        books[imposer] = (book, [m for m in book.measures.values() if hits_origin(book, m, country)])
    book, hitting = books[imposer]
    others = [m for m in hitting if m.iri != measure.ref.iri]
    return [n for n in notes if any(on_side(book, m, frozenset(r.iri for r in n.others)) for m in others)]


def _with_rules(store: TradeStore, duties: list[Duty], day: dt.date, country: str | None) -> list[Duty]:
    """The duties with their programmes' exemptions and the stacking rules in force on ``day`` for ``country``.

    For a country's goods, only the rules whose other side can be paid on them (:func:`_concerning`).
    """
    rules = programme_rules(store, [d.measure for d in duties])
    found = []
    books: _Hitting = {}
    for duty in duties:
        own = rules[duty.measure.ref.iri]
        if country is not None:  # the page and its JSON show only the rules that concern the country's goods
            concerning = tuple(_concerning(store, duty.measure, own.stacking, country, books))
            own = replace(own, exemptions=tuple(own.exemptions_for(country)), stacking=concerning)
        notes = tuple(own.stacking_on(day, country))
        older = "" if duty.stacking == DEFAULT_STACKING else duty.stacking
        stacking = "; ".join(filter(None, (_stacking(duty.measure, {}, set(), notes) if notes else "", older)))
        suspended_by = duty.measure.suspensions_on(day) if duty.status == "suspended" else ()
        found.append(
            Duty(duty.measure, duty.status, stacking or DEFAULT_STACKING, own, notes, country, older, suspended_by)
        )
    return found


def _sorted_duties(duties: list[Duty]) -> list[Duty]:
    """Those in force first, then by status, highest rate first, then by label."""
    return sorted(duties, key=lambda d: (STATUS_ORDER.index(d.status), -_rate(d.measure), d.measure.ref.label.lower()))


def duties_for(measures: list[Measure], country: str, day: dt.date, related: list[Measure] | None = None) -> list[Duty]:
    """The measures as they stand for ``country`` on ``day``, live ones first, highest rate first.

    ``related`` are measures not listed whose status the listed ones need (those amending them or not stacked
    with them, for ``country``).
    """
    every = measures + [m for m in related or () if m.ref.iri not in {n.ref.iri for n in measures}]
    status = statuses(every, day, country)
    live = {m.ref.iri: m for m in every if status[m.ref.iri] in LIVE}
    known = {m.ref.iri for m in every}
    return _sorted_duties([Duty(m, status[m.ref.iri], _stacking(m, live, known)) for m in measures])


def all_goods_totals(store: TradeStore, imposers: Iterable[str], country: str, day: dt.date) -> list[Total]:
    """The additional duty on all goods ``country`` pays on ``day`` to each of ``imposers``.

    Computed by the duty calculator (:mod:`tradekg.duty`) for goods that no product tariff names, so that the page,
    the map and ``/duty`` give one answer; imposers whose answer is nil are left out. Only the imposers of tariffs
    on all goods need asking: for goods without a product code the calculator applies no measure that names
    products, and reading an importer's rules costs seconds at 10^6 quads (they are kept until the next write).
    """
    origin = country.rstrip("/").rsplit("/", 1)[-1]
    names = labels(store, [iri for iri in imposers if iri != country])
    totals = []
    for imposer in sorted((Ref(iri, name) for iri, name in names.items()), key=lambda ref: ref.label.lower()):
        rate, parts = all_goods_duty(store, imposer.iri.rstrip("/").rsplit("/", 1)[-1], origin, day)
        if rate:
            totals.append(Total(imposer, rate, parts))
    return totals


def encode_cursor(cursor: Cursor) -> str:
    """A cursor as a query parameter: ``0:25:https://...`` (in force on the day or not, rate, IRI)."""
    flag, rate, iri = cursor
    return f"{flag}:{-rate}:{iri}"


def decode_cursor(text: str) -> Cursor:
    """The cursor a page's ``after`` parameter gives.

    Raises:
        ValueError: The text is not a cursor this module made; the message says what it should be.
    """
    parts = text.split(":", 2)
    try:
        if len(parts) != 3 or parts[0] not in ("0", "1"):
            raise ValueError
        return (int(parts[0]), -Decimal(parts[1]), str(ox.NamedNode(parts[2]).value))
    except (ValueError, InvalidOperation):
        raise ValueError(f"the parameter 'after' must be a cursor from a 'next' link, not {text!r}") from None


@dataclass(frozen=True)
class DutyPage:
    """One page of the duties a country faces (``side="faced"``) or imposes, and where the next page starts."""

    side: str
    duties: list[Duty]
    count: int  # on every page
    next: str | None  # the next page's cursor (:func:`encode_cursor`), if any

    def to_json(self, day: dt.date, country: str) -> dict[str, object]:
        """The page as JSON."""
        return {
            f"{self.side}_count": self.count,
            self.side: [d.to_json(day, country) for d in self.duties],
            f"{self.side}_next": self.next,
        }


def duty_page(
    store: TradeStore, country: str, day: dt.date, *, side: str, limit: int = TABLE_LIMIT, after: Cursor | None = None
) -> DutyPage:
    """Up to ``limit`` duties ``country`` faces or imposes (``side``) on ``day``, after the cursor ``after``.

    The order is the tariff index's (:func:`~tradekg.views.tariff_index.order_key`): tariffs whose dates hold the
    day first, highest rate first; each page is then shown by status. Rows come from the measures kept in memory
    (:mod:`tradekg.views.measure_rows`), with those amending a listed one or not stacked with it, for its status.

    Raises:
        ValueError: ``side`` is not one of :data:`SIDES`.
    """
    if side not in SIDES:
        raise ValueError(f"the side must be one of {', '.join(SIDES)}, not {side!r}")
    index = tariff_index(store)
    rows = measure_rows(store)
    if side == "faced":
        chosen, more = page_of(index.facing(country), day, limit, after)
        count = index.facing_count(country)
    else:
        imposing = index.imposed(country)
        chosen, more = page_of(imposing, day, limit, after)
        count = len(imposing)
    measures = rows.measures(c.iri for c in chosen)
    if side == "faced":
        have = {m.ref.iri for m in measures}
        wanted = {r.iri for m in measures for r in (*m.amended_by, *m.not_stacked_by)} - have
        related = [m for m in rows.measures(sorted(wanted)) if m.applies_to(country)]
        duties = _with_rules(store, duties_for(measures, country, day, related), day, country)
    else:
        status = statuses(measures, day)
        duties = _with_rules(store, [Duty(m, status[m.ref.iri], _stacking(m, {})) for m in measures], day, None)
        duties = _sorted_duties(duties)
    cursor = encode_cursor(order_key(chosen[-1], day)) if more and chosen else None
    return DutyPage(side, duties, count, cursor)


@dataclass(frozen=True)
class CountryDuties:
    """What a country faces and imposes on a day: the first page of each list, and the totals on all goods."""

    country: Ref
    day: dt.date
    faced_page: DutyPage
    imposed_page: DutyPage
    totals: list[Total]

    @property
    def faced(self) -> list[Duty]:
        """The duties faced shown first."""
        return self.faced_page.duties

    @property
    def imposed(self) -> list[Duty]:
        """The duties imposed shown first."""
        return self.imposed_page.duties

    @property
    def faced_count(self) -> int:
        """How many tariffs the country faces, on all pages."""
        return self.faced_page.count

    @property
    def imposed_count(self) -> int:
        """How many tariffs the country imposes, on all pages."""
        return self.imposed_page.count

    def to_json(self) -> dict[str, object]:
        """The duties as JSON."""
        c = self.country.iri
        return {
            "country": self.country.to_json(),
            "date": self.day.isoformat(),
            "all_goods_totals": [t.to_json() for t in self.totals],
            **self.faced_page.to_json(self.day, c),
            **self.imposed_page.to_json(self.day, c),
        }


def country_duties(store: TradeStore, country: str, day: dt.date, *, limit: int = TABLE_LIMIT) -> CountryDuties:
    """The duties ``country`` faces and imposes on ``day``: the first ``limit`` of each, those in force first.

    The additional duty on all goods counts every tariff that names no product category, however many.
    """
    imposers = tariff_index(store).all_goods_imposers(country)
    return CountryDuties(
        Ref(country, labels(store, [country])[country]),
        day,
        duty_page(store, country, day, side="faced", limit=limit),
        duty_page(store, country, day, side="imposed", limit=limit),
        all_goods_totals(store, sorted(imposers), country, day),
    )
