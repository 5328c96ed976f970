"""highest-rates reads no dates: an ended or future tariff counts, and an exemption takes its country out whatever
its dates, as the query's header says. Only a whole-country exemption does; one limited to products does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradekg.graph.load import open_store
from tradekg.queries.catalog import load_catalog
from tradekg.store.interface import TradeStore

ID = "https://w3id.org/tradekg/id/"

DATA = """
@prefix tkg: <https://w3id.org/tradekg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id:  <https://w3id.org/tradekg/id/> .

id:graph\\/dates-test {
    id:country\\/USA a tkg:Country .
    id:country\\/FRA a tkg:Country .
    id:country\\/DEU a tkg:Country .
    id:country\\/ITA a tkg:Country .

    # Ended in 2020: still the highest rate ever announced against every country but the exempt one.
    id:measure\\/ended-40 a tkg:Tariff ;
        tkg:imposedBy id:country\\/USA ;
        tkg:appliesToAll true ;
        tkg:ratePercent 40 ;
        tkg:effectiveFrom "2020-01-01"^^xsd:date ;
        tkg:effectiveUntil "2020-12-31"^^xsd:date .

    # Germany's exemption only starts in 2099, yet it takes Germany out of the tariff.
    id:exemption\\/ended-40-deu a tkg:Exemption ;
        tkg:exemptionFrom id:measure\\/ended-40 ;
        tkg:exemptCountry id:country\\/DEU ;
        tkg:effectiveFrom "2099-01-01"^^xsd:date .

    # Italy's exemption is limited to one product, so Italy still faces the tariff.
    id:exemption\\/ended-40-ita-wine a tkg:Exemption ;
        tkg:exemptionFrom id:measure\\/ended-40 ;
        tkg:exemptCountry id:country\\/ITA ;
        tkg:exemptProduct id:product\\/wine .

    # Announced for 2099: counts, but below the 40%.
    id:measure\\/future-30-fra a tkg:Tariff ;
        tkg:imposedBy id:country\\/USA ;
        tkg:appliesTo id:country\\/FRA ;
        tkg:ratePercent 30 ;
        tkg:effectiveFrom "2099-01-01"^^xsd:date .

    id:measure\\/deu-5 a tkg:Tariff ;
        tkg:imposedBy id:country\\/USA ;
        tkg:appliesTo id:country\\/DEU ;
        tkg:ratePercent 5 .
}
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> TradeStore:
    path = Path(tmp_path_factory.mktemp("highest-rates")) / "dates.trig"
    path.write_text(DATA, encoding="utf-8")
    return open_store(data_files=[path], validate=False)


def test_highest_rates_read_no_dates(store: TradeStore) -> None:
    rows = [
        (
            row["country"].value.removeprefix(ID),
            row["rate"].value,
            row["tariff"].value.removeprefix(ID),
        )
        for row in load_catalog()["highest-rates"].run(store, {"imposer": "USA"})
    ]
    assert rows == [
        ("country/FRA", "40", "measure/ended-40"),
        ("country/ITA", "40", "measure/ended-40"),
        ("country/DEU", "5", "measure/deu-5"),
    ]
