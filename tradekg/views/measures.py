"""Trade measures as the views show them: rate, dates, whom and what they cover, exemptions, what they replace.

:func:`load_measures` reads many measures in a few batched queries; :meth:`Measure.status_on` says where one
stands on a day, from the graph's own facts: its dates (at their precision: a measure known only to start "in
July" is *uncertain* on a day of July, never guessed in force), its suspensions, the exemptions that name a
country, and the measures in force that amend it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from tradekg.store.interface import TradeStore
from tradekg.views.facts import (
    Day,
    Facts,
    Ref,
    day_of,
    english_texts,
    first_literal,
    incoming,
    iris,
    labels,
    outgoing,
    percent,
    tkg,
)

PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MEASURE_PROPERTIES = (
    RDF_TYPE,
    PROV_DERIVED,
    *(
        tkg(name)
        for name in (
            "ratePercent imposedBy appliesTo appliesToAll covers effectiveFrom effectiveUntil announcedOn legalBasis "
            "htsHeading amends correspondsTo notStackedWith status certainty condition note inProgramme rateBasis"
        ).split()
    ),
)
RELATED_PROPERTIES = tuple(
    tkg(name)
    for name in "effectiveFrom effectiveUntil exemptCountry exemptProduct appliesTo appliesToAll covers".split()
)
LIVE = ("in-force", "uncertain")
INCOMING_PROPERTIES = tuple(tkg(name) for name in ("exemptionFrom", "suspends", "amends", "notStackedWith"))
STATUS_TEXT = {
    "in-force": "in force",
    "uncertain": "may be in force (only the month or year of a date is known)",
    "scheduled": "not yet in force",
    "ended": "ended",
    "suspended": "suspended",
    "replaced": "replaced",
    "exempt": "exempt",
    "undated": "start date not recorded",
    "reported": "the same measure as another source reports it",
}


@dataclass(frozen=True)
class Window:
    """A node's dates: from and until (either may be unknown)."""

    start: Day | None
    end: Day | None

    def covers(self, day: dt.date, *, open_start: bool = True) -> bool | None:
        """Whether the window holds ``day``: ``True``, ``False``, or ``None`` when a partial date leaves it open.

        Args:
            day: The day asked about.
            open_start: Whether a window without a start holds every day before its end (exemptions and
                suspensions without a start date run from their measure's); a measure without a start is not
                known to be in force, so it passes ``False``.
        """
        if self.start is None and not open_start:
            return False
        answer: bool | None = True
        if self.start is not None:
            first, last = self.start.first_day(), self.start.last_day()
            if first is None or last is None or day < first:
                return False
            if day < last:
                answer = None
        if self.end is not None:
            first, last = self.end.first_day(), self.end.last_day()
            if first is None or last is None or day > last:
                return False
            if day >= first and self.end.precision != "day":
                answer = None
        return answer

    def to_json(self) -> dict[str, object]:
        """The window as JSON."""
        return {
            "from": self.start.to_json() if self.start else None,
            "until": self.end.to_json() if self.end else None,
        }


@dataclass(frozen=True)
class Exemption:
    """An exception to a measure for countries and/or product categories, with its dates."""

    ref: Ref
    countries: tuple[Ref, ...]
    products: tuple[Ref, ...]
    window: Window

    def to_json(self) -> dict[str, object]:
        """The exemption as JSON."""
        return {
            **self.ref.to_json(),
            "countries": [c.to_json() for c in self.countries],
            "products": [p.to_json() for p in self.products],
            **self.window.to_json(),
        }


