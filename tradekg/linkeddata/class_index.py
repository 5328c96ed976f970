"""The instances of every class in label and in date order, kept sorted on write: a class page is a lookup at any depth.

A class page lists a class's instances (its subclasses' included) 50 at a time, A to Z by label or latest first
(``?sort=date``). Asking the store for one page sorts the whole class (seconds at 10^6 instances, the same for page
1 as for page 20,000). This index keeps every (class, date key, label key, instance) in an SQLite table (the
standard library's) with an index for each order: a page is a range read after the previous page's last instance
(keyset paging), and its cost does not grow with its depth. The label key is the instance's least English or plain
``rdfs:label``, lower-cased, else its IRI lower-cased; ties go by IRI. The date key orders by the instance's least
value of the ontology's date properties, as text, latest first, undated last; ties go by label key, then IRI (the
orders of :func:`tradekg.linkeddata.index.instances`).

Freshness follows the text index's design (:mod:`tradekg.search.text_search`): the index is built at its first use
and listens to :meth:`TradeStore.on_commit`; each committed change set names the resources whose types, labels or
dates it touches, and only their rows are read again from the store. A change to the class hierarchy, or a change set
touching more than :data:`REREAD_LIMIT` resources, makes the index read the whole store again at its next use. Only
the store's public query method is used, so it works over any backend.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence

import pyoxigraph as ox

from tradekg.linkeddata.vocabulary import vocabulary
from tradekg.ontology.vocab import PREFIXES
from tradekg.store.following import CommitFollower
from tradekg.store.interface import TradeStore

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
REREAD_LIMIT = 20_000
"""A change set touching more resources than this (a bulk load) makes the index read the whole store again."""
CHUNK = 500
_TABLE = """
CREATE TABLE members(
    class TEXT NOT NULL, key TEXT NOT NULL, iri TEXT NOT NULL, dkey TEXT NOT NULL, PRIMARY KEY (class, key, iri)
) WITHOUT ROWID
"""
# Made after the first fill: one sort each, instead of a random insertion per row into three trees.
_INDEXES = (
    "CREATE INDEX members_by_iri ON members(iri)",
    "CREATE INDEX members_by_date ON members(class, dkey, key, iri)",
)
ORDERS = {"label": ("key", "iri"), "date": ("dkey", "key", "iri")}
UNDATED = "1"


def date_key(date: str | None) -> str:
    """A key whose ascending order is the dates' descending text order, undated last.

    Each printable ASCII character is mirrored (``0`` becomes ``o``...), and a terminator above them all follows,
    so that ``2025`` sorts after ``2025-04`` as descending text order wants. Other characters are dropped.
    """
    if date is None:
        return UNDATED
    return "0" + "".join(chr(158 - ord(c)) for c in date if 32 <= ord(c) < 127) + "\x7f"


_LABEL = "OPTIONAL { ?s rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), 'en') || LANG(?l) = '') }"


class ClassIndex(CommitFollower):
    """Every class's instances in label order, for one store; see the module."""

    def __init__(self, store: TradeStore) -> None:
        self._db: sqlite3.Connection | None = None  # None: to be built at the next use
        self._counts: dict[str, int] = {}
        self._supers: dict[str, set[str]] = {}  # a class -> itself and every class above it
        self._dates = _date_properties(store)
        self._builder: threading.Thread | None = None  # the build under way in the background, if any
        self._builder_lock = threading.Lock()
        super().__init__(store, watched=(RDF_TYPE, RDFS_LABEL, *self._dates), reread_limit=REREAD_LIMIT)

    def wait_ready(self, timeout: float) -> bool:
        """Whether the index is built, after starting its build in the background and waiting up to ``timeout`` s.

        A page asks this first. Over a small store the build ends within the wait; over 10^6 instances it takes
        longer, and the reader is told that the index is being built rather than left waiting on a request: the
        build goes on in its own thread and the next pages use it. (``count`` and ``page`` build it in the
        caller's thread when asked first.)
        """
        if self._db is not None:
            return True
        with self._builder_lock:
            if self._builder is None or not self._builder.is_alive():
                self._builder = threading.Thread(target=self._build, name="class-index", daemon=True)
                self._builder.start()
            builder = self._builder
        builder.join(timeout)
        return self._db is not None

    def _build(self) -> None:
        with self._lock:
            if self._store() is not None:  # a store closed meanwhile has nothing to index
                self._ready()

    # -- following the store -----------------------------------------------------------------------

    def _is_built(self) -> bool:
        return self._db is not None

    def _reread(self, store: TradeStore, touched: set[str]) -> None:
        """Read again the rows of the resources whose types or labels a commit touched."""
        assert self._db is not None
        subjects = sorted(touched)
        for start in range(0, len(subjects), CHUNK):
            chunk = subjects[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            for (cls,) in self._db.execute(f"SELECT class FROM members WHERE iri IN ({marks})", chunk):  # noqa: S608
                self._counts[cls] -= 1
            self._db.execute(f"DELETE FROM members WHERE iri IN ({marks})", chunk)  # noqa: S608
            self._insert(self._read(store, chunk))

    def invalidate(self) -> None:
        """Forget everything: the whole store is read again at the next use."""
        with self._lock:
            if self._db is not None:
                self._db.close()
            self._db, self._counts, self._supers = None, {}, {}
            store = self._store()
            if store is not None:  # the ontology's date properties may have changed too
                self._dates = _date_properties(store)
                self._watched = (RDF_TYPE, RDFS_LABEL, *self._dates)

    # -- building ----------------------------------------------------------------------------------

    def _ready(self) -> sqlite3.Connection:
        """The table, built from the store first if needed (call holding the lock)."""
        if self._db is None:
            store = self._store()
            if store is None:
                raise RuntimeError("the store of this index is closed")
            database = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
            database.execute(_TABLE)
            self._supers = _superclasses(store)
            rows = sorted(set(self._rows(self._read(store, None))))  # in the table's order: appended, not inserted
            database.execute("BEGIN")
            database.executemany("INSERT INTO members(class, key, iri, dkey) VALUES (?, ?, ?, ?)", rows)
            for index in _INDEXES:
                database.execute(index)
            database.execute("COMMIT")
            del rows
            self._counts = {
                str(cls): int(n) for cls, n in database.execute("SELECT class, COUNT(*) FROM members GROUP BY class")
            }
            self._db = database
        return self._db

    def _read(self, store: TradeStore, subjects: Sequence[str] | None) -> Iterator[tuple[str, list[str], str, str]]:
        """(instance, its types, its label key, its date key) of every typed IRI, or of ``subjects``.

        Three plain scans (types, labels, dates), each least value chosen here: at 10^6 instances a scan costs a
        third of the same query grouped by subject in the engine.
        """
        scope = "" if subjects is None else "VALUES ?s { " + " ".join(str(ox.NamedNode(s)) for s in subjects) + " }"
        types: dict[str, list[str]] = {}
        for subject, kind in store.query(f"SELECT ?s ?t WHERE {{ {scope} ?s a ?t }}"):  # type: ignore[misc,union-attr]
            if isinstance(subject, ox.NamedNode) and isinstance(kind, ox.NamedNode):
                types.setdefault(subject.value, []).append(kind.value)
        keys: dict[str, str] = {}
        for subject, label in store.query(f"SELECT ?s ?l WHERE {{ {scope} ?s rdfs:label ?l }}"):  # type: ignore[misc,union-attr]
            if isinstance(subject, ox.NamedNode) and isinstance(label, ox.Literal) and _english_or_plain(label):
                known = keys.get(subject.value)
                if known is None or label.value < known:
                    keys[subject.value] = label.value
        dates: dict[str, str] = {}
        if self._dates:
            properties = " ".join(f"<{iri}>" for iri in sorted(self._dates))
            query = f"SELECT ?s ?d WHERE {{ {scope} VALUES ?p {{ {properties} }} ?s ?p ?d }}"
            for subject, date in store.query(query):  # type: ignore[misc,union-attr]
                if isinstance(subject, ox.NamedNode) and isinstance(date, ox.Literal):
                    known = dates.get(subject.value)
                    if known is None or date.value < known:
                        dates[subject.value] = date.value
        for subject, kinds in types.items():
            yield subject, kinds, keys.get(subject, subject).lower(), date_key(dates.get(subject))

    def _rows(self, found: Iterable[tuple[str, list[str], str, str]]) -> Iterator[tuple[str, str, str, str]]:
        """The table's rows (class, label key, instance, date key) of instances with their types and keys."""
        for subject, kinds, key, dkey in found:
            classes = set()
            for kind in kinds:
                classes |= self._supers.get(kind, {kind})
            for cls in classes:
                yield cls, key, subject, dkey

    def _insert(self, found: Iterable[tuple[str, list[str], str, str]]) -> None:
        assert self._db is not None
        batch = list(self._rows(found))
        self._db.execute("BEGIN")
        try:
            self._flush(batch)
        finally:
            self._db.execute("COMMIT")

    def _flush(self, batch: list[tuple[str, str, str, str]]) -> None:
        assert self._db is not None
        self._db.executemany("INSERT OR IGNORE INTO members(class, key, iri, dkey) VALUES (?, ?, ?, ?)", batch)
        for cls, _, _, _ in batch:
            self._counts[cls] = self._counts.get(cls, 0) + 1
        batch.clear()

    # -- reading -----------------------------------------------------------------------------------

    def count(self, class_iri: str) -> int:
        """How many instances the class has (its subclasses' included)."""
        with self._lock:
            self._ready()
            return self._counts.get(class_iri, 0)

    def page(
        self, class_iri: str, *, limit: int, offset: int = 0, after: str | None = None, sort: str = "label"
    ) -> list[str]:
        """One page of the class's instances in ``sort`` order (:data:`ORDERS`): after ``after``, else from ``offset``.

        Raises:
            ValueError: ``sort`` is not one of :data:`ORDERS`.
        """
        if sort not in ORDERS:
            raise ValueError(f"cannot sort by {sort!r}; use one of {', '.join(ORDERS)}")
        columns = ", ".join(ORDERS[sort])
        with self._lock:
            database = self._ready()
            if after is None:
                rows = database.execute(
                    f"SELECT iri FROM members WHERE class = ? ORDER BY {columns} LIMIT ? OFFSET ?",  # noqa: S608
                    (class_iri, limit, offset),
                )
                return [iri for (iri,) in rows]
            known = self._keys_of(class_iri, after)
            if known is None:
                return []
            cursor = (known[1], known[0], after) if sort == "date" else (known[0], after)
            marks = ", ".join("?" * len(cursor))
            rows = database.execute(
                f"SELECT iri FROM members WHERE class = ? AND ({columns}) > ({marks})"  # noqa: S608
                f" ORDER BY {columns} LIMIT ?",
                (class_iri, *cursor, limit),
            )
            return [iri for (iri,) in rows]

    def _keys_of(self, class_iri: str, iri: str) -> tuple[str, str] | None:
        """The label and date keys of a cursor: its row's, or (an instance no longer in the class) the store's."""
        assert self._db is not None
        for key, dkey in self._db.execute(
            "SELECT key, dkey FROM members WHERE iri = ? AND class = ?", (iri, class_iri)
        ):
            return str(key), str(dkey)
        store = self._store()
        if store is None:
            return None
        for _, _, key, dkey in self._read(store, [iri]):
            return key, dkey
        return iri.lower(), UNDATED


def _english_or_plain(label: ox.Literal) -> bool:
    """Whether a label is English (``en``, ``en-GB``...) or has no language, as ``LANGMATCHES(LANG(?l), 'en')``."""
    language = (label.language or "").lower()
    return language == "" or language == "en" or language.startswith("en-")


def _date_properties(store: TradeStore) -> frozenset[str]:
    """The ontology's date properties (those whose range is a date or a partial date)."""
    return vocabulary(store).date_properties


def _superclasses(store: TradeStore) -> dict[str, set[str]]:
    """Each class with a superclass: itself and every class above it (``rdfs:subClassOf`` followed)."""
    parents: dict[str, set[str]] = {}
    for child, parent in store.query("SELECT ?c ?p WHERE { ?c rdfs:subClassOf ?p FILTER(isIRI(?c) && isIRI(?p)) }"):  # type: ignore[misc,union-attr]
        parents.setdefault(child.value, set()).add(parent.value)
    closure: dict[str, set[str]] = {}
    for start in parents:
        seen, pending = {start}, [start]
        while pending:
            for parent in parents.get(pending.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    pending.append(parent)
        closure[start] = seen
    return closure


def class_index(store: TradeStore) -> ClassIndex:
    """The store's class index, made (and set to follow its writes) at the first use; built at the first question."""
    return ClassIndex.of(store)
