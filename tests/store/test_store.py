"""The store: the default graph is the set union of the named graphs, bindings as terms, exact change sets."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import names_own_dataset

EX = "http://example.org/"


def quad(subject: str, obj: str, graph: str) -> ox.Quad:
    return ox.Quad(ox.NamedNode(EX + subject), ox.NamedNode(EX + "p"), ox.Literal(obj), ox.NamedNode(EX + graph))


def test_default_graph_is_the_union_of_named_graphs() -> None:
    store = OxigraphStore()
    store.add_quads([quad("a", "1", "g1"), quad("b", "2", "g2")])
    rows = store.select("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s")
    assert [str(row["s"]) for row in rows] == [EX + "a", EX + "b"]
    assert store.named_graphs() == [URIRef(EX + "g1"), URIRef(EX + "g2")]


def test_default_graph_uris_restrict_the_default_graph() -> None:
    store = OxigraphStore()
    store.add_quads([quad("a", "1", "g1"), quad("b", "2", "g2")])
    answer = store.query("SELECT ?s WHERE { ?s ?p ?o }", default_graph_uris=[EX + "g2"])
    assert [solution["s"].value for solution in answer] == [EX + "b"]


def test_bindings_are_terms_never_query_text() -> None:
    store = OxigraphStore()
    store.add_quads([quad("a", "1", "g1")])
    hostile = Literal('"} ; DROP ALL ; {"')
    rows = store.select("SELECT ?o ?s WHERE { OPTIONAL { ?s ?p ?o } }", bindings={"o": hostile})
    assert rows == [{"o": hostile}]
    assert len(store) == 1


def test_replace_graphs_swaps_contents_and_keeps_other_graphs() -> None:
    store = OxigraphStore()
    store.add_quads([quad("a", "1", "g1"), quad("b", "2", "g2")])
    store.replace_graphs({EX + "g1": [quad("c", 'with "quotes"\nand a newline', "g1")]})
    rows = store.select("SELECT ?s ?o WHERE { GRAPH <http://example.org/g1> { ?s ?p ?o } }")
    assert rows == [{"s": URIRef(EX + "c"), "o": Literal('with "quotes"\nand a newline')}]
    assert len(store) == 2


def test_persistent_store_keeps_writes_across_reopening(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "db")
    store.add_quads([quad("a", "1", "g1")])
    store.close()
    reopened = OxigraphStore(tmp_path / "db")
    assert len(reopened) == 1
    assert reopened.triple_count() == 1


def test_a_query_with_from_reads_the_graphs_it_names() -> None:
    store = OxigraphStore()
    store.add_quads([quad("a", "1", "g1"), quad("b", "2", "g2")])
    answer = store.query("SELECT ?s FROM <http://example.org/g2> WHERE { ?s ?p ?o }")
    assert [solution["s"].value for solution in answer] == [EX + "b"]
    store.add_quads([quad("c", "FROM", "g1")])
    mentioned = store.query("SELECT ?s WHERE { ?s ?p 'FROM' }")
    assert [solution["s"].value for solution in mentioned] == [EX + "c"], "a FROM inside a string is not a clause"


def test_names_own_dataset_sees_the_keyword_only():
    assert names_own_dataset("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }")
    assert names_own_dataset("select * from named <http://example.org/g> { graph ?g { ?s ?p ?o } }")
    assert not names_own_dataset("SELECT * WHERE { ?s <http://example.org/from> ?o }")
    assert not names_own_dataset('SELECT ?from WHERE { ?from ?p "FROM" } # from')
    assert not names_own_dataset("SELECT * WHERE { ?s ?p ?o }")


def test_query_with_from_reads_only_that_graph():
    store = OxigraphStore()
    store.add_quads([quad("a", "1", "g1"), quad("b", "2", "g2")])
    assert len(list(store.query("SELECT * WHERE { ?s ?p ?o }"))) == 2
    assert len(list(store.query("SELECT * FROM <http://example.org/g1> WHERE { ?s ?p ?o }"))) == 1


def count(store, sparql: str, **options) -> int:
    return len(list(store.query(sparql, **options)))


def test_the_default_graph_is_a_set_each_triple_once() -> None:
    store = OxigraphStore()
    store.add_quads([quad("a", "1", "g1"), quad("a", "1", "g2"), quad("b", "2", "g2")])
    assert count(store, "SELECT * WHERE { ?s ?p ?o }") == 2
    total = next(iter(store.query("SELECT (COUNT(*) AS ?n) (SUM(xsd:integer(?o)) AS ?sum) WHERE { ?s ?p ?o }")))
    assert (total["n"].value, total["sum"].value) == ("2", "3")
    assert count(store, f"SELECT * WHERE {{ <{EX}a> <{EX}p>+ ?o }}") == 1, "property paths see each triple once"
    assert count(store, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }") == 3, "GRAPH ?g sees each graph's own triples"
    assert (len(store), store.triple_count()) == (3, 2)


def test_from_clauses_and_default_graph_uris_merge_as_a_set() -> None:
    store = OxigraphStore()
    store.add_quads([quad("a", "1", "g1"), quad("a", "1", "g2"), quad("b", "2", "g2"), quad("c", "3", "g3")])
    merged = f"SELECT * FROM <{EX}g1> FROM <{EX}g2> WHERE {{ ?s ?p ?o }}"
    assert count(store, merged) == 2
    assert count(store, "PREFIX ex: <http://example.org/> SELECT * FROM ex:g1 FROM ex:g2 WHERE { ?s ?p ?o }") == 2
    assert count(store, "SELECT * WHERE { ?s ?p ?o }", default_graph_uris=[EX + "g1", EX + "g2"]) == 2
    assert count(store, f"SELECT * FROM <{EX}g1> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == 0, "FROM alone: no named"
    named = f"SELECT * FROM <{EX}g1> FROM <{EX}g3> FROM NAMED <{EX}g2> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert count(store, named) == 2


def test_apply_keeps_the_union_in_step() -> None:
    store = OxigraphStore()
    blank = ox.Quad(ox.BlankNode(), ox.NamedNode(EX + "p"), ox.Literal("x"), ox.NamedNode(EX + "g1"))
    store.add_quads([quad("a", "1", "g1"), quad("a", "1", "g2"), blank])
    with store.writing():
        store.apply([quad("a", "1", "g1")], [quad("c", "3", "g1")])
    assert count(store, f"SELECT * WHERE {{ <{EX}a> ?p ?o }}") == 1, "still stated by g2"
    with store.writing():
        store.apply([quad("a", "1", "g2"), blank], [])
    assert count(store, f"SELECT * WHERE {{ <{EX}a> ?p ?o }}") == 0
    assert count(store, "SELECT * WHERE { ?s ?p 'x' }") == 0, "the stored blank node's quad is removed exactly"
    assert (len(store), store.triple_count()) == (1, 1)
    with store.writing():
        store.apply([], [], created_graphs=[ox.NamedNode(EX + "empty")])
    assert store.contains_named_graph(EX + "empty")
    with store.writing():
        store.apply([quad("c", "3", "g1")], [], dropped_graphs=[ox.NamedNode(EX + "g1"), ox.NamedNode(EX + "empty")])
    assert not store.contains_named_graph(EX + "g1") and (len(store), store.triple_count()) == (0, 0)


def test_a_directory_without_the_union_gets_it_when_opened(tmp_path: Path) -> None:
    written = ox.Store(str(tmp_path / "db"))  # as tradekg stores were written before the union was kept
    written.extend([quad("a", "1", "g1"), quad("a", "1", "g2")])
    written.flush()
    del written
    store = OxigraphStore(tmp_path / "db")
    assert count(store, "SELECT * WHERE { ?s ?p ?o }") == 1 and len(store) == 2
    store.close()


def test_dumps_hold_the_named_graphs_only() -> None:
    store = OxigraphStore()
    store.add_quads([quad("a", "1", "g1"), quad("a", "1", "g2")])
    quads = list(ox.parse(store.dump(ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS))
    assert {q.graph_name.value for q in quads} == {EX + "g1", EX + "g2"} and len(quads) == 2
    assert len(list(ox.parse(store.dump(ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES))) == 1


def test_open_store_releases_the_lock_when_a_load_fails(tmp_path: Path) -> None:
    from tradekg.graph.load import open_store
    from tradekg.graph.rdf_files import LoadError

    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle")
    with pytest.raises(LoadError):
        open_store(tmp_path / "db", data_files=[bad])
    OxigraphStore(tmp_path / "db").close()  # the directory's lock is free


def test_predeclared_prefixes_apply_only_where_the_text_does_not_declare_its_own(bundled_store):
    assert bundled_store.query("ASK { ?s a tkg:Country }")  # tkg: is predeclared
    assert not bundled_store.query("PREFIX tkg: <http://example.org/> ASK { ?s a tkg:Country }")
    with pytest.raises(SyntaxError):  # an undeclared prefix that is not predeclared either
        bundled_store.query("ASK { ?s a nosuch:Country }")


def test_has_data_means_a_quad_in_a_named_graph() -> None:
    store = OxigraphStore(None)
    assert not store.has_data()
    store.apply((), [], created_graphs=[ox.NamedNode("http://example.org/empty")])
    assert not store.has_data()  # a graph created empty holds nothing
    store.add_quads(
        [ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c"), ox.NamedNode("http://g"))]
    )
    assert store.has_data()  # and the union default graph holds it too, which alone would not count
    store.replace_graphs({"http://g": []})
    assert not store.has_data()
