"""Search by words: a full-text index of labels, notes and descriptions, kept up to date on every write.

The index is SQLite FTS5 (Python's standard library): one document per resource of the data graphs, with its
names, its texts and a token per class (:mod:`tradekg.search.text_documents` says what is indexed and how it is
written). Every word must match, in any order, stemmed (Porter: ``tariffs`` finds "tariff"): ``japan tariff``
finds "US 24% tariff rate on Japan". When nothing matches word for word, the words are tried as prefixes
(``tarif``, ``akaz``). Hits holding more of the words in their names come first, then the shortest names.

Bounded work per search, whatever the size of the graph: the ranking and the facets cover the first
``window`` matches, and matches are counted up to ``count_limit`` (beyond, the answer says "more than").
So a word found in every resource costs about what a rare one does.

Freshness. The index follows the store through :meth:`TradeStore.on_commit`: each committed change set names the
resources whose names, texts or types it touches, and their documents are read again from the store (so the
index never depends on the order or the exact form of the changes, only on which resources they touch). An
in-memory store gets an in-memory index; a store on disk gets an index file beside its directory
(``<store>.search.sqlite3``), reused when it records the store's stamp (:mod:`tradekg.store.stamp`: a value the
store writes before each commit, recorded here in the transaction of the commit's refresh), and rebuilt when the
stamps differ (the store written without the index, a process that died between the two, another tool). Where
either side has no stamp (an index file from before stamps, a store opened read-only) the store's quads are
counted instead (25 s at 10^7 quads): the file is reused when it was closed cleanly over a store of that size.

Building. :meth:`TextIndex.ensure` opens (or builds) the index in the caller's thread; a server calls
:meth:`TextIndex.build_in_background` at start instead, and until the index is ready every search answers at once
that it is being built (``SearchAnswer.building``), rather than making the first user wait for a scan of the
store (minutes at 10^7 quads). Writes committed meanwhile are not lost: the build reads a snapshot of the store,
the subjects those writes touch are kept aside, and their documents are read again before the index is used.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from tradekg.search import text_documents as documents
from tradekg.search.text_documents import FORMAT_VERSION, WORD, fold, kind_token
from tradekg.search.text_ranking import (
    MAX_WORDS,
    Facet,
    Hit,
    SearchAnswer,
    class_facets,
    hits_of,
    match_expression,
    prefix_expression,
    ranked_rows,
)
from tradekg.store.interface import TradeStore

__all__ = ["COUNT_LIMIT", "WINDOW", "Facet", "Hit", "SearchAnswer", "TextIndex", "index_path", "match_expression"]

WINDOW = 1000
"""Most matches ranked and counted into facets, by default; see :meth:`TextIndex.search`."""
COUNT_LIMIT = 10_000
"""Matches are counted up to this many by default; when more match, the total says "more than" this."""
_MATCHES = "SELECT rowid FROM docs WHERE docs MATCH ? LIMIT ?"
_COUNT = "SELECT count(*) FROM (SELECT rowid FROM docs WHERE docs MATCH ? LIMIT ?)"


class TextIndex:
    """The full-text index of one store (see the module's description).

    Args:
        store: The store to index and follow.
        path: The index file; ``None`` keeps it in memory.
        window: Most matches ranked and counted into facets.
        count_limit: Matches are counted up to this many (at least ``window``).

    The index is built at the first search (:meth:`ensure`), or in a thread of its own
    (:meth:`build_in_background`), not at construction, and follows every write committed after that. Methods are
    safe to call from several threads.
    """

    def __init__(
        self, store: TradeStore, path: Path | None = None, *, window: int = WINDOW, count_limit: int = COUNT_LIMIT
    ) -> None:
        if not 0 < window <= count_limit:
            raise ValueError(f"window ({window}) must be positive and at most count_limit ({count_limit})")
        self.store = store
        self.path = path
        self.window = window
        self.count_limit = count_limit
        self._lock = threading.RLock()
        """Held to read or write the database, and for the whole of a build."""
        self._state_lock = threading.Lock()
        """Guards what a writer checks without waiting for a build: ``_pending``, ``_quads`` and ``_builder``."""
        self._db: sqlite3.Connection | None = None
        """Set once the index is complete and current; searches and refreshes use it only then."""
        self._pending: set[str] | None = None
        """While the index is opened or built: the subjects that writes committed meanwhile touched."""
        self._quads: int | None = None
        """The store's quad count, followed through the change sets (counting a store of 10^7 quads takes seconds)."""
        self._builder: threading.Thread | None = None
        self.build_error: BaseException | None = None
        """Why the last background build failed (searches then try again in the caller's thread)."""
        self._listening = False

    # -- lifecycle ---------------------------------------------------------------------------------

    def ensure(self) -> None:
        """Open the index, building it from the store if it is missing or stale, and start following writes."""
        with self._lock:
            if self._db is not None:
                return
            with self._state_lock:
                self._pending = set()  # before the store is read: writes from now on are kept aside
            try:
                if not self._listening:
                    self.store.on_commit(self.changed)
                    self._listening = True
                database = self._opened()
                self._catch_up(database)
            finally:
                with self._state_lock:
                    self._pending = None

    def _opened(self) -> sqlite3.Connection:
        """The index's database, reused when in step, else built from a snapshot of the store; marked in use."""
        if self.path is not None and self.path.exists() and not documents.has_format(self.path, FORMAT_VERSION):
            self.path.unlink()  # another format (or not an index at all): built anew below
        database = documents.connect(self.path)
        stamp = self.store.stamp  # before the store is read: a later commit's subjects are pending
        if self.path is None or not self._in_step(database, stamp):
            documents.rebuild(database, self.store, stamp=stamp)
        _set_meta(database, clean="0")
        return database

    def _in_step(self, database: sqlite3.Connection, stamp: str | None) -> bool:
        """Whether the file holds what the store holds (see the module): equal stamps, else clean and the same count."""
        meta = dict(database.execute("SELECT key, value FROM meta"))
        if meta.get("version") != FORMAT_VERSION:
            return False
        if stamp is not None and meta.get("stamp"):
            return meta["stamp"] == stamp
        with self.store.write_lock:  # counted once, between two writes; then followed through the change sets
            quads = len(self.store)
            with self._state_lock:
                self._quads = quads
        return meta.get("clean") == "1" and meta.get("quads") == str(quads)

    def _catch_up(self, database: sqlite3.Connection) -> None:
        """Read again what writes touched while the index was opened or built, then publish it (holding the lock).

        The pending subjects and the stamp are taken holding the store's write lock, so no commit is half told:
        every commit up to that stamp is in what was read, or in those subjects.
        """
        while True:
            with self.store.write_lock, self._state_lock:
                subjects, stamp = self._pending, self.store.stamp
                if not subjects:
                    documents.set_stamp(database, stamp)
                    self._pending = None  # writes from now on refresh the index themselves
                    self._db = database
                    return
                self._pending = set()
            documents.refresh(database, self.store, subjects, stamp=stamp)

    def build_in_background(self) -> None:
        """Open or build the index in a thread of its own; until it is ready, searches answer ``building``.

        Does nothing when the index is open or already being built.
        """
        with self._state_lock:
            if self._db is not None or (self._builder is not None and self._builder.is_alive()):
                return
            self._builder = threading.Thread(target=self._build, name="tradekg-text-index", daemon=True)
            self._builder.start()

    def _build(self) -> None:
        try:
            self.ensure()
        except BaseException as error:  # noqa: BLE001 - kept for the next search, which builds again and raises
            self.build_error = error

    @property
    def building(self) -> bool:
        """Whether a background build is under way."""
        builder = self._builder
        return builder is not None and builder.is_alive() and self._db is None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background build to end (at most ``timeout`` seconds); returns whether the index is ready."""
        builder = self._builder
        if builder is not None:
            builder.join(timeout)
        return self._db is not None

    def close(self) -> None:
        """Record that the index matches the store (so that the next process reuses it) and close it.

        During a background build it returns at once (a server stopping need not wait for the build): the file,
        not marked as matching, is built again at the next start.
        """
        if self.building:
            return
        with self._lock:
            if self._db is None:
                return
            with self._state_lock:
                quads = self._quads
            if quads is not None:  # counted at the opening (no stamp): the count the next opening compares
                _set_meta(self._db, clean="1", quads=str(quads))
            self._db.close()
            self._db = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the text index is not open")
        return self._db

    # -- building and following --------------------------------------------------------------------

    def rebuild(self) -> None:
        """Index the whole store again (the writes meanwhile wait for it, then refresh what they touched)."""
        with self._lock:
            documents.rebuild(self._conn(), self.store, stamp=self.store.stamp)

    def changed(self, removed: Collection[Any], added: Collection[Any]) -> None:
        """Follow a committed change set: read again every resource whose names, texts or types it touches.

        Called by the store inside its write lock, right after the commit (see :meth:`TradeStore.on_commit`).
        """
        subjects = documents.touched(removed, added)
        with self._state_lock:
            if self._quads is not None:
                self._quads += len(added) - len(removed)  # the net change of the named graphs' quads
            if self._db is None and self._pending is None:  # not built: its build reads it all
                return
            if self._pending is not None:  # being opened or built: read again before it is used
                self._pending.update(subjects)
                return
        self.refresh(subjects, stamp=self.store.stamp)  # even none: the file records every commit's stamp

    def refresh(self, subjects: Iterable[str], *, stamp: str | None = None) -> None:
        """Read the documents of these resources again from the store; with the commit's ``stamp`` when it has one."""
        with self._lock:
            if self._db is not None:  # else not built yet: the first search reads the whole store
                documents.refresh(self._db, self.store, subjects, stamp=stamp)

    # -- searching ---------------------------------------------------------------------------------

    def search(self, text: str, *, class_iri: str | None = None, limit: int = 50, offset: int = 0) -> SearchAnswer:
        """The resources matching every word of ``text``, best first.

        Matches are counted up to ``count_limit`` (``SearchAnswer.total_is_lower_bound`` says when more match).
        The ranking and the facets cover every match, or, when more than ``window`` resources match, the first
        ``window`` of them in index order (``SearchAnswer.window`` says so): a single common word then costs no
        more than a precise phrase.

        Args:
            text: What the user typed.
            class_iri: Only resources of this class (a facet picked).
            limit: Hits per page.
            offset: The first hit to return.
        """
        expression = match_expression(text)
        if not expression:
            return SearchAnswer(0, [], [])
        if self.building:
            return SearchAnswer(0, [], [], building=True)
        self.ensure()
        with self._lock:
            database = self._conn()
            first = self._first(database, expression)
            if not first:  # no word-for-word match: words as prefixes (tarif, japan for Japanese)
                expression = prefix_expression(database, text)
                first = self._first(database, expression) if expression else []
            if not first:  # nor as prefixes: nothing matches, of any class
                return SearchAnswer(0, [], [])
            facets = class_facets(database, first[: self.window])
            if class_iri:  # the first matches of that class, found by the index itself
                expression = f'kinds : "{kind_token(class_iri)}" AND {expression}'
                first = self._first(database, expression)
            total, more = self._count(database, expression, first)
            words = [fold(word) for word in WORD.findall(text.lower())[:MAX_WORDS]]
            ranked = ranked_rows(database, first[: self.window], words, limit=limit, offset=offset)
            hits = hits_of(database, ranked, words)
        return SearchAnswer(total, hits, facets, self.window if len(first) > self.window else None, more)

    def _first(self, database: sqlite3.Connection, expression: str) -> list[int]:
        """The rows of the first matches in index order: ``window`` and one more (which tells there are more)."""
        return [row[0] for row in database.execute(_MATCHES, (expression, self.window + 1))]

    def _count(self, database: sqlite3.Connection, expression: str, first: list[int]) -> tuple[int, bool]:
        """How many rows match, up to ``count_limit``, and whether more do."""
        if len(first) <= self.window:
            return len(first), False
        counted = database.execute(_COUNT, (expression, self.count_limit + 1)).fetchone()[0]
        return min(counted, self.count_limit), counted > self.count_limit


def _set_meta(database: sqlite3.Connection, **values: str) -> None:
    database.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", values.items())


def index_path(store: TradeStore) -> Path | None:
    """Where the index of a store lives: a file beside its directory, or ``None`` (in memory) for a memory store."""
    if store.path is None:
        return None
    return store.path.with_name(store.path.name + ".search.sqlite3")