@dataclass
class Measure:
    """One trade measure with what the views show of it."""

    ref: Ref
    types: tuple[Ref, ...] = ()
    rate: str | None = None
    imposer: Ref | None = None
    targets: tuple[Ref, ...] = ()
    all_countries: bool = False
    covers: tuple[Ref, ...] = ()
    window: Window = Window(None, None)
    announced: Day | None = None
    legal_basis: tuple[Ref, ...] = ()
    heading: str | None = None
    recorded_status: Ref | None = None
    certainty: Ref | None = None
    conditions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[Ref, ...] = ()
    exemptions: tuple[Exemption, ...] = ()
    suspensions: tuple[tuple[Ref, Window], ...] = ()
    amends: tuple[Ref, ...] = ()
    amended_by: tuple[Ref, ...] = ()
    not_stacked_with: tuple[Ref, ...] = ()
    not_stacked_by: tuple[Ref, ...] = ()
    corresponds_to: tuple[Ref, ...] = ()
    programmes: tuple[Ref, ...] = ()
    all_in: bool = False  # tkg:rateBasis tkg:allInRate: the rate includes the MFN duty
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def rate_text(self) -> str:
        """The rate as a person reads it (``25%``)."""
        return percent(self.rate)

    @property
    def all_goods(self) -> bool:
        """Whether the measure names no product category, so covers all goods."""
        return not self.covers

    def applies_to(self, country: str) -> bool:
        """Whether the measure names ``country`` or applies to all countries (not counting exemptions)."""
        return self.all_countries or any(t.iri == country for t in self.targets)

    def status_on(self, day: dt.date, country: str | None = None, live: Mapping[str, Measure] | None = None) -> str:
        """Where the measure stands on ``day``: a key of :data:`STATUS_TEXT`.

        Args:
            day: The day asked about.
            country: The country whose goods are asked about: its whole-country exemptions then count.
            live: The measures in force for that country on that day, by IRI: one of them that amends this one
                replaces it, when it covers all the goods this one does.
        """
        if self.corresponds_to:  # another node describes the same measure; it, not this report, is counted
            return "reported"
        if self.window.start is None:
            return "undated"
        held = self.window.covers(day, open_start=False)
        if held is False:
            first = self.window.start.first_day()
            return "scheduled" if first is not None and day < first else "ended"
        if any(window.covers(day) for _, window in self.suspensions):
            return "suspended"
        if country is not None:
            for exemption in self.exemptions:
                if not exemption.products and any(c.iri == country for c in exemption.countries):
                    if exemption.window.covers(day):
                        return "exempt"
        if any(self._replaced_by(live[ref.iri]) for ref in self.amended_by if live and ref.iri in live):
            return "replaced"
        return "uncertain" if held is None else "in-force"

    def suspensions_on(self, day: dt.date) -> tuple[tuple[Ref, Window], ...]:
        """The suspensions of the measure in force on ``day`` (those that make :meth:`status_on` say suspended)."""
        return tuple((ref, window) for ref, window in self.suspensions if window.covers(day))

    def is_replaced_by(self, other: Measure) -> bool:
        """Whether an amendment ``other`` covers every good this measure does (so replaces it where it applies)."""
        return self._replaced_by(other)

    def _replaced_by(self, other: Measure) -> bool:
        """Whether an amendment covers every good this measure does (one on potash alone leaves the rest)."""
        mine = {c.iri for c in self.covers}
        return other.all_goods or bool(mine) and mine <= {c.iri for c in other.covers}

    def exemptions_for(self, country: str) -> list[Exemption]:
        """The exemptions that name ``country`` or name products only (which then hold for every country)."""
        return [e for e in self.exemptions if not e.countries or any(c.iri == country for c in e.countries)]

    def to_json(self, day: dt.date | None = None, country: str | None = None) -> dict[str, object]:
        """The measure as JSON; with ``day``, its status on that day."""
        data: dict[str, object] = {
            **self.ref.to_json(),
            "types": [t.to_json() for t in self.types],
            "rate_percent": self.rate,
            "imposed_by": self.imposer.to_json() if self.imposer else None,
            "applies_to": [t.to_json() for t in self.targets],
            "applies_to_all": self.all_countries,
            "covers": [c.to_json() for c in self.covers],
            **self.window.to_json(),
            "announced": self.announced.to_json() if self.announced else None,
            "legal_basis": [r.to_json() for r in self.legal_basis],
            "hts_heading": self.heading,
            "exemptions": [e.to_json() for e in self.exemptions],
            "suspended_by": [{**r.to_json(), **w.to_json()} for r, w in self.suspensions],
            "amends": [r.to_json() for r in self.amends],
            "amended_by": [r.to_json() for r in self.amended_by],
            "not_stacked_with": [r.to_json() for r in self.not_stacked_with],
            "not_stacked_by": [r.to_json() for r in self.not_stacked_by],
            "corresponds_to": [r.to_json() for r in self.corresponds_to],
            "programmes": [r.to_json() for r in self.programmes],
            "all_in": self.all_in,
            "sources": [r.to_json() for r in self.sources],
        }
        if day is not None:
            data["status"] = self.status_on(day, country)
            data["status_on"] = day.isoformat()
        return data


