"""Clients no one here wrote, against a served subprocess: SPARQLWrapper and rdflib's SPARQL stores."""

import time

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

EX = "http://example.org/clients/"


def test_sparqlwrapper_select_json_and_xml(served_bundled):
    wrapper = SPARQLWrapper(f"{served_bundled.url}/sparql")
    wrapper.setQuery("PREFIX tkg: <https://w3id.org/tradekg/ontology#> SELECT ?c WHERE { ?c a tkg:Country }")
    wrapper.setReturnFormat(JSON)
    rows = wrapper.query().convert()["results"]["bindings"]
    assert rows and all(row["c"]["type"] == "uri" for row in rows)
    wrapper.setReturnFormat(XML)
    assert wrapper.query().convert().getElementsByTagName("result")
    wrapper.setMethod(POST)
    wrapper.setReturnFormat(JSON)
    assert wrapper.query().convert()["results"]["bindings"] == rows


def test_sparqlwrapper_construct_and_bad_query(served_bundled):
    wrapper = SPARQLWrapper(f"{served_bundled.url}/sparql")
    wrapper.setQuery("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 5")
    wrapper.setReturnFormat(TURTLE)
    assert len(Graph().parse(data=wrapper.query().convert(), format="turtle")) == 5
    wrapper.setQuery("SELECT * WHERE { ?s ?p }")
    wrapper.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed):
        wrapper.query()


def test_sparqlwrapper_update(served_empty):
    wrapper = SPARQLWrapper(f"{served_empty.url}/sparql")
    wrapper.addCustomHttpHeader("Authorization", f"Bearer {served_empty.token}")
    wrapper.setMethod(POST)
    wrapper.setQuery(f'INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}s> <{EX}p> "wrapper" }} }}')
    wrapper.query()
    check = SPARQLWrapper(f"{served_empty.url}/sparql")
    check.setQuery(f'ASK {{ <{EX}s> <{EX}p> "wrapper" }}')
    check.setReturnFormat(JSON)
    assert check.query().convert()["boolean"] is True


def test_rdflib_sparqlstore_reads(served_bundled):
    graph = Graph(store=SPARQLStore(f"{served_bundled.url}/sparql"))
    rows = list(graph.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"))
    assert len(rows) == 3 and all(isinstance(row[0], URIRef) for row in rows)
    assert len(list(graph.triples((None, None, None)))) > 0


def test_rdflib_sparqlupdatestore_writes(served_empty):
    store = SPARQLUpdateStore(
        query_endpoint=f"{served_empty.url}/sparql",
        update_endpoint=f"{served_empty.url}/sparql",
        headers={"Authorization": f"Bearer {served_empty.token}"},
        autocommit=True,
    )
    graph = Graph(store=store, identifier=URIRef(f"{EX}rdflib"))
    marker = Literal(f"rdflib-{time.time_ns()}")
    graph.add((URIRef(f"{EX}x"), URIRef(f"{EX}p"), marker))
    assert (URIRef(f"{EX}x"), URIRef(f"{EX}p"), marker) in graph
    graph.remove((URIRef(f"{EX}x"), URIRef(f"{EX}p"), marker))
    assert (URIRef(f"{EX}x"), URIRef(f"{EX}p"), marker) not in graph
    store.close()
