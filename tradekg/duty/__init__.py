"""The duty calculator: what additional duty goods of one origin paid entering the importing country on a date, why.

One core for the three forms (``tradekg duty``, ``GET /api/duty``, the ``/duty`` page), and for the map of every
origin (:func:`duty_by_origin`). It reads the graph through the store's ``select`` only; the rules are data.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

from tradekg.duty.calculator import DutyAnswer, Goods, additional_duty_by_origin, calculate
from tradekg.duty.inputs import DutyInputError, coverage, parse_day, parse_hs, parse_origin
from tradekg.duty.records import RuleBook
from tradekg.duty.rules import load_rules
from tradekg.duty.shared_rules import SharedRules, load_shared
from tradekg.duty.sparql_reads import SelectStore

__all__ = [
    "DutyAnswer",
    "DutyInputError",
    "Goods",
    "compute_duty",
    "coverage",
    "duty_by_origin",
    "rules_for",
]

_cache: dict[tuple[int, str], tuple[object, int, RuleBook]] = {}
_CACHED_BOOKS = 64  # rule books kept: one per importer a page asks about (a country page asks each of its imposers)
_cache_lock = threading.Lock()
_shared: dict[int, tuple[object, int, SharedRules]] = {}  # what every importer's book shares, per store state


def rules_for(store: SelectStore, *, importer: str = "USA") -> RuleBook:
    """The rules of ``store``, read once per state of the store (its ``generation`` changes on every write)."""
    generation = getattr(store, "generation", None)
    key = (id(store), importer)
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] is store and cached[1] == generation:
            return cached[2]
    book = load_rules(store, importer=importer, shared=_shared_rules(store, generation))
    if generation is not None:
        with _cache_lock:
            stale = [k for k, (other, seen, _) in _cache.items() if other is store and seen != generation]
            for old in stale if len(_cache) < _CACHED_BOOKS else list(_cache):
                del _cache[old]
            _cache[key] = (store, generation, book)
    return book


def _shared_rules(store: SelectStore, generation: int | None) -> SharedRules:
    """The importer-independent rules of ``store`` in its state ``generation``, read once for every importer."""
    with _cache_lock:
        cached = _shared.get(id(store))
        if cached and cached[0] is store and cached[1] == generation and generation is not None:
            return cached[2]
    shared = load_shared(store)
    if generation is not None:
        with _cache_lock:
            _shared.clear()  # one store per process in practice: never let this grow
            _shared[id(store)] = (store, generation, shared)
    return shared


def compute_duty(
    store: SelectStore,
    *,
    origin: str,
    hs: str,
    day: str,
    usmca: bool = False,
    over_quota: bool = False,
    book: RuleBook | None = None,
) -> DutyAnswer:
    """Check the inputs and compute the additional duty, with the reason for each measure that did not apply.

    Args:
        store: The store to read the rules from.
        origin: The country of origin: ISO 3166-1 alpha-3 (or alpha-2) code or English name.
        hs: The HS or HTS code, 4 to 10 digits, with or without dots (e.g. ``8703.23.01``).
        day: The date of entry, ``YYYY-MM-DD``.
        usmca: The importer claims USMCA-qualifying goods.
        over_quota: The tariff-rate quota that would cover the goods is filled.
        book: The importer's rules when already read (the server keeps them: :mod:`tradekg.views.rule_books`);
            by default :func:`rules_for`.

    Returns:
        The :class:`DutyAnswer`; ``to_json()`` gives the documented JSON.

    Raises:
        DutyInputError: Unknown country, malformed HS code, or a date outside what the data covers.
    """
    book = book if book is not None else rules_for(store)
    goods = Goods(
        origin=parse_origin(origin), hs=parse_hs(hs), day=parse_day(day, book), usmca=usmca, over_quota=over_quota
    )
    return calculate(book, goods)


def duty_by_origin(
    store: SelectStore, day: date, hs: str | None = None, *, book: RuleBook | None = None
) -> dict[str, Decimal]:
    """The additional duty goods of every origin paid on ``day`` (ISO alpha-3 -> percent), for the map.

    Args:
        store: The store.
        day: The day (outside :func:`coverage` the answer reflects only what the data holds).
        hs: An HS code (dots allowed) or ``None`` for goods that no product-specific measure covers.
        book: The importer's rules when already read; by default :func:`rules_for`.

    Raises:
        DutyInputError: A malformed HS code.
    """
    book = book if book is not None else rules_for(store)
    return additional_duty_by_origin(book, day, parse_hs(hs) if hs else None)
