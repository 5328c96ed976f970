"""A share of the query workers for every client: a spare worker for a client that has none while all are busy.

Without it, two clients sending runaway queries held both default workers until their deadline, and every other
client's query waited and was answered 503. Here, when every worker is busy with a query that has run for at least
:data:`EXPENSIVE_AFTER` seconds, a client (an address) with no query running gets an extra worker, up to as many
extras as the pool has workers; an extra worker stops when its query ends. A client's further queries still wait
for a regular worker, so one client cannot take the spares.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

EXPENSIVE_AFTER = 2.0
"""Seconds after which a running query counts as expensive (it may let another client's query start beside it)."""

CLIENT: ContextVar[str] = ContextVar("tradekg_client", default="")
"""The address of the client whose request the current thread answers (set by the request's entry point)."""


class Shares:
    """Who holds which worker, and whether a client may take one more.

    Args:
        size: The pool's regular number of workers.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._held: dict[object, tuple[str, float]] = {}  # worker -> (client, when its query started)
        self._starting: dict[str, int] = {}  # client -> workers being started for its queries

    def holds(self, worker: object, client: str) -> None:
        """Record that ``client``'s query now runs in ``worker``."""
        self._held[worker] = (client, time.monotonic())

    def starts(self, client: str) -> None:
        """Record that a worker is being started for ``client``'s query (it holds it already, for the spares)."""
        self._starting[client] = self._starting.get(client, 0) + 1

    def started(self, client: str) -> None:
        """Record that the worker :meth:`starts` announced is running (or failed to start)."""
        left = self._starting.get(client, 0) - 1
        if left > 0:
            self._starting[client] = left
        else:
            self._starting.pop(client, None)

    def frees(self, worker: object) -> None:
        """Record that ``worker`` runs no query."""
        self._held.pop(worker, None)

    def may_add_spare(self, client: str, workers: int) -> bool:
        """Whether ``client`` may start a worker beyond the regular number (``workers`` live or starting).

        Only a client with no query running gets one, only while every busy worker runs an expensive query, and
        never more extras than the pool has regular workers.
        """
        if not client or workers >= 2 * self.size or client in self._starting:
            return False
        if any(holder == client for holder, _ in self._held.values()):
            return False
        now = time.monotonic()
        return bool(self._held) and all(now - started >= EXPENSIVE_AFTER for _, started in self._held.values())
