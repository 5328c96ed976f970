"""The full-text index: words in any order, stemmed and as prefixes; it follows every write; its file is reused
only while it matches the store."""

from __future__ import annotations

import random
import re
import threading

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradekg.gate.writes import add_to_graph, apply_update, drop_graph, replace_graph
from tradekg.graph.load import load_quads, open_store
from tradekg.search import text_documents
from tradekg.search.text_documents import fold
from tradekg.search.text_search import TextIndex, index_path, match_expression
from tradekg.search.text_snippets import _snippet_word_by_word, snippet
from tradekg.store.interface import TradeStore

ID = "https://w3id.org/tradekg/id/"
TKG = "https://w3id.org/tradekg/ontology#"
JAPAN_RATE = ID + "measure/usa-jpn-24-percent-rate"
NOTES = ID + "graph/tradekg-research-notes"


@pytest.fixture(scope="module")
def bundled_index(bundled_store: TradeStore) -> TextIndex:
    index = TextIndex(bundled_store)
    index.ensure()
    return index


def found(index: TextIndex, text: str, **options: object) -> list[str]:
    return [hit.iri for hit in index.search(text, limit=100, **options).hits]


def contents(index: TextIndex) -> set[tuple[str, ...]]:
    """What the index holds, by IRI (row ids differ between an index followed and one rebuilt)."""
    database = index._conn()
    texts = database.execute(
        "SELECT r.iri, t.predicate, t.value, t.lang FROM texts t JOIN resources r ON r.id = t.resource"
    )
    types = database.execute("SELECT r.iri, 'type', t.class, '' FROM types t JOIN resources r ON r.id = t.resource")
    documents = database.execute("SELECT r.iri, d.names, d.texts FROM documents d JOIN resources r ON r.id = d.id")
    return {*texts, *types, *(tuple(map(str, row)) for row in documents)}


def test_all_words_in_any_order_stemmed_and_as_prefixes(bundled_index):
    assert JAPAN_RATE in found(bundled_index, "japan tariff")
    assert JAPAN_RATE in found(bundled_index, "TARIFFS japan")
    assert JAPAN_RATE in found(bundled_index, "tarif jap")
    assert JAPAN_RATE not in found(bundled_index, "japan tariff zanzibar")
    assert found(bundled_index, "cote d'ivoire")[0] == ID + "country/CIV"  # diacritics folded; its name first
    assert found(bundled_index, "JPN")[0] == ID + "country/JPN"  # a code is a name: it ranks first
    assert ID + "exemption/usa-blanket-tariff-can" in found(bundled_index, "canada exemption")  # its class's word
    assert found(bundled_index, "9903.01.25")[0] == ID + "measure/usa-blanket-tariff"  # a heading, as written


def test_hits_say_what_they_are_and_why_they_match(bundled_index):
    hit = next(h for h in bundled_index.search("akazawa", limit=10).hits if h.iri.endswith("round-2"))
    assert hit.label == "US-Japan trade talks, round 2 (May 1 visit)"
    assert hit.types == (TKG + "NegotiationRound",)
    assert ("Akazawa", True) in hit.snippet
    answer = bundled_index.search("tariff", limit=5)
    assert answer.total > 5 and len(answer.hits) == 5
    assert sum(f.count for f in answer.facets) >= answer.total
    only = bundled_index.search("tariff", class_iri=TKG + "Exemption", limit=100)
    assert only.total == next(f.count for f in answer.facets if f.iri == TKG + "Exemption")


@pytest.mark.parametrize("text", ['"', "NEAR(a b)", "a OR b AND NOT", "*", "^x", "{x}", "col:x", "  "])
def test_any_text_is_a_search_never_a_syntax_error(bundled_index, text):
    bundled_index.search(text)
    bundled_index.search(text + " qqqzzz", class_iri=TKG + "Tariff")  # matching nothing, even as a prefix
    for prefixes in (False, True):
        expression = match_expression(text, prefixes=prefixes)
        assert re.fullmatch(r'(\{names texts( kinds)?\} : \("[\w ]+"\*?( "[\w ]+"\*?)*\))?', expression)


