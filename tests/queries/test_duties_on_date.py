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
