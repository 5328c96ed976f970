"""What a measure's programmes and the stacking rules add to its row: exemptions, and what it does not stack with.

An exemption may name one measure (``tkg:exemptionFrom``, in the measure's own row) or a whole programme
(``tkg:exemptionFromProgramme``: the reciprocal tariffs' exceptions hold for the 10% baseline and every country
rate alike). A stacking rule (``tkg:StackingRule``) names a prevailing and a displaced side, each a set of measures,
programmes or statutes: goods that pay a measure of the prevailing side do not pay those of the displaced side.
Both are read from the duty calculator's shared rules (:func:`tradekg.views.rule_books.shared_rules`), so that a
country's page, a measure's page and ``/duty`` read the same rules, and a kept page depends on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from tradekg.duty.records import Exemption as ExemptionRecord
from tradekg.duty.records import Period
from tradekg.duty.records import StackingRule as RuleRecord
from tradekg.duty.shared_rules import SharedRules
from tradekg.store.interface import TradeStore
from tradekg.views.facts import Day, Ref
from tradekg.views.measures import Exemption, Measure, Window
from tradekg.views.rule_books import shared_rules

XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class StackingNote:
    """One stacking rule as it bears on a measure: whether the measure prevails or gives way, and to what."""

    rule: Ref
    prevails: bool  # the measure is on the rule's prevailing side (else on its displaced side)
    others: tuple[Ref, ...]  # the other side: measures, programmes or statutes
    countries: tuple[Ref, ...]  # the origins the rule is limited to (none: every origin)
    window: Window
    basis: tuple[Ref, ...]

    def to_json(self) -> dict[str, object]:
        """The note as JSON."""
        return {
            **self.rule.to_json(),
            "role": "prevailing" if self.prevails else "displaced",
            "other_side": [r.to_json() for r in self.others],
            "for_goods_of": [c.to_json() for c in self.countries],
            **self.window.to_json(),
            "legal_basis": [b.to_json() for b in self.basis],
        }


@dataclass(frozen=True)
class ProgrammeRules:
    """The exemptions a measure's programmes grant and the stacking rules that name the measure."""

    exemptions: tuple[Exemption, ...] = ()
    contradicted: frozenset[str] = frozenset()  # exemptions (own or the programme's) a source contradicts
    stacking: tuple[StackingNote, ...] = ()

    def exemptions_for(self, country: str | None) -> list[Exemption]:
        """The programme's exemptions that hold for ``country`` (those naming products only hold for all)."""
        return [e for e in self.exemptions if country is None or not e.countries or country in _iris(e.countries)]

    def stacking_on(self, day: dt.date, country: str | None) -> list[StackingNote]:
        """The rules in force on ``day`` for goods of ``country`` (``None``: any origin)."""
        return [
            n
            for n in self.stacking
            if n.window.covers(day) is not False
            and (country is None or not n.countries or any(c.iri == country for c in n.countries))
        ]

    def to_json(self) -> dict[str, object]:
        """The rules as JSON."""
        return {
            "programme_exemptions": [e.to_json() for e in self.exemptions],
            "contradicted_exemptions": sorted(self.contradicted),
            "stacking_rules": [n.to_json() for n in self.stacking],
        }


def _iris(refs: tuple[Ref, ...]) -> set[str]:
    return {r.iri for r in refs}


def _day(value: dt.date | None, partial: str | None) -> Day | None:
    """A rule's date as the views show it: a day, or a month or year kept at its precision."""
    if partial:
        return Day(partial, XSD + ("gYearMonth" if len(partial) == 7 else "gYear" if len(partial) == 4 else "date"))
    return Day(value.isoformat(), XSD + "date") if value is not None else None


def _window(period: Period) -> Window:
    return Window(_day(period.start, period.start_text), _day(period.end, period.end_text))


def _refs(iris: Iterable[str], shared: SharedRules) -> tuple[Ref, ...]:
    found = (Ref(i, shared.labels.get(i) or _instrument(i, shared)) for i in iris)
    return tuple(sorted(found, key=lambda r: (r.label.lower(), r.iri)))


def _instrument(iri: str, shared: SharedRules) -> str:
    instrument = shared.instruments.get(iri)
    return instrument.label if instrument else iri.rsplit("/", 1)[-1]


def _on_side(measure: Measure, programmes: set[str], statutes: set[str], side: frozenset[str]) -> bool:
    return measure.ref.iri in side or bool(programmes & side) or bool(statutes & side)


