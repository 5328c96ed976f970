"""Kept answers after random writes equal answers computed from scratch on the same store state.

Random sequences of writes (hypothesis, bounded) on the bundled graph: a measure's rate, a node's label, a new
tariff of one of four importers on one country or on all, an exemption, a measure's importer changed, a measure
deleted, a fact no view reads; a second importer for a measure (shared by several), a stacking rule, a measure put
in a programme, an exemption from a programme, a suspension, a measure put on all countries, a country's numeric
code or label, an MFN rate (named or blank), a quota's quantity, and a new subclass of tariff given to a measure
with MFN rates made trade measures (changes to the class hierarchy). Every view is first computed (so it is
kept), then after each write the kept answers are compared with answers computed on a copy of the store, which
keeps nothing: each importer's rule book, the duty on all goods, a country's view, the map, and the rendered
country and measure pages (their domain views and their generic "All facts" and "Links here") and map. Two
explicit sequences go through every kind of write, so that each run checks the importers' books patched after a
write (:mod:`tradekg.views.own_updates`) against books read from scratch for each of them.
"""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tradekg.duty.calculator import Goods, calculate
from tradekg.duty.rules import load_rules
from tradekg.server import create_app
from tradekg.store.embedded import OxigraphStore
from tradekg.views.country import country_view
from tradekg.views.facts import Ref
from tradekg.views.kept import kept_count
from tradekg.views.rule_books import rule_book
from tradekg.views.worldmap import all_goods_duty, duty_map

ID = "https://w3id.org/tradekg/id/"
TKG = "https://w3id.org/tradekg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
GRAPH = ox.NamedNode(ID + "graph/test-kept-differential")
IMPORTERS = ("USA", "CHN", "CAN", "JPN")
ORIGINS = ("JPN", "CHN", "MEX", "ABW")
DAY = dt.date(2025, 5, 15)
MEASURES = (
    "usa-steel-tariff",
    "usa-auto-tariff",
    "usa-blanket-tariff",
    "usa-auto-parts-tariff",
    "usa-aluminum-tariff-50",
    "usa-reciprocal-jpn",
    "usa-gbr-autos-quota",
    "usa-chn-geneva-suspension",
    "usa-fentanyl-chn",
)
PROGRAMMES = ("steel-232", "reciprocal", "fentanyl-chn")
QUOTA = ID + "measure/usa-gbr-autos-quota"
MFN_RATE = ID + "mfn/usa-8703"


def tkg(name: str) -> ox.NamedNode:
    return ox.NamedNode(TKG + name)


def country(code: str) -> ox.NamedNode:
    return ox.NamedNode(f"{ID}country/{code}")


def decimal(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))


def day(text: str) -> ox.Literal:
    return ox.Literal(text, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))


WRITES = st.one_of(
    st.tuples(st.just("rate"), st.integers(0, 99), st.integers(1, 90)),
    st.tuples(st.just("label"), st.integers(0, 99), st.sampled_from(["Renamed", "Another name"])),
    st.tuples(st.just("new"), st.sampled_from(IMPORTERS), st.sampled_from((*ORIGINS, "all")), st.integers(1, 60)),
    st.tuples(st.just("exempt"), st.integers(0, 99), st.sampled_from(ORIGINS)),
    st.tuples(st.just("imposer"), st.integers(0, 99), st.sampled_from(IMPORTERS)),
    st.tuples(st.just("delete"), st.integers(0, 99), st.just(0)),
    st.tuples(st.just("comment"), st.integers(0, 99), st.just(0)),
    st.tuples(st.just("also"), st.integers(0, 99), st.sampled_from(IMPORTERS)),
    st.tuples(st.just("stack"), st.integers(0, 99), st.integers(0, 99), st.sampled_from(ORIGINS)),
    st.tuples(st.just("programme"), st.integers(0, 99), st.sampled_from(PROGRAMMES)),
    st.tuples(st.just("progexempt"), st.sampled_from(PROGRAMMES), st.sampled_from(ORIGINS)),
    st.tuples(st.just("suspend"), st.integers(0, 99), st.sampled_from(ORIGINS)),
    st.tuples(st.just("everyone"), st.integers(0, 99), st.just(0)),
    st.tuples(st.just("country"), st.sampled_from(ORIGINS), st.integers(0, 2)),
    st.tuples(st.just("mfn"), st.sampled_from(IMPORTERS), st.booleans()),
    st.tuples(st.just("quota"), st.integers(1, 99), st.just(0)),
    st.tuples(st.just("mfnrate"), st.integers(1, 99), st.just(0)),
    st.tuples(st.just("subclass"), st.integers(0, 99), st.just(0)),
)
SHARED_AND_MOVED = [  # Japan's new tariff, shared with the USA, changed, moved to Canada, deleted; MFN rates
    ("new", "JPN", "CHN", 12),
    ("also", len(MEASURES), "USA"),
    ("rate", len(MEASURES), 33),
    ("imposer", len(MEASURES), "CAN"),
    ("mfn", "JPN", True),
    ("mfn", "CAN", False),
    ("delete", len(MEASURES), 0),
    ("mfnrate", 7, 0),
]
RULES_AND_COUNTRIES = [  # what every importer shares, countries, a quota, the class hierarchy
    ("stack", 5, 0, "JPN"),
    ("programme", 1, "steel-232"),
    ("progexempt", "steel-232", "JPN"),
    ("suspend", 5, "JPN"),
    ("everyone", 0, 0),
    ("country", "JPN", 1),
    ("quota", 40, 0),
    ("subclass", 7, 0),
]


