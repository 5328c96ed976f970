"""The instances of every class in label and in date order, kept sorted on write: a class page is a lookup at any depth.

A class page lists a class's instances (its subclasses' included) 50 at a time, A to Z by label or latest first
(``?sort=date``). Asking the store for one page sorts the whole class (seconds at 10^6 instances, the same for page
1 as for page 20,000). This index keeps every (class, date key, label key, instance) in an SQLite table (the
standard library's) with an index for each order: a page is a range read after the previous page's last instance
(keyset paging), and its cost does not grow with its depth. The label key is the instance's least English or plain
``rdfs:label``, lower-cased, else its IRI lower-cased; ties go by IRI. The date key orders by the instance's least
value of the ontology's date properties, as text, latest first, undated last; ties go by label key, then IRI (the
orders of :func:`tradekg.linkeddata.index.instances`).

Beside a store on disk the index is a file (``<store>.classes.sqlite3``, :mod:`tradekg.linkeddata.class_table`),
reused at the next start when it records the store's current stamp (:mod:`tradekg.store.stamp`), and built again
(in the background: :meth:`ClassIndex.wait_ready`) when it does not. ``?offset=`` pages start from the fences the
file keeps, so they cost what a page by key does at any depth.

Freshness follows the text index's design (:mod:`tradekg.search.text_search`): the index listens to
:meth:`TradeStore.on_commit`; each committed change set names the resources whose types, labels or dates it
touches, and only their rows are read again from the store, in one SQLite transaction with the commit's stamp. A
change to the class hierarchy, or a change set touching more than :data:`REREAD_LIMIT` resources, makes the index
read the whole store again at its next use. Only the store's public query method is used, so it works over any
backend.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from tradekg.linkeddata import class_table as table
from tradekg.linkeddata.class_table import FENCE_EVERY, ORDERS, Row
from tradekg.linkeddata.vocabulary import vocabulary
from tradekg.ontology.vocab import PREFIXES
from tradekg.store.following import CommitFollower, touched_subjects
from tradekg.store.interface import TradeStore

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
REREAD_LIMIT = 20_000
"""A change set touching more resources than this (a bulk load) makes the index read the whole store again."""
CHUNK = 500
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
    """Every class's instances in label and date order, for one store; see the module.

    Args:
        store: The store indexed and followed.
        fence_every: Rows between two fences of the ``?offset=`` lookups (:mod:`tradekg.linkeddata.class_table`).
    """

    def __init__(self, store: TradeStore, *, fence_every: int = FENCE_EVERY) -> None:
        self._db: sqlite3.Connection | None = None  # None: to be opened or built at the next use
        self._counts: dict[str, int] = {}
        self._supers: dict[str, set[str]] = {}  # a class -> itself and every class above it
        self._dates = _date_properties(store)
        self._fence_every = fence_every
        self.path = kept_path(store)
        """The file the index is kept in beside the store (``None``: in memory)."""
        self.builds = 0
        """How many times this index was built from the whole store (not counting openings of a kept file)."""
        self._builder: threading.Thread | None = None  # the build under way in the background, if any
        self._builder_lock = threading.Lock()
        super().__init__(store, watched=(RDF_TYPE, RDFS_LABEL, *self._dates), reread_limit=REREAD_LIMIT)

    def open_kept(self) -> bool:
        """Open the file kept beside the store when it is in step with it (cheap; never builds); whether it is open.

        A server calls it at start, so that the writes from then on keep the file in step (a write while the file
        is closed moves the store's stamp past the file's, and the file is then built again).
        """
        with self._lock:
            store = self._store()
            if self._db is None and store is not None and self.path is not None:
                self._open(store, build=False)
            return self._db is not None

    def wait_ready(self, timeout: float) -> bool:
        """Whether the index is ready, after starting to open or build it in the background and waiting ``timeout`` s.

        A page asks this first. A kept file in step, or a small store's build, is ready within the wait; a build
        over 10^6 instances takes longer, and the reader is told that the index is being built rather than left
        waiting on a request: the build goes on in its own thread and the next pages use it. (``count`` and
        ``page`` open or build it in the caller's thread when asked first.)
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

    def changed(self, removed: Collection[ox.Quad], added: Collection[ox.Quad]) -> None:
        """Follow a committed change set: its rows and the store's new stamp, in one transaction.

        Every commit writes the stamp, even one touching no type, label or date: the file must name the store's
        state to be reused. Any failure closes the index (it is opened or built again at the next use).
        """
        touched = touched_subjects(removed, added, self._watched)
        with self._lock:
            store = self._store()
            if self._db is None or store is None:
                return
            if touched is None or len(touched) > self._reread_limit:
                self.invalidate()
                return
            try:
                with table.transaction(self._db):
                    if touched:
                        self._reread(store, touched)
                    table.set_stamp(self._db, store.stamp)
            except BaseException:
                self.invalidate()  # the counts in memory may be half-changed, and the file is not at the store's stamp
                raise

    def _reread(self, store: TradeStore, touched: set[str]) -> None:
        """Read again the rows of the resources whose types, labels or dates a commit touched (in a transaction)."""
        assert self._db is not None
        subjects = sorted(touched)
        for start in range(0, len(subjects), CHUNK):
            chunk = subjects[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            old: list[Row] = self._db.execute(
                f"SELECT class, key, iri, dkey FROM members WHERE iri IN ({marks})",  # noqa: S608 - marks only
                chunk,
            ).fetchall()
            new = list(self._rows(self._read(store, chunk)))
            table.change(self._db, old, new, fence_every=self._fence_every)
            for cls, *_ in old:
                self._counts[cls] -= 1
            for cls, *_ in new:
                self._counts[cls] = self._counts.get(cls, 0) + 1

    def invalidate(self) -> None:
        """Forget everything: the index is opened (if still in step) or built again at the next use."""
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
        """The database: the kept file when in step, else built from the store (call holding the lock)."""
        if self._db is None:
            store = self._store()
            if store is None:
                raise RuntimeError("the store of this index is closed")
            self._open(store, build=True)
        assert self._db is not None
        return self._db

    def _open(self, store: TradeStore, *, build: bool) -> None:
        """Open the kept file if in step; else, with ``build``, build the index from the store (holding the lock).

        The stamp is read before the store is: a commit meanwhile waits for the lock, then reads its rows again
        and records its own stamp.
        """
        stamp = store.stamp
        database = None if self.path is None else table.open_current(self.path, stamp, self._dates)
        if database is None:
            if not build:
                return
            self._supers = _superclasses(store)
            rows = sorted(set(self._rows(self._read(store, None))))  # in the table's order: appended, not inserted
            database = table.build(self.path, rows, stamp=stamp, dates=self._dates, fence_every=self._fence_every)
            del rows
            self.builds += 1
        else:
            self._supers = _superclasses(store)
        self._counts = table.counts(database)
        self._db = database

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

    def _rows(self, found: Iterable[tuple[str, list[str], str, str]]) -> Iterator[Row]:
        """The table's rows (class, label key, instance, date key) of instances with their types and keys."""
        for subject, kinds, key, dkey in found:
            classes = set()
            for kind in kinds:
                classes |= self._supers.get(kind, {kind})
            for cls in classes:
                yield cls, key, subject, dkey

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
                start, skip = table.offset_start(
                    database,
                    class_iri,
                    sort,
                    offset,
                    total=self._counts.get(class_iri, 0),
                    fence_every=self._fence_every,
                )
                if start is None:
                    rows = database.execute(
                        f"SELECT iri FROM members WHERE class = ? ORDER BY {columns} LIMIT ? OFFSET ?",  # noqa: S608
                        (class_iri, limit, offset),
                    )
                    return [iri for (iri,) in rows]
                cursor, comparison = start[: len(ORDERS[sort])], ">="
            else:
                known = self._keys_of(class_iri, after)
                if known is None:
                    return []
                cursor = (known[1], known[0], after) if sort == "date" else (known[0], after)
                comparison, skip = ">", 0
            marks = ", ".join("?" * len(cursor))
            rows = database.execute(
                f"SELECT iri FROM members WHERE class = ? AND ({columns}) {comparison} ({marks})"  # noqa: S608
                f" ORDER BY {columns} LIMIT ? OFFSET ?",
                (class_iri, *cursor, limit, skip),
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


def kept_path(store: TradeStore) -> Path | None:
    """Where a store's class index is kept: beside a store on disk that keeps a stamp, else nowhere (in memory)."""
    return table.table_path(store.path) if store.stamp is not None else None


def open_kept(store: TradeStore) -> None:
    """At a server's start: follow the store's writes with its kept class index, when there is one in step."""
    path = kept_path(store)
    if path is not None and path.exists():
        class_index(store).open_kept()


def class_index(store: TradeStore) -> ClassIndex:
    """The store's class index, made (and set to follow its writes) at the first use; built at the first question."""
    return ClassIndex.of(store)
