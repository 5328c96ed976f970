"""What each named query's header says (``description``, ``answer``, parameter descriptions) agrees with the data.

tests/queries/test_example_answers.py checks that every date and rate an answer names is in the live answer. These
tests check the rest of what the headers claim: how many things the answer holds ("four US tariffs", "three
proposals"), the steps it names (rounds, their dates and statuses), who is in it, and what a parameter accepts. Each
test reads the live answer and requires the header to say the same, so a description goes stale loudly.
"""

from __future__ import annotations

import re
from collections import Counter

import pycountry
import pyoxigraph as ox
import pytest

from tradekg.queries.catalog import ParamError, load_catalog
from tradekg.store.interface import TradeStore

CATALOG = load_catalog()
WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}
TKG = "https://w3id.org/tradekg/ontology#"
ID = "https://w3id.org/tradekg/id/"


def rows(store: TradeStore, name: str, **params: str) -> list[dict[str, str]]:
    """The live answer of a named query: each value as text, an IRI as its English label (its IRI under ``_iri``)."""
    answer = []
    for solution in CATALOG[name].run(store, params):
        row: dict[str, str] = {}
        for variable, term in zip(CATALOG[name].variables, solution, strict=True):
            if isinstance(term, ox.NamedNode):
                found = store.select(
                    f'SELECT ?l WHERE {{ <{term.value}> rdfs:label ?l FILTER(LANG(?l) IN ("en", "")) }} LIMIT 1'
                )
                row[variable] = str(found[0]["l"]) if found else term.value
                row[variable + "_iri"] = term.value
            elif term is not None:
                row[variable] = term.value
        answer.append(row)
    return answer


def says(text: str, number: int) -> bool:
    """Whether a header's text states a count, in words (up to ten) or in digits."""
    word = WORDS.get(number, str(number))
    return re.search(rf"\b({word}|{number})\b", text, re.IGNORECASE) is not None


def test_says_reads_counts_in_words_and_digits():
    assert says("Four US tariffs", 4) and says("83 rest on one source", 83)
    assert not says("Four US tariffs", 3) and not says("fourteen", 4)


def test_negotiation_timeline_names_each_round_its_date_and_status(bundled_store):
    query = CATALOG["negotiation-timeline"]
    answer = rows(bundled_store, "negotiation-timeline", negotiation=query.param("negotiation").example)
    rounds = [row for row in answer if row["kind"] == "round"]
    proposals = [row for row in answer if row["kind"] == "proposal"]
    assert says(query.answer, len(rounds)) and says(query.answer, len(proposals))
    for row in rounds:
        assert f"round {row['round']} on {row['date']}" in query.answer
    statuses = {row["status"] for row in rounds}
    assert statuses == {"held"} and "all held" in query.answer  # none "planned", none "not recorded"
    assert "not recorded" not in query.answer
    assert all("date" not in row for row in proposals) and "undated" in query.answer
    assert answer[-len(proposals) :] == proposals  # undated items come last, as the description says


def test_officials_names_each_official_and_the_meetings_attended(bundled_store):
    query = CATALOG["officials"]
    japan = rows(bundled_store, "officials", country="JPN")
    assert {row["official"] for row in japan} == {"Ryosei Akazawa"}
    meetings = [row for row in japan if row["role"] == "meeting"]
    assert says(query.answer, len(meetings)) and all(row["date"] in query.answer for row in meetings)
    assert {row["status"] for row in meetings} == {"held"} and "all held" in query.answer
    everyone = {row["official"] for row in rows(bundled_store, "officials")}
    assert all(name in query.answer for name in everyone)
    assert says(query.answer, len(everyone - {"Ryosei Akazawa"}))


def test_tariffs_without_exemptions_counts_the_tariffs_on_japan(bundled_store):
    query = CATALOG["tariffs-without-exemptions"]
    answer = rows(bundled_store, "tariffs-without-exemptions", country="JPN")
    assert says(query.answer, len({row["tariff"] for row in answer}))
    assert {f"{float(row['rate']):g}%" for row in answer} <= set(re.findall(r"\d+%", query.answer))
    exempted = {ID + f"measure/usa-{name}-tariff" for name in ("auto", "auto-parts", "steel", "blanket")}
    assert not exempted & {row["tariff_iri"] for row in answer}  # "have exemptions, so are not listed"
    assert "auto, auto parts, steel and blanket tariffs have exemptions" in query.answer


