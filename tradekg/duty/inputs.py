"""The calculator's inputs checked: country of origin, HS code, date within what the data covers."""

from __future__ import annotations

from datetime import date

import pycountry

from tradekg.duty.records import RuleBook
from tradekg.ontology.vocab import hs_digits


class DutyInputError(ValueError):
    """Input the calculator cannot answer: an unknown country, a malformed HS code, a date outside the data.

    The message says what was wrong and what would be accepted (for a date, what the data covers).
    """


def parse_origin(text: str) -> str:
    """The ISO 3166-1 alpha-3 code of a country given by alpha-3 or alpha-2 code or by name (via pycountry).

    Raises:
        DutyInputError: If pycountry knows no such country.
    """
    value = text.strip()
    if not value:
        raise DutyInputError("origin is required: an ISO 3166-1 alpha-3 code such as JPN, or a country name")
    try:
        return str(pycountry.countries.lookup(value).alpha_3)
    except LookupError:
        pass
    try:
        matches = pycountry.countries.search_fuzzy(value) if len(value) > 3 else []
    except LookupError:
        matches = []
    if len(matches) == 1:
        return str(matches[0].alpha_3)
    raise DutyInputError(
        f"unknown country {value!r}: give an ISO 3166-1 alpha-3 code such as JPN, CHN or CAN, or a country name"
    )


def parse_hs(text: str) -> str:
    """The digits of an HS or HTS code of 4 to 10 digits, e.g. ``"87032301"`` from ``"8703.23.01"``.

    Raises:
        DutyInputError: If the code is malformed or shorter than a heading.
    """
    try:
        digits = hs_digits(text)
    except ValueError as error:
        raise DutyInputError(str(error)) from None
    if len(digits) < 4:
        raise DutyInputError(f"HS code {text.strip()!r} is a chapter: give at least a heading (4 digits, e.g. 8703)")
    return digits


def dotted(digits: str) -> str:
    """An HS code's digits in the HTS's dotted form: ``8703.23.01`` from ``870323012``."""
    groups = [digits[:4], *(digits[i : i + 2] for i in range(4, len(digits), 2))]
    return ".".join(groups)


def coverage(book: RuleBook) -> tuple[date, date] | None:
    """The days the data covers: from the first day-precise start of a duty to the last dated change."""
    starts = [measure.period.start for measure in book.measures.values() if measure.period.start is not None]
    if not starts:
        return None
    days = [*starts]
    periods = [
        *(measure.period for measure in book.measures.values()),
        *(suspension.period for suspension in book.suspensions),
        *(exemption.period for exemption in book.exemptions),
        *(rule.period for rule in book.rules),
    ]
    for period in periods:
        days += [day for day in (period.start, period.end) if day is not None]
    return min(starts), max(days)


def parse_day(text: str, book: RuleBook) -> date:
    """A ``YYYY-MM-DD`` date within :func:`coverage`.

    Raises:
        DutyInputError: If the date is malformed or outside what the data covers (the message gives the range).
    """
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise DutyInputError(f"not a date {text.strip()!r}: give YYYY-MM-DD, e.g. 2025-05-15") from None
    covered = coverage(book)
    if covered is None:
        raise DutyInputError(f"the data holds no dated duty of {book.importer}, so no date can be answered")
    first, last = covered
    if not first <= day <= last:
        raise DutyInputError(f"{day} is outside what the data covers: {first} to {last}")
    return day
