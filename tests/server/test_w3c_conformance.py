"""The W3C SPARQL 1.1 Protocol, Graph Store Protocol and Service Description tests, run over HTTP.

The manifests live in ``shared/w3c`` beside the project root (see its README). Every test runs on each backend
(:data:`BACKENDS`): against one ``tradekg serve --empty --write-token ...`` subprocess per backend and session, over
the embedded store, over Virtuoso 7 and over the Oxigraph server (``--store URL``, the servers of the
``sparql_server`` fixture). How the harness reads the manifests:

- Request paths ``/sparql/`` map to ``/sparql`` and ``/gsp`` to ``/rdf-graph-store``; every request carries the
  write token (the manifests send no credentials).
- Before each test the store's data is cleared (``DROP ALL``; the ontology and shapes stay), since the GSP tests
  expect ``201 Created`` for graphs that earlier tests created.
- ``ut:graphData`` files (``data1.nt``...) are PUT first into the graph named by their label, through the Graph
  Store Protocol: the server itself never fetches a URL.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from tests.server.conftest import SERVED_TOKEN, Served, start_server, stop_server
from tradekg.store.remote import RemoteStore
from tradekg.store.sparql_client import Endpoints

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# ``shared/`` sits beside the project root (a git worktree may sit one level deeper: look up the ancestors).
W3C = next(
    (folder / "shared" / "w3c" for folder in PROJECT_ROOT.parents if (folder / "shared" / "w3c").is_dir()),
    PROJECT_ROOT.parent / "shared" / "w3c",
)
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
STATUS = {"OK": {200}, "Created": {201}, "NoContent": {204}, "NotFound": {404}}
RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values")  # fmt: skip
BOOLEAN_TYPES = RESULT_TYPES[:2]
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
             "application/ld+json": "json-ld"}  # fmt: skip

pytestmark = pytest.mark.skipif(not W3C.is_dir(), reason=f"the W3C manifests are not at {W3C}")

BACKENDS = ("embedded", "oxigraph", "virtuoso")
"""Where ``tradekg serve`` keeps the data: in memory, or on a SPARQL server (``--store URL``)."""
_SERVED: dict[str, Served] = {}
"""``tradekg serve --store URL`` per SPARQL server, started by the first test that needs it and kept for the session."""


def served_on(backend: str, request: pytest.FixtureRequest) -> Served:
    """``tradekg serve --empty --write-token ...`` over ``backend``, one process per backend and session.

    The embedded one is the shared ``served_empty``; a server's is started here, over the session's SPARQL server of
    that name, and stopped when the session ends.
    """
    if backend == "embedded":
        return request.getfixturevalue("served_empty")
    if backend not in _SERVED:
        server = request.getfixturevalue("sparql_server")(backend)
        RemoteStore(Endpoints(server.query_endpoint, server.update_endpoint, server.gsp_endpoint)).clear()
        store = ["--store", server.query_endpoint, "--update-endpoint", server.update_endpoint]
        store += ["--gsp-endpoint", server.gsp_endpoint]
        # A longer time limit than the embedded server's: a busy machine slows a server's answers, and these tests
        # are about what is answered, not when (Virtuoso stops a query at its share of the limit).
        process, served = start_server("--empty", "--write-token", SERVED_TOKEN, "--timeout", "30", *store)
        request.config.add_cleanup(lambda: stop_server(process))
        _SERVED[backend] = served
    return _SERVED[backend]


@pytest.fixture(params=BACKENDS)
def served(request: pytest.FixtureRequest) -> Served:
    """``tradekg serve`` over each backend in turn."""
    return served_on(request.param, request)


def entries(manifest: str) -> list[tuple[Graph, URIRef]]:
    path = W3C / manifest
    if not path.exists():
        return []
    graph = Graph().parse(path, format="turtle", publicID=path.as_uri())
    root = next(graph.subjects(RDF.type, MF.Manifest))
    return [(graph, entry) for entry in Collection(graph, graph.value(root, MF.entries))]


def entry_id(value: object) -> str:
    return str(value).rsplit("#", 1)[-1] if isinstance(value, URIRef) else ""


def allowed_statuses(graph: Graph, response: URIRef) -> set[int]:
    codes: set[int] = set()
    for status in graph.objects(response, MF.expectedStatus):
        name = str(status).rsplit("#", 1)[-1]
        if name.startswith("StatusCode") and name.endswith("xx"):
            first = int(name[len("StatusCode")])
            codes |= set(range(first * 100, first * 100 + 100))
        else:
            codes |= STATUS[name]
    return codes


def media_type(headers: dict[str, str]) -> str:
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return value.split(";")[0].strip().lower()


def parse_boolean(body: bytes, kind: str) -> bool:
    if kind == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    return b"<boolean>true</boolean>" in body.replace(b" ", b"")


def reset(served) -> None:
    assert served.update("DROP ALL") == 200


def run_requests(served, graph: Graph, test: URIRef) -> None:
    reset(served)
    for data in graph.objects(test, UT.graphData):
        source = Path(str(graph.value(data, UT.graph)).removeprefix("file://"))
        status, _, body = served.request(
            "PUT",
            "/rdf-graph-store?graph=" + quote(str(graph.value(data, RDFS.label)), safe=""),
            source.read_bytes(),
            {"Content-Type": "application/n-triples", "Authorization": f"Bearer {served.token}"},
        )
        assert status in (201, 204), body
    action = graph.value(test, MF.action)
    location = ""
    for step, request in enumerate(Collection(graph, graph.value(action, HT.requests)), start=1):
        path = str(graph.value(request, HT.absolutePath)).replace("$LOCATION$", location)
        path = "/sparql" + path.removeprefix("/sparql/") if path.startswith("/sparql/") else path
        path = "/rdf-graph-store" + path.removeprefix("/gsp") if path.startswith("/gsp") else path
        headers = {"Authorization": f"Bearer {served.token}"}
        for header in Collection(graph, graph.value(request, HT.headers)) if graph.value(request, HT.headers) else []:
            headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
        body = None
        content = graph.value(request, HT.body)
        if content is not None:
            encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
            body = str(graph.value(content, CNT.chars)).encode(encoding)
        method = str(graph.value(request, HT.methodName))
        status, got_headers, got = served.request(method, path, body, headers)
        response = graph.value(request, HT.resp)
        where = f"request {step} ({method} {path})"
        assert status in allowed_statuses(graph, response), f"{where}: status {status}: {got[:500]!r}"
        kind = media_type(got_headers)
        expected_format = graph.value(response, MF.expectedFormat)
        if expected_format is not None:
            wanted = {"boolean": BOOLEAN_TYPES, "tabular": RESULT_TYPES, "RDF": tuple(RDF_TYPES)}[str(expected_format)]
            assert kind in wanted, f"{where}: {kind} is not a {expected_format} format"
        expected_boolean = graph.value(response, MF.expectedBoolean)
        if expected_boolean is not None:
            assert parse_boolean(got, kind) is expected_boolean.toPython(), f"{where}: {got!r}"
        if graph.value(response, MF.expectedLocation) is not None:
            location = next(v for k, v in got_headers.items() if k.lower() == "location")
        expected_headers = graph.value(response, HT.headers)
        for header in Collection(graph, expected_headers) if expected_headers is not None else []:
            name, value = str(graph.value(header, HT.fieldName)), str(graph.value(header, HT.fieldValue))
            actual = next((v for k, v in got_headers.items() if k.lower() == name.lower()), "")
            assert actual.replace(" ", "").lower() == value.replace(" ", "").lower(), f"{where}: {name}: {actual}"
        expected_body = graph.value(response, HT.body)
        if expected_body is not None:
            expected = Graph().parse(data=str(graph.value(expected_body, CNT.chars)), format="turtle")
            actual_graph = Graph().parse(data=got, format=RDF_TYPES[kind])
            assert isomorphic(expected, actual_graph), f"{where}: got {got.decode()}"


PROTOCOL = entries("protocol/manifest.ttl")
GSP = entries("graph-store-protocol/manifest-indirect.ttl")
SD_TESTS = entries("service-description/manifest.ttl")


@pytest.mark.parametrize(("graph", "test"), PROTOCOL, ids=[entry_id(test) for _, test in PROTOCOL])
def test_protocol(served, graph, test):
    run_requests(served, graph, test)


@pytest.mark.parametrize(("graph", "test"), GSP, ids=[entry_id(test) for _, test in GSP])
def test_graph_store_protocol(served, graph, test):
    run_requests(served, graph, test)


def test_manifest_counts():
    assert (len(PROTOCOL), len(GSP), len(SD_TESTS)) == (34, 9, 3)


SD_SCHEMA = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix : <urn:sd-shapes#> .
:Service a sh:NodeShape ; sh:targetClass sd:Service ;
  sh:property [ sh:path sd:endpoint ; sh:nodeKind sh:IRI ; sh:minCount 1 ] ;
  sh:property [ sh:path sd:supportedLanguage ; sh:minCount 1 ;
                sh:in ( sd:SPARQL10Query sd:SPARQL11Query sd:SPARQL11Update ) ] ;
  sh:property [ sh:path sd:feature ; sh:class sd:Feature ] ;
  sh:property [ sh:path sd:resultFormat ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:inputFormat ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:defaultDataset ; sh:class sd:Dataset ; sh:maxCount 1 ] .
:Dataset a sh:NodeShape ; sh:targetClass sd:Dataset ;
  sh:property [ sh:path sd:defaultGraph ; sh:class sd:Graph ; sh:maxCount 1 ] ;
  sh:property [ sh:path sd:namedGraph ; sh:class sd:NamedGraph ] .
:NamedGraph a sh:NodeShape ; sh:targetClass sd:NamedGraph ;
  sh:property [ sh:path sd:name ; sh:nodeKind sh:IRI ; sh:minCount 1 ; sh:maxCount 1 ] .
"""
SD_FEATURES = """
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
sd:UnionDefaultGraph a sd:Feature . sd:BasicFederatedQuery a sd:Feature . sd:DereferencesURIs a sd:Feature .
sd:RequiresDataset a sd:Feature . sd:EmptyGraphs a sd:Feature .
"""


def service_description(served) -> tuple[int, str, Graph]:
    status, headers, body = served.request("GET", "/sparql", headers={"Accept": "text/turtle"})
    kind = media_type(headers)
    return status, kind, Graph().parse(data=body, format=RDF_TYPES.get(kind, "turtle"))


def test_service_description_returns_rdf(served):  # :returns-rdf
    status, kind, graph = service_description(served)
    assert status == 200 and kind in RDF_TYPES and len(graph) > 0


def test_service_description_has_endpoint_triple(served):  # :has-endpoint-triple
    _, _, graph = service_description(served)
    assert (None, SD.endpoint, URIRef(f"{served.url}/sparql")) in graph


def test_service_description_conforms_to_schema(served):  # :conforms-to-schema
    from pyshacl import validate

    _, _, graph = service_description(served)
    graph.parse(data=SD_FEATURES, format="turtle")
    conforms, _, text = validate(graph, shacl_graph=Graph().parse(data=SD_SCHEMA, format="turtle"))
    assert conforms, text
    assert len(list(graph.subjects(RDF.type, SD.Service))) == 1