def test_follows_updates_graph_store_writes_and_loads(fresh_store):
    index = TextIndex(fresh_store)
    index.ensure()
    apply_update(fresh_store, f'INSERT DATA {{ GRAPH <{NOTES}> {{ <{JAPAN_RATE}> tkg:note "Zanzibarish"@en }} }}')
    assert found(index, "zanzibarish") == [JAPAN_RATE]
    assert found(index, "zanzibar") == [JAPAN_RATE]  # a prefix: the words written are expanded from it
    apply_update(fresh_store, f'DELETE WHERE {{ GRAPH <{NOTES}> {{ <{JAPAN_RATE}> tkg:note "Zanzibarish"@en }} }}')
    assert found(index, "zanzibarish") == []
    source = ID + "source/quokka-gazette"
    quads = [
        ox.Quad(ox.NamedNode(source), ox.NamedNode(p), o, ox.NamedNode(ID + "graph/quokka"))
        for p, o in (
            ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(TKG + "Source")),
            ("http://www.w3.org/2000/01/rdf-schema#label", ox.Literal("Quokka Gazette", language="en")),
            ("http://purl.org/dc/terms/title", ox.Literal("Quokka Gazette", language="en")),
            ("http://purl.org/dc/terms/publisher", ox.Literal("Quokka Press")),
        )
    ]
    add_to_graph(fresh_store, ID + "graph/quokka", quads)
    assert found(index, "quokka") == [source]
    assert index.search("quokka").hits[0].types == (TKG + "Source",)
    renamed = [
        ox.Quad(q.subject, q.predicate, ox.Literal("Numbat Herald", language="en"), q.graph_name)
        if isinstance(q.object, ox.Literal) and q.object.language
        else q
        for q in quads
    ]
    replace_graph(fresh_store, ID + "graph/quokka", renamed)
    assert found(index, "quokka") == [] and found(index, "numbat") == [source]
    drop_graph(fresh_store, ID + "graph/quokka")
    load_quads(fresh_store, quads, validate=False)  # the loader's own tests validate; here: the index follows
    assert found(index, "gazette") == [source]


def test_an_index_followed_through_random_writes_equals_one_rebuilt(fresh_store):
    """Differential: whatever the writes, following them leaves the index as a rebuild from the store would."""
    index = TextIndex(fresh_store)
    index.ensure()
    chooser = random.Random(13)
    labelled = [
        row["s"]
        for row in fresh_store.select(
            "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s rdfs:label ?l } FILTER(STRSTARTS(STR(?s), STR(id:))) }"
        )
    ]
    words = ["alpha", "bravo", "charlie", "delta"]
    for step in range(12):
        subject = chooser.choice(labelled).n3()
        word = chooser.choice(words)
        update = chooser.choice(
            [
                f'INSERT DATA {{ GRAPH <{NOTES}> {{ {subject} tkg:note "{word} {step}"@en }} }}',
                f"DELETE {{ GRAPH ?g {{ ?s tkg:note ?n }} }} WHERE {{ GRAPH ?g {{ ?s tkg:note ?n }} "
                f'FILTER(CONTAINS(?n, "{word}")) }}',
                f'INSERT DATA {{ GRAPH <{NOTES}> {{ {subject} skos:altLabel "{word}"@en }} }}',
                f'DELETE WHERE {{ GRAPH ?g {{ ?s skos:altLabel "{word}"@en }} }}',
            ]
        )
        apply_update(fresh_store, update)
    followed = contents(index)
    index._conn().execute("INSERT INTO docs(docs, rank) VALUES ('integrity-check', 1)")  # index = documents
    index.rebuild()
    assert followed == contents(index)


def test_a_search_during_a_background_build_says_so_and_writes_meanwhile_are_not_lost(fresh_store, monkeypatch):
    """A build reads a snapshot of the store; writes committed after that snapshot are read again before the index
    answers, so the index built in the background equals one built after the writes."""
    read, release = threading.Event(), threading.Event()
    real_rebuild = text_documents.rebuild

    def rebuild_then_pause(database, store, **options) -> None:
        real_rebuild(database, store, **options)  # the store is read: later writes are not in this snapshot
        read.set()
        assert release.wait(60)

    monkeypatch.setattr(text_documents, "rebuild", rebuild_then_pause)
    index = TextIndex(fresh_store)
    index.build_in_background()
    assert read.wait(60)
    answer = index.search("japan tariff")
    assert answer.building and answer.hits == [] and index.building
    index.build_in_background()  # already under way: no second build
    index.close()  # a server stopping meanwhile does not wait for the build
    apply_update(fresh_store, f'INSERT DATA {{ GRAPH <{NOTES}> {{ <{JAPAN_RATE}> tkg:note "Wombat"@en }} }}')
    release.set()
    assert index.wait(60) and not index.building and index.build_error is None
    assert found(index, "wombat") == [JAPAN_RATE]  # the write made during the build is in the index
    assert not index.search("japan tariff").building
    followed = contents(index)
    monkeypatch.setattr(text_documents, "rebuild", real_rebuild)
    index.rebuild()
    assert followed == contents(index)