def _facts_of(number: int, kind: str, first: object, second: object) -> list[tuple[ox.NamedNode, ox.Term]]:
    """The facts of a new stacking rule, exemption from a programme, suspension or MFN rate (number ``number``)."""
    if kind == "stack":
        prevailing, displaced, origin = first
        return [
            (RDF_TYPE, tkg("StackingRule")),
            (LABEL, ox.Literal(f"Test rule {number}", language="en")),
            (tkg("prevailing"), prevailing),
            (tkg("displaced"), displaced),
            (tkg("forGoodsOf"), country(origin)),
            (tkg("effectiveFrom"), day("2025-01-01")),
        ]
    if kind == "progexempt":
        return [
            (RDF_TYPE, tkg("Exemption")),
            (LABEL, ox.Literal(f"Test programme exemption {number}", language="en")),
            (tkg("exemptionFromProgramme"), ox.NamedNode(f"{ID}programme/{first}")),
            (tkg("exemptCountry"), country(str(second))),
            (tkg("effectiveFrom"), day("2025-01-01")),
        ]
    if kind == "suspend":
        return [
            (RDF_TYPE, tkg("Suspension")),
            (LABEL, ox.Literal(f"Test suspension {number}", language="en")),
            (tkg("imposedBy"), country("USA")),
            (tkg("suspends"), first),
            (tkg("appliesTo"), country(str(second))),
            (tkg("effectiveFrom"), day("2025-02-01")),
        ]
    return [  # an MFN rate
        (RDF_TYPE, tkg("MFNRate")),
        (LABEL, ox.Literal(f"Test MFN rate {number}", language="en")),
        (tkg("imposedBy"), country(str(first))),
        (tkg("rateFor"), ox.NamedNode(ID + "hs/8703")),
        (tkg("mfnRatePercent"), decimal(number + 1)),
        (ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom"), ox.NamedNode(ID + "source/usitc-hts-2025-rev-10")),
    ]


def _named(store: OxigraphStore, subject: ox.NamedNode, p: ox.NamedNode | None) -> list[ox.Quad]:
    """The quads of ``subject`` (with ``p``) in named graphs (the default graph is their union)."""
    return [q for q in store.quads_for_pattern(subject, p, None) if not isinstance(q.graph_name, ox.DefaultGraph)]


def _new_node(kind: str, write: tuple, measures: list[str], number: int) -> list[ox.Quad]:
    """The quads of a new node: a stacking rule, an exemption from a programme, a suspension, an MFN rate."""
    pick = [ox.NamedNode(measures[i % len(measures)]) for i in write[1:3] if isinstance(i, int)]
    if kind == "stack":
        facts = _facts_of(number, kind, (pick[0], pick[1], write[3]), None)
    elif kind == "suspend":
        facts = _facts_of(number, kind, pick[0], write[2])
    else:
        facts = _facts_of(number, kind, write[1], write[2])
    subject: ox.NamedNode | ox.BlankNode = ox.NamedNode(f"{ID}test-kept/{kind}-{number}")
    if kind == "mfn" and write[2]:
        subject = ox.BlankNode()
    return [ox.Quad(subject, p, o, GRAPH) for p, o in facts]


def _changed_fact(store: OxigraphStore, write: tuple, measures: list[str], number: int) -> tuple[list, list]:
    """The quads removed and added by a write changing one fact of a measure, a country, a quota or an MFN rate."""
    kind, first, second = write[0], write[1], write[2]
    subject = ox.NamedNode(measures[first % len(measures)]) if isinstance(first, int) else country(str(first))
    if kind == "country":
        p = (tkg("iso3166Numeric"), tkg("iso3166Numeric"), LABEL)[second]
        value: ox.Term = ox.Literal("999") if second == 1 else ox.Literal(f"Land {number}", language="en")
        removed = _named(store, subject, p) if second < 2 else []
        return removed, ([] if second == 0 else [ox.Quad(subject, p, value, GRAPH)])
    if kind in ("quota", "mfnrate"):
        subject = ox.NamedNode(QUOTA if kind == "quota" else MFN_RATE)
        p = tkg("quotaQuantity" if kind == "quota" else "mfnRatePercent")
        value = decimal(first * 1000) if kind == "quota" else decimal(first)
        return _named(store, subject, p), [ox.Quad(subject, p, value, GRAPH)]
    if kind == "everyone":
        return [], [ox.Quad(subject, tkg("appliesToAll"), ox.Literal(True), GRAPH)]
    if kind == "also":
        return [], [ox.Quad(subject, tkg("imposedBy"), country(str(second)), GRAPH)]
    if kind == "programme":
        return [], [ox.Quad(subject, tkg("inProgramme"), ox.NamedNode(f"{ID}programme/{second}"), GRAPH)]
    # "subclass": a new subclass of tariff, the measure made one of it instead of its classes, and the MFN rates
    # made trade measures (nodes no write touched change class: the books are read again whole)
    subclass, subclass_of = tkg("TestKeptTariff"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    added = [ox.Quad(subclass, subclass_of, tkg("Tariff"), GRAPH), ox.Quad(subject, RDF_TYPE, subclass, GRAPH)]
    return _named(store, subject, RDF_TYPE), [*added, ox.Quad(tkg("MFNRate"), subclass_of, tkg("TradeMeasure"), GRAPH)]


def _write(store: OxigraphStore, write: tuple, measures: list[str], number: int) -> None:
    """Apply one random write straight to the store (the views follow any committed change set)."""
    kind, first, second = write[0], write[1], write[2]
    added: list[ox.Quad] = []
    removed: list[ox.Quad] = []
    if kind in ("stack", "progexempt", "suspend", "mfn"):
        added = _new_node(kind, write, measures, number)
    elif kind in ("country", "quota", "mfnrate", "everyone", "also", "programme", "subclass"):
        removed, added = _changed_fact(store, write, measures, number)
    elif kind == "new":
        iri = ox.NamedNode(f"{ID}measure/test-kept-{number}")
        facts = [
            (RDF_TYPE, tkg("Tariff")),
            (LABEL, ox.Literal(f"Test tariff {number}", language="en")),
            (tkg("imposedBy"), country(first)),
            (tkg("ratePercent"), decimal(write[3])),
            (tkg("effectiveFrom"), day("2025-04-01")),
        ]
        facts.append(
            (tkg("appliesToAll"), ox.Literal(True)) if second == "all" else (tkg("appliesTo"), country(second))
        )
        added = [ox.Quad(iri, p, o, GRAPH) for p, o in facts]
        measures.append(iri.value)
    else:
        subject = ox.NamedNode(measures[first % len(measures)])
        if kind == "label" and first % 3 == 0:  # a country's or an exemption's label rather than a measure's
            subject = (
                country(ORIGINS[first % len(ORIGINS)])
                if first % 2
                else ox.NamedNode(ID + "exemption/usa-blanket-tariff-mex")
            )
        own = {"rate": "ratePercent", "label": None, "imposer": "imposedBy"}
        if kind in own:
            p = tkg(own[kind]) if own[kind] else LABEL
            removed = _named(store, subject, p)
            if kind == "rate":
                value: ox.Literal | ox.NamedNode = decimal(second)
            elif kind == "imposer":
                value = country(second)
            else:
                value = ox.Literal(f"{second} {number}", language="en")
            added = [ox.Quad(subject, p, value, GRAPH)]
        elif kind == "exempt":
            exemption = ox.NamedNode(f"{ID}exemption/test-kept-{number}")
            facts = [
                (RDF_TYPE, tkg("Exemption")),
                (LABEL, ox.Literal(f"Test exemption {number}", language="en")),
                (tkg("exemptionFrom"), subject),
                (tkg("exemptCountry"), country(second)),
                (tkg("effectiveFrom"), day("2025-01-01")),
            ]
            added = [ox.Quad(exemption, p, o, GRAPH) for p, o in facts]
        elif kind == "delete":
            removed = _named(store, subject, None)
        else:
            added = [ox.Quad(subject, COMMENT, ox.Literal(f"note {number}"), GRAPH)]
    with store.writing():
        store.apply(removed, added)


def _answers(store: OxigraphStore, client: object) -> dict[str, object]:
    """Every kept view the test compares, computed on ``store`` (from memory when kept)."""
    found: dict[str, object] = {}
    for importer in IMPORTERS:
        found[f"book {importer}"] = rule_book(store, importer)
        for origin in ORIGINS:
            found[f"all goods {importer} {origin}"] = all_goods_duty(store, importer, origin, DAY)
    for code in ("JPN", "USA", "CHN"):
        found[f"view {code}"] = country_view(store, f"{ID}country/{code}", DAY).to_json()
    found["map USA"] = duty_map(store, day=DAY, imposer=Ref(f"{ID}country/USA", "United States")).to_json()
    found["map on JPN"] = duty_map(store, day=DAY, target=Ref(f"{ID}country/JPN", "Japan")).to_json()
    pages = (f"/page/country/JPN?date={DAY}", f"/page/country/CHN?date={DAY}", "/page/country/MEX")
    for path in (*pages, "/page/measure/usa-steel-tariff", "/page/measure/usa-blanket-tariff"):
        found[path] = client.get(path).text  # type: ignore[attr-defined]  # the domain view and "All facts"
    found["/map"] = client.get(f"/map?imposer=CHN&date={DAY}").text  # type: ignore[attr-defined]
    return found


def _from_scratch(store: OxigraphStore) -> dict[str, object]:
    """The same answers on a copy of the store, which keeps nothing yet; books and duties read by the calculator."""
    copy = store.copy_in_memory()
    found = _answers(copy, create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": copy}).test_client())
    for importer in IMPORTERS:
        book = load_rules(copy, importer=importer)
        found[f"book {importer}"] = book
        for origin in ORIGINS:
            answer = calculate(book, Goods(origin=origin, hs=None, day=DAY))
            refs = tuple(Ref(str(a["measure"]), str(a["label"])) for a in answer.applied)
            found[f"all goods {importer} {origin}"] = (answer.additional, refs)
    return found


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@settings(
    max_examples=5,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each example takes seconds
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(writes=st.lists(WRITES, min_size=1, max_size=4))
@example(writes=SHARED_AND_MOVED)
@example(writes=RULES_AND_COUNTRIES)
def test_kept_answers_equal_answers_from_scratch_after_random_writes(
    bundled_graph_only: OxigraphStore, writes: list[tuple]
) -> None:
    store = bundled_graph_only.copy_in_memory()
    client = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": store}).test_client()
    measures = [f"{ID}measure/{name}" for name in MEASURES]
    _answers(store, client)  # everything kept
    assert kept_count(store, "rendered view") >= 2 and kept_count(store, "all goods") > 0
    assert kept_count(store, "describe") == 5  # every page's generic part ("All facts", "Links here")
    for number, write in enumerate(writes):
        _write(store, write, measures, number)
        kept, scratch = _answers(store, client), _from_scratch(store)
        for name, answer in scratch.items():
            assert kept[name] == answer, f"{name} differs after {writes[: number + 1]}"
