"""The views' summaries as plain JSON data and back: a format that names no code, so reading a file runs none.

:mod:`tradekg.views.on_disk` keeps the tariff index and the rule books in a file beside the store. Pickle, the
format it used before, rebuilds whatever objects a file names, so a file placed beside a store could run code when
read. Here each record type has its own fixed layout (a JSON array of its fields, in order), and reading builds
only the records of :mod:`tradekg.duty.records`, :class:`~tradekg.duty.shared_rules.SharedRules` and
:class:`~tradekg.views.tariff_index.Candidate` from strings, numbers, booleans and nulls. Decimals are kept as their
text and dates as ISO days, so every value comes back equal and of the same type.

The rules every importer shares are written once: an importer's own rule book holds the shared rules it was read
with (the same objects as the kept shared part, as a rule book read at that moment holds them), so each distinct
set of them is written once, and every book names its set by number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from tradekg.duty.records import (
    Category,
    Exemption,
    Instrument,
    Measure,
    MfnRate,
    Period,
    Quota,
    RuleBook,
    StackingRule,
    Suspension,
)
from tradekg.duty.shared_rules import SharedRules
from tradekg.views.kept import Dependency
from tradekg.views.tariff_index import Candidate

Json = Any
"""A value of a decoded JSON document (lists, dicts, strings, numbers, booleans, None)."""
T = TypeVar("T")
Kept = dict[Hashable, tuple[object, frozenset[Dependency]]]
"""Kept answers with their dependencies, as :func:`tradekg.views.kept.current_answers` gives them."""


class SavedViewsError(ValueError):
    """A saved file does not hold the layout this module writes."""


def _decimal(text: str | None, known: dict[str, Decimal] = {}) -> Decimal | None:  # noqa: B006 - a memo
    if text is None:
        return None
    found = known.get(text)
    if found is None:  # rates repeat: each distinct text parsed once (Decimals are immutable)
        found = known[text] = Decimal(text)
        if len(known) > MEMO_LIMIT:
            known.clear()
    return found


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _period_out(period: Period) -> Json:
    start, end = period.start, period.end
    return [start and start.isoformat(), period.start_text, end and end.isoformat(), period.end_text]


def _period_in(row: Json, known: dict[tuple[object, ...], Period] = {}) -> Period:  # noqa: B006 - a memo
    key = tuple(row)
    found = known.get(key)
    if found is None:  # a few thousand distinct periods among tens of thousands of measures
        found = known[key] = _record(Period, (_day(row[0]), row[1], _day(row[2]), row[3]))
        if len(known) > MEMO_LIMIT:
            known.clear()
    return found


MEMO_LIMIT = 65_536
_FIELDS: dict[type, tuple[str, ...]] = {}


def _record(kind: type[T], values: Iterable[object]) -> T:
    """A record of one of this module's frozen dataclasses from its field values in order, as pickle builds one.

    Its ``__init__`` (one ``object.__setattr__`` per field of a frozen dataclass) would cost a third of a read.
    """
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(item.name for item in dataclasses.fields(kind))  # type: ignore[arg-type]
    made = object.__new__(kind)
    made.__dict__.update(zip(names, values, strict=True))
    return made


def _measure_out(m: Measure) -> Json:
    return [
        m.iri, m.label, _text(m.rate), _period_out(m.period), m.heading, m.all_in, sorted(m.applies_to),
        sorted(m.applies_to_unions), m.applies_to_all, list(m.covers), list(m.legal_basis), sorted(m.programmes),
        sorted(m.amends), sorted(m.not_stacked_with), list(m.sources), m.reported, list(m.contradicted_by),
    ]  # fmt: skip


def _measure_in(r: Json) -> Measure:
    return _record(Measure, (
        r[0], r[1], _decimal(r[2]), _period_in(r[3]), r[4], r[5], frozenset(r[6]), frozenset(r[7]), r[8],
        tuple(r[9]), tuple(r[10]), frozenset(r[11]), frozenset(r[12]), frozenset(r[13]), tuple(r[14]), r[15],
        tuple(r[16]),
    ))  # fmt: skip


def _suspension_out(s: Suspension) -> Json:
    return [
        s.iri, s.label, _period_out(s.period), sorted(s.suspends), sorted(s.applies_to), sorted(s.applies_to_unions),
        s.applies_to_all, list(s.legal_basis),
    ]  # fmt: skip


def _suspension_in(r: Json) -> Suspension:
    return Suspension(
        r[0], r[1], _period_in(r[2]), frozenset(r[3]), frozenset(r[4]), frozenset(r[5]), r[6], tuple(r[7])
    )


def _exemption_out(e: Exemption) -> Json:
    return [
        e.iri, e.label, e.measure, e.programme, sorted(e.countries), list(e.products), _period_out(e.period),
        _text(e.rate), e.partial, list(e.legal_basis), list(e.contradicted_by),
    ]  # fmt: skip


def _exemption_in(r: Json) -> Exemption:
    return Exemption(
        r[0], r[1], r[2], r[3], frozenset(r[4]), tuple(r[5]), _period_in(r[6]), _decimal(r[7]), r[8], tuple(r[9]),
        tuple(r[10]),
    )  # fmt: skip


def _rule_out(s: StackingRule) -> Json:
    return [
        s.iri, s.label, sorted(s.prevailing), sorted(s.displaced), sorted(s.origins), _period_out(s.period),
        list(s.legal_basis),
    ]  # fmt: skip


def _rule_in(r: Json) -> StackingRule:
    return StackingRule(r[0], r[1], frozenset(r[2]), frozenset(r[3]), frozenset(r[4]), _period_in(r[5]), tuple(r[6]))


def _category_out(c: Category) -> Json:
    return [c.iri, c.label, list(c.includes), list(c.excludes), [list(r) for r in c.ranges], sorted(c.qualifications)]


def _category_in(r: Json) -> Category:
    return Category(r[0], r[1], tuple(r[2]), tuple(r[3]), tuple(tuple(pair) for pair in r[4]), frozenset(r[5]))


def _quota_out(q: Quota) -> Json:
    return [
        q.iri, q.label, str(q.quantity), q.unit, q.period_text, q.in_quota, q.over_quota, _period_out(q.period),
        list(q.legal_basis),
    ]  # fmt: skip


def _quota_in(r: Json) -> Quota:
    return Quota(r[0], r[1], Decimal(r[2]), r[3], r[4], r[5], r[6], _period_in(r[7]), tuple(r[8]))


def _mfn_out(m: MfnRate) -> Json:
    return [m.iri, m.code, _text(m.rate), m.text, m.source, m.source_label]


def _mfn_in(r: Json) -> MfnRate:
    return MfnRate(r[0], r[1], _decimal(r[2]), r[3], r[4], r[5])


def _instrument_out(i: Instrument) -> Json:
    return [i.iri, i.label, list(i.statutes), list(i.statute_labels)]


def _instrument_in(r: Json) -> Instrument:
    return Instrument(r[0], r[1], tuple(r[2]), tuple(r[3]))


def shared_out(shared: SharedRules) -> Json:
    """The shared rules as JSON data."""
    return [
        shared.labels,
        [_instrument_out(i) for i in shared.instruments.values()],
        [_exemption_out(e) for e in shared.exemptions],
        [_rule_out(r) for r in shared.rules],
        [_category_out(c) for c in shared.categories.values()],
        {union: sorted(members) for union, members in shared.unions.items()},
    ]


def shared_in(row: Json) -> SharedRules:
    """The shared rules :func:`shared_out` wrote."""
    instruments = (_instrument_in(r) for r in row[1])
    categories = (_category_in(r) for r in row[4])
    return SharedRules(
        labels={str(key): str(value) for key, value in row[0].items()},
        instruments={i.iri: i for i in instruments},
        exemptions=tuple(_exemption_in(r) for r in row[2]),
        rules=tuple(_rule_in(r) for r in row[3]),
        categories={c.iri: c for c in categories},
        unions={str(union): frozenset(members) for union, members in row[5].items()},
    )


def _shared_of(book: RuleBook) -> SharedRules:
    """The shared rules a book holds (those it was read with)."""
    return SharedRules(book.labels, book.instruments, book.exemptions, book.rules, book.categories, book.unions)


def _identity(shared: SharedRules) -> tuple[int, ...]:
    return tuple(id(part) for part in (shared.labels, shared.instruments, shared.exemptions, shared.rules,
                                       shared.categories, shared.unions))  # fmt: skip


def book_out(book: RuleBook, shared_set: int) -> Json:
    """An importer's own book as JSON data, its shared rules named by the number of their set."""
    return [
        book.importer,
        [_measure_out(m) for m in book.measures.values()],
        [_suspension_out(s) for s in book.suspensions],
        [[key, _quota_out(q)] for key, q in book.quotas.items()],
        [_mfn_out(m) for m in book.mfn],
        shared_set,
    ]