def test_a_failed_background_build_is_kept_and_the_next_search_builds_again(fresh_store, monkeypatch):
    real_rebuild = text_documents.rebuild

    def broken(database, store, **options) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(text_documents, "rebuild", broken)
    index = TextIndex(fresh_store)
    index.build_in_background()
    assert not index.wait(60) and isinstance(index.build_error, OSError)
    monkeypatch.setattr(text_documents, "rebuild", real_rebuild)
    assert JAPAN_RATE in found(index, "japan tariff")  # built in the searching thread


def test_an_index_file_beside_a_store_is_reused_only_while_it_matches(tmp_path):
    path = tmp_path / "store"

    def reopened() -> tuple[TradeStore, TextIndex]:
        store = open_store(path)
        return store, TextIndex(store, index_path(store))

    store, index = reopened()
    assert index.path == tmp_path / "store.search.sqlite3"
    assert JAPAN_RATE in found(index, "japan tariff")
    apply_update(store, f'INSERT DATA {{ GRAPH <{NOTES}> {{ <{JAPAN_RATE}> tkg:note "Quokka"@en }} }}')  # followed
    assert found(index, "quokka") == [JAPAN_RATE]
    index._conn().execute("INSERT INTO meta(key, value) VALUES ('mark', 'kept')")  # a rebuild empties meta
    index.close()
    store.close()

    store, index = reopened()
    index.ensure()  # written while open and followed, each commit's stamp recorded: reused without a count
    assert index._quads is None
    assert index._conn().execute("SELECT value FROM meta WHERE key = 'mark'").fetchone() == ("kept",)
    index._conn().execute("INSERT INTO docs(docs) VALUES ('delete-all')")  # a reuse shows: a rebuild refills it
    index.close()
    store.close()

    store, index = reopened()
    assert found(index, "japan tariff") == []  # closed cleanly over the same store: reused
    index.close()
    apply_update(store, f'INSERT DATA {{ GRAPH <{NOTES}> {{ <{JAPAN_RATE}> tkg:note "Wombat"@en }} }}')  # unseen
    store.close()

    store, index = reopened()
    assert JAPAN_RATE in found(index, "japan tariff wombat")  # the store changed without it: rebuilt
    index._conn().execute("INSERT INTO docs(docs) VALUES ('delete-all')")
    store.close()  # the index is left open, as by a process that died after its last refresh

    store, index = reopened()
    assert found(index, "japan tariff") == []  # its stamp is the store's: every commit is in it, reused
    index.close()
    store.close()


def test_an_index_file_without_a_stamp_is_checked_by_counting_the_store(tmp_path):
    store = open_store(tmp_path / "store")
    index = TextIndex(store, index_path(store))
    index.ensure()
    database = index._conn()
    database.execute("DELETE FROM meta WHERE key = 'stamp'")  # as an index file from before stamps
    database.execute("INSERT INTO meta(key, value) VALUES ('mark', 'kept')")  # a rebuild empties meta
    database.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [("clean", "1"), ("quads", str(len(store)))])
    database.close()
    index._db = None
    store.close()

    store = open_store(tmp_path / "store")
    index = TextIndex(store, index_path(store))
    index.ensure()  # closed cleanly over a store of the same size: reused, and from now on stamped
    assert index._quads == len(store)
    assert dict(index._conn().execute("SELECT key, value FROM meta"))["mark"] == "kept"
    index.close()
    store.close()

    store = open_store(tmp_path / "store")
    index = TextIndex(store, index_path(store))
    index.ensure()
    assert index._quads is None and dict(index._conn().execute("SELECT key, value FROM meta"))["mark"] == "kept"
    index.close()
    store.close()


def test_an_index_file_of_another_format_or_broken_is_built_anew(tmp_path, bundled_store):
    path = tmp_path / "old.search.sqlite3"
    path.write_bytes(b"not a database at all")
    index = TextIndex(bundled_store, path)
    assert JAPAN_RATE in found(index, "japan tariff")
    index._conn().execute("UPDATE meta SET value = '0' WHERE key = 'version'")  # as an older release left it
    index.close()
    index = TextIndex(bundled_store, path)
    index.ensure()
    assert index._conn().execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0] != "0"
    index.close()


