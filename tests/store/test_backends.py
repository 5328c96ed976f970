"""One suite on every backend: the embedded store, Virtuoso 7 and the Oxigraph server (``--store DIR`` or ``URL``).

The store and the application are used as a person would; only the ``--store`` arguments differ (the command line's
part is tests/store/test_backend_commands.py). Each backend holds the bundled graph, installed once per session (as
``tradekg load`` installs it: without the HS tree the server adds; tests/store/conftest.py). Every test starts from
that graph and leaves it as it found it: a test that writes takes back what it wrote, even when it fails, and a test
that leaves quads behind fails itself (``leaves_the_store_as_it_found_it``), so the tests do not depend on their order.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask

from tests.conftest import WRITE_TOKEN
from tests.duty.test_dated_cases import CASES as DUTY_CASES
from tests.store.backend_suite import AUTH, GATE, JAPAN_LABELS, RDFS_LABEL, Backend, dropped, store_location_of
from tradekg.duty import compute_duty
from tradekg.gate.writes import add_to_graph
from tradekg.graph.load import open_store
from tradekg.graph.rdf_files import file_graph_iri
from tradekg.queries.catalog import load_catalog
from tradekg.store.interface import TradeStore
from tradekg.store.remote import RemoteStore
from tradekg.store.virtuoso_crash import UnanswerableQuery

pytestmark = pytest.mark.usefixtures("leaves_the_store_as_it_found_it")


JAPAN = "<https://w3id.org/tradekg/id/country/JPN>"


def test_several_default_graphs_are_merged_as_a_set(backend: Backend) -> None:
    """``FROM`` twice, or ``default-graph-uri`` twice: a triple held by both graphs is one triple (SPARQL 1.1, 13.2)."""
    store = open_store(store_location_of(backend))
    try:
        holders = [row["g"].value for row in store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ {JAPAN} rdfs:label ?l }} }}")]  # type: ignore[index, union-attr]
        assert len(holders) >= 2  # the label is stated by two sources
        labels = f"SELECT ?l WHERE {{ {JAPAN} rdfs:label ?l }}"
        froms = " ".join(f"FROM <{graph}>" for graph in holders)
        shared = [row["l"].value for row in store.query(f"SELECT ?l {froms} WHERE {{ {JAPAN} rdfs:label ?l }}")]  # type: ignore[index, union-attr]
        assert shared == ["Japan"]
        by_protocol = store.query(labels, default_graph_uris=holders)
        assert [row["l"].value for row in by_protocol] == ["Japan"]  # type: ignore[index, union-attr]
        every = store.query(labels, default_graph_uris=[str(graph) for graph in store.named_graphs()])
        assert [row["l"].value for row in every] == ["Japan"]  # type: ignore[index, union-attr]
        counted = f"SELECT (COUNT(*) AS ?n) {froms} WHERE {{ ?s ?p ?o }}"
        values = " ".join(f"<{graph}>" for graph in holders)
        triples = f"SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ {values} }} }}"
        distinct = f"SELECT (COUNT(*) AS ?n) WHERE {{ {triples} }}"
        assert next(iter(store.query(counted)))["n"] == next(iter(store.query(distinct)))["n"]  # type: ignore[index, call-overload]
        # Graphs sharing no triple are merged by the server itself; the bindings are kept.
        apart = store.query(
            f"SELECT ?c ?l FROM <{holders[0]}> FROM <{GATE}> WHERE {{ ?c rdfs:label ?l }}",
            bindings={"c": ox.NamedNode(JAPAN[1:-1])},
        )
        assert [row["l"].value for row in apart] == ["Japan"]  # type: ignore[index, union-attr]
    finally:
        store.close()


@pytest.fixture(scope="module")
def embedded_store() -> Iterator[TradeStore]:
    store = open_store()
    yield store
    store.close()


ENGINE_BUGS: dict[tuple[str, str], str] = {}
"""Named queries a server answers wrongly (listed in the README under what differs), not compared there."""
ENGINE_CRASHES = {
    ("virtuoso", "duties-in-force-on-date"): "Virtuoso 7.2.5 dies on its shape (tradekg.store.virtuoso_crash); refused",
}
"""Named queries tradekg refuses to send to a server (it would die on them): refused, and the server still answers."""


def cell(term: ox.Literal | ox.NamedNode | ox.BlankNode | None) -> str:
    """A term as text; a list joined by GROUP_CONCAT as its sorted parts (SPARQL leaves their order to the engine)."""
    if isinstance(term, ox.Literal) and ", " in term.value:
        return ", ".join(sorted(term.value.split(", ")))
    return str(term)


def rows(answer: object) -> list[tuple[str, ...]]:
    return sorted(tuple(cell(term) for term in solution) for solution in answer)  # type: ignore[attr-defined]


def test_every_named_query_answers_as_on_the_embedded_store(backend: Backend, embedded_store: TradeStore) -> None:
    store = open_store(store_location_of(backend))
    try:
        differing = []
        for query in load_catalog().values():
            values = {param.name: param.example or param.default or "" for param in query.params}
            if (backend.name, query.name) in ENGINE_CRASHES:
                with pytest.raises(UnanswerableQuery):
                    query.run(store, values)
                continue
            if rows(query.run(store, values)) != rows(query.run(embedded_store, values)):
                differing.append(query.name)
        known = sorted(name for engine, name in ENGINE_BUGS if engine == backend.name)
        assert differing == known  # a known bug fixed shows here too
        assert store.triple_count() > 0  # the server is still up
    finally:
        store.close()


def test_the_dated_duty_cases(backend: Backend) -> None:
    """Every dated case of the duty calculator (tests/duty/test_dated_cases.py) on this backend."""
    store = open_store(store_location_of(backend))
    try:
        for origin, hs, day, claims, expected, source in DUTY_CASES:
            answer = compute_duty(store, origin=origin, hs=hs, day=day, **claims).to_json()
            assert answer["additional_percent"] == expected, (source, answer["measures"], answer["not_applied"])
    finally:
        store.close()


@pytest.fixture()
def app(backend: Backend) -> Iterator[Flask]:
    application = backend.app(TRADEKG_WRITE_TOKEN=WRITE_TOKEN, TRADEKG_MAX_ROWS=100)
    yield application
    application.extensions["tradekg"].close()  # the embedded directory's lock, for the next command


def test_serve_answers_sparql_and_pages(app: Flask) -> None:
    client = app.test_client()
    answer = client.get("/sparql", query_string={"query": JAPAN_LABELS}, headers={"Accept": "text/csv"})
    assert answer.status_code == 200 and answer.data.decode().split() == ["l", "Japan"]
    assert client.get("/page/country/JPN").status_code == 200
    home = client.get("/")  # the index's aggregating queries (Virtuoso refused their ORDER BY on an alias)
    assert home.status_code == 200 and b"Japan" in home.data
    found = client.get("/search", query_string={"q": "japan"})
    assert found.status_code == 200 and b"/page/country/JPN" in found.data
    data = client.get("/data/country/JPN", headers={"Accept": "text/turtle"})
    assert data.status_code == 200 and b"Japan" in data.data
    assert client.get("/sparql", headers={"Accept": "text/turtle"}).status_code == 200  # service description
    cut = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"})
    assert cut.headers.get("TradeKG-Truncated") == "max-rows=100"
    rows = list(csv.reader(io.StringIO(cut.data.decode())))  # a literal may hold a line break inside its quotes
    assert len(rows) == 101  # the header and --max-rows rows of some 4,000


CUBED = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
"""Every triple of the bundled graph cubed: far longer than any limit."""


@pytest.mark.parametrize("backend", ["virtuoso"], indirect=True)  # the Oxigraph server has no limit to be told
def test_the_timeout_is_kept_here_and_told_to_virtuoso_whose_stop_is_answered_503(backend: Backend) -> None:
    application = backend.app(TRADEKG_TIMEOUT=10)
    try:
        store = application.extensions["tradekg"]
        assert isinstance(store, RemoteStore)
        assert store.client.timeout == 10 and store.client.engine_timeout  # enforced here, and sent along
        answer = application.test_client().get("/sparql", query_string={"query": CUBED}, headers={"Accept": "text/csv"})
        assert answer.status_code == 503, answer.data
        assert b"stopped the query early" in answer.data  # Virtuoso stopped it, at the share of the limit it was told
        assert store.triple_count() > 0  # and answers the next query
    finally:
        application.extensions["tradekg"].close()


def test_the_write_gate_accepts_and_refuses(app: Flask) -> None:
    try:
        writes_through_the_gate(app)
    finally:
        dropped(app.extensions["tradekg"], GATE)


def writes_through_the_gate(app: Flask) -> None:
    client = app.test_client()
    label = 'GRAPH <http://example.org/gate> { <http://example.org/gate-test> rdfs:label "gate test"@en }'
    accepted = client.post("/sparql", data={"update": f"INSERT DATA {{ {label} }}"}, headers=AUTH)
    assert accepted.status_code == 200, accepted.data
    ask = {"query": 'ASK { <http://example.org/gate-test> rdfs:label "gate test"@en }'}
    assert client.get("/sparql", query_string=ask, headers={"Accept": "text/csv"}).data.split() == [
        b"_askResult",
        b"true",
    ]
    bad = "INSERT DATA { GRAPH <http://example.org/gate> { "
    bad += '<http://example.org/t> a tkg:Tariff ; tkg:ratePercent "abc" } }'
    before = len(app.extensions["tradekg"])
    refused = client.post("/sparql", data={"update": bad}, headers=AUTH)
    assert refused.status_code == 422
    assert len(app.extensions["tradekg"]) == before
    removed = client.post("/sparql", data={"update": f"DELETE DATA {{ {label} }}"}, headers=AUTH)
    assert removed.status_code == 200 and len(app.extensions["tradekg"]) == before - 1


COUNTRIES = ("JPN", "CHN", "CAN", "MEX", "GBR", "DEU", "FRA", "KOR", "IND", "BRA", "VNM", "CHE", "AUS", "ZAF", "ARG")


@pytest.mark.parametrize("backend", ["oxigraph", "virtuoso"], indirect=True)
def test_a_validated_write_reads_the_store_in_a_few_requests_whatever_its_size(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What validation reads around the changed nodes is fetched together, not node by node (two requests each)."""
    store = open_store(store_location_of(backend))
    assert isinstance(store, RemoteStore)
    sent: list[str] = []
    send = store.client._send

    def counted(method: str, url: str, **options: object) -> object:
        sent.append(method)
        return send(method, url, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(store.client, "_send", counted)
    graph = ox.NamedNode(GATE)
    quads = [
        ox.Quad(
            ox.NamedNode(f"https://w3id.org/tradekg/id/country/{code}"), RDFS_LABEL, ox.Literal(f"{code} gate"), graph
        )
        for code in COUNTRIES
    ]
    try:
        with store.writing():
            before = len(sent)
            assert store.stored(quads) == set()
            for quad in quads:  # what the shapes read of each country, both ways
                list(store.quads_for_pattern(quad.subject, None, None))
                list(store.quads_for_pattern(None, None, quad.subject))
            assert len(sent) - before <= 3  # two reads around all 15 countries, one lookup: not 2 per country
        result = add_to_graph(store, GATE, quads)
        assert result.added == len(COUNTRIES)
    finally:
        dropped(store, GATE)
        store.close()


OUTSIDE = "<http://example.org/outside> <http://example.org/p> <http://example.org/o> .\n"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def write_from_another_process(backend: Backend, directory: Path) -> None:
    """Another program writes to the same server: ``tradekg load`` in a process of its own."""
    data = directory / "outside.ttl"
    data.write_text(OUTSIDE)
    command = [sys.executable, "-m", "tradekg", "load", str(data), *backend.arguments]
    loaded = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr


@pytest.mark.parametrize("backend", ["oxigraph", "virtuoso"], indirect=True)  # embedded: its process holds the lock
def test_a_write_by_another_process_between_check_and_commit_is_answered_409(
    app: Flask, backend: Backend, tmp_path: Path
) -> None:
    store: TradeStore = app.extensions["tradekg"]
    commit = store.apply

    def meanwhile(*args: object, **kwargs: object) -> None:
        write_from_another_process(backend, tmp_path)  # after this write was computed and validated, before its commit
        commit(*args, **kwargs)  # type: ignore[arg-type]

    store.apply = meanwhile  # type: ignore[method-assign]
    update = 'INSERT DATA { GRAPH <http://example.org/gate> { <http://example.org/y> rdfs:label "mine"@en } }'
    try:
        response = app.test_client().post("/sparql", data={"update": update}, headers=AUTH)
        del store.apply
        assert response.status_code == 409, response.data
        assert not bool(store.query("ASK { <http://example.org/y> ?p ?o }"))  # nothing of the refused write
        assert bool(store.query("ASK { <http://example.org/outside> ?p ?o }"))  # the other process's write stands
        response = app.test_client().post("/sparql", data={"update": update}, headers=AUTH)
        assert response.status_code == 200, response.data  # sent again, it commits
        assert bool(store.query("ASK { <http://example.org/y> ?p ?o }"))
    finally:
        vars(store).pop("apply", None)
        dropped(store, GATE, file_graph_iri(Path("outside.ttl")))