def book_in(row: Json, shared_sets: list[SharedRules]) -> RuleBook:
    """The book :func:`book_out` wrote, holding the (same objects of the) shared rules of its set."""
    shared = shared_sets[row[5]]
    measures = (_measure_in(r) for r in row[1])
    return RuleBook(
        importer=str(row[0]),
        measures={m.iri: m for m in measures},
        suspensions=tuple(_suspension_in(r) for r in row[2]),
        exemptions=shared.exemptions,
        rules=shared.rules,
        categories=shared.categories,
        quotas={str(key): _quota_in(r) for key, r in row[3]},
        mfn=tuple(_mfn_in(r) for r in row[4]),
        instruments=shared.instruments,
        unions=shared.unions,
        labels=shared.labels,
    )


def candidate_out(c: Candidate) -> Json:
    """A tariff of the index as JSON data."""
    return [c.iri, str(c.rate), list(c.starts), list(c.ends), c.specific, sorted(c.targets), sorted(c.imposers),
            c.everyone]  # fmt: skip


def candidate_in(r: Json) -> Candidate:
    """The tariff :func:`candidate_out` wrote."""
    values = (r[0], _decimal(r[1]), tuple(r[2]), tuple(r[3]), r[4], frozenset(r[5]), frozenset(r[6]), r[7])
    return _record(Candidate, values)


