"""What every country page shares, kept in a file beside a store on disk, so that a restart reuses it.

The first country page after a start needs the tariff index, the rules every importer shares and every
importer's own rules: at 10^6 quads half a minute of CPU to read from the store (each read whole, see
:mod:`tradekg.views.all_books`). :func:`save` writes them to ``<store>.views.json`` with the store's stamp
(:mod:`tradekg.store.stamp`); :func:`load` takes them back at the next start when the store still has that
stamp, so they are proved to hold what the store holds (any commit, by tradekg or by another tool on a store
closed cleanly, gives a new stamp). Each rule book comes back as a kept answer with the dependencies it was kept
by, so a later write drops exactly what it dropped before the restart.

The file is JSON in the fixed layout of :mod:`tradekg.views.saved_views`: reading it builds only the views' own
records from strings, numbers and nulls, so a file placed beside the store can at worst hold wrong summaries, never
run code (Python's pickle, used before, could). A missing file, a file of another format or another stamp, or one
that fails to read is ignored: everything is read from the store instead (and the file replaced at the next save).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
import weakref
from collections.abc import Hashable
from pathlib import Path

from tradekg.store.interface import TradeStore
from tradekg.views.kept import Dependency, current_answers, keep_many
from tradekg.views.saved_views import SavedViewsError, books_in, books_out, candidate_out, tariffs_in
from tradekg.views.tariff_index import tariff_index

log = logging.getLogger(__name__)
SUFFIX = ".views.json"
FORMAT = "tradekg views 2"
"""Changed whenever what is saved changes shape (a record's fields, a dependency's form)."""
OLD_SUFFIX = ".views.pickle"
"""The file of the earlier format (a pickle): never read, removed at the next save."""
FAMILY = "duty rules"
KEYS = ("shared", "own")
"""The kept rule books saved: the shared part and each importer's own part (the rest is quick to derive)."""


def views_path(store: TradeStore) -> Path | None:
    """Where ``store``'s file is (``None`` for a store in memory, a remote store or one without a stamp)."""
    if store.path is None or store.stamp is None:
        return None
    return store.path.with_name(store.path.name + SUFFIX)


def save(store: TradeStore) -> bool:
    """Write what is current of the tariff index and the rule books, with the store's stamp; whether it did.

    Nothing is written when the tariff index is not built (nothing worth keeping yet) or a commit moves the stamp
    while this reads.
    """
    path, stamp = views_path(store), store.stamp
    if path is None or stamp is None:
        return False
    tariffs = tariff_index(store).tariffs_at(stamp)
    books = current_answers(store, FAMILY, lambda key: isinstance(key, tuple) and key[0] in KEYS)
    if tariffs is None or store.stamp != stamp:
        return False
    record = {
        "format": FORMAT,
        "stamp": stamp,
        "tariffs": [candidate_out(tariff) for tariff in tariffs.values()],
        "books": books_out(books),
    }
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(record, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, path)
    path.with_name(store.path.name + OLD_SUFFIX).unlink(missing_ok=True)  # type: ignore[union-attr]
    return True


def load(store: TradeStore) -> bool:
    """Take back what :func:`save` wrote, if the store is at the same stamp; whether it did."""
    path, stamp = views_path(store), store.stamp
    if path is None or stamp is None or not path.exists():
        return False
    collecting = gc.isenabled()
    gc.disable()  # a million new objects, none garbage: the collector's passes would double the time of the read
    try:
        record = json.loads(path.read_bytes())
        if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("stamp") != stamp:
            return False
        tariffs, books = tariffs_in(record["tariffs"]), books_in(record["books"])
    except (OSError, ValueError, KeyError, SavedViewsError):  # JSONDecodeError and UnicodeDecodeError too
        log.warning("ignored %s: it could not be read", path, exc_info=True)
        return False
    finally:
        if collecting:
            gc.enable()
    if not tariff_index(store).seed(tariffs, stamp):
        return False

    def saved() -> dict[Hashable, tuple[object, frozenset[Dependency]]]:
        return dict(books) if store.stamp == stamp else {}

    keep_many(store, FAMILY, saved)
    return True


_TRIED: weakref.WeakSet[TradeStore] = weakref.WeakSet()
_LOADED: weakref.WeakSet[TradeStore] = weakref.WeakSet()
_SAVED: weakref.WeakKeyDictionary[TradeStore, str] = weakref.WeakKeyDictionary()
_LOCK = threading.RLock()


def reuse(store: TradeStore) -> None:
    """:func:`load` once per store, at its first use by a view (others wait for it: it takes a second or two)."""
    if store in _TRIED:
        return
    with _LOCK:
        if store in _TRIED:
            return
        _TRIED.add(store)  # first: load() itself asks the tariff index, which asks this again
        if load(store):
            _LOADED.add(store)
            stamp = store.stamp
            if stamp is not None:
                _SAVED[store] = stamp


def loaded(store: TradeStore) -> bool:
    """Whether the views' summaries of ``store`` were taken from its file."""
    return store in _LOADED


def save_if_changed(store: TradeStore) -> None:
    """:func:`save`, unless the file already holds the store's stamp; never raises (a failure is logged)."""
    try:
        stamp = store.stamp
        if stamp is None or _SAVED.get(store) == stamp:
            return
        if save(store):
            _SAVED[store] = stamp
    except Exception:  # noqa: BLE001 - keeping the file is an optimisation: the next start reads the store
        log.warning("the views' summaries were not saved beside the store", exc_info=True)
