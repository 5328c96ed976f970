"""A pool of query worker processes that can really be stopped.

Oxigraph releases the GIL while it evaluates, but an aggregate (``COUNT``, ``GROUP BY``...) runs to its end inside
one call that nothing in the process can cancel. So a query with a time limit runs in a worker process, which the
server kills with ``SIGKILL`` when the time is up: the work ends, the memory is returned, and the server goes on
answering. Forking a process per query costs far more than a selective query (milliseconds against a tenth of
one), so :class:`QueryPool` keeps a few workers alive; each loops reading a request from a pipe, evaluating it
(:func:`tradekg.server.results.evaluate`) and writing the serialised answer back (the worker's own loop is in
:mod:`tradekg.server.worker_process`). A killed worker is replaced by the next query that needs one.

Freshness: every committed write bumps :attr:`TradeStore.generation`, and a worker never answers from an older
generation than the one current when its query was dispatched.

* In memory, a worker is ``fork()``-ed from the server while it holds the store's write lock (so no write is half
  done in the copy) and shares the store copy-on-write. A worker of an older generation is retired and a new
  one forked (lazily, by the next query), so the first query after a write pays for one fork.
* On disk, forking is unsound: RocksDB's background threads do not survive ``fork()`` and its locks may be held
  by them at that instant. Workers are fresh interpreters (``python -m tradekg.server.worker_process``) that open a
  read-only checkpoint of the store (:meth:`pyoxigraph.Store.backup`, hard links in a sibling directory),
  never the live directory (opening it read-only while the server writes is undefined behaviour). A write makes
  the next query take a new checkpoint, and each worker reopens the checkpoint a request names.

Workers only read: nothing they do can reach the server's store.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tradekg.server.checkpoints import Checkpoints
from tradekg.server.frames import receive_frame, send_frame
from tradekg.server.shares import CLIENT, Shares
from tradekg.server.worker_process import (
    QueryRequest,
    Request,
    WorkerFailed,
    WorkerOutOfMemory,
    answer_value,
    forked_child,
    request_message,
)
from tradekg.store.interface import TradeStore

__all__ = ["QueryPool", "QueryRequest", "QueryTimeout", "Request", "WorkerFailed", "can_fork"]

T = TypeVar("T")

_PROJECT_ROOT = Path(__file__).resolve().parents[2]


class QueryTimeout(Exception):
    """The work ran past its time limit and was stopped."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"the query ran longer than {seconds:g} s and was stopped")


def can_fork() -> bool:
    """Whether this platform can run queries in worker processes (a POSIX ``fork()`` and pipes)."""
    return hasattr(os, "fork")


