"""Plain, immutable records of the facts the duty calculator reads from the graph (see :mod:`.rules`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Period:
    """When a measure, exemption, suspension or rule holds: day-precise start, and an end of any precision.

    ``start`` is ``None`` when the source gives none, ``start_text`` keeps a partial start ("2025-07"), which
    the calculator does not guess a day for. ``end`` is the last day the end can denote (a month's last day).
    """

    start: date | None = None
    start_text: str | None = None
    end: date | None = None
    end_text: str | None = None

    def holds_on(self, day: date, *, open_start: bool = False) -> bool:
        """Whether ``day`` lies in the period; a missing start counts as "always" only if ``open_start``."""
        if self.start is None and not (open_start and self.start_text is None):
            return False
        if self.start is not None and day < self.start:
            return False
        return self.end is None or day <= self.end


@dataclass(frozen=True)
class Instrument:
    """A legal instrument with the statutes it rests on."""

    iri: str
    label: str
    statutes: tuple[str, ...] = ()
    statute_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measure:
    """One tariff of the importing country, with every link the rules read."""

    iri: str
    label: str
    rate: Decimal | None
    period: Period
    heading: str | None
    all_in: bool
    applies_to: frozenset[str]
    applies_to_unions: frozenset[str]
    applies_to_all: bool
    covers: tuple[str, ...]
    legal_basis: tuple[str, ...]
    programmes: frozenset[str]
    amends: frozenset[str]
    not_stacked_with: frozenset[str]
    sources: tuple[str, ...]
    reported: bool
    contradicted_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suspension:
    """A dated pause of measures."""

    iri: str
    label: str
    period: Period
    suspends: frozenset[str]
    applies_to: frozenset[str]
    applies_to_unions: frozenset[str]
    applies_to_all: bool
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class Exemption:
    """An exception to one measure or to every measure of a programme."""

    iri: str
    label: str
    measure: str | None
    programme: str | None
    countries: frozenset[str]
    products: tuple[str, ...]
    period: Period
    rate: Decimal | None
    partial: bool
    legal_basis: tuple[str, ...]
    contradicted_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class StackingRule:
    """Goods paying a measure of the prevailing side do not pay those of the displaced side."""

    iri: str
    label: str
    prevailing: frozenset[str]
    displaced: frozenset[str]
    origins: frozenset[str]
    period: Period
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class Category:
    """A product category and how goods belong to it: HS codes, ranges, carve-outs, claimed qualifications."""

    iri: str
    label: str
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()
    qualifications: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Quota:
    """A tariff-rate quota: its in-quota tariff applies only while the quota is open."""

    iri: str
    label: str
    quantity: Decimal
    unit: str
    period_text: str
    in_quota: str
    over_quota: str | None
    period: Period
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class MfnRate:
    """The MFN (general) rate of one HS code, from one revision of the tariff schedule."""

    iri: str
    code: str
    rate: Decimal | None
    text: str | None
    source: str
    source_label: str


@dataclass(frozen=True)
class RuleBook:
    """Every fact the calculator reads, for one importing country."""

    importer: str
    measures: dict[str, Measure]
    suspensions: tuple[Suspension, ...]
    exemptions: tuple[Exemption, ...]
    rules: tuple[StackingRule, ...]
    categories: dict[str, Category]
    quotas: dict[str, Quota]
    mfn: tuple[MfnRate, ...]
    instruments: dict[str, Instrument]
    unions: dict[str, frozenset[str]]
    labels: dict[str, str] = field(default_factory=dict)

    def instrument_label(self, iri: str) -> str:
        """The identifier or label of a legal instrument, e.g. "EO 14289"."""
        found = self.instruments.get(iri)
        return found.label if found else self.labels.get(iri, iri.rsplit("/", 1)[-1])

    def basis_text(self, instruments: Iterable[str]) -> str:
        """Instruments as a short list for a reason, e.g. "EO 14266" or "EO 14193, EO 14197"."""
        return ", ".join(sorted({self.instrument_label(iri) for iri in instruments}))

    def label(self, iri: str) -> str:
        """The English label of any node read, or the end of its IRI."""
        return self.labels.get(iri, iri.rsplit("/", 1)[-1])
