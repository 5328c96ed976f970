"""The store: union default graph, bindings as terms, atomic graph replacement, persistence."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef

from tradekg.graph.store import TradeStore, names_own_dataset

EX = "http://example.org/"


def quad(subject: str, obj: str, graph: str) -> ox.Quad:
    return ox.Quad(ox.NamedNode(EX + subject), ox.NamedNode(EX + "p"), ox.Literal(obj), ox.NamedNode(EX + graph))


def test_default_graph_is_the_union_of_named_graphs() -> None:
    store = TradeStore()
    store.add_quads([quad("a", "1", "g1"), quad("b", "2", "g2")])
    rows = store.select("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s")
    assert [str(row["s"]) for row in rows] == [EX + "a", EX + "b"]
    assert store.named_graphs() == [URIRef(EX + "g1"), URIRef(EX + "g2")]
    assert len(store.rdflib_query("SELECT * WHERE { ?s ?p ?o }")) == 2


def test_default_graph_uris_restrict_the_default_graph() -> None:
    store = TradeStore()
    store.add_quads([quad("a", "1", "g1"), quad("b", "2", "g2")])
    answer = store.query("SELECT ?s WHERE { ?s ?p ?o }", default_graph_uris=[EX + "g2"])
    assert [solution["s"].value for solution in answer] == [EX + "b"]


def test_bindings_are_terms_never_query_text() -> None:
    store = TradeStore()
    store.add_quads([quad("a", "1", "g1")])
    hostile = Literal('"} ; DROP ALL ; {"')
    rows = store.select("SELECT ?o ?s WHERE { OPTIONAL { ?s ?p ?o } }", bindings={"o": hostile})
    assert rows == [{"o": hostile}]
    assert len(store) == 1


def test_replace_graphs_swaps_contents_and_keeps_other_graphs() -> None:
    store = TradeStore()
    store.add_quads([quad("a", "1", "g1"), quad("b", "2", "g2")])
    store.replace_graphs({EX + "g1": [quad("c", 'with "quotes"\nand a newline', "g1")]})
    rows = store.select("SELECT ?s ?o WHERE { GRAPH <http://example.org/g1> { ?s ?p ?o } }")
    assert rows == [{"s": URIRef(EX + "c"), "o": Literal('with "quotes"\nand a newline')}]
    assert len(store) == 2


def test_persistent_store_keeps_writes_across_reopening(tmp_path: Path) -> None:
    store = TradeStore(tmp_path / "db")
    store.add_quads([quad("a", "1", "g1")])
    store.close()
    reopened = TradeStore(tmp_path / "db")
    assert len(reopened) == 1
    assert reopened.triple_count() == 1


def test_a_query_with_from_reads_the_graphs_it_names() -> None:
    store = TradeStore()
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
    store = TradeStore()
    store.engine.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"),
                             ox.Literal("1"), ox.NamedNode("http://example.org/g1")))  # fmt: skip
    store.engine.add(ox.Quad(ox.NamedNode("http://example.org/b"), ox.NamedNode("http://example.org/p"),
                             ox.Literal("2"), ox.NamedNode("http://example.org/g2")))  # fmt: skip
    assert len(list(store.query("SELECT * WHERE { ?s ?p ?o }"))) == 2
    assert len(list(store.query("SELECT * FROM <http://example.org/g1> WHERE { ?s ?p ?o }"))) == 1
