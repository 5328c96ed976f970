"""Search by words: a full-text index of labels, notes and descriptions, kept up to date on every write.

The index is SQLite FTS5 (Python's standard library): one document per resource of the data graphs, with its
names (:data:`NAME_PROPERTIES`), its texts (:data:`TEXT_PROPERTIES`) and a token per class (so that a class picked
as a facet filters inside the index). Every word must match, in any order, stemmed (Porter: ``tariffs`` finds
"tariff"): ``japan tariff`` finds "US 24% tariff rate on Japan". When nothing matches word for word, the words are
tried as prefixes (``tarif``, ``akaz``). Hits holding more of the words in their names come first, then the
shortest names; ranking and facets cover the first :data:`WINDOW` matches, the total all of them.

Freshness. The index follows the store through :meth:`TradeStore.on_commit`: each committed change set names the
resources whose names, texts or types it touches, and their documents are read again from the store (so the
index never depends on the order or the exact form of the changes, only on which resources they touch). An
in-memory store gets an in-memory index; a store on disk gets an index file beside its directory
(``<store>.search.sqlite3``), reused when it was closed cleanly over a store of the same size, and rebuilt
otherwise (missing, from an older format, left open by a process that died, or the store written without it).

Only the store's public query method is used, so the index works over any backend of :class:`TradeStore`.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tradekg.graph.load import DATA_GRAPHS_FILTER
from tradekg.graph.store import TradeStore
from tradekg.ontology.vocab import PREFIXES

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
FORMAT_VERSION = "3"
"""Bumped when what is indexed changes: an index file of another version is rebuilt."""
MAX_WORDS = 16
WINDOW = 1000
"""Most matches ranked and counted into facets (the total is always exact); see :meth:`TextIndex.search`."""
_WORD = re.compile(r"\w+", re.UNICODE)
_LOCAL_NAME_END = re.compile(r"[#/]")
_CAMEL_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_CHUNK = 500

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resources(id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS texts(
    resource INTEGER NOT NULL, predicate TEXT NOT NULL, value TEXT NOT NULL, lang TEXT NOT NULL,
    PRIMARY KEY (resource, predicate, value, lang)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS types(resource INTEGER NOT NULL, class TEXT NOT NULL,
    PRIMARY KEY (resource, class)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS types_by_class ON types(class, resource);
CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(
    names, texts, kinds, tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3');
"""


def _in_list(iris: Sequence[str]) -> str:
    return ", ".join("'" + iri.replace("'", "''") + "'" for iri in iris)


