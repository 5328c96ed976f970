"""Answers kept across the writes that cannot change them: each kept answer names what it was read from.

A page reads the same few answers at each view (a country's rule book, the duty on all goods from one importer,
a country's agreements, the rendered view). At 10^6 quads some take seconds to compute, so they are kept. A write
drops only the answers it may change: each answer is kept with its **dependencies**, and the store's committed
change sets (:meth:`TradeStore.on_commit`, exact: the write gate's) say which dependencies each write changed.

Dependencies are plain tuples:

* ``("node", iri)``: any triple with ``iri`` as its subject or object;
* ``("predicate", iri)``: any triple with that predicate (a blank node's facts, a property read for every node);
* ``("link", predicate, object)``: any triple with that predicate and object (``("link", RDF_TYPE, tkg:Tariff)``:
  a node gains or loses that class; ``("link", tkg:imposedBy, country)``: a measure of that importer comes or
  goes);
* :data:`ANY`: every write (what :func:`until_write` keeps);
* keys of the summaries that follow the store themselves (the tariff index's lists, the measure rows), which they
  change *after* updating themselves, so that an answer read from a summary not yet updated is never kept.

:class:`Revisions` holds, for every dependency a commit changed, the clock of that commit. An answer is computed
after reading the clock, and is current while none of its dependencies changed after that. An answer computed
inside another's computation adds its dependencies to the outer one (a rendered page depends on every kept answer
it used), and an answer whose dependencies changed while it was computed is returned but not kept. Concurrent
requests for the same answer compute it once (the others wait for it), so a background warm-up and the first
page asked share the work.

Each family of answers has its own size limit; the least recently used are dropped first.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

import pyoxigraph as ox

from tradekg.store.interface import TradeStore

Dependency = tuple[str, ...]
ANY: Dependency = ("any",)
"""Changed by every committed write."""
BLANK_NODE: Dependency = ("blank node",)
"""Changed by a write with a triple whose subject or object is not an IRI nor a literal (a blank node, a quoted triple):
what it touched has no IRI for the ``node`` dependencies, so an answer brought up to date by a patch (see
:func:`kept`) reads again whatever blank nodes it holds."""
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LIMITS = {
    "rendered view": 128, "describe": 1024, "all goods": 65_536, "all goods by signature": 65_536, "until write": 4096,
}  # fmt: skip
"""The answers kept per family (others: :data:`DEFAULT_LIMIT`)."""
DEFAULT_LIMIT = 4096
LOGGED = 4096
"""Bumps logged (see :class:`Revisions`); past them an answer is checked dependency by dependency."""
T = TypeVar("T")


def node(iri: str) -> Dependency:
    """Any triple about ``iri`` (as subject or object)."""
    return ("node", iri)


def predicate(iri: str) -> Dependency:
    """Any triple with the predicate ``iri``."""
    return ("predicate", iri)


def link(predicate_iri: str, object_iri: str) -> Dependency:
    """Any triple with this predicate and this IRI object (``link(RDF_TYPE, class)``: membership of a class)."""
    return ("link", predicate_iri, object_iri)


def changed_by(removed: Iterable[ox.Quad], added: Iterable[ox.Quad]) -> set[Dependency]:
    """The dependencies a committed change set changes."""
    changed: set[Dependency] = {ANY}
    for quads in (removed, added):
        for quad in quads:
            p = quad.predicate.value
            changed.add(("predicate", p))
            if isinstance(quad.subject, ox.NamedNode):
                changed.add(("node", quad.subject.value))
            else:
                changed.add(BLANK_NODE)
            if isinstance(quad.object, ox.NamedNode):
                changed.add(("node", quad.object.value))
                changed.add(("link", p, quad.object.value))
            elif not isinstance(quad.object, ox.Literal):
                changed.add(BLANK_NODE)
    return changed


class Revisions:
    """When each dependency last changed, on a clock every change moves on; follows the store's commits.

    The changes of the last :data:`LOGGED` bumps are also logged, so that an answer checked at clock ``c`` is checked
    again by looking at what changed after ``c`` (a few keys a write) rather than at each of its dependencies
    (thousands for the shared duty rules).
    """

    def __init__(self, store: TradeStore) -> None:
        self.clock = 0
        self._changed: dict[Dependency, int] = {}
        self._log: list[tuple[int, frozenset[Dependency]]] = []  # (clock, what changed), oldest first
        self._lock = threading.Lock()
        store.on_commit(self._committed)

    def _committed(self, removed: Iterable[ox.Quad], added: Iterable[ox.Quad]) -> None:
        self.bump(changed_by(removed, added))

    def bump(self, dependencies: Iterable[Dependency]) -> None:
        """Mark ``dependencies`` changed now (a summary calls this after updating itself)."""
        changed = frozenset(dependencies)
        with self._lock:
            clock = self.clock + 1
            for dependency in changed:
                self._changed[dependency] = clock
            self._log.append((clock, changed))
            if len(self._log) > 2 * LOGGED:
                del self._log[:LOGGED]
            self.clock = clock  # last: a reader that sees this clock sees every change made at it

    def changes_since(self, clock: int) -> frozenset[Dependency] | None:
        """Every dependency changed after ``clock``, or ``None`` when the log no longer holds all of them."""
        with self._lock:
            if clock >= self.clock:
                return frozenset()
            log = self._log
            if not log or log[0][0] > clock + 1:
                return None
            since = log[bisect.bisect_right(log, clock, key=lambda entry: entry[0]) :]
        return frozenset().union(*(changed for _, changed in since))

    def changed_since(self, dependencies: frozenset[Dependency], clock: int) -> bool:
        """Whether one of ``dependencies`` changed after ``clock``."""
        with self._lock:
            if clock >= self.clock:
                return False
            log = self._log
            logged = bool(log) and log[0][0] <= clock + 1  # the log holds every change after ``clock``
            if logged:
                since = log[bisect.bisect_right(log, clock, key=lambda entry: entry[0]) :]
        if logged:
            return any(not dependencies.isdisjoint(changed) for _, changed in since)
        changed = self._changed
        return any(changed.get(dependency, 0) > clock for dependency in dependencies)


class _Kept:
    """A kept answer: its value, what it depends on, and the clock up to which none of that changed."""

    __slots__ = ("checked", "dependencies", "value")

    def __init__(self, value: object, checked: int, dependencies: frozenset[Dependency]) -> None:
        self.value = value
        self.checked = checked
        self.dependencies = dependencies


class _StoreAnswers:
    """One store's kept answers, by family and key, and the revisions they are checked against."""

    def __init__(self, store: TradeStore) -> None:
        self.revisions = Revisions(store)
        self.families: dict[str, OrderedDict[Hashable, _Kept]] = {}
        self.lock = threading.Lock()
        self.computing: dict[tuple[str, Hashable], threading.Lock] = {}
        self.stale: dict[tuple[str, Hashable], _Kept] = {}  # answers set aside for a patch (see kept())


