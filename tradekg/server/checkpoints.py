"""Read-only checkpoints of an on-disk store, for the query workers (:mod:`tradekg.server.worker`).

A worker must not open the live RocksDB directory (read-only opening beside a writer is undefined behaviour), so
it reads a checkpoint: :meth:`pyoxigraph.Store.backup` into a sibling directory, hard links where the file system
allows. One checkpoint per store generation, taken by the first query after a write, removed once it is neither
current nor read by a query in flight.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

from tradekg.store.interface import TradeStore


class Checkpoints:
    """The checkpoints of one on-disk store (``store.path`` must be set)."""

    def __init__(self, store: TradeStore) -> None:
        assert store.path is not None
        self.store = store
        self._lock = threading.Lock()
        self._directory: Path | None = None
        self._current: str | None = None
        self._generation = -1
        self._readers: dict[str, int] = {}
        self._count = 0

    def take(self, deadline: float, *, store_locked: bool = False) -> str | None:
        """The checkpoint of the store's current generation, taken now if needed, and counted as read.

        Returns ``None`` when a write held the store until ``deadline`` (monotonic). With ``store_locked`` the
        caller holds the store's write lock already. Pair with :meth:`release`. Locks are taken in one order, the
        store's write lock first, so that a writer asking for a checkpoint never waits on a query waiting for it.
        """
        with self._lock:
            if self._generation == self.store.generation:
                return self._read(self._current)
        if not store_locked and not self.store.write_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            return None
        try:  # under the write lock: no write is half done in the checkpoint, and its generation is exact
            with self._lock:
                if self._generation != self.store.generation:
                    if self._directory is None:
                        self._directory = _checkpoint_directory(self.store.path)  # type: ignore[arg-type]
                    self._count += 1
                    target = self._directory / f"checkpoint-{self._count}"
                    self.store.checkpoint(target)
                    self._generation = self.store.generation
                    old, self._current = self._current, str(target)
                    if old is not None and not self._readers.get(old):
                        shutil.rmtree(old, ignore_errors=True)
                return self._read(self._current)
        finally:
            if not store_locked:
                self.store.write_lock.release()

    def _read(self, checkpoint: str | None) -> str:
        """Count one more reader of ``checkpoint`` (hold ``_lock``)."""
        assert checkpoint is not None
        self._readers[checkpoint] = self._readers.get(checkpoint, 0) + 1
        return checkpoint

    def release(self, checkpoint: str) -> None:
        """A query done reading ``checkpoint``: remove it if it was the last reader of an old one."""
        with self._lock:
            self._readers[checkpoint] -= 1
            if not self._readers[checkpoint]:
                del self._readers[checkpoint]
                if checkpoint != self._current:
                    shutil.rmtree(checkpoint, ignore_errors=True)

    def remove(self) -> None:
        """Remove every checkpoint (the workers reading them are stopped)."""
        with self._lock:
            if self._directory is not None:
                shutil.rmtree(self._directory, ignore_errors=True)
            self._directory, self._current, self._generation = None, None, -1


def _checkpoint_directory(store_path: Path) -> Path:
    """A fresh directory for checkpoints: beside the store (hard links work there) or else in the temp folder.

    Checkpoint directories a killed server left beside the store are removed first: this process holds the store's
    lock, so no other server reads them.
    """
    prefix = f".{store_path.name}-checkpoints-"
    parent = store_path.resolve().parent
    for stale in parent.glob(prefix + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    try:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    except OSError:
        return Path(tempfile.mkdtemp(prefix="tradekg-checkpoints-"))
