"""A stamp naming the committed state of a store on disk, so that indexes kept beside it can prove they are in step.

The stamp lives in a small file beside the store's directory (``<store>.stamp``, JSON). The store writes a new,
never repeated value there **before** each commit, and makes it its current value once the commit is in; an index
kept on disk (the class index, the text index) records the store's current value in the same SQLite transaction as
its own update for that commit. So when the index opens again, an equal stamp proves it holds what the store holds:

- a process killed between the store's commit and the index's update leaves the file one value ahead of the
  index: they differ, and the index is rebuilt;
- a write by a tradekg process that did not update the index (say ``tradekg load`` while no server runs) writes
  new values: they differ;
- a store opened by another tool (Oxigraph's own command, a script) is caught at the next opening by the store's
  files: when the store is closed cleanly, the stamp records the names and sizes of its files (RocksDB makes new
  ones at every opening for writing), and files that no longer match make a new value;
- after a machine crash (a power cut) the file and the store's write-ahead log may each have lost their last
  writes, neither being synced at each commit: a stamp left by a store not closed cleanly is trusted only within
  the same boot of the machine (``/proc/sys/kernel/random/boot_id``).

What is not caught: a store opened for writing by another tool after a tradekg process was killed (not closed
cleanly) and before the next tradekg opening. Deleting the index files then makes them rebuilt.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

SUFFIX = ".stamp"
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def stamp_path(directory: Path) -> Path:
    """Where the stamp of the store in ``directory`` is kept: a file beside the directory."""
    return directory.with_name(directory.name + SUFFIX)


def _boot() -> str:
    """This boot of the machine ("" where the system does not say)."""
    try:
        return _BOOT_ID.read_text(encoding="ascii").strip()
    except OSError:
        return ""


def fingerprint(directory: Path) -> list[list[str | int]]:
    """Each data file of a store's directory with its size (RocksDB's text logs left out).

    RocksDB names its files by a counter and makes new ones (a write-ahead log, a manifest, options) at every
    opening for writing. Modification times are left out: the engine touches its manifest while it closes, after
    the store has let go of it.
    """
    files = []
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(directory):
            if entry.is_file() and not entry.name.startswith("LOG"):
                files.append([entry.name, entry.stat().st_size])
    return sorted(files)


class StoreStamp:
    """The stamp of one store directory opened for writing (see the module).

    Made before the engine opens the directory (the files are compared with those recorded at the last clean close
    before the engine changes them); :meth:`opened` once it has.

    Attributes:
        value: The stamp of the committed state.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = stamp_path(directory)
        self._session = secrets.token_hex(8)
        self._commits = 0
        trusted = self._trusted()
        self.value = trusted if trusted is not None else self._new()

    def opened(self) -> None:
        """The engine has opened the directory for writing: the stamp is no longer that of a closed store."""
        self._write(self.value, closed=False)

    def _trusted(self) -> str | None:
        """The recorded stamp when it provably names the directory's state, else ``None``."""
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
            value, closed = str(record["stamp"]), bool(record["closed"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if closed:
            return value if record.get("files") == fingerprint(self.directory) else None
        return value if record.get("boot") == _boot() and _boot() else None

    def _new(self) -> str:
        self._commits += 1
        return f"{self._session}-{self._commits}"

    def _write(self, value: str, *, closed: bool, sync: bool = False) -> None:
        record: dict[str, object] = {"stamp": value, "closed": closed, "boot": _boot()}
        if closed:
            record["files"] = fingerprint(self.directory)
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as out:
            json.dump(record, out)
            if sync:
                out.flush()
                os.fsync(out.fileno())
        os.replace(temporary, self.path)

    def prepare(self) -> str:
        """A new stamp, written to the file before a commit (the state is unproved until :meth:`commit`)."""
        value = self._new()
        self._write(value, closed=False)
        return value

    def commit(self, value: str) -> None:
        """The commit stamped ``value`` is in: it becomes the current stamp."""
        self.value = value

    def close(self) -> None:
        """Record the stamp with the directory's files, synced: call after the engine has closed the directory."""
        self._write(self.value, closed=True, sync=True)


@contextlib.contextmanager
def transaction(database: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN`` ... ``COMMIT`` on an autocommit SQLite connection, ``ROLLBACK`` on any error.

    The transaction in which an index kept beside a store writes its update and the stamp that goes with it.
    """
    database.execute("BEGIN")
    try:
        yield database
    except BaseException:
        database.execute("ROLLBACK")
        raise
    database.execute("COMMIT")
