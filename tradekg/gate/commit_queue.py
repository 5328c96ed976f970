"""Group commit: the writes waiting for the store validated together and committed in one transaction.

Writes are serialised (:meth:`TradeStore.writing`), and each used to wait for the one before it to be validated and
flushed. Here a writer puts its request in the store's queue; the first writer to find the store free takes every
request waiting (a *batch*, in arrival order) and settles them all under one :meth:`~TradeStore.writing`, while
writers arriving meanwhile queue for the next batch (a new leader first waits, at most :data:`GATHER_SECONDS`, for
the writers already preparing a request: :meth:`CommitQueue.expect`). Every writer gets exactly the answer it would
have had if the requests had run one by one in that order:

1. **Change sets in order.** Each request's change set is computed over the store as the earlier requests of the
   batch leave it (:class:`PendingView`), as if they had committed. A request whose evaluation must query the
   store (the ``WHERE`` of ``DELETE/INSERT``) cannot query that view; it ends the batch's current *group* and starts
   the next, computed over the store once the group has committed. A ``solo`` request is a group on its own (the
   write gate sends updates with a ``WHERE`` or a ``LOAD`` so: they are evaluated once, over the committed store).
2. **One validation when the requests cannot see each other.** The store after the whole group is read; for each
   request, the focus nodes its change can concern and what their shapes read are found as for a single write
   (:mod:`tradekg.gate.neighbourhood`), and every read is recorded. When no request reads a quad that a *later*
   request changes, each request's validation reads the same in the store its turn would leave (its predecessors
   applied, its successors not) as in the store after the group, so the union of their focus nodes is validated
   in one run of the compiled shapes over the union of what they read. If that conforms, every request conforms
   in its turn.
3. **Otherwise one by one.** When a later request changes what an earlier one reads, or the union does not
   conform, the requests are validated one at a time, each over the store as the requests accepted before it
   leave it; after the first rejection, the later requests' change sets are computed again over that store. A bad
   write never blocks the good ones, and its client gets its own report.
4. **One commit.** The accepted requests' change sets, merged in order, commit in one :meth:`~TradeStore.apply`
   (one transaction, one flush); listeners of :meth:`~TradeStore.on_commit` are told that net change once.

A backend that commits optimistically (the remote store) refuses the whole group when another program wrote
meanwhile: every request of the group then gets that :class:`~tradekg.store.interface.StoreConflict`, and nothing of
it was written, as one by one the first would have.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tradekg.gate.changes import AfterView, ChangeSet, NeedsCommittedStore, PendingView
from tradekg.gate.group_walk import walk_group
from tradekg.gate.neighbourhood import validate_change as validate_alone
from tradekg.gate.shacl_sparql import validate_focus
from tradekg.gate.validate import ValidationReport
from tradekg.store.interface import TradeStore
from tradekg.store.per_store import PerStore

MAX_GROUP = 32
"""Most requests validated together (a bound on one validation's size, and on the wait of the last of them)."""
GATHER_SECONDS = 0.01
"""Longest a new leader waits for the writers already preparing a request (:meth:`CommitQueue.expect`)."""


def merge(into: ChangeSet, changes: ChangeSet) -> None:
    """Apply ``changes`` (computed over the store as ``into`` leaves it) on top of ``into``: their net effect."""
    for quad in changes.removed:
        if quad in into.added:
            into.added.discard(quad)
        else:
            into.removed.add(quad)
    for quad in changes.added:
        if quad in into.removed:
            into.removed.discard(quad)
        else:
            into.added.add(quad)
    for graph in changes.dropped:
        into.drop(graph)
    for graph in changes.created:
        into.create(graph)


@dataclass(frozen=True)
class Outcome:
    """How a request was settled: its change set and its validation (committed when the report conforms)."""

    changes: ChangeSet
    report: ValidationReport
    focus_nodes: int
    validated_triples: int


Compute = Callable[[TradeStore], ChangeSet]
"""A request: its change set, computed over the store it is given (a :class:`PendingView`); it may raise."""


@dataclass(eq=False)
class _Request:
    compute: Compute
    solo: bool
    changes: ChangeSet | None = None
    error: Exception | None = None
    outcome: Outcome | None = None
    done: bool = False

    def run(self, view: TradeStore) -> None:
        """Compute the change set over ``view`` (an error is kept for the writer; ``NeedsCommittedStore`` raised)."""
        self.changes, self.error, self.outcome = None, None, None
        try:
            self.changes = self.compute(view)
        except NeedsCommittedStore:
            raise
        except Exception as error:  # noqa: BLE001 - handed back to the writer's thread, which raises it unchanged
            self.error = error


@dataclass
class _Group:
    """Requests whose change sets were computed in order over one pending view; ``pending`` is their merge."""

    requests: list[_Request] = field(default_factory=list)
    pending: ChangeSet = field(default_factory=ChangeSet)


class Ticket:
    """A writer preparing a request it will submit (see :meth:`CommitQueue.expect`); :meth:`cancel` if it will not."""

    def __init__(self, queue: CommitQueue) -> None:
        self._queue: CommitQueue | None = queue

    def cancel(self) -> None:
        """The writer will not submit (its request was refused, or was submitted): stop waiting for it."""
        queue, self._queue = self._queue, None
        if queue is not None:
            with queue._changed:
                queue._expected -= 1
                queue._changed.notify_all()


class CommitQueue:
    """The write queue of one store (see the module's description); get it with :func:`commit_queue`."""

    def __init__(self, store: TradeStore) -> None:
        self.store = store
        self._waiting: list[_Request] = []
        self._expected = 0
        self._leading = False
        self._gathering = False
        lock = threading.Lock()
        self._changed = threading.Condition(lock)
        """Notified when a request arrives or an announced one is cancelled (only a gathering leader waits on it)."""
        self._free = threading.Condition(lock)
        """Notified when a leader has settled its batch (the writers waiting for their answer, or to lead)."""
        self.settled = {"together": 0, "one by one": 0}
        """How many requests each way settled (validated together, or one at a time)."""
        self.groups = 0
        """How many groups were settled (``sum(settled.values()) / groups`` is the mean group)."""

    def expect(self) -> Ticket:
        """Announce a request being prepared (its text parsed and checked) that will be submitted with the ticket.

        A writer that becomes the leader waits up to :data:`GATHER_SECONDS` for the requests announced, so that
        writers arriving together are validated together: a group's validation costs about as much for one request
        as for six (the compiled queries are parsed and planned once per group). Cancel the ticket if the request
        will not be submitted.
        """
        with self._changed:
            self._expected += 1
        return Ticket(self)

    @property
    def leading(self) -> bool:
        """Whether a writer is settling a batch now (it has taken the requests waiting)."""
        return self._leading and not self._gathering

    @property
    def gathering(self) -> bool:
        """Whether a new leader is waiting for the requests announced before it takes the batch."""
        return self._gathering

    @property
    def waiting(self) -> int:
        """How many requests wait for the next batch."""
        return len(self._waiting)

    def submit(self, compute: Compute, *, solo: bool = False, ticket: Ticket | None = None) -> Outcome:
        """Settle one request (maybe with others) and return its outcome, or raise what ``compute`` raised.

        Args:
            compute: Computes the request's change set over the store it is given. It must only read that store
                (by pattern; a query may raise :class:`NeedsCommittedStore`, and the request is computed again
                over the committed store), and may be called again when an earlier request of its group is
                rejected.
            solo: Settle the request in a group of its own (its computation must run once: ``LOAD``).
            ticket: The ticket of :meth:`expect`, if the request was announced (it is used up here).

        Raises:
            Whatever ``compute`` raised; ``StoreError`` when the commit failed (nothing of the group was written).
        """
        request = _Request(compute, solo)
        with self._changed:
            self._waiting.append(request)
            if ticket is not None:
                ticket._queue = None
                self._expected -= 1
                self._changed.notify()
            while self._leading and not request.done:
                self._free.wait()
            if not request.done:
                self._leading = True
                self._gather()
                batch, self._waiting = self._waiting, []
        if not request.done:
            try:
                with self.store.writing():
                    self._settle_batch(batch)
            except BaseException as error:  # the lock could not be taken, or the thread was interrupted
                for waiting in batch:
                    if not waiting.done:
                        waiting.error, waiting.done = _as_exception(error), True
                raise
            finally:
                with self._free:
                    self._leading = False
                    self._free.notify_all()
        if request.error is not None:
            raise request.error
        assert request.outcome is not None
        return request.outcome

    def _gather(self) -> None:
        """Wait (holding the condition's lock, released while waiting) for the requests announced, a short while."""
        deadline = time.monotonic() + GATHER_SECONDS
        self._gathering = True
        try:
            while self._expected > 0 and len(self._waiting) < MAX_GROUP:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._changed.wait(left)
        finally:
            self._gathering = False

    # -- the leader's work, holding the store's write lock ----------------------------------------

    def _settle_batch(self, batch: list[_Request]) -> None:
        queue = list(batch)
        while queue:
            group, queue = self._group(queue)
            try:
                self._settle(group)
            except Exception as error:  # noqa: BLE001 - the commit failed: each writer of the group is told
                for request in group.requests:
                    if request.outcome is None and request.error is None:
                        request.error = error
            finally:
                for request in group.requests:
                    request.done = True

    def _group(self, queue: list[_Request]) -> tuple[_Group, list[_Request]]:
        """The longest head of ``queue`` computable in order over uncommitted changes, and the rest."""
        group = _Group()
        view = PendingView(self.store, group.pending)
        for index, request in enumerate(queue):
            if group.requests and (request.solo or len(group.requests) >= MAX_GROUP):
                return group, queue[index:]
            try:
                request.run(view)
            except NeedsCommittedStore as error:
                if group.pending:  # computed again, first of the next group, over the committed store
                    return group, queue[index:]
                request.error = error  # nothing pending: the view answered as the store would (never raised)
            group.requests.append(request)
            if request.changes is not None:
                merge(group.pending, request.changes)
            if request.solo:
                return group, queue[index + 1 :]
        return group, []

    def _settle(self, group: _Group) -> None:
        """Settle a group; each accepted request's outcome is set only once its commit has succeeded."""
        members = [request for request in group.requests if request.changes is not None]
        self.groups += 1
        if len(members) > 1 and self._together(members, group.pending):
            self.settled["together"] += len(members)
        else:
            self._one_by_one(group.requests)
            self.settled["one by one"] += len(group.requests)

    def _together(self, members: list[_Request], pending: ChangeSet) -> bool:
        """Validate the members at once when none reads what a later one changes; commit them if they conform.

        Their focus nodes and reads are found in one walk of the union of their changes (:mod:`.group_walk`).
        """
        view = AfterView(self.store, pending, indexed=True)
        changed = [[*request.changes.added, *request.changes.removed] for request in members]  # type: ignore[union-attr]
        walk = walk_group(view, changed)
        if walk is None or not walk.independent(changed):
            return False
        report = validate_focus(walk.quads, walk.by_shape())
        if not report.conforms:
            return False
        settled = []
        for index, request in enumerate(members):
            own = walk.report(index, report)
            outcome = Outcome(request.changes, own, len(walk.focus_nodes(index)), walk.triples(index))  # type: ignore[arg-type]
            settled.append((request, outcome))
        self._commit(pending, settled)
        return True

    def _one_by_one(self, requests: list[_Request]) -> None:
        """Validate each request over the store as the accepted ones before it leave it; commit the accepted."""
        accepted = ChangeSet()
        view = PendingView(self.store, accepted)
        uncommitted: list[tuple[_Request, Outcome]] = []
        stale = False  # a request was rejected: the change sets computed after it assumed it
        for request in requests:
            if stale:
                try:
                    request.run(view)
                except NeedsCommittedStore:
                    self._commit(accepted, uncommitted)
                    accepted = ChangeSet()
                    view = PendingView(self.store, accepted)
                    request.run(view)
            if request.changes is None:
                continue
            changes = request.changes
            report, focus, validated = validate_alone(
                AfterView(view, changes, indexed=True), [*changes.added, *changes.removed]
            )
            if report.conforms:
                merge(accepted, changes)
                uncommitted.append((request, Outcome(changes, report, focus, validated)))
            else:
                request.outcome = Outcome(changes, report, focus, validated)
                stale = True
        self._commit(accepted, uncommitted)

    def _commit(self, changes: ChangeSet, settled: list[tuple[_Request, Outcome]]) -> None:
        """Commit ``changes`` (one transaction), then give each request of ``settled`` its outcome."""
        if changes:
            self.store.apply(
                changes.removed, changes.added, created_graphs=changes.created, dropped_graphs=changes.dropped
            )
        for request, outcome in settled:
            request.outcome = outcome
        settled.clear()


def _as_exception(error: BaseException) -> Exception:
    return error if isinstance(error, Exception) else RuntimeError(f"the write was interrupted: {error!r}")


_QUEUES: PerStore[CommitQueue] = PerStore(CommitQueue)


def commit_queue(store: TradeStore) -> CommitQueue:
    """The store's commit queue (one per store object, made when first asked for)."""
    return _QUEUES(store)