def _dependencies_out(dependencies: Iterable[Dependency]) -> Json:
    return [list(dependency) for dependency in dependencies]


def _dependencies_in(rows: Json) -> frozenset[Dependency]:
    return frozenset(map(tuple, rows))


def books_out(books: Kept) -> Json:
    """The kept rule books (keys ``("shared",)`` and ``("own", code)``) with their dependencies, as JSON data."""
    sets: dict[tuple[int, ...], int] = {}
    shared_sets: list[Json] = []

    def number(shared: SharedRules) -> int:
        key = _identity(shared)
        if key not in sets:
            sets[key] = len(shared_sets)
            shared_sets.append(shared_out(shared))
        return sets[key]

    shared_entry = None
    own = []
    for key, (value, dependencies) in books.items():
        if key == ("shared",) and isinstance(value, SharedRules):
            shared_entry = [number(value), _dependencies_out(dependencies)]
        elif isinstance(key, tuple) and len(key) == 2 and key[0] == "own" and isinstance(value, RuleBook):
            own.append([key[1], book_out(value, number(_shared_of(value))), _dependencies_out(dependencies)])
        else:
            raise SavedViewsError(f"no layout for the kept answer {key!r}")
    return {"shared_sets": shared_sets, "shared": shared_entry, "own": own}


def books_in(data: Json) -> Kept:
    """The kept rule books :func:`books_out` wrote.

    Raises:
        SavedViewsError: The data is not of that layout.
    """
    try:
        shared_sets = [shared_in(row) for row in data["shared_sets"]]
        books: Kept = {}
        if data["shared"] is not None:
            number, dependencies = data["shared"]
            books[("shared",)] = (shared_sets[number], _dependencies_in(dependencies))
        for code, row, dependencies in data["own"]:
            books[("own", str(code))] = (book_in(row, shared_sets), _dependencies_in(dependencies))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError) as error:
        raise SavedViewsError(f"the saved rule books do not read: {error!r}") from error
    return books


def tariffs_in(rows: Json) -> dict[str, Candidate]:
    """The tariff index's tariffs as :func:`candidate_out` wrote them.

    Raises:
        SavedViewsError: The data is not of that layout.
    """
    try:
        return {c.iri: c for c in map(candidate_in, rows)}
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError) as error:
        raise SavedViewsError(f"the saved tariffs do not read: {error!r}") from error