def test_country_profile_counts_what_points_at_japan(bundled_store):
    query = CATALOG["country-profile"]
    by_property = Counter(row["property"] for row in rows(bundled_store, "country-profile", country="JPN"))
    text = query.answer
    assert says(text, by_property["seeks relief from"]) and "measures it seeks relief from" in text
    assert f"exemption from {WORDS[by_property['seeks exemption from']]}" in text
    assert f"{WORDS[by_property['applies to']]} US tariffs that name it" in text
    assert f"{WORDS[by_property['proposed by']]} proposals" in text
    assert f"{WORDS[by_property['post in']]} posts" in text


def test_single_source_facts_counts_the_tariffs_and_how_many_are_only_reported(bundled_store):
    query = CATALOG["single-source-facts"]
    answer = rows(bundled_store, "single-source-facts", **{"class": TKG + "Tariff"})
    reported = [row for row in answer if row.get("certainty_iri") == TKG + "reported"]
    assert f"{len(answer)} rest on one source" in query.answer
    assert f"{len(reported)} of those are only reported" in query.answer
    assert says(query.answer, len(answer) - len(reported))
    corroborated = {ID + "measure/" + name for name in ("usa-steel-tariff", "usa-aluminum-tariff", "usa-auto-tariff")}
    assert not corroborated & {row["resource_iri"] for row in answer}


def test_highest_rates_reaches_every_iso_country_but_the_imposer(bundled_store):
    query = CATALOG["highest-rates"]
    assert "every ISO 3166-1 country" in query.description
    countries = bundled_store.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a tkg:Country }")
    assert int(countries[0]["n"]) == len(pycountry.countries)
    answer = rows(bundled_store, "highest-rates")
    assert len({row["country"] for row in answer}) == len(pycountry.countries) - 1  # all but the United States
    top = {row["country"]: float(row["rate"]) for row in answer}
    assert top["China"] == 125 and {rate for country, rate in top.items() if country != "China"} == {50}


def test_agreements_for_the_united_kingdom_and_for_everyone(bundled_store):
    query = CATALOG["agreements"]
    uk = rows(bundled_store, "agreements", country="GBR")
    assert [row["agreement"] for row in uk] == ["US-UK trade deal"] and "effectiveUntil" not in uk[0]
    assert "no end date" in query.description
    everyone = {row["agreement"] for row in rows(bundled_store, "agreements")}
    assert everyone == {"US-UK trade deal", "US-China trade truce", "US-Japan trade agreement"}


def test_proposals_by_japan_are_three_all_tentative_all_inferred(bundled_store):
    query = CATALOG["proposals-by-country"]
    answer = rows(bundled_store, "proposals-by-country", country="JPN")
    assert says(query.answer, len(answer))
    assert {row["certainty"] for row in answer} == {"tentative"} and "all tentative" in query.answer
    assert {row["reliefInferred"] for row in answer} == {"true"} and "inferred" in query.answer


def test_company_impacts_names_mazda_and_its_loss(bundled_store):
    query = CATALOG["company-impacts"]
    (row,) = rows(bundled_store, "company-impacts", country="JPN")
    assert row["company"] in query.answer and f"down {abs(float(row['changePercent']))}%" in query.answer
    assert row["guidanceWithheldFor"] in query.answer and row["measure"] in query.answer


def test_tariffs_in_force_leave_out_japans_suspended_reciprocal_rate(bundled_store):
    query = CATALOG["tariffs-in-force"]
    answer = rows(bundled_store, "tariffs-in-force", date="2025-07-15", country="JPN")
    assert ID + "measure/usa-reciprocal-jpn" not in {row["tariff_iri"] for row in answer}
    assert "reciprocal rate was suspended" in query.answer
    assert "US 10% blanket tariff" in {row["tariff"] for row in answer} and "10% baseline" in query.answer


