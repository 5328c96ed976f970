"""Updates bounded by ``--timeout``: the part of an update that can run away is evaluated in a query worker.

An update's ``WHERE`` is evaluated once, by Oxigraph, as a ``SELECT`` (:mod:`tradekg.gate.operations`), and a
cross product there runs as long as a runaway query would, holding the store's write lock, so that every other
write waits. So an update with a ``WHERE`` (``DELETE/INSERT ... WHERE``, ``DELETE WHERE``) or a ``LOAD`` has its
whole change set computed in a query worker process (:mod:`tradekg.server.worker`), which is killed at the
deadline: the update is then answered 503 with nothing changed, and the write lock is released. The worker reads
the store exactly as committed: the write gate holds the write lock while it waits, so no write happens meanwhile
(in memory, a worker forked under that lock; on disk, a checkpoint taken under it). Validation and the commit stay
in the server (:mod:`tradekg.gate.writes`). ``INSERT DATA``, ``DELETE DATA`` and the graph operations (``CLEAR``,
``COPY``...) have no pattern to evaluate and run in the server's thread, bounded by the size of the body and of
the graphs they name.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Flask

from tradekg.gate.changes import ChangeSet
from tradekg.gate.operations import operations, update_changes
from tradekg.gate.writes import ChangeEvaluator
from tradekg.server import run_bounded
from tradekg.store.interface import TradeStore

EVALUATED_KINDS = frozenset({"MODIFY", "DELETE WHERE", "LOAD"})
"""The operations whose cost the request's size does not bound: a pattern to evaluate, a document to fetch."""


@dataclass(frozen=True)
class ChangeSetRequest:
    """A worker's request: the change set of an update (the arguments of ``update_changes``)."""

    update: str
    base_iri: str | None
    allow_load: bool
    protected: frozenset[ox.NamedNode]

    def run(self, store: TradeStore) -> ChangeSet:
        """The change set over the worker's store (the store as committed)."""
        return update_changes(
            store, self.update, base_iri=self.base_iri, allow_load=self.allow_load, protected=self.protected
        )


def evaluates_patterns(update: str) -> bool:
    """Whether the update has an operation whose time the request's size does not bound (see the module)."""
    return any(operation.kind in EVALUATED_KINDS for operation in operations(update)[1])


def bounded_evaluator(app: Flask) -> ChangeEvaluator:
    """What computes an update's change set for ``app``: in a worker stopped at ``--timeout`` when it evaluates.

    The evaluator raises :class:`~tradekg.server.worker.QueryTimeout` (the worker was killed) or
    :class:`~tradekg.server.worker.WorkerFailed`; the write gate then changes nothing and releases the lock.
    """

    def evaluate(
        store: TradeStore,
        update: str,
        *,
        base_iri: str | None,
        allow_load: bool,
        protected: frozenset[ox.NamedNode],
    ) -> ChangeSet:
        if not evaluates_patterns(update):
            return update_changes(store, update, base_iri=base_iri, allow_load=allow_load, protected=protected)
        request = ChangeSetRequest(update, base_iri, allow_load, protected)
        return run_bounded(request, app, store_locked=True)

    return evaluate
