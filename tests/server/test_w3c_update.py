"""The W3C SPARQL 1.1 Update test suite (evaluation and syntax tests), run over HTTP.

The manifests live in ``shared/w3c/update`` beside the project root (see its README). Every test runs on each
backend, against the ``tradekg serve --empty --write-token ...`` subprocesses of ``test_w3c_conformance``.

How the suite's dataset maps onto tradekg's: the tests' default graph is what SPARQL Update and the Graph Store
Protocol call the default graph, which tradekg keeps in the named graph ``id:graph/default`` (the default graph that
queries see is the union of the named graphs). So, for an evaluation test:

- the store's data is cleared (``DROP ALL``; the ontology and shapes stay), then ``ut:data`` is PUT to the Graph
  Store's ``?default`` and each ``ut:graphData`` to ``?graph=`` its label;
- the request is POSTed as ``application/sparql-update``; it must succeed;
- afterwards ``GET ?default`` must be isomorphic to the expected default graph, ``GET ?graph=`` of each expected
  named graph to its expected contents, and every other data graph must be empty or absent.

Syntax tests: a negative one must be answered 400 with a syntax error; a positive one must not be (it may still
fail to run: ``DROP GRAPH <graph>`` of a graph that does not exist, or ``LOAD`` while loading is disabled).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic, to_isomorphic
from rdflib.namespace import RDF, RDFS

from tradekg.graph.load import VOCABULARY_GRAPHS
from tradekg.store.interface import DEFAULT_GRAPH_IRI

from .test_w3c_conformance import BACKENDS, W3C, Served, served_on

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
UPDATE = W3C / "update"

pytestmark = pytest.mark.skipif(not UPDATE.is_dir(), reason=f"the W3C update manifests are not at {UPDATE}")


@pytest.fixture(params=BACKENDS)
def served(request: pytest.FixtureRequest) -> Served:
    """``tradekg serve`` over each backend in turn (the processes of ``test_w3c_conformance``)."""
    return served_on(request.param, request)


def load_manifest(path: Path) -> Graph:
    return Graph().parse(path, format="turtle", publicID=path.as_uri())


def suite() -> list[tuple[Graph, URIRef, str]]:
    """Every test of the folders the top manifest includes: (manifest graph, test, kind)."""
    top = UPDATE / "manifest-sparql11-update.ttl"
    if not top.exists():
        return []
    graph = load_manifest(top)
    found = []
    for include in Collection(graph, graph.value(next(graph.subjects(RDF.type, MF.Manifest)), MF.include)):
        manifest = load_manifest(Path(str(include).removeprefix("file://")))
        root = next(manifest.subjects(RDF.type, MF.Manifest))
        for test in Collection(manifest, manifest.value(root, MF.entries)):
            kind = str(manifest.value(test, RDF.type)).rsplit("#", 1)[-1]
            found.append((manifest, test, kind))
    return found


TESTS = suite()
EVALUATION = [entry for entry in TESTS if entry[2] == "UpdateEvaluationTest"]
SYNTAX = [entry for entry in TESTS if "Syntax" in entry[2]]


def entry_id(entry: tuple[Graph, URIRef, str]) -> str:
    _, test, _ = entry
    return "/".join(str(test).removeprefix("file://").rsplit("/", 2)[-2:])


def local(iri: object) -> Path:
    return Path(str(iri).removeprefix("file://"))


def parse(data: bytes, media_type: str = "text/turtle", *, base: str | None = None) -> Graph:
    """RDF as the Graph Store reads it: relative IRIs resolve against the graph's IRI."""
    kind = {"text/turtle": "turtle", "application/n-triples": "nt"}[media_type]
    return Graph().parse(data=data, format=kind, publicID=base or DEFAULT_GRAPH_IRI)


def graph_path(label: str | None) -> str:
    return "/rdf-graph-store?" + ("default" if label is None else "graph=" + quote(label, safe=""))


