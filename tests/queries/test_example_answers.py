"""Each named query's example answer (``answer`` in its ``#+`` header) agrees with what the query answers live.

The answer is prose about the query run with its example parameters. Every date (YYYY-MM-DD) and every rate
(N%) it names must be in the live answer: a date among the values, a rate as a value (its absolute value: "down
45.1%" is -45.1) or written in a value or in the label of a resource the answer names ("US 25% auto tariff").
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from tradekg.queries.catalog import NamedQuery, load_catalog
from tradekg.store.interface import TradeStore

CATALOG = load_catalog()
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
RATE = re.compile(r"(\d+(?:\.\d+)?)%")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def live_texts(store: TradeStore, query: NamedQuery) -> set[str]:
    """The values of the live answer with its example parameters, and the labels of the resources in it."""
    examples = {param.name: param.example for param in query.params if param.example}
    texts: set[str] = set()
    iris: set[str] = set()
    for solution in query.run(store, examples):
        for term in solution:
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif term is not None:
                texts.add(term.value)
    for iri in iris:
        texts |= {str(row["l"]) for row in store.select(f"SELECT ?l WHERE {{ <{iri}> rdfs:label ?l }}")}
    return texts


def missing_from(answer: str, texts: set[str]) -> list[str]:
    numbers = {abs(float(text)) for text in texts if NUMBER.fullmatch(text)}
    missing = [date for date in DATE.findall(answer) if not any(date in text for text in texts)]
    for rate in RATE.findall(answer):
        if float(rate) not in numbers and not any(f"{rate}%" in text for text in texts):
            missing.append(f"{rate}%")
    return missing


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_the_example_answer_agrees_with_the_live_answer(bundled_store, name):
    query = CATALOG[name]
    assert missing_from(query.answer, live_texts(bundled_store, query)) == [], (
        f"{name}: its header's answer names what the query does not answer with its example parameters"
    )


def test_the_check_catches_an_answer_that_says_something_else():
    assert missing_from("Rates of 25% from 2025-04-03.", {"25", "2025-04-03"}) == []
    assert missing_from("Only 6% from 2025-01-01.", {"25", "2025-04-03", "US 25% tariff"}) == ["2025-01-01", "6%"]
    assert missing_from("Down 45.1%, under the US 25% auto tariff.", {"-45.1", "US 25% auto tariff"}) == []
