"""One value per store object: made at the first request, kept while the store lives, dropped with it.

The commit queue, the vocabulary and the link counts each keep one such value per store; this is their one registry.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from tradekg.store.interface import TradeStore

T = TypeVar("T")


class PerStore(Generic[T]):
    """A registry of one ``make(store)`` per store, held weakly by store, made under a lock so only once."""

    def __init__(self, make: Callable[[TradeStore], T]) -> None:
        self._make = make
        self._values: weakref.WeakKeyDictionary[TradeStore, T] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, store: TradeStore) -> T:
        """The store's value, made at the first call."""
        with self._lock:
            value = self._values.get(store)
            if value is None:
                value = self._values[store] = self._make(store)
            return value
