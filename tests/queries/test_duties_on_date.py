"""Time-aware questions: which additional duties applied to goods of a country on a date.

Expected values come from the sources (research notes on the 2025 US tariff actions): Section 232 autos 25%
from 2025-04-03, not stacked with the reciprocal tariffs; the 10% reciprocal baseline from 2025-04-05;
Japan's 24% only on 2025-04-09, paused from 2025-04-10; under the US-Japan agreement autos pay 15% from
2025-09-16. The answer is computed by the named query over the data, not written into it.
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from tradekg.graph.store import TradeStore

ID = "https://w3id.org/tradekg/id/"


def duties(store: TradeStore, country: str, product: str | None, date: str) -> dict[str, Decimal]:
    query = (resources.files("tradekg.queries") / "duties-in-force-on-date.rq").read_text(encoding="utf-8")
    bindings = {"country": URIRef(f"{ID}country/{country}"), "date": Literal(date, datatype=XSD.date)}
    bindings["product"] = URIRef(f"{ID}product/{product or 'any-other-goods'}")
    rows = store.select(query, bindings=bindings)
    return {str(row["measure"]).removeprefix(f"{ID}measure/"): Decimal(str(row["rate"])) for row in rows}


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2025-04-02", {}),  # announced, nothing in force yet on cars
        ("2025-04-03", {"usa-auto-tariff": Decimal(25)}),
        ("2025-04-10", {"usa-auto-tariff": Decimal(25)}),
        ("2025-05-15", {"usa-auto-tariff": Decimal(25)}),
        ("2025-09-01", {"usa-auto-tariff": Decimal(25)}),  # the agreement's 15% on autos starts 2025-09-16
        ("2025-09-16", {"usa-jpn-autos-15": Decimal(15)}),
    ],
)
def test_additional_duty_on_japanese_passenger_cars(bundled_store: TradeStore, date: str, expected: dict) -> None:
    assert duties(bundled_store, "JPN", "automobiles", date) == expected


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2025-04-04", {}),
        ("2025-04-05", {"usa-blanket-tariff": Decimal(10)}),
        ("2025-04-09", {"usa-reciprocal-jpn": Decimal(24)}),  # Japan's rate, in force for one day
        ("2025-04-10", {"usa-blanket-tariff": Decimal(10)}),  # paused: the baseline applies again
        ("2025-07-15", {"usa-blanket-tariff": Decimal(10)}),  # the pause, extended
        ("2025-08-07", {"usa-jpn-reciprocal-15": Decimal(15)}),  # the agreement's all-in rate
    ],
)
def test_reciprocal_duty_on_other_japanese_goods(bundled_store: TradeStore, date: str, expected: dict) -> None:
    assert duties(bundled_store, "JPN", None, date) == expected


def test_canada_is_exempt_from_the_reciprocal_baseline(bundled_store: TradeStore) -> None:
    assert "usa-blanket-tariff" not in duties(bundled_store, "CAN", None, "2025-05-15")
    assert "usa-blanket-tariff" in duties(bundled_store, "FRA", None, "2025-05-15")


# China (research notes, marked reported; Geneva joint statement): 10% IEEPA from 2025-02-04, 20% from
# 2025-03-04; reciprocal 84% on 2025-04-09 and 125% from 2025-04-10 (145% with the 20%); from 2025-05-14 the
# truce suspends all but 10%, so 30% in all.
@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2025-02-03", {}),
        ("2025-02-04", {"usa-fentanyl-chn": Decimal(10)}),
        ("2025-03-04", {"usa-fentanyl-chn-20": Decimal(20)}),
        ("2025-04-09", {"usa-fentanyl-chn-20": Decimal(20), "usa-reciprocal-chn-84": Decimal(84)}),
        ("2025-04-10", {"usa-fentanyl-chn-20": Decimal(20), "usa-reciprocal-chn-125": Decimal(125)}),
        ("2025-05-13", {"usa-fentanyl-chn-20": Decimal(20), "usa-reciprocal-chn-125": Decimal(125)}),
        ("2025-05-14", {"usa-fentanyl-chn-20": Decimal(20), "usa-reciprocal-chn-10": Decimal(10)}),
    ],
)
def test_duty_on_chinese_goods_through_the_escalation_and_truce(bundled_store, date, expected) -> None:
    assert duties(bundled_store, "CHN", None, date) == expected


# Canada (CSMS 64297449, 64336037): 25% from 2025-03-04, energy 10%; from 2025-03-07 USMCA goods pay nothing
# and non-USMCA potash 10%.
@pytest.mark.parametrize(
    ("product", "date", "expected"),
    [
        (None, "2025-03-03", {}),
        (None, "2025-03-04", {"usa-fentanyl-can": Decimal(25)}),
        ("energy", "2025-03-04", {"usa-fentanyl-can-energy": Decimal(10)}),
        ("usmca-goods", "2025-03-06", {"usa-fentanyl-can": Decimal(25)}),
        ("usmca-goods", "2025-03-07", {}),
        ("potash", "2025-03-06", {"usa-fentanyl-can": Decimal(25)}),
        ("potash", "2025-03-07", {"usa-fentanyl-can-potash": Decimal(10)}),
    ],
)
def test_duty_on_canadian_goods(bundled_store, product, date, expected) -> None:
    assert duties(bundled_store, "CAN", product, date) == expected


# Section 232 (FR docs 2025-02833/02832, CSMS 64913145): steel and aluminum 25% from 2025-03-12, auto parts 25%
# from 2025-05-03; none stacked with the reciprocal rates, Japan's agreed 15% included, until the agreement's
# 15% on parts from 2025-09-16.
@pytest.mark.parametrize(
    ("product", "date", "expected"),
    [
        ("steel", "2025-03-11", {}),
        ("steel", "2025-03-12", {"usa-steel-tariff": Decimal(25)}),
        ("steel", "2025-08-07", {"usa-steel-tariff": Decimal(25)}),
        ("aluminum", "2025-03-12", {"usa-aluminum-tariff": Decimal(25)}),
        ("auto-parts", "2025-05-02", {"usa-blanket-tariff": Decimal(10)}),
        ("auto-parts", "2025-05-03", {"usa-auto-parts-tariff": Decimal(25)}),
        ("auto-parts", "2025-09-01", {"usa-auto-parts-tariff": Decimal(25)}),
        ("auto-parts", "2025-09-16", {"usa-jpn-autos-15": Decimal(15)}),
    ],
)
def test_section_232_duties_on_japanese_goods(bundled_store, product, date, expected) -> None:
    assert duties(bundled_store, "JPN", product, date) == expected


# US-UK deal (reported): from 2025-06-30 UK cars pay 10% in place of the 25% auto duty, aerospace 0%.
@pytest.mark.parametrize(
    ("product", "date", "expected"),
    [
        ("automobiles", "2025-06-29", {"usa-auto-tariff": Decimal(25)}),
        ("automobiles", "2025-06-30", {"usa-gbr-autos-10": Decimal(10)}),
        ("aerospace", "2025-06-29", {"usa-blanket-tariff": Decimal(10)}),
        ("aerospace", "2025-06-30", {"usa-gbr-aerospace-0": Decimal(0)}),
    ],
)
def test_duty_on_uk_goods_under_the_deal(bundled_store, product, date, expected) -> None:
    assert duties(bundled_store, "GBR", product, date) == expected
