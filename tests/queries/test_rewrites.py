"""Rewritten named queries answer exactly as the texts they replace.

Some named queries were rewritten for speed at 10^6 quads (benchmarks/README.md, "Named queries at 10^6 quads").
The texts they replace are kept in ``tests/queries/data/before/``; each is run beside the catalog's text, with the
same parameters, on the bundled graph and on the bundled graph with a small generated graph added (the shape of
the benchmark's graphs). The answers must be the same multiset of rows, and where the query sorts, the same
sequence of the values it sorts by.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox
import pytest

from benchmarks.generate import Generator
from tradekg.queries.catalog import NamedQuery, load_catalog, load_query
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore

BEFORE = Path(__file__).parent / "data" / "before"
CATALOG = load_catalog()
GENERATED_MEASURES = 400
"""Measures of the generated graph added to the bundled one (about 9,000 quads, 100 countries)."""
GENERATED_EVERY = {"duties-in-force-on-date": 6}
"""On the generated graph, every sixth parameter set of these (their replaced texts are slow there), every second
of the others."""

DATES = ("2025-01-01", "2025-03-13", "2025-04-05", "2025-05-15", "2025-06-30", "2025-07-15", "2025-10-01", "2022-06-30")
COUNTRIES = ("JPN", "CAN", "MEX", "CHN", "GBR", "USA", "KOR", "VNM")
PRODUCTS = ("automobiles", "auto-parts", "steel", "aluminum", "energy", "aerospace", "potash", "hs-0123")


def duties_parameters() -> Iterator[dict[str, str]]:
    """A spread of dates, countries and products: every date twice, each country and product in turn (16 sets).

    The replaced text takes about a tenth of a second per set on the bundled graph: few sets keep the test fast.
    """
    for index, date in enumerate(DATES):
        for step in range(2):
            country = COUNTRIES[(index + step * 3) % len(COUNTRIES)]
            product = PRODUCTS[(index * 3 + step) % len(PRODUCTS)]
            yield {"date": date, "country": country, "product": f"https://w3id.org/tradekg/id/product/{product}"}


PARAMETERS: dict[str, list[dict[str, str]]] = {
    "duties-in-force-on-date": list(duties_parameters()),
    "highest-rates": [{"imposer": code} for code in ("USA", "CHN", "CAN", "JPN", "KOR", "IND", "GBR", "BRA")],
    "negotiation-timeline": [
        {"negotiation": f"https://w3id.org/tradekg/id/negotiation/{slug}"}
        for slug in ("usa-jpn-trade-talks", "n0", "n1", "usa-chn-trade-talks")
    ]
    + [{"negotiation": ""}],
    "officials": [{"country": code} for code in ("JPN", "USA", "CHN", "", "KOR", "GBR")],
    "proposals-by-country": [{"country": code} for code in ("JPN", "USA", "", "CHN", "KOR", "IND")],
    "tariffs-without-exemptions": [{"country": code} for code in ("JPN", "CAN", "GBR", "", "KOR", "ABW")],
}


def rewritten() -> list[str]:
    return sorted(path.stem for path in BEFORE.glob("*.rq"))


@pytest.fixture(scope="module")
def generated_store(bundled_graph_only: OxigraphStore) -> TradeStore:
    """The bundled graph with a generated graph of GENERATED_MEASURES measures added."""
    store = bundled_graph_only.copy_in_memory()
    text = "".join(Generator(GENERATED_MEASURES, seed=1).quads())
    with store.writing():
        store.apply((), list(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS)))
    return store


def answer(query: NamedQuery, store: TradeStore, values: Mapping[str, str]) -> list[tuple[str, ...]]:
    """The rows in the order the store returns them, each term as N-Triples text ("" when unbound)."""
    return [tuple("" if term is None else str(term) for term in row) for row in query.run(store, values)]


def sort_keys(query: NamedQuery) -> list[int]:
    """The positions of the projected variables the query's ORDER BY names."""
    order = query.sparql.upper().rpartition("ORDER BY")[2] if "ORDER BY" in query.sparql.upper() else ""
    names = re.findall(r"[?$](\w+)", query.sparql[len(query.sparql) - len(order) :]) if order else []
    return [query.variables.index(name) for name in dict.fromkeys(names) if name in query.variables]


def test_every_rewritten_query_has_parameters_to_compare() -> None:
    assert rewritten(), "no texts in tests/queries/data/before"
    for name in rewritten():
        assert name in CATALOG, f"{name}.rq in data/before names no query of the catalog"
        assert name in PARAMETERS or not CATALOG[name].params, f"{name}: add its parameter sets to PARAMETERS"


@pytest.mark.parametrize("name", rewritten())
@pytest.mark.parametrize("data", ["bundled", "generated"])
def test_the_rewritten_text_answers_as_the_text_it_replaces(
    name: str, data: str, bundled_store: TradeStore, generated_store: TradeStore
) -> None:
    store = bundled_store if data == "bundled" else generated_store
    new, old = CATALOG[name], load_query(BEFORE / f"{name}.rq")
    assert new.variables == old.variables
    keys = sort_keys(new)
    nonempty = 0
    sets = PARAMETERS.get(name, [{}])
    for values in sets if data == "bundled" else sets[:: GENERATED_EVERY.get(name, 2)]:
        before, after = answer(old, store, values), answer(new, store, values)
        assert Counter(after) == Counter(before), f"{name} {values}: different rows"
        assert [tuple(row[k] for k in keys) for row in after] == [tuple(row[k] for k in keys) for row in before]
        nonempty += bool(before)
    assert nonempty, f"{name}: every parameter set answered nothing on the {data} graph; the comparison shows nothing"
