"""The store on a SPARQL server, on Virtuoso 7 and the Oxigraph server: set semantics, scoping, conflicts, quirks."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pyoxigraph as ox
import pytest

from tradekg.store.interface import StoreConflict, StoreError
from tradekg.store.remote import RemoteStore
from tradekg.store.remote_commit import INLINE_QUADS, STAGING_PREFIX
from tradekg.store.remote_text import SKOLEM_PREFIX, with_bindings
from tradekg.store.sparql_client import Endpoints

XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "http://example.org/"
G1, G2 = ox.NamedNode(EX + "g1"), ox.NamedNode(EX + "g2")
A, P = ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p")
JAPAN = ox.Literal("Japan", language="en")


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


def connect(server) -> RemoteStore:
    return RemoteStore(Endpoints(server.query_endpoint, server.update_endpoint, server.gsp_endpoint))


@pytest.fixture(params=["virtuoso", "oxigraph"])
def store(request: pytest.FixtureRequest, sparql_server: Callable) -> Iterator[RemoteStore]:
    remote = connect(sparql_server(request.param))
    remote.clear()
    yield remote
    remote.clear()


def write(store: RemoteStore, added, removed=(), **graphs) -> None:
    with store.writing():
        store.apply(removed, added, **graphs)


def values(answer, name):
    return [solution[name] for solution in answer]


def graph_names(store: RemoteStore) -> list[str]:
    return [str(graph) for graph in store.named_graphs()]


def test_the_default_graph_is_a_set_and_named_graphs_keep_their_sources(store: RemoteStore) -> None:
    write(store, [ox.Quad(A, P, JAPAN, G1), ox.Quad(A, P, JAPAN, G2), ox.Quad(A, P, typed("3", "integer"), G1)])
    labels = values(
        store.query(f"SELECT ?o WHERE {{ <{EX}a> <{EX}p> ?o FILTER(isLiteral(?o) && LANG(?o) = 'en') }}"), "o"
    )
    assert labels == [JAPAN]  # once, although two graphs state it (Virtuoso and Oxigraph would give it twice)
    count = values(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ <{EX}a> <{EX}p> ?o }}"), "n")
    assert count == [typed("2", "integer")]
    graphs = values(store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{EX}a> <{EX}p> {JAPAN} }} }} ORDER BY ?g"), "g")
    assert graphs == [G1, G2]
    assert (store.triple_count(), len(store)) == (2, 3)
    assert len(list(store.quads_for_pattern(A, P, JAPAN, ox.DefaultGraph()))) == 1


def test_a_triple_leaves_the_default_graph_with_the_last_graph_stating_it(store: RemoteStore) -> None:
    write(store, [ox.Quad(A, P, JAPAN, G1), ox.Quad(A, P, JAPAN, G2)])
    write(store, [], [ox.Quad(A, P, JAPAN, G1)])
    assert bool(store.query(f"ASK {{ <{EX}a> <{EX}p> {JAPAN} }}"))
    write(store, [], [ox.Quad(A, P, JAPAN, G2)], dropped_graphs=[G2])
    assert not bool(store.query(f"ASK {{ <{EX}a> <{EX}p> {JAPAN} }}"))
    assert graph_names(store) == [G1.value]  # emptied by DELETE, G1 still exists, as in the embedded store


def test_only_tradekg_graphs_are_seen(store: RemoteStore) -> None:
    store.client.update(f"INSERT DATA {{ GRAPH <{EX}someone-else> {{ <{EX}x> <{EX}p> 1 }} }}")
    try:
        assert len(store) == 0 and not store.has_data()  # Virtuoso's system graphs and others' data are not ours
        assert values(store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"), "g") == []
        assert not bool(store.query("ASK { ?s ?p ?o }"))
        write(store, [ox.Quad(A, P, JAPAN, G1)])
        store.clear()  # removes tradekg's graphs only
        assert bool(store.query("ASK { ?s ?p ?o }", default_graph_uris=[EX + "someone-else"]))
    finally:
        store.client.update(f"DROP SILENT GRAPH <{EX}someone-else>")


def test_a_write_made_by_someone_else_meanwhile_is_a_conflict(store: RemoteStore, sparql_server: Callable) -> None:
    write(store, [ox.Quad(A, P, JAPAN, G1)])
    other = RemoteStore(store.endpoints)
    big = [ox.Quad(ox.NamedNode(f"{EX}s{i}"), P, typed(str(i), "integer"), G1) for i in range(2500)]
    with store.writing():
        write(other, [ox.Quad(A, P, typed("1", "integer"), G2)])  # commits between this write's read and its commit
        with pytest.raises(StoreConflict):
            store.apply([ox.Quad(A, P, JAPAN, G1)], big)  # staged in three requests, then refused whole
    assert len(store) == 2 and store.triple_count() == 2
    assert bool(store.query(f"ASK {{ <{EX}a> <{EX}p> {JAPAN} }}"))
    leftovers = store.client.solutions(
        f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{STAGING_PREFIX}')) }}"
    )[0]
    assert list(leftovers) == []  # the staging graphs are gone
    with store.writing():  # read again, the same write commits
        store.apply([ox.Quad(A, P, JAPAN, G1)], big)
    assert len(store) == 2501


def test_a_small_write_is_one_update_request_and_a_large_one_is_staged_first(store: RemoteStore) -> None:
    sent: list[str] = []
    update = store.client.update

    def counted(sparql: str, **options: object) -> None:
        sent.append(sparql)
        update(sparql, **options)  # type: ignore[arg-type]

    store.client.update = counted  # type: ignore[method-assign]
    small = [ox.Quad(ox.NamedNode(f"{EX}s{i}"), P, JAPAN, G1) for i in range(100)]
    write(store, small)
    assert len(sent) == 1 and "INSERT DATA" not in sent[0]  # the data travels in the version-checked request
    sent.clear()
    large = [ox.Quad(ox.NamedNode(f"{EX}t{i}"), P, JAPAN, G2) for i in range(INLINE_QUADS + 1)]
    write(store, large, small)
    assert [text.startswith("INSERT DATA") for text in sent] == [True, False]  # 701 triples staged, then the commit
    assert STAGING_PREFIX in sent[-1]  # the commit drops the staging graphs too
    assert len(store) == len(large) and store.triple_count() == len(large)


def test_boolean_expressions_come_back_as_booleans(store: RemoteStore) -> None:
    write(store, [ox.Quad(A, P, JAPAN, G1)])
    text = f"SELECT * WHERE {{ BIND (EXISTS {{ <{EX}a> ?p ?o }} AS ?x) BIND (1 = 2 AS ?y) BIND (true AS ?z) }}"
    (row,) = store.query(text)
    true, false = typed("true", "boolean"), typed("false", "boolean")
    assert (row["x"], row["y"], row["z"]) == (true, false, true)  # Virtuoso alone would answer 1, 0 and 1


LITERALS = [
    JAPAN,
    ox.Literal("Royaume-Uni", language="fr"),
    ox.Literal("Vereinigtes Königreich", language="de-CH"),
    ox.Literal('plain string with "quotes", a\nnewline, é and 😀'),
    ox.Literal("  spaces around, as in a SHACL-SPARQL query\n    "),
    typed("2025-05-15", "date"),
    typed("2025-05", "gYearMonth"),
    typed("2025", "gYear"),
    typed("2025-05-15T10:00:00Z", "dateTime"),
    typed("2025-05-15T10:00:00", "dateTime"),
    typed("25", "integer"),
    typed("010", "integer"),
    typed("26", "nonNegativeInteger"),
    typed("0.25", "decimal"),
    typed("1.50", "decimal"),
    typed("true", "boolean"),
    typed("https://www.federalregister.gov/d/2025-06063", "anyURI"),
    ox.Literal("opaque", datatype=ox.NamedNode(EX + "custom")),
]


def embedded_spelling(literal: ox.Literal) -> ox.Literal:
    """The literal as the embedded store gives it back (Oxigraph writes numbers canonically, as xsd:integer...)."""
    scratch = ox.Store()
    scratch.add(ox.Quad(A, P, literal, G1))
    return next(iter(scratch)).object


def test_datatypes_and_language_tags_come_back_as_they_went_in(store: RemoteStore) -> None:
    # One predicate per literal: Virtuoso keeps one object of value-equal numbers on a subject and predicate.
    quads = [ox.Quad(A, ox.NamedNode(f"{EX}p{index}"), literal, G1) for index, literal in enumerate(LITERALS)]
    write(store, quads)
    back = {quad.predicate: quad.object for quad in store.quads_for_pattern(A, None, None, G1)}
    for quad in quads:
        returned = back[quad.predicate]
        # As written, or as the embedded store itself would spell it: the same value, datatype and language.
        assert returned in (quad.object, embedded_spelling(quad.object)), (quad.object, returned)
    assert store.stored(quads) == set(quads)  # and each is found again by the term that was written


def test_blank_nodes_are_stored_as_skolem_iris_and_read_back_as_the_same_nodes(store: RemoteStore) -> None:
    node = ox.BlankNode()
    write(store, [ox.Quad(A, P, node, G1), ox.Quad(node, P, JAPAN, G1)])
    (link,) = store.quads_for_pattern(A, P, None, G1)
    assert link.object == node  # the node written, as in the embedded store
    assert [quad.object for quad in store.quads_for_pattern(node, P, None, G1)] == [JAPAN]
    (row,) = store.query("SELECT ?b ?l WHERE { ?a ?p ?b . ?b ?p ?l }")
    assert (row["b"], row["l"]) == (node, JAPAN)
    bound = store.query(f"SELECT ?l WHERE {{ ?b <{EX}p> ?l }}", bindings={"b": node})
    assert values(bound, "l") == [JAPAN]  # a node read back finds the same node again
    stored = store.client.solutions(f"SELECT ?o WHERE {{ GRAPH <{G1.value}> {{ <{EX}a> ?p ?o }} }}")[0]
    assert [solution["o"] for solution in stored] == [node]  # read back through the client too
    on_server = store._select(f"SELECT (STR(?o) AS ?iri) WHERE {{ GRAPH ?g {{ <{EX}a> ?p ?o }} }}", named=[G1.value])
    assert [solution["iri"].value for solution in on_server] == [SKOLEM_PREFIX + node.value]  # an IRI there
    write(store, [], [ox.Quad(node, P, JAPAN, G1)])  # a stored node can be named, and removed
    assert len(store) == 1
    constructed = list(store.query("CONSTRUCT WHERE { ?s ?p ?o }"))
    assert constructed == [ox.Triple(A, P, node)]


def test_created_graphs_exist_empty_and_need_no_empty_graph_pattern(store: RemoteStore) -> None:
    write(store, [], created_graphs=[G2])  # Virtuoso refuses GRAPH ?g {}: graphs are listed from the registry
    assert graph_names(store) == [G2.value] and store.contains_named_graph(G2.value)
    write(store, [], dropped_graphs=[G2])
    assert graph_names(store) == []


def test_construct_answers_and_dumps_read_the_graphs(store: RemoteStore) -> None:
    write(store, [ox.Quad(A, P, JAPAN, G1), ox.Quad(A, P, JAPAN, G2)])
    constructed = list(store.query("CONSTRUCT WHERE { ?s ?p ?o }"))
    assert constructed == [ox.Triple(A, P, JAPAN)]
    trig = store.dump(ox.RdfFormat.N_QUADS)
    assert sorted(ox.parse(trig, ox.RdfFormat.N_QUADS), key=str) == [ox.Quad(A, P, JAPAN, G1), ox.Quad(A, P, JAPAN, G2)]
    turtle = store.dump(ox.RdfFormat.N_TRIPLES)
    assert len(list(ox.parse(turtle, ox.RdfFormat.N_TRIPLES))) == 1  # the union: each triple once


def test_bound_variables_are_bound_first_and_read_as_terms_by_every_expression() -> None:
    text = (
        "SELECT ?t ?c WHERE { ?t a ?k . { SELECT ?c (STR(?c) AS ?s) WHERE { ?x <p> ?c } GROUP BY ?c } "
        "{ ?t <p> ?c } UNION { ?t <q> true OPTIONAL { ?e <r> ?t FILTER (?c != $c) } } } ORDER BY ?c"
    )
    bound = with_bindings(text, {"c": ox.NamedNode(EX + "c"), "k": ox.Literal("x")})
    c = f"<{EX}c>"
    assert bound == (
        f'SELECT ?t ?c WHERE {{ BIND ({c} AS ?c) BIND ("x" AS ?k)  ?t a ?k . '
        f"{{ SELECT ?c (STR({c}) AS ?s) WHERE {{ ?x <p> ?c }} GROUP BY ?c }} "
        f"{{ ?t <p> ?c }} UNION {{ ?t <q> true OPTIONAL {{ ?e <r> ?t FILTER ({c} != {c}) }} }} }} ORDER BY ?c"
    )


def test_bindings_are_a_final_join_and_prefixes_are_predeclared(store: RemoteStore) -> None:
    write(store, [ox.Quad(A, P, JAPAN, G1), ox.Quad(A, P, typed("3", "integer"), G1)])
    answer = store.query(f"SELECT ?o WHERE {{ ?s <{EX}p> ?o }}", bindings={"o": JAPAN})
    assert values(answer, "o") == [JAPAN]
    assert bool(store.query("ASK { ?s ?p ?o FILTER(?o = 3) }"))
    assert list(store.query("SELECT ?c WHERE { ?c a tkg:Country }")) == []  # tkg: needs no PREFIX line
    escaped = f"PREFIX ex: <{EX}> SELECT ?o WHERE {{ ex:a ex:p ?o FILTER(?o != ex:no\\/such) }}"
    assert len(list(store.query(escaped))) == 2  # Virtuoso refuses the escape itself: it is sent as a full IRI


def test_a_refused_or_unreachable_server_is_a_store_error(store: RemoteStore) -> None:
    with pytest.raises(SyntaxError):
        store.query("SELECT nonsense")
    from sparql_servers import refusing_port

    with refusing_port() as refusing, pytest.raises(StoreError, match="cannot reach"):
        url = f"http://127.0.0.1:{refusing.getsockname()[1]}/sparql"
        RemoteStore(Endpoints(url, url))


def test_a_store_of_many_graphs_is_queried_whole(store: RemoteStore) -> None:
    """Virtuoso echoes each ``named-graph-uri`` as a header, more than http.client reads past some 95 graphs."""
    graphs = [ox.NamedNode(f"{EX}many/{index}") for index in range(130)]
    write(store, [ox.Quad(A, P, typed(str(index), "integer"), graph) for index, graph in enumerate(graphs)])
    assert len(store.named_graphs()) == 130
    counted = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{EX}a> <{EX}p> ?o }} }}")
    assert values(counted, "n") == [typed("130", "integer")]
    assert len(store) == 130 and store.triple_count() == 130


def test_language_tagged_and_numeric_literals_are_found_among_other_quads(store: RemoteStore) -> None:
    """Virtuoso 7.2.5 matches them to nothing in a ``VALUES`` table of several rows: they are looked up by UNION."""
    objects = [JAPAN, typed("15", "decimal"), ox.Literal("plain"), ox.NamedNode(EX + "o"), typed("2025-04-05", "date")]
    mine = [ox.Quad(A, P, value, G1) for value in objects]
    shared = [ox.Quad(A, P, value, G2) for value in objects[:2]]
    write(store, [*mine, *shared])
    assert store.stored([*mine, *shared]) == {*mine, *shared}
    absent = [ox.Quad(A, P, typed("16", "decimal"), G1), ox.Quad(A, P, ox.Literal("Japan", language="fr"), G2)]
    assert store.stored([*absent, mine[0], mine[1]]) == {mine[0], mine[1]}
    write(store, [], removed=shared)  # the triples stay in G1, so in the default graph
    assert store.triple_count() == len(objects) and len(store) == len(objects)
    assert bool(store.query(f"ASK {{ <{EX}a> <{EX}p> {JAPAN} }}"))
    assert bool(store.query(f'ASK {{ <{EX}a> <{EX}p> "15"^^<{XSD}decimal> }}'))
