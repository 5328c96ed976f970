"""The class index's SQLite database: its tables, how it is built and kept on disk, and the fences for ``?offset=``.

Tables: ``members`` (class, label key, instance, date key), with an index for each order (:data:`ORDERS`);
``counts`` (each class's number of instances); ``fences``; ``meta`` (the format, the store's stamp, the date
properties the date keys were made of).

**On disk.** Beside a store on disk the database is a file (``<store>.classes.sqlite3``), built whole into a
temporary file, synced, then renamed into place, so that a file found there is complete. It is reused at the next
start only when it records the store's current stamp (:mod:`tradekg.store.stamp`), this format and the same date
properties; otherwise it is built again. Each commit's update and the stamp of that commit are written in one
transaction, so a crash between the store's commit and the index's update leaves them differing.

**Fences.** ``?offset=`` asks for the rows after the first ``offset`` rows of an order; SQLite finds them by stepping
over those rows (233 ms at row 999,900). A fence is a row's key in one order with how many rows come before it
(``before``): fences every :data:`FENCE_EVERY` rows let a page start at the last fence at or before its offset and
step over fewer than :data:`FENCE_EVERY` rows more. A row added or removed shifts the ``before`` of the fences after
it by one (a range update on the fences' key); a change of more than :data:`SHIFT_LIMIT` rows of a class, or a gap
between fences grown past four times :data:`FENCE_EVERY`, sets the class's fences again from one ordered scan.
A fence whose row is later removed still works: ``before`` counts the rows strictly below its key.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Collection, Iterable
from pathlib import Path

from tradekg.store.stamp import transaction

FORMAT_VERSION = "2"
"""Bumped when what the file holds changes: a file of another version is built again."""
FENCE_EVERY = 1000
"""Rows between two fences when they are set: an ``?offset=`` page steps over fewer than this many rows."""
SHIFT_LIMIT = 256
"""A commit adding or removing more rows than this in one class sets its fences again instead of shifting them."""
ORDERS: dict[str, tuple[str, ...]] = {"label": ("key", "iri"), "date": ("dkey", "key", "iri")}
Row = tuple[str, str, str, str]
"""(class, label key, instance, date key): one row of ``members``."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS members(
    class TEXT NOT NULL, key TEXT NOT NULL, iri TEXT NOT NULL, dkey TEXT NOT NULL, PRIMARY KEY (class, key, iri)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counts(class TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fences(
    class TEXT NOT NULL, sort TEXT NOT NULL, k1 TEXT NOT NULL, k2 TEXT NOT NULL, k3 TEXT NOT NULL,
    before INTEGER NOT NULL, PRIMARY KEY (class, sort, k1, k2, k3)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fences_by_rank ON fences(class, sort, before);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
# Made after the first fill: one sort each, instead of a random insertion per row into three trees.
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS members_by_iri ON members(iri)",
    "CREATE INDEX IF NOT EXISTS members_by_date ON members(class, dkey, key, iri)",
)
_FENCE_KEYS = {"label": "key, iri, ''", "date": "dkey, key, iri"}


def order_key(sort: str, row: Row) -> tuple[str, str, str]:
    """A row's key in one order, as the fences hold it (the label order's padded to three columns)."""
    _, key, iri, dkey = row
    return (key, iri, "") if sort == "label" else (dkey, key, iri)


def table_path(store_path: Path | None) -> Path | None:
    """Where the index of a store on disk is kept: a file beside its directory (``None``: in memory)."""
    return None if store_path is None else store_path.with_name(store_path.name + ".classes.sqlite3")


def connect(path: Path | None) -> sqlite3.Connection:
    """The database (a file, or memory for ``None``) with its tables, in autocommit mode.

    A file is written ahead (WAL) without syncing at each commit: a commit lost in a power cut leaves the file at
    an older stamp than the store's, and it is built again.
    """
    database = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False, isolation_level=None)
    if path is not None:
        database.execute("PRAGMA journal_mode = WAL")
        database.execute("PRAGMA synchronous = NORMAL")
    database.executescript(_SCHEMA)
    return database


def _meta(stamp: str | None, dates: Collection[str]) -> dict[str, str]:
    return {"version": FORMAT_VERSION, "stamp": stamp or "", "dates": json.dumps(sorted(dates))}


def open_current(path: Path, stamp: str | None, dates: Collection[str]) -> sqlite3.Connection | None:
    """The file at ``path`` when it provably holds the store's state ``stamp`` (see the module), else ``None``."""
    if stamp is None or not path.exists():
        return None
    try:
        database = connect(path)
        found = dict(database.execute("SELECT key, value FROM meta"))
    except sqlite3.DatabaseError:
        return None
    if found != _meta(stamp, dates):
        database.close()
        return None
    return database


