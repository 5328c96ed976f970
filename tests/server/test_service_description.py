from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def description(client, accept="text/turtle", fmt="turtle"):
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    return Graph().parse(data=response.data, format=fmt)


def test_describes_endpoint_and_formats(client):
    graph = description(client)
    service = next(graph.subjects(RDF.type, SD.Service))
    assert graph.value(service, SD.endpoint) == URIRef("http://localhost/sparql")
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph  # no write token
    assert (service, SD.resultFormat, URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV")) in graph
    names = set(graph.objects(None, SD.name))
    assert URIRef("https://w3id.org/tradekg/shapes") in names


def test_negotiates_rdf_formats(client):
    assert len(description(client, "application/ld+json", "json-ld")) > 0
    assert len(description(client, "application/rdf+xml", "xml")) > 0
    assert client.get("/sparql", headers={"Accept": "image/png"}).status_code == 406


def test_writable_server_announces_update(writable_app):
    graph = description(writable_app.test_client())
    assert (None, SD.supportedLanguage, SD.SPARQL11Update) in graph


def test_says_what_the_default_graph_is(client):
    from rdflib.namespace import RDFS

    graph = description(client)
    service = next(graph.subjects(RDF.type, SD.Service))
    default = graph.value(graph.value(service, SD.defaultDataset), SD.defaultGraph)
    note = str(graph.value(default, RDFS.comment))
    assert "set union" in note and "each distinct triple once" in note and "id/graph/default" in note
