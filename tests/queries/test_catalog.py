"""The catalog loader: every header and query checked at start-up, parameters bound as RDF terms."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from tradekg.queries.catalog import CatalogError, ParamError, catalog_markdown, load_catalog, load_query
from tradekg.server import create_app

ROOT = Path(__file__).resolve().parents[2]
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
XSD_DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")
XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
GOOD = """\
#+ summary: Countries by code
#+ description: Every country and its code.
#+ answer: Six countries.
#+ params:
#+   - name: code
#+     type: string
#+     description: An ISO code written as text.
#+     example: JPN
SELECT ?country ?code WHERE { ?country tkg:iso3166Alpha3 ?code }
"""


def write(tmp_path: Path, text: str, name: str = "sample-query") -> Path:
    path = tmp_path / f"{name}.rq"
    path.write_text(text)
    return path


def test_the_bundled_catalog_loads_and_is_documented() -> None:
    catalog = load_catalog()
    assert len(catalog) >= 12
    for query in catalog.values():
        assert query.summary and query.description and query.answer, query.name
        assert query.variables, query.name
        for param in query.params:
            assert param.description, (query.name, param.name)
            assert param.example or param.default, (query.name, param.name)


def test_a_good_file_loads(tmp_path: Path) -> None:
    query = load_query(write(tmp_path, GOOD))
    assert query.name == "sample-query"
    assert query.view == "table"
    assert query.variables == ("country", "code")
    assert query.params[0].type == "string"


BROKEN = [
    (GOOD.replace("#+ summary: Countries by code\n", ""), "'summary' is missing"),
    (GOOD.replace("#+     description: An ISO code written as text.\n", ""), "'description' is missing"),
    (GOOD.replace("{ ?country", "{ ?country ?"), "does not parse"),
    (GOOD.replace("SELECT ?country ?code WHERE", "CONSTRUCT { ?country a ?code } WHERE"), "must be a SELECT"),
    (GOOD.replace("#+ answer:", "#+ colour: blue\n#+ answer:"), "unknown header keys ['colour']"),
    (GOOD.replace("#+ answer:", "#+ view: timeline\n#+ answer:"), "needs the query to project ?date"),
    (GOOD.replace("#+ answer:", "#+ view: pie\n#+ answer:"), "'view' must be one of"),
    (GOOD.replace("type: string", "type: float"), "'type' must be one of"),
    (GOOD.replace("name: code", "name: limit"), "reserved"),
    (GOOD.replace("type: string", "type: country").replace("example: JPN", "example: XXX"), "example is not valid"),
    (GOOD.replace("SELECT ?country ?code WHERE", "SELECT ?country WHERE"), "cannot run"),
    (GOOD.replace("#+ summary: Countries by code", "#+ summary: [unclosed"), "not valid YAML"),
    ("SELECT * WHERE { ?s ?p ?o }\n", "no '#+' YAML header"),
]


@pytest.mark.parametrize(("text", "problem"), BROKEN)
def test_a_broken_file_is_refused_naming_the_file(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CatalogError) as raised:
        load_catalog(tmp_path)
    assert str(raised.value).startswith(str(path))
    assert problem in str(raised.value)


def test_a_bad_file_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="lower-case words"):
        load_query(write(tmp_path, GOOD, name="Bad_Name"))


def test_the_application_refuses_to_start_on_a_broken_query(bundled_store, tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("#+ summary: Countries by code\n", ""))
    with pytest.raises(CatalogError, match="sample-query.rq"):
        create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store, "TRADEKG_QUERIES_DIR": str(tmp_path)})


def test_parameters_become_rdf_terms() -> None:
    catalog = load_catalog()
    assert catalog["tariffs-in-force"].bind({"date": "2025-07-15", "country": "jpn"}) == {
        "date": Literal("2025-07-15", datatype=XSD_DATE),
        "country": URIRef("https://w3id.org/tradekg/id/country/JPN"),
    }
    measure = catalog["exemptions-of-measure"].bind({"measure": "id:measure/usa-blanket-tariff"})
    assert measure == {"measure": URIRef("https://w3id.org/tradekg/id/measure/usa-blanket-tariff")}
    assert catalog["highest-rates"].bind({}) == {"imposer": URIRef("https://w3id.org/tradekg/id/country/USA")}
    assert catalog["officials"].bind({"country": ""}) == {}


@pytest.mark.parametrize("given", ["JPN", "jpn", "JP", "Japan", "japan"])
def test_country_parameters_take_codes_and_names(given: str) -> None:
    bindings = load_catalog()["tariffs-in-force"].bind({"date": "2025-07-15", "country": given})
    assert str(bindings["country"]) == "https://w3id.org/tradekg/id/country/JPN"


def test_iri_parameters_with_a_class_offer_its_resources(bundled_store) -> None:
    from tradekg.queries.choices import param_choices

    catalog = load_catalog()
    measures = param_choices(bundled_store, catalog["exemptions-of-measure"].param("measure"))
    blanket = next(c for c in measures if c.value == "measure:usa-blanket-tariff")
    assert blanket.label == "US 10% blanket tariff"
    assert catalog["exemptions-of-measure"].bind({"measure": blanket.value})  # a picked value is accepted
    countries = param_choices(bundled_store, catalog["tariffs-in-force"].param("country"))
    assert len(countries) >= 249 and next(c for c in countries if c.value == "JPN").label == "Japan"
    assert param_choices(bundled_store, catalog["tariffs-in-force"].param("date")) == []


@pytest.mark.parametrize(
    ("name", "values", "problem"),
    [
        ("tariffs-in-force", {"country": "JPN"}, "'date': required"),
        ("tariffs-in-force", {"date": "2025-02-30", "country": "JPN"}, "not a date"),
        ("tariffs-in-force", {"date": "2025-07-15", "country": "ZZZ"}, "not an ISO 3166-1 code"),
        ("tariffs-in-force", {"date": "2025-07-15", "country": "Korea"}, "or a country's name"),  # which one?
        ("tariffs-in-force", {"date": "2025-07-15", "country": '"} ; DROP ALL ; {"'}, "not an ISO 3166-1"),
        ("exemptions-of-measure", {"measure": "<http://a> } ; DROP ALL"}, "not an absolute IRI"),
        ("exemptions-of-measure", {"measure": "http://example.org/a b"}, "not a valid IRI"),
        ("exemptions-of-measure", {"measure": 'http://x/"}'}, "not a valid IRI"),
        ("officials", {"nation": "JPN"}, "takes no such parameter"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(name: str, values: dict[str, str], problem: str) -> None:
    with pytest.raises(ParamError) as raised:
        load_catalog()[name].bind(values)
    assert problem in str(raised.value)


def test_typed_values_of_every_kind(tmp_path: Path) -> None:
    text = GOOD.replace(
        "#+     example: JPN\n",
        "#+     example: JPN\n"
        "#+   - {name: rate, type: decimal, description: A rate., default: '7.5'}\n"
        "#+   - {name: round, type: integer, description: A round., default: '2'}\n",
    ).replace("SELECT ?country ?code", "SELECT ?country ?code ?rate ?round")
    query = load_query(write(tmp_path, text))
    bound = query.bind({"rate": "24", "round": "3"})
    assert bound["rate"] == Literal("24", datatype=XSD_DECIMAL)
    assert bound["round"] == Literal("3", datatype=XSD_INTEGER)
    with pytest.raises(ParamError, match="not a decimal"):
        query.bind({"rate": "1e5; DROP"})
    with pytest.raises(ParamError, match="not an integer"):
        query.bind({"round": "2.5"})


def test_a_string_value_cannot_change_the_query(bundled_store, tmp_path: Path) -> None:
    query = load_query(write(tmp_path, GOOD))
    before = len(bundled_store)
    for hostile in ['"} ; DROP ALL ; {"', "JPN' } UNION { ?country ?p ?code } #", 'JPN" . } #']:
        assert list(query.run(bundled_store, {"code": hostile})) == []
    # Japan's code is stated by two sources (the seed article and ISO 3166), so it may come once per graph.
    assert {row["country"].value for row in query.run(bundled_store, {"code": "JPN"})} == {
        "https://w3id.org/tradekg/id/country/JPN"
    }
    assert len(bundled_store) == before


def test_readme_lists_every_named_query() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Named queries" in readme
    section = readme.split("## Named queries", 1)[1]
    assert catalog_markdown(load_catalog()) in section, "regenerate with: python -m tradekg.queries.catalog"
