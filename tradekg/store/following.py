"""Summaries of a store built at their first use and kept current on write, through :meth:`TradeStore.on_commit`.

A summary names the predicates it is made of. Each committed change set names the IRI subjects it touches with
those predicates, and only those are read again. A change to the class hierarchy, or a change set touching more than
the summary's limit, makes it read the whole store again at its next use. The class index
(:mod:`tradekg.linkeddata.class_index`) and the tariffs by country (:mod:`tradekg.views.tariff_index`) follow the store
this way.
"""

from __future__ import annotations

import abc
import threading
import weakref
from collections.abc import Collection, Iterable
from typing import Self

import pyoxigraph as ox

from tradekg.store.interface import TradeStore

SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"

_FOLLOWERS: weakref.WeakKeyDictionary[TradeStore, dict[type, CommitFollower]] = weakref.WeakKeyDictionary()
_FOLLOWERS_LOCK = threading.Lock()


def touched_subjects(
    removed: Iterable[ox.Quad],
    added: Iterable[ox.Quad],
    predicates: Collection[str],
    linking: Collection[str] = (),
) -> set[str] | None:
    """The IRI subjects of a committed change's quads with one of ``predicates``, and IRI objects of ``linking`` ones.

    ``linking`` predicates are those by which other nodes point at a summarised subject (an exemption's
    ``tkg:exemptionFrom`` names its measure): a change to them touches their object too.

    ``None`` when the change touches ``rdfs:subClassOf``: what a class's members are may have changed anywhere, so
    a summary that follows the class hierarchy is built again instead.
    """
    touched: set[str] = set()
    for quads in (removed, added):
        for quad in quads:
            predicate = quad.predicate.value
            if predicate == SUBCLASS_OF:
                return None
            if predicate in predicates and isinstance(quad.subject, ox.NamedNode):
                touched.add(quad.subject.value)
            if predicate in linking and isinstance(quad.object, ox.NamedNode):
                touched.add(quad.object.value)
    return touched


class CommitFollower(abc.ABC):
    """A summary of one store that follows its commits; see the module.

    A subclass sets its own state first, then calls this ``__init__``, which starts listening to the store.

    Args:
        store: The store summarised (held weakly: the summary never keeps a closed store alive).
        watched: The predicates the summary is made of.
        reread_limit: Past this many touched subjects (a bulk load), the whole store is read again instead.
        linking: The predicates by which other nodes point at a summarised subject (their objects are touched too).
    """

    def __init__(
        self, store: TradeStore, *, watched: Collection[str], reread_limit: int, linking: Collection[str] = ()
    ) -> None:
        self._store = weakref.ref(store)
        self._lock = threading.RLock()
        self._watched = watched
        self._linking = linking
        self._reread_limit = reread_limit
        store.on_commit(self.changed)

    @classmethod
    def of(cls, store: TradeStore) -> Self:
        """The store's one summary of this kind, made (and set to follow its writes) at the first call."""
        with _FOLLOWERS_LOCK:
            kinds = _FOLLOWERS.setdefault(store, {})
            follower = kinds.get(cls)
            if follower is None:
                follower = kinds[cls] = cls(store)
            return follower  # type: ignore[return-value]

    def changed(self, removed: Iterable[ox.Quad], added: Iterable[ox.Quad]) -> None:
        """Follow a committed change set: read again the subjects whose watched facts it touches."""
        touched = touched_subjects(removed, added, self._watched, self._linking)
        if touched is None:
            self.invalidate()
            return
        if not touched:
            return
        with self._lock:
            if not self._is_built():
                return
            if len(touched) > self._reread_limit:
                self.invalidate()
                return
            store = self._store()
            if store is None:
                return
            self._reread(store, touched)

    @abc.abstractmethod
    def invalidate(self) -> None:
        """Forget everything: the whole store is read again at the next use."""

    @abc.abstractmethod
    def _is_built(self) -> bool:
        """Whether the summary has been built (one not built yet has nothing to keep current)."""

    @abc.abstractmethod
    def _reread(self, store: TradeStore, touched: set[str]) -> None:
        """Read ``touched`` again from ``store`` and replace what the summary held of them (called holding the lock)."""