_DOCS_SQL = (
    "INSERT INTO docs(rowid, names, texts, kinds) SELECT resource,"
    f" group_concat(CASE WHEN predicate IN ({_in_list(NAME_PROPERTIES)}) THEN value END, ' . '),"
    f" group_concat(CASE WHEN predicate IN ({_in_list(TEXT_PROPERTIES)}) THEN value END, ' . '),"
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


_MATCHES = "SELECT rowid FROM docs WHERE docs MATCH ? LIMIT ?"
_COUNT = "SELECT count(*) FROM docs WHERE docs MATCH ?"


@dataclass(frozen=True)
class Hit:
    """One resource found: its IRI, label, classes and the matched text with the words marked."""

    iri: str
    label: str
    types: tuple[str, ...]
    snippet: tuple[tuple[str, bool], ...]
    """The best-matching text in pieces, each with whether it is a matched word."""

    @property
    def snippet_text(self) -> str:
        """The snippet as plain text."""
        return "".join(text for text, _ in self.snippet)

    def to_json(self) -> dict[str, object]:
        """The hit as JSON."""
        return {"iri": self.iri, "label": self.label, "types": list(self.types), "snippet": self.snippet_text}


@dataclass(frozen=True)
class Facet:
    """A class and how many of the matching resources it types."""

    iri: str
    count: int


@dataclass(frozen=True)
class SearchAnswer:
    """What a search found: how many resources match, one page of them, and the classes among the matches."""

    total: int
    hits: list[Hit]
    facets: list[Facet]
    window: int | None = None
    """Set when more resources match than the ranking and facets cover: they cover the first ``window``."""


def match_expression(text: str, *, prefixes: bool = False) -> str:
    """The FTS5 query for what a user typed: every word, stemmed; with ``prefixes``, each also as a prefix.

    Words may be in the names, the prose or the class (``exemption``). Words written together with punctuation
    (``9903.01.25``) must follow each other. Punctuation and FTS5 operators are dropped, so no input is a syntax
    error. Returns ``""`` when no word is left. One-letter words are never prefixes.
    """
    phrases, count = [], 0
    for chunk in text.lower().split():  # words joined by punctuation (9903.01.25, usa-jpn) stay together
        words = _WORD.findall(chunk)[: MAX_WORDS - count]
        count += len(words)
        if words:
            phrase = " ".join(words)
            phrases.append(f'"{phrase}"*' if prefixes and len(words[-1]) > 1 else f'"{phrase}"')
    columns = "names texts" if prefixes else "names texts kinds"  # a class's words match whole, never as prefixes
    return f"{{{columns}}} : ({' '.join(phrases)})" if phrases else ""


class TextIndex:
    """The full-text index of one store (see the module's description).

    Args:
        store: The store to index and follow.
        path: The index file; ``None`` keeps it in memory.

    The index is built at the first search (:meth:`ensure`), not at construction, and follows every write
    committed after that. Methods are safe to call from several threads.
    """

    def __init__(self, store: TradeStore, path: Path | None = None) -> None:
        self.store = store
        self.path = path
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self._listening = False

    # -- lifecycle ---------------------------------------------------------------------------------

    def ensure(self) -> None:
        """Open the index, building it from the store if it is missing or stale, and start following writes."""
        with self._lock:
            if self._db is not None:
                return
            if self.path is not None and self.path.exists() and not _has_format(self.path, FORMAT_VERSION):
                self.path.unlink()  # another format (or not an index at all): built anew below
            database = sqlite3.connect(
                str(self.path) if self.path else ":memory:", check_same_thread=False, isolation_level=None
            )
            database.create_function("kind_token", 1, kind_token, deterministic=True)
            database.create_function("kind_words", 1, kind_words, deterministic=True)
            database.executescript(_SCHEMA_SQL)
            self._db = database
            if not self._listening:
                self.store.on_commit(self.changed)
                self._listening = True
            if not self._is_current():
                self.rebuild()
            self._set_meta(clean="0")

    def close(self) -> None:
        """Record that the index matches the store (so that the next process reuses it) and close it."""
        with self._lock:
            if self._db is None:
                return
            self._set_meta(clean="1", quads=str(len(self.store)))
            self._db.close()
            self._db = None

    def _is_current(self) -> bool:
        meta = dict(self._conn().execute("SELECT key, value FROM meta"))
        return (
            self.path is not None
            and meta.get("version") == FORMAT_VERSION
            and meta.get("clean") == "1"
            and meta.get("quads") == str(len(self.store))
        )

    def _set_meta(self, **values: str) -> None:
        self._conn().executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", values.items())

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the text index is not open")
        return self._db

    # -- building and following --------------------------------------------------------------------

    def rebuild(self) -> None:
        """Index the whole store again."""
        with self._lock:
            database = self._conn()
            database.execute("BEGIN")
            try:
                for table in ("texts", "types", "docs", "resources", "meta"):
                    database.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are constants
                self._insert(database, self._read(None), {})
                database.execute(_DOCS_SQL.format(where=""))
                database.executemany(
                    "INSERT INTO meta(key, value) VALUES (?, ?)", (("version", FORMAT_VERSION), ("clean", "0"))
                )
                database.execute("COMMIT")
            except BaseException:
                database.execute("ROLLBACK")
                raise

    def changed(self, removed: Iterable[Any], added: Iterable[Any]) -> None:
        """Follow a committed change set: read again every resource whose names, texts or types it touches.

        Called by the store inside its write lock, right after the commit (see :meth:`TradeStore.on_commit`).
        """
        touched = {
            quad.subject.value
            for quads in (removed, added)
            for quad in quads
            if quad.predicate.value in WATCHED and ":" in quad.subject.value  # an IRI, not a blank node's id
        }
        if touched:
            self.refresh(touched)

    def refresh(self, subjects: Iterable[str]) -> None:
        """Read the documents of these resources again from the store."""
        with self._lock:
            if self._db is None:
                return  # not built yet: the first search reads the whole store
            database = self._db
            subjects = sorted(set(subjects))
            database.execute("BEGIN")
            try:
                ids = self._ids(database, subjects)
                for chunk in _chunks([ids[s] for s in subjects]):
                    marks = ",".join("?" * len(chunk))
                    for table, column in (("texts", "resource"), ("types", "resource"), ("docs", "rowid")):
                        database.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)  # noqa: S608
                for chunk in _chunks(subjects):
                    self._insert(database, self._read(chunk), ids)
                for chunk in _chunks([ids[s] for s in subjects]):
                    self._insert_docs(database, chunk)
                database.execute("COMMIT")
            except BaseException:
                database.execute("ROLLBACK")
                raise

    def _read(self, subjects: Sequence[str] | None) -> Iterator[tuple[str, str, str, str]]:
        """(subject, predicate, value, language) of the watched literals and types, of all or some subjects."""
        if subjects is None:
            pattern = "VALUES ?p { " + " ".join(f"<{iri}>" for iri in WATCHED) + " } ?s ?p ?o"
        else:  # subjects first: Oxigraph then looks each one up (VALUES ?p first would scan the predicates)
            watched = ", ".join(f"<{iri}>" for iri in WATCHED)
            pattern = "VALUES ?s { " + " ".join(f"<{s}>" for s in subjects) + f" }} ?s ?p ?o FILTER(?p IN ({watched}))"
        answer = self.store.query(
            f"""SELECT DISTINCT ?s ?p ?o WHERE {{
                GRAPH ?g {{ {pattern} }}
                {DATA_GRAPHS_FILTER}
                FILTER(isIRI(?s) && (isLiteral(?o) || (?p = <{RDF_TYPE}> && isIRI(?o))))
            }}"""
        )
        for subject, predicate, value in answer:  # type: ignore[union-attr]
            yield subject.value, predicate.value, value.value, getattr(value, "language", None) or ""

    def _ids(self, database: sqlite3.Connection, subjects: Sequence[str]) -> dict[str, int]:
        database.executemany("INSERT OR IGNORE INTO resources(iri) VALUES (?)", ((s,) for s in subjects))
        ids: dict[str, int] = {}
        for chunk in _chunks(list(subjects)):
            marks = ",".join("?" * len(chunk))
            ids.update(database.execute(f"SELECT iri, id FROM resources WHERE iri IN ({marks})", chunk))  # noqa: S608
        return ids

    def _insert(
        self, database: sqlite3.Connection, rows: Iterable[tuple[str, str, str, str]], ids: dict[str, int]
    ) -> None:
        """Store rows of :meth:`_read`; subjects missing from ``ids`` (all of them in a rebuild) get new numbers."""
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

    def _insert_docs(self, database: sqlite3.Connection, ids: Sequence[int]) -> None:
        marks = ",".join("?" * len(ids))
        database.execute(_DOCS_SQL.format(where=f"WHERE resource IN ({marks})"), list(ids))

    # -- searching ---------------------------------------------------------------------------------

    def search(self, text: str, *, class_iri: str | None = None, limit: int = 50, offset: int = 0) -> SearchAnswer:
        """The resources matching every word of ``text``, best first.

        The total is exact. The ranking and the facets cover every match, or, when more than :data:`WINDOW`
        resources match, the first :data:`WINDOW` of them in index order (``SearchAnswer.window`` says so): a
        single common word then costs no more than a precise phrase.

        Args:
            text: What the user typed.
            class_iri: Only resources of this class (a facet picked).
            limit: Hits per page.
            offset: The first hit to return.
        """
        expression = match_expression(text)
        if not expression:
            return SearchAnswer(0, [], [])
        self.ensure()
        with self._lock:
            database = self._conn()
            first = [row[0] for row in database.execute(_MATCHES, (expression, WINDOW + 1))]
            if not first:  # no word-for-word match: words as prefixes (tarif, japan for Japanese), slower
                expression = match_expression(text, prefixes=True)
                first = [row[0] for row in database.execute(_MATCHES, (expression, WINDOW + 1))]
            if len(first) > WINDOW:
                total, last = database.execute(_COUNT, (expression,)).fetchone()[0], first[WINDOW - 1]
            else:
                total, last = len(first), None
            bound, bound_args = (" AND rowid <= ?", [last]) if last is not None else ("", [])
            facets = [
                Facet(iri, count)
                for iri, count in database.execute(
                    "SELECT class, count(*) FROM types WHERE resource IN"
                    f" (SELECT rowid FROM docs WHERE docs MATCH ?{bound}) GROUP BY class ORDER BY count(*) DESC, class",
                    [expression, *bound_args],
                )
            ]
            overflow = last is not None
            if class_iri:  # the first matches of that class, found by the index itself
                expression = f'kinds : "{kind_token(class_iri)}" AND {expression}'
                first = [row[0] for row in database.execute(_MATCHES, (expression, WINDOW + 1))]
                overflow = len(first) > WINDOW
                total = database.execute(_COUNT, (expression,)).fetchone()[0] if overflow else len(first)
            words = [_fold(word) for word in _WORD.findall(text.lower())[:MAX_WORDS]]
            ranked = self._ranked(database, first[:WINDOW], words, limit=limit, offset=offset)
            hits = self._hits(database, ranked, words)
        return SearchAnswer(total, hits, facets, WINDOW if overflow else None)

    def _ranked(
        self, database: sqlite3.Connection, numbers: list[int], words: list[str], *, limit: int, offset: int
    ) -> list[int]:
        """One page of matching rows, best first: most words in the names, then the shortest names.

        BM25 would weigh the same evidence, but FTS5 computes it by reading the whole list of documents of each
        word, which for a common word costs more than everything else a search does. Words are compared by their
        first letters (``tariffs`` holds ``tariff``).
        """
        if not numbers:
            return []
        stems = [word[: max(3, len(word) - 2)] for word in words]
        in_names = " + ".join("(instr(lower(coalesce(names, '')), ?) > 0)" for _ in stems) or "0"
        marks = ",".join("?" * len(numbers))
        return [
            row[0]
            for row in database.execute(
                f"SELECT rowid FROM docs WHERE rowid IN ({marks})"  # noqa: S608 - marks and constants
                f" ORDER BY {in_names} DESC, length(coalesce(names, '')), rowid LIMIT ? OFFSET ?",
                [*numbers, *stems, int(limit), int(offset)],
            )
        ]

    def _hits(self, database: sqlite3.Connection, numbers: list[int], words: list[str]) -> list[Hit]:
        """The hits of these rows, in order: IRI, label, classes and the words found (4 statements in all)."""
        if not numbers:
            return []
        marks = ",".join("?" * len(numbers))
        iris = dict(database.execute(f"SELECT id, iri FROM resources WHERE id IN ({marks})", numbers))  # noqa: S608
        names: dict[int, list[tuple[str, str, str]]] = {number: [] for number in numbers}
        for number, predicate, value, lang in database.execute(
            f"SELECT resource, predicate, value, lang FROM texts WHERE resource IN ({marks})"  # noqa: S608
            f" AND predicate IN ({_in_list(NAME_PROPERTIES)})",
            numbers,
        ):
            names[number].append((predicate, value, lang))
        types: dict[int, list[str]] = {number: [] for number in numbers}
        for number, class_iri in database.execute(
            f"SELECT resource, class FROM types WHERE resource IN ({marks}) ORDER BY class",
            numbers,  # noqa: S608
        ):
            types[number].append(class_iri)
        snippets = {
            number: _snippet(prose or "", words) or _snippet(found_in_names or "", words)  # prose first, else a name
            for number, found_in_names, prose in database.execute(
                f"SELECT rowid, names, texts FROM docs WHERE rowid IN ({marks})",
                numbers,  # noqa: S608
            )
        }
        return [Hit(iris[n], _label(names[n]) or iris[n], tuple(types[n]), snippets.get(n, ())) for n in numbers]


