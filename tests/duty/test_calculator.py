"""The calculator's rules on a small invented graph (tests/duty/fixture-rules.trig), apart from the bundled data.

Each case names the rule it exercises; the figures follow from the fixture's own facts.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tradekg.duty import DutyInputError, compute_duty, coverage, rules_for
from tradekg.duty.calculator import Goods, additional_duty_by_origin, calculate
from tradekg.duty.records import RuleBook
from tradekg.graph.load import open_store
from tradekg.store.interface import TradeStore

FIXTURE = Path(__file__).with_name("fixture-rules.trig")
ID = "https://w3id.org/tradekg/id/measure/"


@pytest.fixture(scope="module")
def store() -> TradeStore:
    return open_store(data_files=[FIXTURE])


@pytest.fixture(scope="module")
def book(store: TradeStore) -> RuleBook:
    return rules_for(store)


def answer(book: RuleBook, origin: str, hs: str | None, day: str, **claims: bool) -> dict:
    return calculate(book, Goods(origin, hs, date.fromisoformat(day), **claims)).to_json()


def paid(result: dict) -> dict[str, float]:
    return {m["measure"].removeprefix(ID): m["rate_percent"] for m in result["measures"]}


def reasons(result: dict) -> dict[str, str]:
    return {m["measure"].removeprefix(ID): m["reason"] for m in result["not_applied"]}


CASES = [
    # (why, origin, hs, day, claims, additional, paid measures)
    ("nothing in force before the baseline", "JPN", "95030000", "2025-04-04", {}, 0, {}),
    ("baseline on its first day", "JPN", "95030000", "2025-04-05", {}, 10, {"base": 10}),
    ("country rate replaces the baseline", "JPN", "95030000", "2025-04-09", {}, 24, {"jpn-24": 24}),
    ("a suspension restores the baseline", "JPN", "95030000", "2025-04-10", {}, 10, {"base": 10}),
    ("suspension's last day", "JPN", "95030000", "2025-07-09", {}, 10, {"base": 10}),
    ("the day after the suspension", "JPN", "95030000", "2025-07-10", {}, 24, {"jpn-24": 24}),
    ("the country rate's last day", "JPN", "95030000", "2025-08-06", {}, 24, {"jpn-24": 24}),
    ("all-in without an MFN rate counts in full", "JPN", "95030000", "2025-08-07", {}, 15, {"jpn-15": 15}),
    ("all-in less the most specific MFN", "JPN", "6109100000", "2025-08-07", {}, 0, {"jpn-15": 0}),
    ("a chain of amendments: 84 replaces 34 replaces the baseline", "CHN", "95030000", "2025-04-10", {}, 84,
     {"chn-84": 84}),
    ("a truce suspends the chain, its 10% amends 34", "CHN", "95030000", "2025-05-14", {}, 10, {"chn-10": 10}),
    ("a contradicted exemption is not followed", "CHN", "95030000", "2025-04-05", {}, 10, {"base": 10}),
    ("a country exemption of the baseline", "CAN", "95030000", "2025-04-05", {}, 35, {"levy-can": 35}),
    ("programme exemption by claim starts on its day", "CAN", "95030000", "2025-03-06", {"usmca": True}, 35,
     {"levy-can": 35}),
    ("programme exemption by claim", "CAN", "95030000", "2025-03-07", {"usmca": True}, 0, {}),
    ("customs union member pays the union's all-in rate", "FRA", "6109100000", "2025-08-07", {}, 0, {"eu-15": 0}),
    ("a programme-wide exemption covers the country rate too", "JPN", "30049000", "2025-04-09", {}, 0, {}),
    ("Section 232 (by statute) displaces the reciprocal rate", "JPN", "87032301", "2025-04-09", {}, 25,
     {"cars-232": 25}),
    ("light trucks by subheading", "CHN", "87042101", "2025-04-10", {}, 25, {"cars-232": 25}),
    ("the hierarchy: cars displace the levy for Canada", "CAN", "87032301", "2025-04-05", {}, 25, {"cars-232": 25}),
    ("the levy displaces metal while its rule holds", "CAN", "72081000", "2025-06-01", {}, 35, {"levy-can": 35}),
    ("a rule's end: metal and the levy stack after it", "CAN", "72081000", "2026-01-01", {}, 85,
     {"levy-can": 35, "metal-232": 50}),
    ("a range with a carve-out", "CAN", "72141000", "2025-06-01", {}, 35, {"levy-can": 35}),
    ("a reduced exemption lowers the rate", "JPN", "72081000", "2025-06-01", {}, 5, {"metal-232": 5}),
    ("within the quota: all-in less the MFN of the subheading", "JPN", "87032301", "2025-10-01", {}, 6,
     {"jpn-cars-quota-rate": 6}),
    ("over the quota the car duty applies again", "JPN", "87033101", "2025-10-01", {"over_quota": True}, 25,
     {"cars-232": 25}),
    ("a partial exemption keeps the rate", "FRA", "87032301", "2025-05-01", {"usmca": True}, 25, {"cars-232": 25}),
]  # fmt: skip


@pytest.mark.parametrize(("why", "origin", "hs", "day", "claims", "additional", "measures"), CASES,
                         ids=[case[0] for case in CASES])  # fmt: skip
def test_rule(book: RuleBook, why: str, origin: str, hs: str, day: str, claims: dict, additional: float,
              measures: dict) -> None:  # fmt: skip
    result = answer(book, origin, hs, day, **claims)
    assert paid(result) == measures, why
    assert result["additional_percent"] == additional, why


def test_reasons_name_the_rule_and_its_source(book: RuleBook) -> None:
    result = reasons(answer(book, "JPN", "87032301", "2025-04-10"))
    assert result["jpn-24"] == "suspended from 2025-04-10 until 2025-07-09 (EO B)"
    assert result["base"] == "not stacked with Car duty (EO A)"
    assert result["month-only"] == "start known only as 2025-07: no day is guessed, so not counted"
    assert result["disputed"] == "contradicted by A source that contradicts"
    assert result["jpn-15"] == "in force only from 2025-08-07"
    can = reasons(answer(book, "CAN", "95030000", "2025-04-05"))
    assert can["base"] == "exempt: Canada left out (EO A)"  # without its own basis, the measure's
    drugs = reasons(answer(book, "JPN", "30049000", "2025-04-09"))
    assert drugs["jpn-24"] == "exempt: Drugs out of the reciprocal tariffs (EO A)"
    chain = reasons(answer(book, "CHN", "95030000", "2025-04-10"))
    assert chain["chn-34"] == "replaced by China 84 (EO B)"
    assert chain["base"] == "replaced by China 84 (EO B)"  # the measure paid in the end, not the link between
    assert reasons(answer(book, "CAN", "87032301", "2025-04-05"))["levy-can"] == "not stacked with Car duty (EO B)"
    over = reasons(answer(book, "JPN", "87032301", "2025-10-01", over_quota=True))
    assert over["jpn-cars-quota-rate"] == "over the quota of 1,000 cars a year (Proc C): Car duty applies"


def test_notes_on_measures_paid(book: RuleBook) -> None:
    quota = answer(book, "JPN", "87032301", "2025-10-01")["measures"][0]
    assert quota["note"] == "within the quota of 1,000 cars a year (Proc C); all-in 10% less MFN 4%"
    assert answer(book, "FRA", "87032301", "2025-05-01", usmca=True)["measures"][0]["note"] == (
        "partly exempt: Claimed cars pay on foreign content only (Proc C)"
    )
    reduced = answer(book, "JPN", "72081000", "2025-06-01")["measures"][0]
    assert reduced["note"] == "reduced to 5%: Japan's metal at a lower rate (Proc C)"
    assert answer(book, "JPN", "95030000", "2025-08-07")["measures"][0]["note"].startswith("all-in 15%: no MFN")


def test_a_heading_that_only_partly_holds_a_category_is_said(book: RuleBook) -> None:
    result = reasons(answer(book, "CHN", "8704", "2025-04-10"))
    assert result["cars-232"] == "covers only part of 8704: Light trucks (870421)"


def test_the_answer_carries_basis_statutes_heading_and_sources(book: RuleBook) -> None:
    base = answer(book, "JPN", "95030000", "2025-04-05")["measures"][0]
    assert base["heading"] == "9903.01.25"
    assert base["legal_basis"] == [{"instrument": "https://w3id.org/tradekg/id/instrument/order-a", "label": "EO A",
                                    "statutes": []}]  # fmt: skip
    assert base["sources"] == ["https://w3id.org/tradekg/id/source/fixture"]
    cars = answer(book, "JPN", "87032301", "2025-04-05")["measures"][0]
    assert cars["legal_basis"][0]["statutes"] == ["Section 232"]
    assert answer(book, "JPN", "87032301", "2025-04-05")["mfn_percent"] == 4


def test_inputs_are_checked_and_the_error_says_what_is_covered(store: TradeStore) -> None:
    assert coverage(rules_for(store)) == (date(2025, 1, 1), date(2025, 12, 31))
    with pytest.raises(DutyInputError, match="unknown country 'Atlantis'"):
        compute_duty(store, origin="Atlantis", hs="8703", day="2025-05-01")
    with pytest.raises(DutyInputError, match="not an HS code"):
        compute_duty(store, origin="JPN", hs="87.03.1", day="2025-05-01")
    with pytest.raises(DutyInputError, match="is a chapter"):
        compute_duty(store, origin="JPN", hs="87", day="2025-05-01")
    with pytest.raises(DutyInputError, match="outside what the data covers: 2025-01-01 to 2025-12-31"):
        compute_duty(store, origin="JPN", hs="8703", day="2026-01-02")
    with pytest.raises(DutyInputError, match="not a date"):
        compute_duty(store, origin="JPN", hs="8703", day="2025-13-01")
    by_name = compute_duty(store, origin="Japan", hs="8703.23.01", day="2025-04-05")
    assert by_name.to_json()["origin"] == "JPN" and by_name.to_json()["hs"] == "8703.23.01"


def test_rules_are_reread_after_a_write(store: TradeStore) -> None:
    first = rules_for(store)
    assert rules_for(store) is first
    store.generation += 1  # what every write does (TradeStore.writing)
    assert rules_for(store) is not first


def test_additional_duty_by_origin_for_the_map(book: RuleBook) -> None:
    general = additional_duty_by_origin(book, date(2025, 4, 10))
    assert general == {"CAN": Decimal(35), "CHN": Decimal(84), "FRA": Decimal(10), "JPN": Decimal(10)}
    cars = additional_duty_by_origin(book, date(2025, 4, 10), "87032301")
    assert cars == {"CAN": Decimal(25), "CHN": Decimal(25), "FRA": Decimal(25), "JPN": Decimal(25)}


def test_an_exemption_whose_products_list_no_hs_code_is_named_as_not_checked(book: RuleBook) -> None:
    # With its category's code (3004), the exemption is tested against the goods: nothing is left unchecked.
    assert answer(book, "JPN", "95030000", "2025-04-05")["not_checked"] == []
    drugs = "https://w3id.org/tradekg/id/product/drugs"
    codeless = dataclasses.replace(book, categories={k: v for k, v in book.categories.items() if k != drugs})
    result = answer(codeless, "JPN", "95030000", "2025-04-05")
    assert result["additional_percent"] == 10  # the baseline is still counted in full
    (entry,) = result["not_checked"]
    assert entry["label"] == "Drugs out of the reciprocal tariffs" and entry["products"] == [drugs]
    assert entry["measures"] == [ID + "base"]
    assert entry["reason"].startswith("not checked: Drugs out of the reciprocal tariffs (")
    assert entry["reason"].endswith("lists no HS codes in this graph, so the goods were not tested against it")
    assert answer(codeless, "JPN", None, "2025-04-05")["not_checked"] == []  # goods no product tariff names
