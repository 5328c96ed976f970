"""Time-aware questions: which additional duties applied to goods of a country on a date.

Expected values come from the sources each test names (Federal Register documents, CBP messages, the research
notes on the 2025 US tariff actions): Section 232 autos 25% from 2025-04-03, not stacked with the reciprocal
tariffs; the 10% reciprocal baseline from 2025-04-05; Japan's 24% only on 2025-04-09, paused from 2025-04-10
to 2025-08-06; under the US-Japan agreement other goods pay 15% all-in from 2025-08-07 and autos 15% from
2025-09-16. The answer is computed by the named query over the data, not written into it. Rates are as
recorded: all-in rates are shown as such (the calculator subtracts the MFN duty).
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from tradekg.store.interface import TradeStore

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
        ("2025-07-15", {"usa-blanket-tariff": Decimal(10)}),  # the pause, extended (EO 14316)
        ("2025-08-01", {"usa-blanket-tariff": Decimal(10)}),  # EO 14326 (FR 2025-15010): still 10% until 08-06
        ("2025-08-06", {"usa-blanket-tariff": Decimal(10)}),
        ("2025-08-07", {"usa-jpn-reciprocal-15": Decimal(15)}),  # EO 14345 (FR 2025-17389), retroactive to 08-07
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
        # CBP's message on EO 14257 (CSMS 64680374) exempts Canada and Mexico only: China paid the 10% baseline
        # until its own rate began, whatever the seed article says (its claim is kept, marked contradicted).
        ("2025-04-05", {"usa-fentanyl-chn-20": Decimal(20), "usa-blanket-tariff": Decimal(10)}),
        ("2025-04-08", {"usa-fentanyl-chn-20": Decimal(20), "usa-blanket-tariff": Decimal(10)}),
        # EO 14298's 90 days end 2025-08-11; EO 14334 (LegisTrack, reported) continues the suspension.
        ("2025-08-12", {"usa-fentanyl-chn-20": Decimal(20), "usa-reciprocal-chn-10": Decimal(10)}),
        ("2025-11-09", {"usa-fentanyl-chn-20": Decimal(20), "usa-reciprocal-chn-10": Decimal(10)}),
        # Fentanyl duty cut to 10% from 2025-11-10 (Alston & Bird tracker, reported).
        ("2025-11-10", {"usa-fentanyl-chn-10-from-2025-11": Decimal(10), "usa-reciprocal-chn-10": Decimal(10)}),
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
        # EO 14325 (FR 2025-14999, reported): 35% from 2025-08-01; energy and potash keep 10%; USMCA goods exempt.
        (None, "2025-07-31", {"usa-fentanyl-can": Decimal(25)}),
        (None, "2025-08-01", {"usa-fentanyl-can-35": Decimal(35)}),
        ("energy", "2025-08-01", {"usa-fentanyl-can-energy": Decimal(10)}),
        ("potash", "2025-08-01", {"usa-fentanyl-can-potash": Decimal(10)}),
        ("usmca-goods", "2025-08-01", {}),
        # EO 14289 (FR 2025-07835): the Canada duty is not stacked with steel; the auto duty not with the Canada
        # duty.
        ("steel", "2025-03-12", {"usa-fentanyl-can": Decimal(25)}),
        ("automobiles", "2025-04-03", {"usa-auto-tariff": Decimal(25)}),
    ],
)
def test_duty_on_canadian_goods(bundled_store, product, date, expected) -> None:
    assert duties(bundled_store, "CAN", product, date) == expected


# Section 232 (FR docs 2025-02833/02832, CSMS 64913145): steel and aluminum 25% from 2025-03-12, 50% from
# 2025-06-04 (Proclamation 10947, FR 2025-10524), auto parts 25% from 2025-05-03; none stacked with the
# reciprocal rates (rule:section-232-over-reciprocal), until the agreement's 15% on parts from 2025-09-16.
@pytest.mark.parametrize(
    ("product", "date", "expected"),
    [
        ("steel", "2025-03-11", {}),
        ("steel", "2025-03-12", {"usa-steel-tariff": Decimal(25)}),
        ("steel", "2025-06-03", {"usa-steel-tariff": Decimal(25)}),
        ("steel", "2025-06-04", {"usa-steel-tariff-50": Decimal(50)}),
        ("steel", "2025-08-07", {"usa-steel-tariff-50": Decimal(50)}),
        ("aluminum", "2025-03-12", {"usa-aluminum-tariff": Decimal(25)}),
        ("aluminum", "2025-06-04", {"usa-aluminum-tariff-50": Decimal(50)}),
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
        ("aerospace", "2025-08-07", {"usa-gbr-aerospace-0": Decimal(0)}),
        # Proclamation 10947 (FR 2025-10524, reported): UK steel stays at 25% when others go to 50%.
        ("steel", "2025-06-04", {"usa-steel-tariff-gbr-25": Decimal(25)}),
        # EO 14326 Annex I (FR 2025-15010, reported): the UK's rate is 10% from 2025-08-07.
        (None, "2025-08-07", {"usa-reciprocal-eo14326-gbr": Decimal(10)}),
    ],
)
def test_duty_on_uk_goods_under_the_deal(bundled_store, product, date, expected) -> None:
    assert duties(bundled_store, "GBR", product, date) == expected


# EO 14257 (CSMS 64680374): Vietnam 46% on 2025-04-09 only, paused (EO 14266, 14316, 14326) until EO 14326's
# Annex I puts it at 20% from 2025-08-07 (FR 2025-15010, reported).
@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2025-04-09", {"usa-reciprocal-vnm": Decimal(46)}),
        ("2025-04-10", {"usa-blanket-tariff": Decimal(10)}),
        ("2025-08-06", {"usa-blanket-tariff": Decimal(10)}),
        ("2025-08-07", {"usa-reciprocal-eo14326-vnm": Decimal(20)}),
    ],
)
def test_duty_on_vietnamese_goods(bundled_store: TradeStore, date: str, expected: dict) -> None:
    assert duties(bundled_store, "VNM", None, date) == expected


# EO 14326 Annex I (FR 2025-15010, reported), from 2025-08-07: the EU 15% all-in, Switzerland 39%, India 25%.
@pytest.mark.parametrize(
    ("country", "date", "expected"),
    [
        ("FRA", "2025-08-06", {"usa-blanket-tariff": Decimal(10)}),
        ("FRA", "2025-08-07", {"usa-reciprocal-eo14326-eu": Decimal(15)}),
        ("CHE", "2025-08-07", {"usa-reciprocal-eo14326-che": Decimal(39)}),
        ("IND", "2025-08-07", {"usa-reciprocal-eo14326-ind": Decimal(25)}),
    ],
)
def test_annex_i_rates_of_eo_14326(bundled_store: TradeStore, country: str, date: str, expected: dict) -> None:
    assert duties(bundled_store, country, None, date) == expected


# EO 14323 (FR 2025-14896, reported): Brazil 40% from 2025-08-06, beside the 10% baseline until Annex I's 10%.
# EO 14329 (LegisTrack, reported): India 25% more from 2025-08-27, except on Section 232 goods.
@pytest.mark.parametrize(
    ("country", "product", "date", "expected"),
    [
        ("BRA", None, "2025-08-05", {"usa-blanket-tariff": Decimal(10)}),
        ("BRA", None, "2025-08-06", {"usa-blanket-tariff": Decimal(10), "usa-brazil-40": Decimal(40)}),
        ("BRA", None, "2025-08-07", {"usa-reciprocal-eo14326-bra": Decimal(10), "usa-brazil-40": Decimal(40)}),
        ("IND", None, "2025-08-26", {"usa-reciprocal-eo14326-ind": Decimal(25)}),
        (
            "IND",
            None,
            "2025-08-27",
            {"usa-reciprocal-eo14326-ind": Decimal(25), "usa-india-russian-oil-25": Decimal(25)},
        ),
        ("IND", "steel", "2025-08-27", {"usa-steel-tariff-50": Decimal(50)}),
    ],
)
def test_country_duties_beside_the_reciprocal_rate(bundled_store, country, product, date, expected) -> None:
    assert duties(bundled_store, country, product, date) == expected


# EO 14289 (FR 2025-07835): Chinese cars pay the auto duty and the China fentanyl duty, not the reciprocal rate
# (rule:section-232-over-reciprocal); Mexican cars the auto duty only, Mexican steel the Mexico duty only.
@pytest.mark.parametrize(
    ("country", "product", "date", "expected"),
    [
        ("CHN", "automobiles", "2025-04-10", {"usa-auto-tariff": Decimal(25), "usa-fentanyl-chn-20": Decimal(20)}),
        ("MEX", "automobiles", "2025-04-03", {"usa-auto-tariff": Decimal(25)}),
        ("MEX", "steel", "2025-03-12", {"usa-fentanyl-mex": Decimal(25)}),
    ],
)
def test_stacking_rules(bundled_store: TradeStore, country: str, product: str, date: str, expected: dict) -> None:
    assert duties(bundled_store, country, product, date) == expected