def test_duties_in_force_on_a_japanese_car_are_the_auto_tariff_alone(bundled_store):
    query = CATALOG["duties-in-force-on-date"]
    (row,) = rows(
        bundled_store, "duties-in-force-on-date", date="2025-05-15", country="JPN", product="product:automobiles"
    )
    assert row["label"] == "US 25% auto tariff" and "auto tariff of 25% alone" in query.answer


def test_measures_by_legal_basis_names_what_eo_14257_creates(bundled_store):
    query = CATALOG["measures-by-legal-basis"]
    answer = rows(bundled_store, "measures-by-legal-basis", instrument="instrument:eo-14257")
    kinds = Counter(row["kind"] for row in answer)
    assert kinds == {"exemption": 4, "measure": 4, "programme": 1, "rule": 1}
    for word in ("Annex II", "Section 232 goods", "in transit", "donations", "China", "Japan", "Vietnam", "programme"):
        assert word in query.answer
    assert {row["htsHeading"] for row in answer if "htsHeading" in row} <= set(
        re.findall(r"9903\.\d\d\.\d\d", query.answer)
    )


def test_exemptions_of_the_blanket_tariff_are_the_countries_and_goods_named(bundled_store):
    query = CATALOG["exemptions-of-measure"]
    answer = rows(bundled_store, "exemptions-of-measure", measure="measure:usa-blanket-tariff")
    countries = {row["country"] for row in answer if "country" in row}
    assert countries == {"Canada", "China", "Mexico"} and all(country in query.answer for country in countries)
    for product, words in {"Annex II goods of EO 14257": "Annex II goods", "Donations": "donations"}.items():
        assert product in {row.get("product") for row in answer} and words in query.answer


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_each_parameter_accepts_what_its_description_offers(name):
    """A country parameter takes names and codes; an IRI parameter takes the prefixed name its description shows."""
    for param in CATALOG[name].params:
        if param.type == "country":
            assert "name or ISO 3166-1 code (Japan, JPN)" in param.description
            assert param.to_term("Japan") == param.to_term("JPN") == param.to_term("jp")
            with pytest.raises(ParamError):
                param.to_term("Atlantis")
        elif param.type == "iri":
            shown = re.findall(r"\(?([a-z]+:[A-Za-z0-9-]+)\)", param.description)
            assert shown, f"{name}: {param.name}'s description shows no prefixed name to type"
            for compact in shown:
                assert str(param.to_term(compact)).startswith(("https://w3id.org/tradekg/", TKG))


def test_every_count_an_answer_writes_in_words_is_checked_here():
    """A header that starts counting something new in words gets a test above, or the count goes unchecked."""
    source = open(__file__, encoding="utf-8").read()
    counted = set()
    for name, query in CATALOG.items():
        for word in re.findall(rf"\b({'|'.join(WORDS.values())})\b", query.answer, re.IGNORECASE):
            counted.add(name)
            assert f'"{name}"' in source, f"{name}'s answer counts ({word}) but no test here checks it"
    assert len(counted) >= 5


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_term_a_header_names_is_in_the_ontology_or_the_graph(bundled_store, name):
    """``tkg:StackingRule``, ``prov:wasDerivedFrom``... in a description are terms the graph really uses or defines."""
    query = CATALOG[name]
    text = " ".join([query.description, query.answer, *(param.description for param in query.params)])
    named = set(re.findall(r"\b(tkg|prov|schema|skos|owl|rdfs):([A-Za-z][A-Za-z0-9]*)\b", text))
    unknown = []
    for prefix, local in sorted(named):
        term = f"{prefix}:{local}"
        if not bool(
            bundled_store.query(f"ASK {{ {{ {term} ?p ?o }} UNION {{ ?s {term} ?o }} UNION {{ ?s ?p {term} }} }}")
        ):
            unknown.append(term)
    assert unknown == [], f"{name} names terms the graph neither defines nor uses"


def test_the_headers_name_terms_and_an_unknown_one_would_be_caught(bundled_store):
    texts = " ".join(query.description for query in CATALOG.values())
    assert len(set(re.findall(r"\btkg:[A-Za-z]+", texts))) >= 8
    assert not bool(bundled_store.query("ASK { { tkg:NoSuchTerm ?p ?o } UNION { ?s tkg:NoSuchTerm ?o } }"))
