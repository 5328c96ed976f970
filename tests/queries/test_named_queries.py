"""Every named query answers as expected: a table of expected rows per query and parameter set.

When the bundled data grows, update the rows here. A query of the catalog with no entry in EXPECTED fails
``test_every_named_query_is_exercised``, so no question ships without a test.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from tradekg.graph.load import bundled_data_files, open_store
from tradekg.graph.store import TradeStore
from tradekg.queries.catalog import load_catalog

CATALOG = load_catalog()
SAMPLE = Path(__file__).parent / "data" / "legal-basis-sample.trig"
ID = "https://w3id.org/tradekg/id/"
TKG = "https://w3id.org/tradekg/ontology#"

# name -> list of (params, data, expected rows). data "bundled" is the bundled graph, "sample" the bundled graph
# plus tests/queries/data/legal-basis-sample.trig. Rows are tuples in the query's column order: IRIs under
# https://w3id.org/tradekg/id/ without that prefix, tkg: terms as tkg:Name, literals as their text, "" unbound.
# Columns holding GROUP_CONCAT lists are compared as sets (SET_COLUMNS).
SET_COLUMNS = {"products", "parties"}
AUTO, PARTS = "measure/usa-auto-tariff", "measure/usa-auto-parts-tariff"
TALKS = "negotiation/usa-jpn-trade-talks"
ARTICLE = "source/econotimes-japan-tariff-relief"
JPN_TARIFFS = [
    (AUTO, "country/JPN", "country/USA", "25", ""),
    ("measure/usa-jpn-24-percent-rate", "country/JPN", "country/USA", "24", "2025-07"),
    ("measure/usa-aluminum-tariff", "country/JPN", "country/USA", "", ""),
    (PARTS, "country/JPN", "country/USA", "", ""),
    ("measure/usa-steel-tariff", "country/JPN", "country/USA", "", ""),
]
PROPOSAL_ROWS = [
    (f"proposal/jpn-usa-{slug}", "country/JPN", "country/USA", TALKS, measure, "tkg:ongoing", "tkg:tentative", items)
    for slug, items in (
        ("automobile-inspection-standards", "Automobiles"),
        ("corn-soybean-imports", "Corn, Soybeans"),
        ("joint-shipbuilding-technology", "Ships and shipbuilding"),
    )
    for measure in (PARTS, AUTO)
]
TARIFF_CLASS = TKG + "Tariff"
SINGLE_SOURCE_TARIFFS = [
    (f"measure/usa-{slug}", "tkg:Tariff", ARTICLE, "")
    for slug in ("aluminum-tariff", "auto-parts-tariff", "auto-tariff", "blanket-tariff", "jpn-24-percent-rate")
] + [("measure/usa-steel-tariff", "tkg:Tariff", ARTICLE, "")]

EXPECTED: dict[str, list[tuple[dict[str, str], str, list[tuple[str, ...]]]]] = {
    "tariffs-without-exemptions": [
        ({"country": "JPN"}, "bundled", JPN_TARIFFS),
        ({}, "bundled", JPN_TARIFFS),
        ({"country": "CAN"}, "bundled", []),
    ],
    "tariffs-in-force": [
        (
            {"date": "2025-07-15", "country": "JPN"},
            "bundled",
            [("measure/usa-jpn-24-percent-rate", "2025-07-15", "country/JPN", "country/USA", "24", "2025-07", "")],
        ),
        ({"date": "2025-06-30", "country": "JPN"}, "bundled", []),
        ({"date": "2025-07-01", "country": "GBR"}, "bundled", []),
        # The sample's 15% baseline runs 2025-08-01 to December 2025; the UK is exempt until 2025-09-30.
        ({"date": "2025-09-30", "country": "GBR"}, "sample", []),
        (
            {"date": "2025-10-01", "country": "GBR"},
            "sample",
            [("measure/test-baseline", "2025-10-01", "country/GBR", "country/USA", "15", "2025-08-01", "2025-12")],
        ),
        (
            {"date": "2025-12-31", "country": "CAN"},
            "sample",
            [("measure/test-baseline", "2025-12-31", "country/CAN", "country/USA", "15", "2025-08-01", "2025-12")],
        ),
        ({"date": "2026-01-01", "country": "CAN"}, "sample", []),
    ],
    "exemptions-of-measure": [
        (
            {"measure": ID + "measure/usa-blanket-tariff"},
            "bundled",
            [
                (
                    "measure/usa-blanket-tariff",
                    f"exemption/usa-blanket-tariff-{code.lower()}",
                    f"country/{code}",
                    "",
                    "",
                    "",
                    "",
                    "",
                )
                for code in ("CAN", "CHN", "MEX")
            ],
        ),
        ({"measure": "id:measure/usa-auto-tariff"}, "bundled", []),
    ],
    "measures-by-legal-basis": [
        ({}, "bundled", []),
        (
            {},
            "sample",
            [
                (
                    "instrument/test-order-1",
                    "TO 1",
                    "2025-04-02",
                    "exemption/test-baseline-gbr",
                    "exemption",
                    "country/USA",
                    "",
                ),
                (
                    "instrument/test-order-1",
                    "TO 1",
                    "2025-04-02",
                    "measure/test-baseline",
                    "measure",
                    "country/USA",
                    "9903.99.01",
                ),
            ],
        ),
    ],
    "proposals-by-country": [
        ({"country": "JPN"}, "bundled", PROPOSAL_ROWS),
        ({"country": "USA"}, "bundled", []),
    ],
    "officials": [
        (
            {"country": "JPN"},
            "bundled",
            [
                ("official/ryosei-akazawa", "country/JPN", "post", "post/jpn-chief-trade-negotiator", "", ""),
                ("official/ryosei-akazawa", "country/JPN", "post", "post/jpn-minister-economic-revitalization", "", ""),
                (
                    "official/ryosei-akazawa",
                    "country/JPN",
                    "meeting",
                    "event/usa-jpn-trade-talks-round-2",
                    "2025-05-01",
                    "tkg:held",
                ),
                (
                    "official/ryosei-akazawa",
                    "country/JPN",
                    "meeting",
                    "event/usa-jpn-trade-talks-round-3",
                    "",
                    "tkg:planned",
                ),
            ],
        ),
        (
            {"country": "USA"},
            "bundled",
            [
                ("official/donald-trump", "country/USA", "post", "post/usa-president", "", ""),
                ("official/scott-bessent", "country/USA", "post", "post/usa-secretary-of-the-treasury", "", ""),
                (
                    "official/scott-bessent",
                    "country/USA",
                    "meeting",
                    "event/usa-jpn-trade-talks-round-2",
                    "2025-05-01",
                    "tkg:held",
                ),
            ],
        ),
    ],
    "negotiation-timeline": [
        (
            {"negotiation": ID + TALKS},
            "bundled",
            [
                (
                    TALKS,
                    "2025-05-01",
                    "round",
                    "event/usa-jpn-trade-talks-round-2",
                    "2",
                    "tkg:held",
                    "No resolution was reached.",
                ),
                (TALKS, "", "round", "event/usa-jpn-trade-talks-round-3", "3", "tkg:planned", ""),
                (TALKS, "", "proposal", "proposal/jpn-usa-automobile-inspection-standards", "", "tkg:ongoing", ""),
                (TALKS, "", "proposal", "proposal/jpn-usa-corn-soybean-imports", "", "tkg:ongoing", ""),
                (TALKS, "", "proposal", "proposal/jpn-usa-joint-shipbuilding-technology", "", "tkg:ongoing", ""),
            ],
        ),
    ],
    "agreements": [
        (
            {"country": "GBR"},
            "bundled",
            [
                (
                    "agreement/usa-gbr-trade-deal",
                    "country/GBR",
                    "agreement",
                    "",
                    "",
                    "",
                    "tkg:concluded",
                    "",
                    "GBR, USA",
                ),
            ],
        ),
        (
            {"country": "CHN"},
            "bundled",
            [
                (
                    "agreement/usa-chn-truce",
                    "country/CHN",
                    "truce",
                    "",
                    "",
                    "",
                    "tkg:concluded",
                    "Eased trade tensions and boosted global markets.",
                    "CHN, USA",
                ),
            ],
        ),
        ({"country": "JPN"}, "bundled", []),
    ],
    "highest-rates": [
        (
            {},
            "bundled",
            [
                ("country/JPN", "25", AUTO, "country/USA"),
                ("country/GBR", "10", "measure/usa-blanket-tariff", "country/USA"),
            ],
        ),
        ({"imposer": "JPN"}, "bundled", []),
    ],
    "company-impacts": [
        (
            {"country": "JPN"},
            "bundled",
            [
                (
                    "company/mazda",
                    "country/JPN",
                    "tkg:netProfit",
                    "-45.1",
                    "2025-03",
                    "FY2026",
                    AUTO,
                    "result/mazda-net-profit-fy-to-2025-03",
                ),
            ],
        ),
        ({"country": "USA"}, "bundled", []),
    ],
    "single-source-facts": [
        ({"class": TARIFF_CLASS}, "bundled", SINGLE_SOURCE_TARIFFS),
        (
            {"class": "tkg:Country"},
            "sample",
            [(f"country/{code}", "tkg:Country", ARTICLE, "") for code in ("CAN", "CHN", "GBR", "MEX", "USA")],
        ),
    ],
    "country-profile": [
        (
            {"country": "GBR"},
            "bundled",
            [
                ("country/GBR", "in", "tkg:party", "agreement/usa-gbr-trade-deal"),
                ("country/GBR", "out", "http://www.w3.org/2000/01/rdf-schema#label", "United Kingdom"),
                ("country/GBR", "out", "http://www.w3.org/2002/07/owl#sameAs", "http://www.wikidata.org/entity/Q145"),
                ("country/GBR", "out", "http://www.w3.org/ns/prov#wasDerivedFrom", ARTICLE),
                ("country/GBR", "out", "tkg:iso3166Alpha3", "GBR"),
            ],
        ),
    ],
}


@pytest.fixture(scope="module")
def sample_store() -> TradeStore:
    """The bundled graph plus the legal-basis sample."""
    return open_store(data_files=[*bundled_data_files(), SAMPLE])


def text(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return term.value.replace(ID, "").replace(TKG, "tkg:")
    return term.value


def answer_rows(store: TradeStore, name: str, params: dict[str, str]) -> list[tuple[str, ...]]:
    answer = CATALOG[name].run(store, params)
    variables = [variable.value for variable in answer.variables]
    rows = []
    for solution in answer:
        rows.append(
            tuple(
                ", ".join(sorted(text(solution[v]).split(", "))) if v in SET_COLUMNS else text(solution[v])
                for v in variables
            )
        )
    return rows


CASES = [
    pytest.param(name, params, data, rows, id=f"{name}-{index}")
    for name, cases in EXPECTED.items()
    for index, (params, data, rows) in enumerate(cases)
]


@pytest.mark.parametrize(("name", "params", "data", "expected"), CASES)
def test_named_query_answers(bundled_store, sample_store, name, params, data, expected) -> None:
    store = bundled_store if data == "bundled" else sample_store
    assert answer_rows(store, name, params) == expected


def test_every_named_query_is_exercised() -> None:
    untested = sorted(set(CATALOG) - set(EXPECTED))
    assert not untested, f"named queries without expected rows in {__file__}: {untested}"
    assert not set(EXPECTED) - set(CATALOG), "EXPECTED names a query that no longer exists"
    for name, cases in EXPECTED.items():
        assert any(rows for _, _, rows in cases), f"{name}: no case expects a row, so the test cannot fail usefully"


def test_each_query_answers_its_own_example(bundled_store) -> None:
    for query in CATALOG.values():
        examples = {param.name: param.example for param in query.params if param.example}
        assert isinstance(query.run(bundled_store, examples), ox.QuerySolutions)