_STORES: weakref.WeakKeyDictionary[TradeStore, _StoreAnswers] = weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()
_TRACKING: ContextVar[set[Dependency] | None] = ContextVar("tradekg_kept_tracking", default=None)


def _answers(store: TradeStore) -> _StoreAnswers | None:
    if not callable(getattr(store, "on_commit", None)):
        return None
    with _STORES_LOCK:
        found = _STORES.get(store)
        if found is None:
            found = _STORES[store] = _StoreAnswers(store)
        return found


def revisions(store: TradeStore) -> Revisions | None:
    """The store's revisions (made at the first use), or ``None`` for an object that announces no commits."""
    answers = _answers(store)
    return answers.revisions if answers is not None else None


def depend(dependencies: Iterable[Dependency]) -> None:
    """Add ``dependencies`` to the answer being computed in this thread, if any (a summary read by it, say)."""
    tracking = _TRACKING.get()
    if tracking is not None:
        tracking.update(dependencies)


@contextmanager
def untracked() -> Iterator[None]:
    """Read kept answers without adding their dependencies to the answer being computed (it names its own)."""
    token = _TRACKING.set(None)
    try:
        yield
    finally:
        _TRACKING.reset(token)


Patch = Callable[[T, frozenset[Dependency], frozenset[Dependency]], T | None]
"""Brings a stale answer up to date: ``patch(answer, its dependencies, what changed since it was current)`` gives the
answer as ``compute()`` would now give it (naming its dependencies by :func:`depend`), or ``None`` to compute it."""


def kept(
    store: TradeStore,
    family: str,
    key: Hashable,
    compute: Callable[[], T],
    *,
    dependencies: Collection[Dependency] = (),
    patch: Patch[T] | None = None,
) -> T:
    """``compute()``, kept under ``(family, key)`` while none of its dependencies changes.

    The dependencies are ``dependencies``, those ``compute`` adds by :func:`depend`, and those of every kept answer
    it uses. See the module.

    With ``patch``, an answer a write made stale is not thrown away: the next request gives it to ``patch`` with
    every dependency changed since it was current (read from the log of :class:`Revisions`), so that only what the
    writes touched is read again. When the log no longer holds those changes, or ``patch`` gives ``None``,
    ``compute()`` runs instead.
    """
    answers = _answers(store)
    if answers is None:
        return compute()
    found = _lookup(answers, family, key, keep_stale=patch is not None)
    if found is not None:
        depend(found.dependencies)
        return found.value  # type: ignore[return-value]
    with answers.lock:
        computing = answers.computing.setdefault((family, key), threading.Lock())
    with computing:  # one computation of an answer at a time: the others wait for it and take it
        found = _lookup(answers, family, key, keep_stale=patch is not None)
        if found is not None:
            depend(found.dependencies)
            return found.value  # type: ignore[return-value]
        started = answers.revisions.clock
        tracking: set[Dependency] = set(dependencies)
        token = _TRACKING.set(tracking)
        try:
            patched = _patched(answers, family, key, patch) if patch is not None else None
            if patched is not None:
                value, named = patched
                tracking |= named
            else:
                value = compute()
        finally:
            _TRACKING.reset(token)
        frozen = frozenset(tracking)
        depend(frozen)
        if not answers.revisions.changed_since(frozen, started):
            with answers.lock:
                entries = answers.families.setdefault(family, OrderedDict())
                entries[key] = _Kept(value, started, frozen)
                entries.move_to_end(key)
                while len(entries) > LIMITS.get(family, DEFAULT_LIMIT):
                    entries.popitem(last=False)
    with answers.lock:
        if answers.computing.get((family, key)) is computing and not computing.locked():
            del answers.computing[(family, key)]
    return value


