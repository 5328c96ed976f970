"""The duty calculator on the bundled graph: dated cases, each with the source of its expected figure.

Figures are the additional duty (percent, MFN not included) that goods paid on the day, as the orders, the
proclamations and CBP's messages set it; they are written here from those documents (cited on each case), not
read from the graph. "Toys" (HS 9503.00.00) stand for goods that no product-specific measure covers.

Sources: EO 14195 (China 10%) and EO 14228 (China 20%, FR 2025-03677); EO 14193/14197 (Canada, CSMS 64297449);
EO 14194 (Mexico, CSMS 64297292); EO 14231/14232 (USMCA, CSMS 64336037); Proclamations 10895/10896 (aluminum,
steel 25% from 2025-03-12, FR 2025-02832/02833); Proclamation 10908 (autos 25% from 2025-04-03, CSMS 64624801;
parts from 2025-05-03, CSMS 64913145); EO 14257 (10% from 2025-04-05, country rates from 2025-04-09, Section 232
goods excluded, FR 2025-06063, CSMS 64680374); EO 14259 (China 84%, FR 2025-06378); EO 14266 (pause from
2025-04-10, China 125%, FR 2025-06462); EO 14289 (autos not stacked with the Canada/Mexico duties, FR 2025-07835);
EO 14298 (China 10% from 2025-05-14, FR 2025-09297); Proclamation 10947 (steel and aluminum 50% from 2025-06-04,
the UK at 25%, FR 2025-10524); EO 14309 (UK cars 10% all-in within 100,000 a year from 2025-06-30); EO 14316
(pause to 2025-08-01, FR 2025-12962); EO 14325 (Canada 35% from 2025-08-01, FR 2025-14999); EO 14326 (Annex I
rates from 2025-08-07, 10% until then, FR 2025-15010); EO 14345 (Japan 15% all-in from 2025-08-07, autos 15%
all-in from 2025-09-16, FR 2025-17389); FR 2025-18660 (EU autos 15% all-in from 2025-08-01, reported); EO 14357
(China fentanyl 10% from 2025-11-10, reported); Proclamation 10984 (buses 10% from 2025-11-01, FR 2025-19639,
reported); EO 14384 (India's 25% ends 2026-02-07, reported); Learning Resources
v. Trump (2026-02-20) and CBP's message (no IEEPA duty collected from 2026-02-24, reported); the Section 122
proclamation of 2026-02-20 (10% on every country from 12:01 a.m. 2026-02-24 to 12:01 a.m. 2026-07-24, Section 232
goods and USMCA goods of Canada and Mexico excepted) and CSMS 67844987 (reported); the HTS 2025 Revision 10 (MFN
2.5% on 8703, 16.5% on 6109.10).
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from tradekg.duty import DutyInputError, compute_duty
from tradekg.store.interface import TradeStore

TOYS = "9503.00.00"
CAR = "8703.23.01"
PARTS = "8708.29.50"
STEEL = "7208.10.15"
ALUMINUM = "7601.10.30"
TSHIRT = "6109.10.00"
BUS = "8702.10.31"

# (origin, HS, date, claims, additional %, source of the figure)
CASES = [
    # China: fentanyl duty 10% then 20%; the baseline; 34% -> 84% -> 125%; Geneva; Busan.
    ("CHN", TOYS, "2025-02-04", {}, 10, "EO 14195: 10% from 2025-02-04 (first day)"),
    ("CHN", TOYS, "2025-03-03", {}, 10, "EO 14195: last day at 10%"),
    ("CHN", TOYS, "2025-03-04", {}, 20, "EO 14228 (FR 2025-03677): 20% from 2025-03-04"),
    ("CHN", TOYS, "2025-04-05", {}, 30, "EO 14257/CSMS 64680374: the 10% baseline hits China (the article's exemption "
     "is contradicted) + 20%"),
    ("CHN", TOYS, "2025-04-08", {}, 30, "EO 14257: last day before country rates"),
    ("CHN", TOYS, "2025-04-09", {}, 104, "EO 14259: 84% from 2025-04-09 + 20%"),
    ("CHN", TOYS, "2025-04-10", {}, 145, "EO 14266: 125% from 2025-04-10 + 20% = 145%"),
    ("CHN", TOYS, "2025-05-13", {}, 145, "EO 14298: last day before the Geneva rate"),
    ("CHN", TOYS, "2025-05-14", {}, 30, "EO 14298 (FR 2025-09297): 10% from 2025-05-14 + 20%"),
    ("CHN", TOYS, "2025-11-09", {}, 30, "EO 14358 (reported): last day of the 20% fentanyl duty"),
    ("CHN", TOYS, "2025-11-10", {}, 20, "fentanyl duty cut to 10% from 2025-11-10 (reported) + 10%"),
    ("CHN", CAR, "2025-04-10", {}, 45, "Proclamation 10908 25% + EO 14228 20%; EO 14257 s. 3(b): no reciprocal duty "
     "on Section 232 goods (not 170%)"),
    # Canada: 25% from 2025-03-04 (paused to then by EO 14197), USMCA from 03-07, 35% from 08-01.
    ("CAN", TOYS, "2025-03-03", {}, 0, "EO 14197: the Canada duty paused until 2025-03-04"),
    ("CAN", TOYS, "2025-03-04", {}, 25, "EO 14193, CSMS 64297449: 25% from 2025-03-04"),
    ("CAN", TOYS, "2025-03-06", {"usmca": True}, 25, "EO 14231: USMCA goods exempt only from 2025-03-07"),
    ("CAN", TOYS, "2025-03-07", {"usmca": True}, 0, "EO 14231, CSMS 64336037: USMCA goods exempt"),
    ("CAN", TOYS, "2025-04-05", {}, 25, "EO 14257 s. 3: Canada left out of the reciprocal tariff"),
    ("CAN", TOYS, "2025-07-31", {}, 25, "EO 14325: last day at 25%"),
    ("CAN", TOYS, "2025-08-01", {}, 35, "EO 14325 (FR 2025-14999): 35% from 2025-08-01"),
    ("CAN", TOYS, "2025-08-01", {"usmca": True}, 0, "EO 14325 keeps the USMCA exemption"),
    ("CAN", CAR, "2025-05-15", {}, 25, "EO 14289: the auto duty is not stacked with the Canada duty"),
    ("CAN", CAR, "2025-04-02", {}, 25, "before the auto duty (2025-04-03) the Canada duty applies"),
    ("CAN", CAR, "2025-05-15", {"usmca": True}, 25, "CSMS 64624801: USMCA vehicles pay 25% on non-US content only "
     "(a partial exemption; the rate stays)"),
    ("MEX", PARTS, "2025-05-15", {"usmca": True}, 0, "CSMS 64913145: USMCA-qualifying parts exempt (9903.94.06)"),
    # Mexico: 25% from 2025-03-04, USMCA from 03-07, kept at 25% in August.
    ("MEX", TOYS, "2025-03-04", {}, 25, "EO 14194, CSMS 64297292: 25% from 2025-03-04"),
    ("MEX", TOYS, "2025-03-07", {"usmca": True}, 0, "EO 14232, CSMS 64336037: USMCA goods exempt"),
    ("MEX", TOYS, "2025-08-07", {}, 25, "EO 14257 s. 3: Mexico left out of the reciprocal rates; still 25%"),
    ("MEX", CAR, "2025-05-15", {}, 25, "EO 14289: the auto duty is not stacked with the Mexico duty"),
    # Japan: baseline, 24% for one day, the pause, EO 14326's 10% to 08-06, EO 14345's 15% all-in.
    ("JPN", TOYS, "2025-04-04", {}, 0, "EO 14257: the baseline starts 2025-04-05"),
    ("JPN", TOYS, "2025-04-05", {}, 10, "EO 14257: 10% baseline (first day)"),
    ("JPN", TOYS, "2025-04-09", {}, 24, "EO 14257 Annex I: Japan 24% from 2025-04-09"),
    ("JPN", TOYS, "2025-04-10", {}, 10, "EO 14266: country rates paused from 2025-04-10"),
    ("JPN", TOYS, "2025-07-09", {}, 10, "EO 14266: last day of the first pause"),
    ("JPN", TOYS, "2025-07-10", {}, 10, "EO 14316 (FR 2025-12962): pause extended to 2025-08-01"),
    ("JPN", TOYS, "2025-08-03", {}, 10, "EO 14326 s. 4: 10% from 08-01 to 08-06, not 24%"),
    ("JPN", TOYS, "2025-08-06", {}, 10, "EO 14326: last day before Annex I rates"),
    ("JPN", TSHIRT, "2025-08-07", {}, 0, "EO 14345: 15% all-in, no reciprocal duty where MFN (16.5%) >= 15%"),
    ("JPN", CAR, "2025-04-02", {}, 0, "Proclamation 10908: the auto duty starts 2025-04-03, EO 14257's baseline "
     "2025-04-05: nothing yet"),
    ("JPN", CAR, "2025-04-03", {}, 25, "Proclamation 10908, CSMS 64624801: 25% from 2025-04-03"),
    ("JPN", CAR, "2025-04-09", {}, 25, "EO 14257 s. 3(b): the 24% is not paid on Section 232 autos"),
    ("JPN", CAR, "2025-09-15", {}, 25, "EO 14345: the autos rate changes only on 2025-09-16"),
    ("JPN", CAR, "2025-09-16", {}, 12.5, "EO 14345: autos 15% all-in less MFN 2.5% (HTS 8703)"),
    ("JPN", PARTS, "2025-05-02", {}, 10, "Proclamation 10908: parts duty starts 2025-05-03; the 10% baseline applies"),
    ("JPN", PARTS, "2025-05-03", {}, 25, "Proclamation 10908, CSMS 64913145: parts 25% from 2025-05-03"),
    ("JPN", STEEL, "2025-06-03", {}, 25, "Proclamation 10896: steel 25%; last day before 50%"),
    ("JPN", STEEL, "2025-06-04", {}, 50, "Proclamation 10947 (FR 2025-10524): steel 50% from 2025-06-04"),
    ("JPN", ALUMINUM, "2025-06-04", {}, 50, "Proclamation 10947: aluminum 50% from 2025-06-04"),
    ("JPN", ALUMINUM, "2025-03-12", {}, 25, "Proclamation 10895: aluminum 25% from 2025-03-12"),
    # Vietnam: 46% for one day, paused, then EO 14326's 20%.
    ("VNM", TOYS, "2025-04-09", {}, 46, "EO 14257 Annex I: Vietnam 46% from 2025-04-09"),
    ("VNM", TOYS, "2025-04-10", {}, 10, "EO 14266: paused"),
    ("VNM", TOYS, "2025-08-06", {}, 10, "EO 14326: 10% until 2025-08-06"),
    ("VNM", TOYS, "2025-08-07", {}, 20, "EO 14326 Annex I: Vietnam 20% from 2025-08-07"),
    # The United Kingdom: the car quota, steel kept at 25%, EO 14326's 10%.
    ("GBR", CAR, "2025-06-29", {}, 25, "EO 14309: the quota starts 2025-06-30"),
    ("GBR", CAR, "2025-06-30", {}, 7.5, "EO 14309: 10% all-in within 100,000 cars a year, less MFN 2.5%"),
    ("GBR", CAR, "2025-06-30", {"over_quota": True}, 25, "EO 14309: beyond the quota the full 25% applies"),
    ("GBR", STEEL, "2025-06-04", {}, 25, "Proclamation 10947: the UK stays at 25%"),
    ("GBR", TOYS, "2025-08-07", {}, 10, "EO 14326 Annex I: United Kingdom 10%"),
    # The EU (all-in) and other Annex I countries of EO 14326.
    ("DEU", TOYS, "2025-08-06", {}, 10, "EO 14326: 10% until 2025-08-06"),
    ("DEU", TSHIRT, "2025-08-07", {}, 0, "EO 14326 Annex I: EU 15% all-in; nothing where MFN (16.5%) >= 15%"),
    ("FRA", CAR, "2025-08-07", {}, 12.5, "FR 2025-18660 (reported): EU autos 15% all-in from 2025-08-01, less MFN "
     "2.5%; EO 14257 s. 3(b): no reciprocal duty on them"),
    ("DEU", CAR, "2025-07-31", {}, 25, "FR 2025-18660: the EU autos rate starts 2025-08-01; 25% until then"),
    ("DEU", CAR, "2025-08-01", {}, 12.5, "FR 2025-18660 (reported): EU autos 15% all-in, retroactive to "
     "2025-08-01, less MFN 2.5%"),
    ("CHE", TOYS, "2025-08-07", {}, 39, "EO 14326 Annex I: Switzerland 39%"),
    ("IND", TOYS, "2025-08-07", {}, 25, "EO 14326 Annex I: India 25%"),
    ("TWN", TOYS, "2025-08-07", {}, 20, "EO 14326 Annex I: Taiwan 20%"),
    ("THA", TOYS, "2025-08-07", {}, 19, "EO 14326 Annex I: Thailand 19%"),
    ("KOR", TOYS, "2025-08-07", {}, 15, "EO 14326 Annex I: South Korea 15%"),
    ("ZAF", TOYS, "2025-08-07", {}, 30, "EO 14326 Annex I: South Africa 30%"),
    ("LAO", TOYS, "2025-08-07", {}, 40, "EO 14326 Annex I: Laos 40%"),
    ("SYR", TOYS, "2025-08-07", {}, 41, "EO 14326 Annex I: Syria 41%"),
    ("ARG", TOYS, "2025-08-07", {}, 10, "EO 14326 s. 2: countries not in Annex I pay 10%"),
    # Brazil's and India's additional IEEPA duties, on top of the reciprocal rate.
    ("BRA", TOYS, "2025-08-05", {}, 10, "EO 14323: the 40% starts 2025-08-06; the 10% baseline"),
    ("BRA", TOYS, "2025-08-06", {}, 50, "EO 14323 (FR 2025-14896): 40% from 2025-08-06 + the 10% baseline"),
    ("IND", TOYS, "2025-08-26", {}, 25, "EO 14329: the extra 25% starts 2025-08-27; EO 14326 India 25%"),
    ("IND", TOYS, "2025-08-27", {}, 50, "EO 14329 (reported): 25% from 2025-08-27 + EO 14326 India 25%"),
    ("IND", TOYS, "2026-02-06", {}, 50, "EO 14384 (reported): last day of the Russian-oil 25%"),
    ("IND", TOYS, "2026-02-07", {}, 25, "EO 14384 (reported): the Russian-oil 25% ends; EO 14326 India 25%"),
    # Buses: Proclamation 10984 (FR 2025-19639, reported), 10% from 2025-11-01, not stacked with the IEEPA duties.
    ("CHE", BUS, "2025-10-31", {}, 39, "EO 14326 Annex I: Switzerland 39%; the bus duty starts 2025-11-01"),
    ("CHE", BUS, "2025-11-01", {}, 10, "Proclamation 10984: buses 10%, no reciprocal duty on them"),
    ("BRA", BUS, "2025-11-01", {}, 10, "Proclamation 10984: buses 10%, not the 40% on Brazil nor the 10%"),
    ("CAN", BUS, "2025-11-01", {}, 10, "Proclamation 10984: buses 10%, not the 35% on Canada"),
    ("CHE", BUS, "2026-02-24", {}, 10, "Proclamation 10984: a Section 232 duty, it goes on"),
    # The Supreme Court (Learning Resources v. Trump, 2026-02-20): IEEPA authorizes no tariff; CBP stopped
    # collecting every IEEPA duty for goods entered from 2026-02-24 (reported). Section 232 duties go on.
    ("CHN", TOYS, "2026-02-23", {}, 20, "EO 14357 10% + EO 14298 10%: last day of the IEEPA duties"),
    # The Section 122 surcharge replaces them the same day: 10% on goods of every country for 150 days (reported).
    ("CHN", TOYS, "2026-02-24", {}, 10, "CBP: IEEPA duties not collected from 2026-02-24; Section 122 proclamation: "
     "10% from 12:01 a.m. 2026-02-24 (CSMS 67844987, 9903.03.01)"),
    ("JPN", TOYS, "2026-02-24", {}, 10, "Section 122 proclamation: 10% on every country; EO 14345's 15% was IEEPA"),
    ("CAN", TOYS, "2026-02-24", {}, 10, "CBP: the IEEPA duty on Canada not collected; Section 122: 10% on goods "
     "that do not qualify under USMCA"),
    ("CAN", TOYS, "2026-02-24", {"usmca": True}, 0, "Section 122 proclamation: USMCA goods of Canada excepted "
     "(CSMS 67844987)"),
    ("MEX", TOYS, "2026-07-23", {"usmca": True}, 0, "Section 122 proclamation: USMCA goods of Mexico excepted"),
    ("JPN", CAR, "2026-02-24", {}, 12.5, "EO 14345 autos 15% all-in is a Section 232 rate: it goes on; Section 122: "
     "no surcharge on Section 232 goods"),
    ("JPN", STEEL, "2026-02-24", {}, 50, "Proclamation 10947: Section 232 steel 50% goes on, no Section 122 surcharge"),
    ("CHN", TOYS, "2026-07-23", {}, 10, "Section 122 proclamation: last day before 12:01 a.m. EDT on 2026-07-24"),
    ("CHN", TOYS, "2026-07-24", {}, 0, "Section 122 proclamation: the 150 days end at 12:01 a.m. 2026-07-24 (no "
     "later duty recorded)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("origin", "hs", "day", "claims", "expected", "source"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}{'-' + '-'.join(c[3]) if c[3] else ''}" for c in CASES],
)
def test_dated_case(
    bundled_store: TradeStore, origin: str, hs: str, day: str, claims: dict, expected: float, source: str
) -> None:
    answer = compute_duty(bundled_store, origin=origin, hs=hs, day=day, **claims).to_json()
    assert answer["additional_percent"] == expected, (source, answer["measures"], answer["not_applied"])


def test_there_are_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


def test_reasons_on_the_bundled_graph(bundled_store: TradeStore) -> None:
    answer = compute_duty(bundled_store, origin="CAN", hs=CAR, day="2025-05-15").to_json()
    reasons = {entry["measure"].rsplit("/", 1)[-1]: entry["reason"] for entry in answer["not_applied"]}
    assert reasons["usa-fentanyl-can"] == "not stacked with US 25% auto tariff (EO 14289)"
    japan = compute_duty(bundled_store, origin="JPN", hs=TOYS, day="2025-05-15").to_json()
    reasons = {entry["measure"].rsplit("/", 1)[-1]: entry["reason"] for entry in japan["not_applied"]}
    assert reasons["usa-reciprocal-jpn"] == "suspended from 2025-04-10 until 2025-07-09 (EO 14266)"
    usmca = compute_duty(bundled_store, origin="CAN", hs=TOYS, day="2025-05-15", usmca=True).to_json()
    assert usmca["not_applied"][-1]["reason"].startswith("exempt: ")
    cars = compute_duty(bundled_store, origin="JPN", hs=CAR, day="2025-09-16").to_json()
    assert cars["measures"][0]["note"] == "all-in 15% less MFN 2.5%"
    assert cars["mfn_percent"] == 2.5
    busan = compute_duty(bundled_store, origin="CHN", hs=TOYS, day="2025-11-10").to_json()
    fentanyl = next(m for m in busan["measures"] if m["measure"].endswith("usa-fentanyl-chn-10-from-2025-11"))
    assert [basis["label"] for basis in fentanyl["legal_basis"]] == ["EO 14357"]
    ended = compute_duty(bundled_store, origin="CHN", hs=TOYS, day="2026-02-24").to_json()
    reasons = {entry["measure"].rsplit("/", 1)[-1]: entry["reason"] for entry in ended["not_applied"]}
    assert reasons["usa-fentanyl-chn-10-from-2025-11"] == (
        "suspended from 2026-02-24 (Learning Resources, Inc. v. Trump, No. 24-1287)"
    )
    steel = compute_duty(bundled_store, origin="JPN", hs=STEEL, day="2026-02-24").to_json()
    reasons = {entry["measure"].rsplit("/", 1)[-1]: entry["reason"] for entry in steel["not_applied"]}
    assert (
        reasons["usa-section-122-surcharge"]
        == "not stacked with US 50% Section 232 tariff on steel (Proclamation 11012)"
    )
    usmca = compute_duty(bundled_store, origin="CAN", hs=TOYS, day="2026-02-24", usmca=True).to_json()
    reasons = {entry["measure"].rsplit("/", 1)[-1]: entry["reason"] for entry in usmca["not_applied"]}
    assert reasons["usa-section-122-surcharge"] == (
        "exempt: USMCA-qualifying goods of Canada and Mexico left out of the Section 122 surcharge (Proclamation 11012)"
    )
    over = compute_duty(bundled_store, origin="CHN", hs=TOYS, day="2026-07-24").to_json()
    reasons = {entry["measure"].rsplit("/", 1)[-1]: entry["reason"] for entry in over["not_applied"]}
    assert reasons["usa-section-122-surcharge"] == "ended 2026-07-23"


def test_a_date_outside_the_data_is_refused_with_the_range(bundled_store: TradeStore) -> None:
    with pytest.raises(DutyInputError, match=r"outside what the data covers: 2025-02-04 to "):
        compute_duty(bundled_store, origin="CHN", hs=TOYS, day="2025-02-03")


# --- The named queries agree with the calculator on the dated cases above.
# * ``duties-in-force-on-date`` lists the measures the calculator applies, for the product category of the case's HS
#   code (HS 8703 -> automobiles, 72 -> steel, 76 -> aluminum, 8708 -> auto parts, 8702 -> buses; other goods -> a
#   category no measure covers); all-in rates are the query's full rate, so rates are compared only where the basis
#   is additional.
# * ``tariffs-in-force`` lists every measure the calculator applies on that date to that country.
# * ``tariffs-without-exemptions`` lists none of the measures the calculator found an exemption for.
ID = "https://w3id.org/tradekg/id/"
CATEGORY_BY_PREFIX = {"8703": "automobiles", "8708": "auto-parts", "8702": "buses", "72": "steel", "76": "aluminum"}
PLAIN = [case for case in CASES if not case[3]]  # no USMCA or quota claim: the queries take none


def _query(name: str) -> str:
    return (resources.files("tradekg.queries") / f"{name}.rq").read_text(encoding="utf-8")


def _category(hs: str) -> str:
    digits = hs.replace(".", "")
    return next((name for prefix, name in CATEGORY_BY_PREFIX.items() if digits.startswith(prefix)), "other-goods")


def _case_id(case: tuple) -> str:
    return f"{case[0]}-{case[1]}-{case[2]}"


@pytest.mark.parametrize("case", PLAIN, ids=[_case_id(case) for case in PLAIN])
def test_duties_in_force_on_date_agrees(bundled_store: TradeStore, case: tuple) -> None:
    origin, hs, day = case[:3]
    answer = compute_duty(bundled_store, origin=origin, hs=hs, day=day)
    rows = bundled_store.select(
        _query("duties-in-force-on-date"),
        bindings={
            "country": URIRef(f"{ID}country/{origin}"),
            "date": Literal(day, datatype=XSD.date),
            "product": URIRef(f"{ID}product/{_category(hs)}"),
        },
    )
    listed = {str(row["measure"]): Decimal(str(row["rate"])) for row in rows}
    applied = {str(entry["measure"]): entry for entry in answer.applied}
    assert set(listed) == set(applied), case[-1]
    for iri, entry in applied.items():
        if "all-in" not in str(entry.get("note", "")):
            assert listed[iri] == Decimal(str(entry["rate_percent"])), (iri, case[-1])


@pytest.mark.parametrize("case", PLAIN, ids=[_case_id(case) for case in PLAIN])
def test_tariffs_in_force_lists_what_the_calculator_applies(bundled_store: TradeStore, case: tuple) -> None:
    origin, hs, day = case[:3]
    answer = compute_duty(bundled_store, origin=origin, hs=hs, day=day)
    rows = bundled_store.select(
        _query("tariffs-in-force"),
        bindings={"country": URIRef(f"{ID}country/{origin}"), "date": Literal(day, datatype=XSD.date)},
    )
    listed = {str(row["tariff"]) for row in rows}
    assert {str(entry["measure"]) for entry in answer.applied} <= listed, case[-1]
    ended = {str(e["measure"]) for e in answer.not_applied if str(e["reason"]).startswith(("ended", "in force only"))}
    assert not ended & listed, case[-1]


def test_tariffs_without_exemptions_lists_no_exempted_measure(bundled_store: TradeStore) -> None:
    for case in CASES:
        origin, hs, day, claims = case[:4]
        answer = compute_duty(bundled_store, origin=origin, hs=hs, day=day, **claims)
        exempted = {str(e["measure"]) for e in answer.not_applied if str(e["reason"]).startswith("exempt")}
        if not exempted:
            continue
        rows = bundled_store.select(
            _query("tariffs-without-exemptions"), bindings={"country": URIRef(f"{ID}country/{origin}")}
        )
        assert not exempted & {str(row["tariff"]) for row in rows}, case


def test_only_exemptions_from_a_paid_measure_are_named_as_not_checked(bundled_store: TradeStore) -> None:
    # The Japanese car pays only EO 14345's auto rate: the codeless exemptions of the measures it replaced or that do
    # not stack with it (the auto tariff's non-passenger vehicles, EO 14257's Annex II) could change nothing.
    cars = compute_duty(bundled_store, origin="JPN", hs=CAR, day="2025-09-16").to_json()
    assert cars["additional_percent"] == 12.5 and cars["not_checked"] == []
    # Japanese toys pay the 15% all-in rate of the reciprocal programme: its codeless exemptions are named.
    toys = compute_duty(bundled_store, origin="JPN", hs=TOYS, day="2025-09-16").to_json()
    paid = {entry["measure"] for entry in toys["measures"]}
    assert toys["not_checked"] and all(set(entry["measures"]) & paid for entry in toys["not_checked"])
    assert any("Annex II" in entry["label"] for entry in toys["not_checked"])