def auth(served) -> dict[str, str]:
    return {"Authorization": f"Bearer {served.token}"}


def put(served, label: str | None, file: Path) -> None:
    headers = {**auth(served), "Content-Type": "text/turtle"}
    status, _, body = served.request("PUT", graph_path(label), file.read_bytes(), headers)
    assert status in (200, 201, 204), f"PUT {label or 'default'}: {status} {body[:300]!r}"


def fetch(served, label: str | None) -> Graph:
    status, _, body = served.request("GET", graph_path(label), headers={"Accept": "application/n-triples"})
    if status == 404:
        return Graph()
    assert status == 200, f"GET {label or 'default'}: {status} {body[:300]!r}"
    return parse(body, "application/n-triples")


def data_graphs(served) -> set[str]:
    status, _, body = served.request(
        "GET",
        "/sparql?query=" + quote("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"),
        headers={"Accept": "application/sparql-results+json"},
    )
    assert status == 200, body
    graphs = {row["g"]["value"] for row in json.loads(body)["results"]["bindings"]}
    return graphs - {*VOCABULARY_GRAPHS, DEFAULT_GRAPH_IRI}


def post_update(served, text: bytes) -> tuple[int, bytes]:
    status, _, body = served.request(
        "POST", "/sparql", text, {**auth(served), "Content-Type": "application/sparql-update"}
    )
    return status, body


def dataset(manifest: Graph, node: object) -> tuple[Path | None, dict[str, Path]]:
    default = manifest.value(node, UT.data)
    named = {
        str(manifest.value(item, RDFS.label)): local(manifest.value(item, UT.graph))
        for item in manifest.objects(node, UT.graphData)
    }
    return (local(default) if default is not None else None), named


def differs(expected: Graph, actual: Graph) -> str:
    if isomorphic(expected, actual):
        return ""
    want = sorted(to_isomorphic(expected).serialize(format="nt").splitlines())
    got = sorted(to_isomorphic(actual).serialize(format="nt").splitlines())
    return f"expected {want}, got {got}"


@pytest.mark.parametrize("entry", EVALUATION, ids=[entry_id(entry) for entry in EVALUATION])
def test_update_evaluation(served, entry):
    manifest, test, _ = entry
    assert served.update("DROP ALL") == 200
    action, result = manifest.value(test, MF.action), manifest.value(test, MF.result)
    default, named = dataset(manifest, action)
    if default is not None:
        put(served, None, default)
    for label, file in named.items():
        put(served, label, file)
    status, body = post_update(served, local(manifest.value(action, UT.request)).read_bytes())
    assert 200 <= status < 300, f"{status}: {body[:500]!r}"
    expected_default, expected_named = dataset(manifest, result)
    expected = parse(expected_default.read_bytes()) if expected_default else Graph()
    problem = differs(expected, fetch(served, None))
    assert not problem, f"default graph: {problem}"
    for label, file in expected_named.items():
        problem = differs(parse(file.read_bytes(), base=label), fetch(served, label))
        assert not problem, f"graph {label}: {problem}"
    for label in data_graphs(served) - set(expected_named):
        assert len(fetch(served, label)) == 0, f"graph {label} should be empty or absent"


@pytest.mark.parametrize("entry", SYNTAX, ids=[entry_id(entry) for entry in SYNTAX])
def test_update_syntax(served, entry):
    manifest, test, kind = entry
    assert served.update("DROP ALL") == 200
    status, body = post_update(served, local(manifest.value(test, MF.action)).read_bytes())
    if kind.startswith("Negative"):
        assert status == 400 and b"syntax error" in body, f"{status}: {body[:300]!r}"
    else:
        assert b"syntax error" not in body and status != 500, f"{status}: {body[:300]!r}"
        assert 200 <= status < 300 or status in (400, 403), f"{status}: {body[:300]!r}"


def test_the_whole_suite_is_found():
    assert (len(EVALUATION), len(SYNTAX)) == (94, 63)