def _patched(answers: _StoreAnswers, family: str, key: Hashable, patch: Patch[T]) -> tuple[T, set[Dependency]] | None:
    """The stale answer of ``(family, key)`` brought up to date by ``patch``, with its dependencies, if it can be."""
    with answers.lock:
        stale = answers.stale.pop((family, key), None)
    if stale is None:
        return None
    changes = answers.revisions.changes_since(stale.checked)
    if changes is None:
        return None
    named: set[Dependency] = set()
    token = _TRACKING.set(named)
    try:
        value = patch(stale.value, stale.dependencies, changes)  # type: ignore[arg-type]
    finally:
        _TRACKING.reset(token)
    return None if value is None else (value, named)


def keep_many(
    store: TradeStore, family: str, compute: Callable[[], dict[Hashable, tuple[object, Collection[Dependency]]]]
) -> None:
    """Keep many answers of ``family`` computed at once (one set-wise read), each with its own dependencies.

    ``compute`` gives ``{key: (answer, dependencies)}``; it names every dependency itself (those of kept answers
    it reads are not added). An answer whose dependencies changed while it was computed is not kept.
    """
    answers = _answers(store)
    if answers is None:
        return
    started = answers.revisions.clock
    token = _TRACKING.set(None)
    try:
        computed = compute()
    finally:
        _TRACKING.reset(token)
    for key, (value, dependencies) in computed.items():
        frozen = frozenset(dependencies)
        if answers.revisions.changed_since(frozen, started):
            continue
        with answers.lock:
            entries = answers.families.setdefault(family, OrderedDict())
            if key not in entries:  # one computed meanwhile by kept() is as current
                entries[key] = _Kept(value, started, frozen)
            while len(entries) > LIMITS.get(family, DEFAULT_LIMIT):
                entries.popitem(last=False)


def _lookup(answers: _StoreAnswers, family: str, key: Hashable, *, keep_stale: bool = False) -> _Kept | None:
    """The answer kept under ``(family, key)`` if it is current.

    A stale one is dropped (with ``keep_stale``, set aside for :func:`_patched`).
    """
    with answers.lock:
        entries = answers.families.get(family)
        found = entries.get(key) if entries is not None else None
        if found is None:
            return None
        now = answers.revisions.clock
        if answers.revisions.changed_since(found.dependencies, found.checked):
            del entries[key]  # type: ignore[union-attr]
            if keep_stale:
                answers.stale[(family, key)] = found
            return None
        found.checked = now
        entries.move_to_end(key)  # type: ignore[union-attr]
        return found


def current_answers(
    store: TradeStore, family: str, wanted: Callable[[Hashable], bool]
) -> dict[Hashable, tuple[object, frozenset[Dependency]]]:
    """The answers of ``family`` whose keys are ``wanted`` and which are current now, with their dependencies."""
    answers = _answers(store)
    if answers is None:
        return {}
    found = {}
    with answers.lock:
        now = answers.revisions.clock
        for key, entry in (answers.families.get(family) or {}).items():
            if wanted(key) and not answers.revisions.changed_since(entry.dependencies, entry.checked):
                found[key] = (entry.value, entry.dependencies)
                entry.checked = now
    return found


def kept_count(store: TradeStore, family: str) -> int:
    """How many answers of ``family`` are kept for ``store`` (current or not yet found stale)."""
    answers = _answers(store)
    if answers is None:
        return 0
    with answers.lock:
        return len(answers.families.get(family, ()))


def until_write(store: TradeStore, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept for ``key`` until the store's next committed write (objects without commits: never).

    For what a page reads from many facts whose dependencies are not worth naming: any write drops it.
    """
    return kept(store, "until write", key, compute, dependencies=(ANY,))


def rows_nodes(rows: Iterable[dict[str, object]]) -> set[Dependency]:
    """A node dependency for every IRI in query rows (their labels, types and links are what a view shows)."""
    return {node(term.value) for row in rows for term in row.values() if isinstance(term, ox.NamedNode)}