def load_measures(store: TradeStore, measure_iris: list[str]) -> list[Measure]:
    """The measures ``measure_iris`` with their facts and their exemptions, suspensions and amendments."""
    if not measure_iris:
        return []
    facts = outgoing(store, measure_iris, MEASURE_PROPERTIES)
    links = incoming(store, measure_iris, INCOMING_PROPERTIES)
    related = {iri for by_predicate in links.values() for subjects in by_predicate.values() for iri in iris(subjects)}
    related_facts = outgoing(store, related, RELATED_PROPERTIES)
    named: set[str] = set(measure_iris) | related
    for source in (facts, related_facts):
        for by_predicate in source.values():
            for predicate, objects in by_predicate.items():
                if predicate not in (tkg("effectiveFrom"), tkg("effectiveUntil"), tkg("announcedOn")):
                    named.update(iris(objects))
    names = labels(store, named)
    return [_measure(iri, facts.get(iri, {}), links.get(iri, {}), related_facts, names) for iri in measure_iris]


def _refs(terms: list[object] | None, names: dict[str, str]) -> tuple[Ref, ...]:
    return tuple(sorted((Ref(i, names.get(i, i)) for i in iris(terms)), key=lambda r: (r.label.lower(), r.iri)))  # type: ignore[arg-type]


def _window(facts: dict[str, list[object]]) -> Window:
    return Window(day_of(facts.get(tkg("effectiveFrom"))), day_of(facts.get(tkg("effectiveUntil"))))  # type: ignore[arg-type]


def _measure(iri: str, own: dict, links: dict, related: Facts, names: dict[str, str]) -> Measure:
    one = _refs
    imposers = one(own.get(tkg("imposedBy")), names)
    statuses = one(own.get(tkg("status")), names)
    certainties = one(own.get(tkg("certainty")), names)
    exemptions = []
    for exemption in iris(links.get(tkg("exemptionFrom"))):
        facts = related.get(exemption, {})
        exemptions.append(
            Exemption(
                Ref(exemption, names.get(exemption, exemption)),
                one(facts.get(tkg("exemptCountry")), names),
                one(facts.get(tkg("exemptProduct")), names),
                _window(facts),
            )
        )
    return Measure(
        ref=Ref(iri, names.get(iri, iri)),
        types=one(own.get(RDF_TYPE), names),
        rate=first_literal(own.get(tkg("ratePercent"))),
        imposer=imposers[0] if imposers else None,
        targets=one(own.get(tkg("appliesTo")), names),
        all_countries=first_literal(own.get(tkg("appliesToAll"))) == "true",
        covers=one(own.get(tkg("covers")), names),
        window=_window(own),
        announced=day_of(own.get(tkg("announcedOn"))),
        legal_basis=one(own.get(tkg("legalBasis")), names),
        heading=first_literal(own.get(tkg("htsHeading"))),
        recorded_status=statuses[0] if statuses else None,
        certainty=certainties[0] if certainties else None,
        conditions=tuple(english_texts(own.get(tkg("condition")))),
        notes=tuple(english_texts(own.get(tkg("note")))),
        sources=one(own.get(PROV_DERIVED), names),
        exemptions=tuple(sorted(exemptions, key=lambda e: (e.ref.label.lower(), e.ref.iri))),
        suspensions=tuple(
            sorted(  # by start, then by name: the same order whatever order the store gives
                ((Ref(s, names.get(s, s)), _window(related.get(s, {}))) for s in iris(links.get(tkg("suspends")))),
                key=lambda pair: (pair[1].start.lexical if pair[1].start else "~", pair[0].label.lower(), pair[0].iri),
            )
        ),
        amends=one(own.get(tkg("amends")), names),
        amended_by=one(links.get(tkg("amends")), names),
        not_stacked_with=one(own.get(tkg("notStackedWith")), names),
        not_stacked_by=one(links.get(tkg("notStackedWith")), names),
        corresponds_to=one(own.get(tkg("correspondsTo")), names),
        programmes=one(own.get(tkg("inProgramme")), names),
        all_in=tkg("allInRate") in iris(own.get(tkg("rateBasis"))),
    )


def statuses(measures: list[Measure], day: dt.date, country: str | None = None) -> dict[str, str]:
    """Each measure's status on ``day`` (for ``country``'s goods), an amendment in force replacing what it amends."""
    first = {m.ref.iri: m.status_on(day, country) for m in measures}
    live = {m.ref.iri: m for m in measures if first[m.ref.iri] in LIVE}
    return {m.ref.iri: m.status_on(day, country, live) for m in measures}