def _label(names: list[tuple[str, str, str]]) -> str:
    """The label to show: the first name property that has a value, English or untagged first."""
    rank = {predicate: place for place, predicate in enumerate(NAME_PROPERTIES)}
    candidates = [
        (rank[predicate], lang not in ("en", ""), len(value), value)
        for predicate, value, lang in names
        if predicate in rank
    ]
    return min(candidates)[3] if candidates else ""


def _fold(word: str) -> str:
    """A word lower-cased without diacritics, as the index's tokenizer compares words."""
    if word.isascii():
        return word.lower()
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def _matches(folded: str, words: list[str]) -> bool:
    """Whether a folded word of a text is one searched for: the same, or one a prefix of the other (tariffs)."""
    return any(folded.startswith(word) or (len(folded) > 2 and word.startswith(folded)) for word in words)


def _snippet(text: str, words: list[str], *, around: int = 12) -> tuple[tuple[str, bool], ...]:
    """The part of ``text`` around its first word searched for, in (text, matched) pieces; empty if none is in it.

    The index's own snippet() costs a search per hit; this costs one pass over the text, and marks what the
    stemmed match found closely enough (same word or a prefix of it).
    """
    spans = [match.span() for match in _WORD.finditer(text)]
    lowered = text.lower() if text.isascii() else None  # the common case: no folding word by word

    def searched(i: int) -> bool:
        start, end = spans[i]
        return _matches(lowered[start:end] if lowered is not None else _fold(text[start:end]), words)

    hit = next((i for i in range(len(spans)) if searched(i)), None)
    if hit is None:
        return ()
    first, last = max(0, hit - around), min(len(spans), hit + around + 1)
    found = [i for i in range(hit, last) if i == hit or searched(i)]
    begin, finish = (0 if first == 0 else spans[first][0]), (len(text) if last == len(spans) else spans[last - 1][1])
    pieces: list[tuple[str, bool]] = [("…", False)] if begin > 0 else []
    position = begin
    for i in found:
        start, end = spans[i]
        if start < begin or end > finish:
            continue
        if start > position:
            pieces.append((text[position:start], False))
        pieces.append((text[start:end], True))
        position = end
    if finish > position:
        pieces.append((text[position:finish], False))
    if finish < len(text):
        pieces.append(("…", False))
    return tuple(pieces)


def _chunks(items: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield list(items[start : start + _CHUNK])


def _has_format(path: Path, version: str) -> bool:
    """Whether the file is a text index of this format version."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as database:
            row = database.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return row is not None and row[0] == version


def index_path(store: TradeStore) -> Path | None:
    """Where the index of a store lives: a file beside its directory, or ``None`` (in memory) for a memory store."""
    if store.path is None:
        return None
    return store.path.with_name(store.path.name + ".search.sqlite3")