@dataclass(eq=False)
class _Worker:
    request_fd: int
    answer_fd: int
    generation: int
    pid: int = 0
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> int | None:
        """Kill the process, close the pipes and reap it (no zombie is left); the signal that ended it, if any."""
        for fd in (self.request_fd, self.answer_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.process is not None:
            self.process.kill()
            status = self.process.wait()
            return -status if status < 0 else None
        try:
            os.kill(self.pid, signal.SIGKILL)
            _, status = os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            return None
        return os.WTERMSIG(status) if os.WIFSIGNALED(status) else None


class QueryPool:
    """Up to ``size`` worker processes answering queries of one store, each query stopped at its deadline.

    Workers start lazily (the first queries that find no idle one) and are stopped by :meth:`close`, which the
    application calls when it is collected or the interpreter exits.
    """

    def __init__(self, store: TradeStore, size: int, *, memory_mebibytes: int = 0) -> None:
        self.store = store
        self.size = max(1, size)
        self.memory_mebibytes = memory_mebibytes  # each worker's limit (worker_process.limit_memory); 0: none
        self._ready = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._starting = 0
        self._closed = False
        self._checkpoints = Checkpoints(store) if store.path is not None else None
        self._shares = Shares(self.size)  # each client's fair share (shares.py)

    @property
    def pids(self) -> list[int]:
        """The process ids of the live workers."""
        with self._ready:
            workers = [*self._idle, *self._busy]
        return [worker.process.pid if worker.process else worker.pid for worker in workers]

    def run(self, request: Request[T], seconds: float, *, store_locked: bool = False) -> T:
        """Answer ``request`` in a worker, killing it if the answer is not back within ``seconds``.

        With ``store_locked``, the caller holds the store's write lock (an update computing its change set): the
        worker reads the store exactly as it is, and a worker is started without waiting for that lock.

        Raises:
            QueryTimeout: No answer in time (waiting for a free worker counts); the worker has been killed.
            WorkerFailed: The worker died without an answer, or the pool is closed.
            Exception: What evaluating the query raised (``SyntaxError``, ``FormatError``...).
        """
        deadline = time.monotonic() + seconds
        snapshot = None
        if self._checkpoints is not None:  # on disk: the workers read a checkpoint of the current generation
            snapshot = self._checkpoints.take(deadline, store_locked=store_locked)
            if snapshot is None:
                raise QueryTimeout(seconds)  # a long write held the store
        message = request_message(snapshot, request)
        try:
            for attempt in (1, 2):
                worker = self._acquire(deadline, seconds, CLIENT.get(), store_locked=store_locked)
                try:
                    send_frame(worker.request_fd, message)
                except OSError:  # it died while idle (killed by the system?): nothing was evaluated, use another
                    self._discard(worker)
                    if attempt == 2:
                        raise WorkerFailed("the query workers end as they start; see the server's log") from None
                    continue
                try:
                    ok, value = answer_value(receive_frame(worker.answer_fd, deadline))  # type: ignore[arg-type]
                except TimeoutError:
                    self._discard(worker)
                    raise QueryTimeout(seconds) from None
                except (OSError, EOFError, pickle.UnpicklingError):
                    if self._discard(worker) == signal.SIGABRT and self.memory_mebibytes > 0:
                        raise WorkerOutOfMemory(self.memory_mebibytes) from None  # Oxigraph aborts when out of memory
                    raise WorkerFailed("the query worker ended without an answer") from None
                except BaseException:
                    self._discard(worker)
                    raise
                if not ok and isinstance(value, MemoryError):  # Python ran out of memory: a fresh worker replaces it
                    self._discard(worker)
                    if self.memory_mebibytes > 0:
                        raise WorkerOutOfMemory(self.memory_mebibytes)
                    raise WorkerFailed("the query worker ran out of memory")
                self._release(worker)
                break
        finally:
            if self._checkpoints is not None and snapshot is not None:
                self._checkpoints.release(snapshot)
        if not ok:
            raise value
        return value  # type: ignore[return-value]

    def start_all(self, seconds: float = 30.0) -> int:
        """Start the workers the pool lacks now, idle, so that the first queries do not wait for them.

        Returns:
            The number of workers started.
        """
        started = 0
        deadline = time.monotonic() + seconds
        while True:
            with self._ready:
                if self._closed or len(self._idle) + len(self._busy) + self._starting >= self.size:
                    return started
                self._starting += 1
            try:
                self._launch(deadline, seconds, idle=True)
            except WorkerFailed:
                return started
            started += 1

    def close(self) -> None:
        """Stop every worker and remove the checkpoints; queries still waiting fail with :class:`WorkerFailed`."""
        with self._ready:
            self._closed = True
            workers = [*self._idle, *self._busy]
            self._idle.clear()
            self._busy.clear()
            self._ready.notify_all()
        for worker in workers:
            worker.stop()
        if self._checkpoints is not None:
            self._checkpoints.remove()

    # -- workers ---------------------------------------------------------------------------------------------------

    def _acquire(self, deadline: float, seconds: float, client: str, *, store_locked: bool = False) -> _Worker:
        stale: list[_Worker] = []
        with self._ready:
            while True:
                if self._closed:
                    raise WorkerFailed("the server is shutting down")
                generation = self.store.generation
                if self.store.path is None:  # a forked worker holds the store as it was: retire older ones
                    stale += [worker for worker in self._idle if worker.generation != generation]
                    self._idle = [worker for worker in self._idle if worker.generation == generation]
                live = len(self._busy) + self._starting
                if self._idle:
                    worker = self._idle.pop()
                    self._busy.add(worker)
                    self._shares.holds(worker, client)
                    break
                if live < self.size or self._shares.may_add_spare(client, live + len(self._idle)):
                    self._starting += 1
                    self._shares.starts(client)  # counts as the client's from now: no second spare meanwhile
                    worker = None
                    break
                self._ready.wait(min(deadline - time.monotonic(), 0.25))  # running queries turn expensive with time
                if time.monotonic() >= deadline:
                    self._ready.notify()  # a wake-up meant for a free worker may have landed here: pass it on
                    raise QueryTimeout(seconds)
        for old in stale:
            old.stop()
        if worker is not None:
            return worker
        try:
            worker = self._launch(deadline, seconds, idle=False, store_locked=store_locked)
        except BaseException:
            with self._ready:
                self._shares.started(client)
            raise
        with self._ready:
            self._shares.started(client)
            self._shares.holds(worker, client)
        return worker

    def _launch(self, deadline: float, seconds: float, *, idle: bool, store_locked: bool = False) -> _Worker:
        """Start a worker the caller counted in ``_starting``, and file it as idle or busy.

        Raises:
            WorkerFailed: The pool was closed meanwhile (the new worker is stopped).
        """
        try:
            worker = self._start(deadline, seconds, store_locked=store_locked)
        except BaseException:
            with self._ready:
                self._starting -= 1
                self._ready.notify()  # its place is free again: one waiting query may start a worker there
            raise
        with self._ready:  # counted as starting until filed, in one step: no other query sees a free place meanwhile
            self._starting -= 1
            closed = self._closed
            if not closed:
                if idle:
                    self._idle.append(worker)
                    self._ready.notify()
                else:
                    self._busy.add(worker)
        if closed:
            worker.stop()
            raise WorkerFailed("the server is shutting down")
        return worker

    def _release(self, worker: _Worker) -> None:
        with self._ready:
            self._busy.discard(worker)
            self._shares.frees(worker)
            keep = not self._closed and (self.store.path is not None or worker.generation == self.store.generation)
            keep = keep and len(self._idle) + len(self._busy) + self._starting < self.size  # spares stop
            if keep:
                self._idle.append(worker)
            self._ready.notify()  # one waiting query takes the worker (or its place): waking every one cost CPU
        if not keep:
            worker.stop()

    def _discard(self, worker: _Worker) -> int | None:
        with self._ready:
            self._busy.discard(worker)
            self._shares.frees(worker)
            self._ready.notify()
        return worker.stop()

    def _start(self, deadline: float, seconds: float, *, store_locked: bool = False) -> _Worker:
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        try:
            if self.store.path is None:
                worker = self._fork(request_read, answer_write, deadline, seconds, store_locked=store_locked)
            else:
                worker = self._spawn(request_read, answer_write)
        except BaseException:
            for fd in (request_write, answer_read):
                os.close(fd)
            raise
        finally:
            os.close(request_read)
            os.close(answer_write)
        worker.request_fd, worker.answer_fd = request_write, answer_read
        return worker

    def _fork(
        self, request_fd: int, answer_fd: int, deadline: float, seconds: float, *, store_locked: bool = False
    ) -> _Worker:
        lock = self.store.write_lock
        if not store_locked and not lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise QueryTimeout(seconds)  # a long write holds the store
        try:  # no write is half done while the lock is held: the child's copy of the store is consistent
            generation = self.store.generation
            with warnings.catch_warnings():
                # Python 3.12+ warns that fork() in a threaded process may deadlock the child: the child touches only
                # the store (read-only, no writer mid-way) and its pipes, and a stuck child is killed at the deadline.
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:
                forked_child(self.store, request_fd, answer_fd, self.memory_mebibytes)
        finally:
            if not store_locked:
                lock.release()
        return _Worker(-1, -1, generation, pid=pid)

    def _spawn(self, request_fd: int, answer_fd: int) -> _Worker:
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tradekg.server.worker_process",
                *map(str, (request_fd, answer_fd, self.memory_mebibytes)),
            ],
            pass_fds=(request_fd, answer_fd),
            stdin=subprocess.DEVNULL,
            env=environment,
        )
        return _Worker(-1, -1, self.store.generation, process=process)
