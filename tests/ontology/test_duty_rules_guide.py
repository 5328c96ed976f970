"""The curators' guide to duty rules (docs/duty-rules.md): its Turtle examples parse and conform to the shapes."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, URIRef

from tradekg.gate.validate import validate_graph
from tradekg.ontology.vocab import TKG

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "duty-rules.md"


def guide_graph() -> Graph:
    """Parse every ```turtle block of the guide, the first block's prefixes in front of each."""
    blocks = re.findall(r"```turtle\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 10
    prefixes = "".join(line + "\n" for line in blocks[0].splitlines() if line.startswith("@prefix"))
    graph = Graph()
    for block in blocks:
        graph.parse(data=prefixes + block, format="turtle")
    return graph


def test_guide_examples_conform() -> None:
    report = validate_graph(guide_graph())
    assert report.conforms, report.to_text()


def test_guide_shows_every_duty_rule_term() -> None:
    used = {term for triple in guide_graph() for term in triple if isinstance(term, URIRef)}
    for name in (
        "Statute", "statutoryBasis", "Programme", "inProgramme", "exemptionFromProgramme", "StackingRule",
        "prevailing", "displaced", "forGoodsOf", "rateBasis", "allInRate", "TariffRateQuota", "quotaQuantity",
        "inQuotaMeasure", "overQuotaMeasure", "includesHS", "includesHSRange", "excludesHS", "qualification",
        "MFNRate", "rateFor", "mfnRatePercent", "partialExemption", "establishes", "modifies", "StatusPeriod",
        "statusOf",
    ):  # fmt: skip
        assert TKG[name] in used, name
