"""One suite on every backend: the embedded store, Virtuoso 7 and the Oxigraph server (``--store DIR`` or ``URL``).

The command line and the application are used as a person would; only the ``--store`` arguments differ. Each backend
is set up once per module, the bundled graph installed before the first test (as ``tradekg load`` installs it: without
the HS tree the server adds). Every test starts from that graph and leaves it as it found it: a test that writes takes
back what it wrote, even when it fails, and a test that leaves quads behind fails itself
(:func:`leaves_the_store_as_it_found_it`), so the tests do not depend on their order.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from flask import Flask

from tests.conftest import WRITE_TOKEN
from tests.duty.test_dated_cases import CASES as DUTY_CASES
from tradekg.cli import main
from tradekg.duty import compute_duty
from tradekg.gate.writes import add_to_graph
from tradekg.graph.load import open_store
from tradekg.graph.rdf_files import file_graph_iri
from tradekg.queries.catalog import load_catalog
from tradekg.server import create_app
from tradekg.store.backends import StoreLocation, open_backend, store_location
from tradekg.store.interface import TradeStore
from tradekg.store.remote import RemoteStore
from tradekg.store.sparql_client import Endpoints
from tradekg.store.virtuoso_crash import UnanswerableQuery

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AUTH = {"Authorization": f"Bearer {WRITE_TOKEN}"}
GATE = "http://example.org/gate"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
JAPAN_LABELS = "SELECT ?l WHERE { <https://w3id.org/tradekg/id/country/JPN> rdfs:label ?l }"
NOT_CONFORMING = """\
@prefix tkg: <https://w3id.org/tradekg/ontology#> .
<https://w3id.org/tradekg/id/country/NOWHERE> a tkg:Country ; tkg:iso3166Alpha3 "nowhere" .
"""
GOOD = "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"


class Backend:
    """A store for the suite: its ``--store`` arguments and the matching application settings."""

    def __init__(self, name: str, arguments: list[str], config: dict[str, object], server: object = None) -> None:
        self.name = name
        self.arguments = arguments
        self.config = config
        self.server = server
        self.quads = (0, 0)
        """How many quads and distinct triples the store holds between tests: the bundled graph's."""
        self.graphs: list[str] = []
        """The named graphs it has between tests: the bundled graph's."""

    def app(self, **config: object) -> Flask:
        return create_app({"TESTING": True, "TRADEKG_TIMEOUT": 0, **self.config, **config})


@pytest.fixture(scope="module", params=["embedded", "oxigraph", "virtuoso"])
def backend(
    request: pytest.FixtureRequest, sparql_server: Callable, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    if request.param == "embedded":
        directory = str(tmp_path_factory.mktemp("store") / "db")
        yield with_the_bundled_graph(Backend("embedded", ["--store", directory], {"TRADEKG_STORE": directory}))
        return
    server = sparql_server(request.param)
    endpoints = Endpoints(server.query_endpoint, server.update_endpoint, server.gsp_endpoint)
    RemoteStore(endpoints).clear()
    arguments = ["--store", server.query_endpoint, "--update-endpoint", server.update_endpoint]
    arguments += ["--gsp-endpoint", server.gsp_endpoint]
    config = {
        "TRADEKG_STORE": server.query_endpoint,
        "TRADEKG_UPDATE_ENDPOINT": server.update_endpoint,
        "TRADEKG_GSP_ENDPOINT": server.gsp_endpoint,
    }
    yield with_the_bundled_graph(Backend(request.param, arguments, config, server))
    RemoteStore(endpoints).clear()


def with_the_bundled_graph(backend: Backend) -> Backend:
    """The backend's store holding the bundled graph (whichever test runs first), its quads counted, graphs listed."""
    store = open_store(store_location_of(backend))
    try:
        backend.quads = (len(store), store.triple_count())
        backend.graphs = [str(graph) for graph in store.named_graphs()]
    finally:
        store.close()
    return backend


@pytest.fixture(autouse=True)
def leaves_the_store_as_it_found_it(backend: Backend) -> Iterator[None]:
    """After each test (and its ``app``, torn down first): the store holds the bundled graph's quads and graphs."""
    yield
    store = open_backend(store_location_of(backend))
    try:
        left, graphs = (len(store), store.triple_count()), [str(graph) for graph in store.named_graphs()]
    finally:
        store.close()
    assert left == backend.quads, f"(quads, triples) were {backend.quads} before the test, {left} after"
    assert graphs == backend.graphs, f"the test left graphs {sorted(set(graphs) ^ set(backend.graphs))}"


def dropped(store: TradeStore, *graphs: str) -> None:
    """Take back what a test wrote into graphs of its own: the graphs dropped, as if never written."""
    with store.writing():
        removed = [quad for graph in graphs for quad in store.quads(graph)]
        store.apply(removed, [], dropped_graphs=[ox.NamedNode(graph) for graph in graphs])


def dropped_from(backend: Backend, *graphs: str) -> None:
    """:func:`dropped`, through a store opened for it (no command or application holds the backend's store)."""
    store = open_backend(store_location_of(backend))
    try:
        dropped(store, *graphs)
    finally:
        store.close()


def store_location_of(backend: Backend) -> StoreLocation:
    arguments = dict(zip(backend.arguments[::2], backend.arguments[1::2], strict=True))
    return store_location(
        arguments["--store"],
        update_endpoint=arguments.get("--update-endpoint"),
        gsp_endpoint=arguments.get("--gsp-endpoint"),
    )


def run(backend: Backend, *arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*arguments, *backend.arguments])
    return result.exit_code, result.output