def test_the_store_tells_listeners_each_committed_change_set_and_nothing_refused(fresh_store):
    seen: list[tuple[set, set]] = []
    fresh_store.on_commit(lambda removed, added: seen.append((set(removed), set(added))))
    note = f'<{JAPAN_RATE}> tkg:note "Quokka"@en'
    apply_update(fresh_store, f"INSERT DATA {{ GRAPH <{NOTES}> {{ {note} }} }}")
    ((removed, added),) = seen
    assert removed == set() and [(q.subject.value, q.object.value) for q in added] == [(JAPAN_RATE, "Quokka")]
    with pytest.raises(Exception, match="conform"):
        apply_update(fresh_store, f"INSERT DATA {{ GRAPH <{NOTES}> {{ <{JAPAN_RATE}> tkg:ratePercent 'x' }} }}")
    assert len(seen) == 1  # a refused write commits nothing, and says nothing
    apply_update(fresh_store, f"DELETE DATA {{ GRAPH <{NOTES}> {{ {note} }} }}")
    assert seen[1][1] == set() and {q.object.value for q in seen[1][0]} == {"Quokka"}


def test_a_common_word_is_ranked_in_a_window_and_counted_up_to_a_limit(bundled_store, bundled_index):
    everything = bundled_index.search("tariff", limit=1000)
    assert everything.total > 5 and not everything.total_is_lower_bound and everything.window is None
    bounded = TextIndex(bundled_store, window=3, count_limit=5)
    answer = bounded.search("tariff", limit=10)
    assert (answer.total, answer.total_is_lower_bound, answer.window, answer.reachable) == (5, True, 3, 3)
    assert len(answer.hits) == 3 and {hit.iri for hit in answer.hits} <= {hit.iri for hit in everything.hits}
    assert 3 <= sum(f.count for f in answer.facets) and all(f.count <= 3 for f in answer.facets)  # the window's
    exact = TextIndex(bundled_store, window=3, count_limit=everything.total).search("tariff")
    assert (exact.total, exact.total_is_lower_bound) == (everything.total, False)
    with pytest.raises(ValueError, match="window"):
        TextIndex(bundled_store, window=10, count_limit=5)


_WORDS = st.text(alphabet="abtTfiIrsx_9", min_size=1, max_size=7)


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.one_of(_WORDS, st.sampled_from([" ", ", ", ". ", "-", " (", ") ", "é"])), max_size=60).map(
        "".join
    ),
    words=st.lists(_WORDS.map(fold), min_size=1, max_size=3),
    around=st.integers(0, 4),
)
def test_the_snippet_of_an_ascii_text_is_the_one_found_word_by_word(text: str, words: list[str], around: int) -> None:
    """One regular expression finds the words searched for in an ASCII text: the same snippet as comparing each
    word of the text in Python (which any other text still gets)."""
    assert snippet(text, words, around=around) == _snippet_word_by_word(text, words, around=around)


def test_a_rebuild_reads_from_the_union_what_a_query_of_the_data_graphs_reads(fresh_store):
    """``read_all`` (the union default graph, predicate by predicate) gives the rows of ``read`` (a SPARQL query of
    the data graphs): a triple only the ontology holds is left out, one a data graph holds too is kept."""
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    tariff = ox.NamedNode(TKG + "Tariff")
    ontology_label = next(fresh_store.quads_for_pattern(tariff, ox.NamedNode(label))).object
    load_quads(fresh_store, [ox.Quad(tariff, ox.NamedNode(label), ontology_label, ox.NamedNode(NOTES))], validate=False)
    rows = list(text_documents.read_all(fresh_store))
    assert len(rows) == len(set(rows)) and set(rows) == set(text_documents.read(fresh_store, None))
    assert (TKG + "Tariff", label, ontology_label.value, ontology_label.language or "") in rows  # in a data graph
    assert not any(row[0] == TKG + "Exemption" for row in rows)  # only in the ontology


def test_a_rebuild_numbers_resources_class_by_class_the_rarest_first(bundled_index):
    database = bundled_index._conn()
    sizes = dict(database.execute("SELECT class, count(*) FROM types GROUP BY class"))
    rarest = [
        min((sizes[c], c) for c in classes.split("\n"))
        for _, classes in database.execute(
            "SELECT resource, group_concat(class, char(10)) FROM types GROUP BY resource ORDER BY resource"
        )
    ]
    assert rarest == sorted(rarest) and len(set(rarest)) < len(rarest)  # in order, and classes share a rank