def remove(path: Path) -> None:
    """Delete an index file and SQLite's files beside it."""
    for suffix in ("", "-wal", "-shm", ".tmp", ".tmp-journal"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()


def build(
    path: Path | None, rows: list[Row], *, stamp: str | None, dates: Collection[str], fence_every: int
) -> sqlite3.Connection:
    """A database holding ``rows`` (sorted as the table), the counts, the fences and the meta, opened.

    On disk it is built in a temporary file without a journal (nothing to roll back: a file not renamed into place
    is never used), synced, then renamed over the old file.
    """
    if path is None:
        database = connect(None)
        _fill(database, rows, meta=_meta(stamp, dates), fence_every=fence_every)
        return database
    remove(path)
    temporary = path.with_name(path.name + ".tmp")
    database = sqlite3.connect(str(temporary), isolation_level=None)
    try:
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -262144"):
            database.execute(f"PRAGMA {pragma}")
        database.executescript(_SCHEMA)
        _fill(database, rows, meta=_meta(stamp, dates), fence_every=fence_every)
    finally:
        database.close()
    with temporary.open("rb+") as written:
        os.fsync(written.fileno())
    os.replace(temporary, path)
    return connect(path)


def _fill(database: sqlite3.Connection, rows: list[Row], *, meta: dict[str, str], fence_every: int) -> None:
    with transaction(database):
        database.executemany("INSERT INTO members(class, key, iri, dkey) VALUES (?, ?, ?, ?)", rows)
        for index in _INDEXES:
            database.execute(index)
        database.execute("INSERT INTO counts SELECT class, COUNT(*) FROM members GROUP BY class")
        for (cls,) in database.execute("SELECT class FROM counts WHERE n > ?", (fence_every,)).fetchall():
            for sort in ORDERS:
                set_fences(database, cls, sort, fence_every)
        database.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", meta.items())


def counts(database: sqlite3.Connection) -> dict[str, int]:
    """Each class's number of instances."""
    return {str(cls): int(n) for cls, n in database.execute("SELECT class, n FROM counts")}


def set_stamp(database: sqlite3.Connection, stamp: str | None) -> None:
    """Record the store's stamp (call inside the transaction of the update it goes with)."""
    database.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('stamp', ?)", (stamp or "",))


def set_fences(database: sqlite3.Connection, cls: str, sort: str, fence_every: int) -> None:
    """Set a class's fences in one order again, from one scan of the class in that order."""
    database.execute("DELETE FROM fences WHERE class = ? AND sort = ?", (cls, sort))
    columns = ", ".join(ORDERS[sort])
    scan = database.execute(
        f"SELECT {_FENCE_KEYS[sort]} FROM members WHERE class = ? ORDER BY {columns}",  # noqa: S608 - constants
        (cls,),
    )
    fences = [(cls, sort, *key, before) for before, key in enumerate(scan) if before and before % fence_every == 0]
    database.executemany("INSERT INTO fences(class, sort, k1, k2, k3, before) VALUES (?, ?, ?, ?, ?, ?)", fences)


def change(database: sqlite3.Connection, removed: Iterable[Row], added: Iterable[Row], *, fence_every: int) -> None:
    """Remove and add rows, keeping the counts and fences in step (call inside a transaction).

    Only the net change is written: a row removed and added again (its keys unchanged) costs nothing.
    """
    gone, new = set(removed), set(added)
    gone, new = gone - new, new - gone
    database.executemany("DELETE FROM members WHERE class = ? AND key = ? AND iri = ?", [r[:3] for r in gone])
    database.executemany("INSERT INTO members(class, key, iri, dkey) VALUES (?, ?, ?, ?)", new)
    by_class: dict[str, list[tuple[Row, int]]] = {}
    for rows, delta in ((gone, -1), (new, 1)):
        for row in rows:
            by_class.setdefault(row[0], []).append((row, delta))
    for cls, shifts in by_class.items():
        net = sum(delta for _, delta in shifts)
        database.execute(
            "INSERT INTO counts(class, n) VALUES (?, ?) ON CONFLICT(class) DO UPDATE SET n = n + excluded.n", (cls, net)
        )
        for sort in ORDERS:
            if len(shifts) > SHIFT_LIMIT:
                set_fences(database, cls, sort, fence_every)
                continue
            database.executemany(
                "UPDATE fences SET before = before + ? WHERE class = ? AND sort = ? AND (k1, k2, k3) > (?, ?, ?)",
                [(delta, cls, sort, *order_key(sort, row)) for row, delta in shifts],
            )


def offset_start(
    database: sqlite3.Connection, cls: str, sort: str, offset: int, *, total: int, fence_every: int
) -> tuple[tuple[str, str, str] | None, int]:
    """Where a page at ``offset`` starts reading: the key of the last fence at or before it, and the rows to skip.

    ``(None, offset)`` when no fence comes before it. A gap grown past four times ``fence_every`` (rows added
    between two fences) sets the class's fences again first, so the rows skipped stay fewer than that.
    """
    for attempt in range(2):
        found = database.execute(
            "SELECT k1, k2, k3, before FROM fences WHERE class = ? AND sort = ? AND before <= ?"
            " ORDER BY before DESC, k1 DESC, k2 DESC, k3 DESC LIMIT 1",
            (cls, sort, offset),
        ).fetchone()
        before = int(found[3]) if found else 0
        following = database.execute(
            "SELECT MIN(before) FROM fences WHERE class = ? AND sort = ? AND before > ?", (cls, sort, before)
        ).fetchone()[0]
        gap = (following if following is not None else total) - before
        if attempt == 0 and gap > 4 * fence_every and offset - before > fence_every:
            with transaction(database):
                set_fences(database, cls, sort, fence_every)
            continue
        return (None, offset) if found is None else ((str(found[0]), str(found[1]), str(found[2])), offset - before)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns on its second pass
