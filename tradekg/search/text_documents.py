"""What the full-text index holds and how it is written: one document per resource, read from the store.

The SQLite file has a table of the watched literals (``texts``), one of the classes (``types``), the resources'
IRIs by number (``resources``), one document per resource (``documents``: its names (:data:`NAME_PROPERTIES`), its
prose (:data:`TEXT_PROPERTIES`) and a token per class, so that a class picked as a facet filters inside the index)
and the FTS5 table ``docs`` indexing the documents (an external-content table: the texts are stored once, and
ranking and snippets read them from ``documents`` by number, which FTS5 itself does several times slower). The
``words`` table lists every word of the names and prose, folded as the tokenizer folds them, so that a prefix
(``tarif``) can be expanded into the words it begins ("tariff", "tariffs"): FTS5 answers a prefix longer than its
prefix index by merging the whole list of documents of every word it begins, which costs 200 ms for ``tarif`` at
10^7 quads. Words are only added (a word no longer in any document expands to nothing found).
:func:`rebuild` fills it from the whole store, :func:`refresh` reads some resources again. Only the store's public
query method is used, so this works over any backend of :class:`TradeStore`. The searching side is
:mod:`tradekg.search.text_search`.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from tradekg.graph.load import DATA_GRAPHS_FILTER, VOCABULARY_GRAPHS
from tradekg.ontology.vocab import PREFIXES
from tradekg.store.interface import TradeStore
from tradekg.store.stamp import transaction

_RDF, _RDFS, _SKOS, _DCT, _SCHEMA, _TKG = (
    PREFIXES[name] for name in ("rdf", "rdfs", "skos", "dcterms", "schema", "tkg")
)
RDF_TYPE = _RDF + "type"
NAME_PROPERTIES: tuple[str, ...] = (
    _RDFS + "label",
    _SKOS + "prefLabel",
    _SKOS + "altLabel",
    _DCT + "title",
    _SCHEMA + "name",
    PREFIXES["foaf"] + "name",
    _SKOS + "notation",
    _TKG + "iso3166Alpha3",
    _TKG + "iso3166Alpha2",
    _TKG + "htsHeading",
    _SCHEMA + "legislationIdentifier",
)
"""Properties whose values name a resource: matches there rank first. The first ones give the label shown."""
TEXT_PROPERTIES: tuple[str, ...] = (
    _TKG + "note",
    _SCHEMA + "description",
    _RDFS + "comment",
    _DCT + "description",
    _SKOS + "definition",
    _SKOS + "scopeNote",
    _TKG + "outcome",
    _TKG + "condition",
    _TKG + "objective",
)
"""Properties whose values describe a resource in prose."""
WATCHED = frozenset((*NAME_PROPERTIES, *TEXT_PROPERTIES, RDF_TYPE))
FORMAT_VERSION = "5"
"""Bumped when what is indexed changes: an index file of another version is rebuilt."""
BATCH = 50_000
"""Rows read from the store written to the index at a time while it is built (memory stays bounded)."""
_CHUNK = 500
WORD = re.compile(r"\w+", re.UNICODE)
"""A word, as the index's tokenizer splits texts (near enough: it also splits at ``_``)."""
_LOCAL_NAME_END = re.compile(r"[#/]")
_CAMEL_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
Item = TypeVar("Item")
Row = tuple[str, str, str, str]
"""(subject, predicate, value, language) of a watched literal or type (the value of a type is the class)."""

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resources(id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS texts(
    resource INTEGER NOT NULL, predicate TEXT NOT NULL, value TEXT NOT NULL, lang TEXT NOT NULL,
    PRIMARY KEY (resource, predicate, value, lang)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS types(resource INTEGER NOT NULL, class TEXT NOT NULL,
    PRIMARY KEY (resource, class)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS types_by_class ON types(class, resource);
CREATE TABLE IF NOT EXISTS documents(id INTEGER PRIMARY KEY, names TEXT, texts TEXT, kinds TEXT);
CREATE TABLE IF NOT EXISTS words(word TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(
    names, texts, kinds, content = 'documents', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3');
"""


def in_list(iris: Sequence[str]) -> str:
    """IRIs as the items of an SQL ``IN (...)`` list."""
    return ", ".join("'" + iri.replace("'", "''") + "'" for iri in iris)


_DOCS_SQL = (
    "INSERT INTO documents(id, names, texts, kinds) SELECT resource,"
    f" group_concat(CASE WHEN predicate IN ({in_list(NAME_PROPERTIES)}) THEN value END, ' . '),"
    f" group_concat(CASE WHEN predicate IN ({in_list(TEXT_PROPERTIES)}) THEN value END, ' . '),"
    " (SELECT group_concat(kind_token(class) || ' ' || kind_words(class), ' ')"
    " FROM types WHERE types.resource = texts.resource)"
    " FROM texts {where} GROUP BY resource"
)
"""One document per resource: its names, its prose, and a token per class (so that a class filters in the index)."""


@lru_cache(maxsize=1024)
def kind_words(class_iri: str) -> str:
    """The words of a class's local name (``NegotiationRound``: "Negotiation Round").

    So "canada exemption" finds the exemption for Canada although its label does not say "exemption".
    """
    local = _LOCAL_NAME_END.split(class_iri.rstrip("#/"))[-1]
    return " ".join(_CAMEL_WORD.findall(local))


@lru_cache(maxsize=1024)
def kind_token(class_iri: str) -> str:
    """The token standing for a class in the ``kinds`` column: digits, which neither tokenizer nor stemmer change."""
    return str(int.from_bytes(hashlib.blake2b(class_iri.encode(), digest_size=7).digest(), "big"))


def connect(path: Path | None) -> sqlite3.Connection:
    """The index's database (a file, or memory for ``None``) with its tables, in autocommit mode.

    A file is written ahead (WAL) without waiting for the disk at each commit (``synchronous = NORMAL``): a write's
    refresh then costs no fsync. A commit lost in a power failure is harmless: the index is derived data, rebuilt
    when its file was not closed cleanly.
    """
    database = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False, isolation_level=None)
    if path is not None:
        database.execute("PRAGMA journal_mode = WAL")
        database.execute("PRAGMA synchronous = NORMAL")
    database.create_function("kind_token", 1, kind_token, deterministic=True)
    database.create_function("kind_words", 1, kind_words, deterministic=True)
    database.executescript(SCHEMA_SQL)
    return database


def has_format(path: Path, version: str) -> bool:
    """Whether the file is a text index of this format version."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as database:
            row = database.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return row is not None and row[0] == version


def fold(word: str) -> str:
    """A word lower-cased without diacritics, as the index's tokenizer compares words."""
    if word.isascii():
        return word.lower()
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def touched(removed: Iterable[Any], added: Iterable[Any]) -> set[str]:
    """The IRIs whose names, texts or types a change set touches (blank nodes are not indexed)."""
    return {
        quad.subject.value
        for quads in (removed, added)
        for quad in quads
        if quad.predicate.value in WATCHED and ":" in quad.subject.value  # an IRI, not a blank node's id
    }


def rebuild(database: sqlite3.Connection, store: TradeStore, *, stamp: str | None = None) -> None:
    """Index the whole store again, in one transaction; the index is then of this format, not yet closed cleanly.

    ``stamp`` is the store's stamp read before the store is (:mod:`tradekg.store.stamp`), recorded with the rows.

    The store is read once (:func:`read_all`) into a temporary table; SQLite then numbers the resources
    (:data:`_NUMBERED_BY_CLASS_SQL`), fills the tables and builds the FTS5 index in one pass each.
    """
    with transaction(database):
        database.execute("INSERT INTO docs(docs) VALUES ('delete-all')")
        for table in ("texts", "types", "documents", "words", "resources", "meta"):
            database.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are constants
        database.execute("CREATE TEMP TABLE IF NOT EXISTS staged(iri TEXT, predicate TEXT, value TEXT, lang TEXT)")
        database.execute("DELETE FROM staged")
        rows = read_all(store)
        while batch := list(islice(rows, BATCH)):
            database.executemany("INSERT INTO staged VALUES (?, ?, ?, ?)", batch)
        database.execute(_NUMBERED_BY_CLASS_SQL, (RDF_TYPE,))
        for table, condition in (("texts", "s.predicate <> ?"), ("types", "s.predicate = ?")):
            columns = "r.id, s.predicate, s.value, s.lang" if table == "texts" else "r.id, s.value"
            database.execute(
                f"INSERT OR IGNORE INTO {table} SELECT {columns} FROM staged s"  # noqa: S608 - constants
                f" JOIN resources r ON r.iri = s.iri WHERE {condition} ORDER BY r.id",
                (RDF_TYPE,),
            )
        database.execute("DROP TABLE staged")
        database.execute(_DOCS_SQL.format(where=""))
        database.execute("INSERT INTO docs(docs) VALUES ('rebuild')")
        _add_words(database, database.execute("SELECT names, texts FROM documents"))
        database.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?)",
            (("version", FORMAT_VERSION), ("clean", "0"), ("stamp", stamp or "")),
        )


_NUMBERED_BY_CLASS_SQL = """
INSERT INTO resources(id, iri)
SELECT row_number() OVER (ORDER BY rarest IS NULL, rarest, iri), iri FROM (
    SELECT staged.iri, min(printf('%012d ', sizes.size) || sizes.class) AS rarest
    FROM staged LEFT JOIN (
        SELECT value AS class, count(*) AS size FROM staged WHERE predicate = ?1 GROUP BY value
    ) AS sizes ON staged.predicate = ?1 AND sizes.class = staged.value
    GROUP BY staged.iri)
"""
"""Number the resources class by class, the rarest class first (a resource goes with its rarest class).

FTS5 finds the documents holding a word and a class token (a class picked as a facet) by stepping through both
lists of documents in number order: when the members of a class are numbered together, it skips over the others,
instead of stepping through every member of the class (80 ms for the 134,000 exemptions at 10^7 quads, when
"tariff" is in none of them). Rare classes first also puts the curated resources, and the rarer kinds, in the
first matches that the facets and the ranking cover. Resources without a class come last, and resources added
later are numbered after every one.
"""


def read_all(store: TradeStore) -> Iterator[Row]:
    """Every row :func:`read` gives for all subjects, read from the union default graph predicate by predicate.

    Scanning the store's index of each predicate costs less than half of one SPARQL query over the named graphs
    (which must also drop a triple's repeats across graphs). A triple that only the vocabulary graphs (the
    ontology, the shapes) hold is left out, as :func:`read` leaves it out.
    """
    vocabulary_only = _vocabulary_only(store)
    subjects_of_vocabulary = {triple[0].value for triple in vocabulary_only}
    for predicate in sorted(WATCHED):
        node = ox.NamedNode(predicate)
        for quad in store.quads_for_pattern(None, node, None, ox.DefaultGraph()):
            subject, value = quad.subject, quad.object
            if not isinstance(subject, ox.NamedNode):
                continue
            if not isinstance(value, ox.Literal) and (predicate != RDF_TYPE or not isinstance(value, ox.NamedNode)):
                continue
            if subject.value in subjects_of_vocabulary and (subject, node, value) in vocabulary_only:
                continue
            yield subject.value, predicate, value.value, getattr(value, "language", None) or ""


def _vocabulary_only(store: TradeStore) -> set[tuple[ox.NamedNode, ox.NamedNode, ox.Term]]:
    """The watched triples of the vocabulary graphs that no data graph holds."""
    watched = " ".join(f"<{iri}>" for iri in WATCHED)
    vocabulary = ", ".join(f"<{iri}>" for iri in VOCABULARY_GRAPHS)
    answer = store.query(
        f"""SELECT DISTINCT ?s ?p ?o WHERE {{
            GRAPH ?v {{ VALUES ?p {{ {watched} }} ?s ?p ?o }}
            FILTER(?v IN ({vocabulary}) && isIRI(?s))
            FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} {DATA_GRAPHS_FILTER} }}
        }}"""
    )
    return {(subject, predicate, value) for subject, predicate, value in answer}  # type: ignore[union-attr, misc]


def set_stamp(database: sqlite3.Connection, stamp: str | None) -> None:
    """Record the store's stamp (:mod:`tradekg.store.stamp`); ``None`` (a store without stamps) records nothing."""
    if stamp is not None:
        database.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('stamp', ?)", (stamp,))


def refresh(
    database: sqlite3.Connection, store: TradeStore, subjects: Iterable[str], *, stamp: str | None = None
) -> None:
    """Read the documents of these resources again from the store, in one transaction with the commit's ``stamp``."""
    subjects = sorted(set(subjects))
    with transaction(database):
        set_stamp(database, stamp)
        ids = _ids(database, subjects)
        numbers = [ids[s] for s in subjects]
        for chunk in chunks(numbers):
            marks = ",".join("?" * len(chunk))
            database.execute(  # the index forgets the old document first: it needs its text to find its words
                "INSERT INTO docs(docs, rowid, names, texts, kinds)"
                f" SELECT 'delete', id, names, texts, kinds FROM documents WHERE id IN ({marks})",  # noqa: S608
                chunk,
            )
            for table, column in (("texts", "resource"), ("types", "resource"), ("documents", "id")):
                database.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)  # noqa: S608
        for chunk in chunks(subjects):
            _insert(database, read(store, chunk), ids)
        for chunk in chunks(numbers):
            marks = ",".join("?" * len(chunk))
            database.execute(_DOCS_SQL.format(where=f"WHERE resource IN ({marks})"), chunk)
            database.execute(
                "INSERT INTO docs(rowid, names, texts, kinds)"
                f" SELECT id, names, texts, kinds FROM documents WHERE id IN ({marks})",  # noqa: S608
                chunk,
            )
            _add_words(database, database.execute(f"SELECT names, texts FROM documents WHERE id IN ({marks})", chunk))


def read(store: TradeStore, subjects: Sequence[str] | None) -> Iterator[Row]:
    """(subject, predicate, value, language) of the watched literals and types, of all or some subjects."""
    if subjects is None:
        pattern = "VALUES ?p { " + " ".join(f"<{iri}>" for iri in WATCHED) + " } ?s ?p ?o"
    else:  # subjects first: Oxigraph then looks each one up (VALUES ?p first would scan the predicates)
        watched = ", ".join(f"<{iri}>" for iri in WATCHED)
        pattern = "VALUES ?s { " + " ".join(f"<{s}>" for s in subjects) + f" }} ?s ?p ?o FILTER(?p IN ({watched}))"
    answer = store.query(
        f"""SELECT DISTINCT ?s ?p ?o WHERE {{
            GRAPH ?g {{ {pattern} }}
            {DATA_GRAPHS_FILTER}
            FILTER(isIRI(?s) && (isLiteral(?o) || (?p = <{RDF_TYPE}> && isIRI(?o))))
        }}"""
    )
    for subject, predicate, value in answer:  # type: ignore[union-attr]
        yield subject.value, predicate.value, value.value, getattr(value, "language", None) or ""


def _ids(database: sqlite3.Connection, subjects: Sequence[str]) -> dict[str, int]:
    database.executemany("INSERT OR IGNORE INTO resources(iri) VALUES (?)", ((s,) for s in subjects))
    ids: dict[str, int] = {}
    for chunk in chunks(list(subjects)):
        marks = ",".join("?" * len(chunk))
        ids.update(database.execute(f"SELECT iri, id FROM resources WHERE iri IN ({marks})", chunk))  # noqa: S608
    return ids


def _insert(database: sqlite3.Connection, rows: Iterable[Row], ids: dict[str, int]) -> None:
    """Store rows of :func:`read`; subjects missing from ``ids`` (all of them in a rebuild) get new numbers."""
    texts: list[tuple[int, str, str, str]] = []
    types: list[tuple[int, str]] = []
    new: list[tuple[int, str]] = []
    following = database.execute("SELECT coalesce(max(id), 0) + 1 FROM resources").fetchone()[0]
    for subject, predicate, value, lang in rows:
        number = ids.get(subject)
        if number is None:
            number = ids[subject] = following
            new.append((number, subject))
            following += 1
        if predicate == RDF_TYPE:
            types.append((number, value))
        else:
            texts.append((number, predicate, value, lang))
    database.executemany("INSERT INTO resources(id, iri) VALUES (?, ?)", new)
    database.executemany("INSERT OR IGNORE INTO texts VALUES (?, ?, ?, ?)", texts)
    database.executemany("INSERT OR IGNORE INTO types VALUES (?, ?)", types)


def _add_words(database: sqlite3.Connection, documents: Iterable[tuple[str | None, str | None]]) -> None:
    """Add the words of these (names, prose) to the ``words`` table."""
    found: set[str] = set()
    for texts in documents:
        for text in texts:
            if text and text.isascii():  # nearly every text: lower-cased at once, the same words
                found.update(WORD.findall(text.lower()))
            elif text:
                found.update(fold(word) for word in WORD.findall(text))
    database.executemany("INSERT OR IGNORE INTO words(word) VALUES (?)", ((word,) for word in sorted(found)))


def chunks(items: Sequence[Item]) -> Iterator[list[Item]]:
    """The items in lists of at most 500 (under SQLite's limit of bound parameters)."""
    for start in range(0, len(items), _CHUNK):
        yield list(items[start : start + _CHUNK])
