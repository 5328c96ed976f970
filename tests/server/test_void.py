"""VoID at /void and /.well-known/void, and the dumps."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

VOID = "http://rdfs.org/ns/void#"


def _void(client, path="/void", accept="text/turtle"):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    return response, list(ox.parse(response.data, format=ox.RdfFormat.TURTLE, base_iri="http://localhost/"))


def test_void_describes_the_dataset(client, bundled_store):
    response, triples = _void(client)
    assert response.mimetype == "text/turtle"
    dataset = ox.NamedNode("http://localhost/void#tradekg")
    by_predicate = {}
    for triple in triples:
        if triple.subject == dataset:
            by_predicate.setdefault(triple.predicate.value.removeprefix(VOID), []).append(triple.object.value)
    assert by_predicate["triples"] == [str(bundled_store.triple_count())]
    assert by_predicate["sparqlEndpoint"] == ["http://localhost/sparql"]
    assert sorted(by_predicate["dataDump"]) == ["http://localhost/dump.nq", "http://localhost/dump.trig"]
    assert "https://w3id.org/tradekg/ontology#" in by_predicate["vocabulary"]
    assert by_predicate["uriSpace"] == ["https://w3id.org/tradekg/id/"]
    assert "https://w3id.org/tradekg/id/country/JPN" in by_predicate["exampleResource"]
    assert int(by_predicate["entities"][0]) > 0 and by_predicate["classPartition"]


def test_well_known_void_is_the_same(client):
    assert _void(client, "/.well-known/void")[0].data.count(b"void:classPartition") == _void(client)[0].data.count(
        b"void:classPartition"
    )


@pytest.mark.parametrize(
    ("path", "accept", "media"),
    [
        ("/void", "application/ld+json", "application/ld+json"),
        ("/void.nt", "", "application/n-triples"),
        ("/void", "application/json", "application/ld+json"),
    ],
)
def test_void_other_formats(client, path, accept, media):
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.mimetype == media


@pytest.mark.parametrize(("name", "rdf_format"), [("trig", ox.RdfFormat.TRIG), ("nq", ox.RdfFormat.N_QUADS)])
def test_dumps_keep_the_named_graphs(client, bundled_store, name, rdf_format):
    response = client.get(f"/dump.{name}")
    assert response.status_code == 200
    quads = list(ox.parse(response.data, format=rdf_format))
    assert len(quads) == len(bundled_store)
    assert {q.graph_name.value for q in quads} == {str(g) for g in bundled_store.named_graphs()}
    assert client.get("/dump.zip").status_code == 404