def exported(backend: Backend) -> set[ox.Quad]:
    code, output = run(backend, "export", "--format", "nq")
    assert code == 0, output
    return set(ox.parse(output.encode(), ox.RdfFormat.N_QUADS))


@pytest.fixture(scope="module")
def embedded_export() -> set[ox.Quad]:
    store = open_store()
    try:
        return set(ox.parse(store.dump(ox.RdfFormat.N_QUADS), ox.RdfFormat.N_QUADS))
    finally:
        store.close()


def without_blank_nodes(quads: set[ox.Quad]) -> set[ox.Quad]:
    def blank(term: object) -> bool:
        return isinstance(term, ox.BlankNode) or (
            isinstance(term, ox.NamedNode) and "/.well-known/genid/" in term.value
        )

    return {quad for quad in quads if not blank(quad.subject) and not blank(quad.object)}


def test_export_holds_the_bundled_graph_as_the_embedded_store_does(
    backend: Backend, embedded_export: set[ox.Quad]
) -> None:
    quads = exported(backend)
    assert len(quads) == len(embedded_export)
    # Blank nodes (the shapes' property shapes) come back as Skolem IRIs from a SPARQL server.
    assert without_blank_nodes(quads) == without_blank_nodes(embedded_export)


def test_the_default_graph_counts_each_triple_once(backend: Backend) -> None:
    code, output = run(backend, "query", JAPAN_LABELS, "--format", "csv")
    assert code == 0, output
    assert list(csv.reader(io.StringIO(output)))[1:] == [["Japan"]]  # stated by two sources, answered once
    code, output = run(backend, "stats")
    union = int(output.split("triples (union of graphs): ", 1)[1].split("\n", 1)[0].replace(",", ""))
    quads = int(output.split("quads: ", 1)[1].split("\n", 1)[0].replace(",", ""))
    assert union < quads  # a triple in two graphs is one triple of the default graph


def test_a_graph_emptied_by_a_write_is_exported_as_empty(backend: Backend) -> None:
    """An emptied graph stays one of tradekg's; Virtuoso's Graph Store endpoint forgets it (404), read as empty."""
    graph = ox.NamedNode("http://example.org/emptied")
    quad = ox.Quad(ox.NamedNode(f"{graph.value}-node"), RDFS_LABEL, ox.Literal("emptied"), graph)
    store = open_backend(store_location_of(backend))
    try:
        with store.writing():
            store.apply([], [quad])
        with store.writing():
            store.apply([quad], [])
    finally:
        store.close()
    try:
        assert quad not in exported(backend)  # the export reads every graph, the emptied one too
    finally:
        dropped_from(backend, graph.value)


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


@pytest.mark.parametrize("backend", ["oxigraph"], indirect=True)  # the same code reads any backend; pySHACL is slow
def test_validate_reads_the_whole_store(backend: Backend) -> None:
    code, output = run(backend, "validate")
    assert code == 0 and "Conforms" in output, output


def test_load_is_validated_and_all_or_nothing(backend: Backend, tmp_path: Path) -> None:
    before = len(exported(backend))
    nonconforming = tmp_path / "nowhere.ttl"
    nonconforming.write_text(NOT_CONFORMING)
    code, output = run(backend, "load", str(nonconforming))
    assert code == 1, output
    good = tmp_path / "good.ttl"
    good.write_text(GOOD)
    graph = ox.NamedNode("https://w3id.org/tradekg/id/graph/good")
    try:
        code, output = run(backend, "load", str(good))
        assert code == 0 and "Loaded 1 quads" in output, output
        after = exported(backend)
        assert len(after) == before + 1  # nothing of the refused file
        assert ox.Quad(*(ox.NamedNode(f"http://example.org/{name}") for name in "abc"), graph) in after
    finally:
        dropped_from(backend, graph.value)


TRACKER_GRAPH = "https://w3id.org/tradekg/id/graph/backend-suite-tracker"
"""Where the mapping puts every row of :func:`tracker_rows` (the graph of its source)."""


def tracker_rows() -> list[dict[str, str]]:
    """The example tracker, citing a source of its own (the example cites sources the bundled graph titles already)."""
    rows = list(csv.DictReader(io.StringIO((EXAMPLES / "tariff-tracker.csv").read_text(encoding="utf-8"))))
    for row in rows:
        row.update(source_id="backend-suite-tracker", source_title="The backend suite's tracker", source_url="")
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as output:
        writer = csv.DictWriter(output, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_import_csv_validates_every_row_first(backend: Backend, tmp_path: Path) -> None:
    mapping = str(EXAMPLES / "tariff-tracker.yarrrml.yml")
    rows = tracker_rows()
    broken = [dict(row) for row in rows]
    broken[1]["rate_percent"] = "forty-six"
    before = len(exported(backend))
    code, output = run(backend, "import-csv", str(write_csv(tmp_path / "broken.csv", broken)), "--mapping", mapping)
    assert code == 1 and "row 3" in output, output
    try:
        code, output = run(backend, "import-csv", str(write_csv(tmp_path / "good.csv", rows)), "--mapping", mapping)
        assert code == 0, output
        written = int(output.split(" as ", 1)[1].split(" quads", 1)[0].replace(",", ""))
        after = exported(backend)
        assert len(after) == before + written  # nothing of the refused file
        rate = ox.NamedNode("https://w3id.org/tradekg/ontology#ratePercent")
        measure = ox.NamedNode("https://w3id.org/tradekg/id/measure/tracker-reciprocal-jpn")
        assert {quad.object.value for quad in after if quad.subject == measure and quad.predicate == rate} == {"24"}
    finally:
        dropped_from(backend, TRACKER_GRAPH)  # the tracker's measures would change the duty cases and named queries


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
