"""Properties read whole once at a start, for the two summaries that both read them: the tariff index and the books.

The first country page after a start builds the tariff index (:mod:`tradekg.views.tariff_index`) and then every
importer's own rule book (:mod:`tradekg.views.all_books`), each from properties read whole. Seven properties are
read by both (rates, dates, coverage, whom a measure names, who imposes it): at 10^6 quads about five seconds of
CPU read twice, most of it the engine turning stored terms into Python ones. Here the index's whole read keeps
what it read, and the books' whole read takes it, when no commit came between the two (the kept answers' clock,
:class:`tradekg.views.kept.Revisions`, has not moved); otherwise each reads the store itself. What is kept is
dropped once the books are read, or at the first look after a commit.
"""

from __future__ import annotations

import threading
import weakref

from tradekg.store.interface import TradeStore
from tradekg.views.facts import Term, pairs
from tradekg.views.kept import revisions

Pairs = list[tuple[str, Term]]
_HELD: weakref.WeakKeyDictionary[TradeStore, tuple[int, dict[str, Pairs]]] = weakref.WeakKeyDictionary()
_BOOKS_READ: weakref.WeakSet[TradeStore] = weakref.WeakSet()
_LOCK = threading.Lock()


def read_whole(store: TradeStore, predicate_iri: str, *, keep: bool) -> Pairs:
    """Every (subject IRI, object) of ``predicate_iri``, as :func:`tradekg.views.facts.pairs` reads them.

    Taken from what an earlier call with ``keep`` kept at the same clock (and then dropped, unless ``keep``), or
    read from the store (and kept with ``keep``, while the books are still to be read and no commit came during
    the read).
    """
    clock_of = revisions(store)
    if clock_of is None:
        return list(pairs(store, predicate_iri))
    clock = clock_of.clock
    with _LOCK:
        held = _HELD.get(store)
        if held is not None and held[0] != clock:
            del _HELD[store]  # a commit came since: none of it is the store's any more
            held = None
        if held is not None and predicate_iri in held[1]:
            return held[1][predicate_iri] if keep else held[1].pop(predicate_iri)
    found = list(pairs(store, predicate_iri))
    if keep and store not in _BOOKS_READ:
        with _LOCK:
            if clock_of.clock == clock:
                held = _HELD.get(store)
                if held is None or held[0] != clock:
                    held = _HELD[store] = (clock, {})
                held[1][predicate_iri] = found
    return found


def books_read(store: TradeStore) -> bool:
    """Whether every importer's book of ``store`` was read at once (or taken from its file)."""
    return store in _BOOKS_READ


def mark_books_read(store: TradeStore) -> None:
    """Note that every importer's book was read (or taken from the file); what was kept for them is dropped."""
    with _LOCK:
        _BOOKS_READ.add(store)
        _HELD.pop(store, None)
