"""Answers of read queries kept in memory until the next write.

A selective query costs a few tenths of a millisecond in Oxigraph but several times that in the round trip to a
query worker; clients (a dashboard, a page's own queries, a crawler) ask the same texts again. An answer is
kept under everything that decides its bytes: the store's generation and the whole :class:`QueryRequest` (the
text, the format, the row limit, the protocol's dataset, the base IRI). A write bumps the generation, which makes
every kept answer unreachable, and the next lookup of the newer generation drops them. Answers of queries
calling functions that differ between evaluations (``NOW``, ``RAND``, ``UUID``, ``STRUUID``)
or remote services are never kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache
from typing import TYPE_CHECKING

from tradekg.store.sparql_text import uses_keyword

if TYPE_CHECKING:  # no worker code is imported until a query needs it
    from tradekg.server.results import Answer
    from tradekg.server.worker import QueryRequest

VOLATILE_KEYWORDS = frozenset({"NOW", "RAND", "UUID", "STRUUID", "SERVICE"})
"""Keywords whose answers may differ between two evaluations on the same data."""

_ENTRY_OVERHEAD = 200
"""Bytes counted for an entry beyond its body and text (the key's tuple, the dictionary slot)."""


@lru_cache(maxsize=1024)
def is_cacheable(query: str) -> bool:
    """Whether two evaluations of ``query`` on the same data give the same answer (lexed once per text)."""
    upper = query.upper()
    return not any(word in upper for word in VOLATILE_KEYWORDS) or not uses_keyword(query, *VOLATILE_KEYWORDS)


class AnswerCache:
    """A least-recently-used map of answers, bounded in bytes, holding one store generation at a time.

    Args:
        max_bytes: The budget for bodies and query texts; ``0`` keeps nothing.
        max_entry_fraction: The largest share of the budget one answer may take (a huge answer is not kept).
    """

    def __init__(self, max_bytes: int, *, max_entry_fraction: float = 0.125) -> None:
        self.max_bytes = max(0, max_bytes)
        self.max_entry_bytes = int(self.max_bytes * max_entry_fraction)
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[QueryRequest, Answer] = OrderedDict()
        self._bytes = 0
        self._generation = -1
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether anything can be kept."""
        return self.max_bytes > 0

    @property
    def size_bytes(self) -> int:
        """The bytes counted for the answers kept now."""
        return self._bytes

    def __len__(self) -> int:
        """The number of answers kept now."""
        return len(self._entries)

    def get(self, generation: int, request: QueryRequest) -> Answer | None:
        """The answer kept for ``request`` at ``generation``, or ``None``; older generations are dropped on the way."""
        with self._lock:
            self._forget_older(generation)
            answer = self._entries.get(request) if generation == self._generation else None
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(request)
            self.hits += 1
            return answer

    def put(self, generation: int, request: QueryRequest, answer: Answer) -> bool:
        """Keep the answer to ``request`` made at ``generation`` (evicting the least recently used ones).

        Returns:
            Whether it was kept: not when too large, volatile, or of a generation a write has already replaced.
        """
        cost = _cost(request, answer)
        if cost > self.max_entry_bytes or not is_cacheable(request.query):
            return False
        with self._lock:
            self._forget_older(generation)
            if generation != self._generation:
                return False
            previous = self._entries.pop(request, None)
            if previous is not None:
                self._bytes -= _cost(request, previous)
            self._entries[request] = answer
            self._bytes += cost
            while self._bytes > self.max_bytes:
                old_key, old_answer = self._entries.popitem(last=False)
                self._bytes -= _cost(old_key, old_answer)
            return True

    def clear(self) -> None:
        """Drop every answer."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _forget_older(self, generation: int) -> None:
        if generation > self._generation:
            self._entries.clear()
            self._bytes = 0
            self._generation = generation


def _cost(request: QueryRequest, answer: Answer) -> int:
    return len(answer.body) + len(request.query) + _ENTRY_OVERHEAD