def _note(rule: RuleRecord, prevails: bool, shared: SharedRules) -> StackingNote:
    return StackingNote(
        rule=Ref(rule.iri, rule.label),
        prevails=prevails,
        others=_refs(rule.displaced if prevails else rule.prevailing, shared),
        countries=_refs(rule.origins, shared),
        window=_window(rule.period),
        basis=_refs(rule.legal_basis, shared),
    )


@dataclass(frozen=True)
class _RulesIndex:
    """The shared rules by what names them: exemptions by programme, stacking rules by the members of their sides."""

    shared: SharedRules
    exemptions: dict[str, list[ExemptionRecord]]  # programme -> its exemptions
    contradicted: set[str]  # the exemptions a source contradicts
    contradicted_in: dict[str, set[str]]  # programme -> those of its exemptions a source contradicts
    sides: dict[str, list[tuple[int, bool]]]  # measure, programme or statute -> (rule's position, on prevailing side)


_LAST_INDEX: list[_RulesIndex] = []  # the index of the shared rules read last (a new state reads new rules)


def _index(shared: SharedRules) -> _RulesIndex:
    """The index of ``shared`` (made once per shared rules read: a page asks for 25 to 50 measures' rules)."""
    found = _LAST_INDEX[0] if _LAST_INDEX else None
    if found is not None and found.shared is shared:
        return found
    exemptions: dict[str, list[ExemptionRecord]] = {}
    contradicted: set[str] = set()
    contradicted_in: dict[str, set[str]] = {}
    for e in shared.exemptions:
        if e.programme is not None:
            exemptions.setdefault(e.programme, []).append(e)
        if e.contradicted_by:
            contradicted.add(e.iri)
            if e.programme is not None:
                contradicted_in.setdefault(e.programme, set()).add(e.iri)
    sides: dict[str, list[tuple[int, bool]]] = {}
    for position, rule in enumerate(shared.rules):
        for prevails in (True, False):
            for member in rule.prevailing if prevails else rule.displaced:
                sides.setdefault(member, []).append((position, prevails))
    found = _RulesIndex(shared, exemptions, contradicted, contradicted_in, sides)
    _LAST_INDEX[:] = [found]
    return found


def rules_of(shared: SharedRules, measure: Measure) -> ProgrammeRules:
    """What ``measure``'s programmes and the stacking rules add to its row (see the module)."""
    index = _index(shared)
    programmes = {p.iri for p in measure.programmes}
    instruments = [shared.instruments[b.iri] for b in measure.legal_basis if b.iri in shared.instruments]
    statutes = {statute for instrument in instruments for statute in instrument.statutes}
    own = {e.ref.iri for e in measure.exemptions}
    exemptions = tuple(
        Exemption(
            Ref(e.iri, e.label),
            _refs(e.countries, shared),
            _refs(e.products, shared),
            _window(e.period),
        )
        for programme in programmes
        for e in index.exemptions.get(programme, ())
        if e.iri not in own
    )
    contradicted = frozenset(
        (own & index.contradicted)
        | {iri for programme in programmes for iri in index.contradicted_in.get(programme, ())}
    )
    named = {side for member in {measure.ref.iri, *programmes, *statutes} for side in index.sides.get(member, ())}
    stacking = tuple(
        _note(shared.rules[position], prevails, shared)
        for position, prevails in sorted(named, key=lambda side: (side[0], not side[1]))
    )
    return ProgrammeRules(
        tuple(sorted(exemptions, key=lambda e: (e.ref.label.lower(), e.ref.iri))), contradicted, stacking
    )


def programme_rules(store: TradeStore, measures: list[Measure]) -> dict[str, ProgrammeRules]:
    """:func:`rules_of` for each of ``measures``, by IRI (a kept answer computing it depends on the rules read)."""
    shared = shared_rules(store)
    return {m.ref.iri: rules_of(shared, m) for m in measures}


@dataclass(frozen=True)
class MeasureView:
    """A measure's page: the measure with what its programmes and the stacking rules add."""

    measure: Measure
    rules: ProgrammeRules

    @property
    def exemptions(self) -> list[Exemption]:
        """The measure's own exemptions and its programmes', by name."""
        both = [*self.measure.exemptions, *self.rules.exemptions]
        return sorted(both, key=lambda e: (e.ref.label.lower(), e.ref.iri))

    def to_json(self) -> dict[str, object]:
        """The view as JSON."""
        return {**self.measure.to_json(), **self.rules.to_json()}


def measure_view(store: TradeStore, measure: Measure) -> MeasureView:
    """The page of ``measure`` (see :class:`MeasureView`)."""
    return MeasureView(measure, programme_rules(store, [measure])[measure.ref.iri])
