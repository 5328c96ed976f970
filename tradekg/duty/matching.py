"""How the calculator matches goods to the graph's facts: origin, HS coverage, exemptions, rule sides, MFN."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tradekg.duty.records import Category, Exemption, Measure, MfnRate, RuleBook, Suspension


def hits_origin(book: RuleBook, measure: Measure | Suspension, origin: str) -> bool:
    """Whether the measure targets goods of ``origin`` (a country IRI): by name, customs union, or all countries."""
    if origin in measure.applies_to or measure.applies_to_all:
        return True
    return any(origin in book.unions.get(union, frozenset()) for union in measure.applies_to_unions)


@dataclass(frozen=True)
class Coverage:
    """Whether a measure covers the goods, and a note when it covers only part of a code shorter than its own."""

    matches: bool
    partial: str = ""


def _in_range(code: str, low: str, high: str) -> bool:
    return len(code) >= len(low) and low <= code[: len(low)] <= high


def category_holds(category: Category, hs: str | None, claims: frozenset[str]) -> tuple[bool, str]:
    """Whether goods of ``hs`` with ``claims`` belong to the category, and which of its codes a short ``hs`` holds.

    The second value names the category's longer codes under a too-short ``hs`` (8704 against 870421).
    """
    if category.qualifications and not category.qualifications & claims:
        return False, ""
    if not (category.includes or category.ranges):
        return bool(category.qualifications), ""  # a category by claim alone; one with no HS codes holds nothing
    if hs is None:
        return False, ""
    if any(hs.startswith(code) for code in category.excludes):
        return False, ""
    if any(hs.startswith(code) for code in category.includes) or any(
        _in_range(hs, low, high) for low, high in category.ranges
    ):
        return True, ""
    longer = [code for code in category.includes if code.startswith(hs)]
    longer += [low for low, high in category.ranges if len(hs) < len(low) and low[: len(hs)] <= hs <= high[: len(hs)]]
    return False, ", ".join(sorted(longer)[:3])


def covers_goods(book: RuleBook, categories: Iterable[str], hs: str | None, claims: frozenset[str]) -> Coverage:
    """Whether a measure covering ``categories`` (none: all goods) covers goods of ``hs`` with ``claims``."""
    listed = list(categories)
    if not listed:
        return Coverage(True)
    partial = []
    for iri in listed:
        category = book.categories.get(iri)
        if category is None:
            continue
        holds, part = category_holds(category, hs, claims)
        if holds:
            return Coverage(True)
        if part:
            partial.append(f"{category.label} ({part})")
    return Coverage(False, "; ".join(partial))


def exemption_matches(
    book: RuleBook, exemption: Exemption, origin: str, hs: str | None, claims: frozenset[str]
) -> bool:
    """Whether the exemption takes these goods out: its countries and its products, each when it names any."""
    if exemption.countries and origin not in exemption.countries:
        return False
    if exemption.products:
        return any(
            category_holds(book.categories[iri], hs, claims)[0] for iri in exemption.products if iri in book.categories
        )
    return bool(exemption.countries)


def unlisted_products(book: RuleBook, exemption: Exemption) -> list[str]:
    """The product categories of the exemption that list no HS code, range or qualification in the graph.

    Goods cannot be tested against such a category: whether they belong to it is not known (:func:`category_holds`
    says no), so an answer must say that the exemption was not checked rather than let it pass in silence.
    """
    found = []
    for iri in exemption.products:
        category = book.categories.get(iri)
        if category is None or not (category.includes or category.ranges or category.qualifications):
            found.append(iri)
    return found


def on_side(book: RuleBook, measure: Measure, side: frozenset[str]) -> bool:
    """Whether a stacking rule's side holds the measure: itself, a programme of it, or a statute it rests on."""
    if measure.iri in side or measure.programmes & side:
        return True
    return any(set(book.instruments[iri].statutes) & side for iri in measure.legal_basis if iri in book.instruments)


def mfn_rate(book: RuleBook, hs: str) -> MfnRate | None:
    """The MFN rate of the most specific code that holds ``hs`` (the rates are sorted longest code first)."""
    return next((rate for rate in book.mfn if hs.startswith(rate.code) and rate.rate is not None), None)
