"""The query worker process's side: the work it is sent, and the loop that answers it.

A worker (see :mod:`tradekg.server.worker` for the pool that starts, feeds and kills them) loops reading a request
from a pipe, evaluating it on its store and writing the answer back. It is either ``fork()``-ed from the server
(an in-memory store, shared copy-on-write: :func:`forked_child`) or a fresh interpreter
(``python -m tradekg.server.worker_process REQUEST_FD ANSWER_FD``: :func:`main`) that opens the read-only checkpoint
each request names. Workers only read: nothing they do can reach the server's store.

A worker may be given a memory limit (:func:`limit_memory`, the ``query_memory`` setting): its address space may
grow by that much beyond its size once its store is open (RocksDB reserves some 600 MB of address space when it
opens a store, before any query). A query needing more is stopped where it allocates (Oxigraph aborts the process,
Python raises ``MemoryError``), and the pool answers :class:`WorkerOutOfMemory` and replaces the worker.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from tradekg.server.frames import receive_frame, send_frame
from tradekg.server.lifeline import end_with_server
from tradekg.server.results import Answer, evaluate
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore

T_co = TypeVar("T_co", covariant=True)


class WorkerFailed(Exception):
    """The worker process died without an answer (for example, killed by the system for memory)."""


class WorkerOutOfMemory(WorkerFailed):
    """The query needed more memory than a worker may take (the worker was stopped and is replaced)."""

    def __init__(self, mebibytes: int) -> None:
        self.mebibytes = mebibytes
        super().__init__(
            f"the query needed more than the {mebibytes} MiB a query worker may take (--query-memory) and was stopped"
        )


def limit_memory(mebibytes: int) -> None:
    """Let this process's address space grow by at most ``mebibytes`` MiB beyond its size now (soft ``RLIMIT_AS``).

    Measured from the size now, so that a worker forked from a large server gets the same room as a fresh one; a
    negative value lifts the limit (up to the hard limit). Nothing is done for 0, or where the size cannot be read
    (``/proc``) or limited (no ``resource`` module).
    """
    if mebibytes == 0:
        return
    try:
        import resource  # noqa: PLC0415 - POSIX only

        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = hard if mebibytes < 0 else size + mebibytes * 2**20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a worker stopped for memory leaves no core file behind


class Request(Protocol[T_co]):
    """Work a worker can do: picklable, and answered by ``run`` on the worker's store."""

    def run(self, store: TradeStore) -> T_co:
        """Evaluate on ``store`` and return a picklable answer."""
        ...


@dataclass(frozen=True)
class QueryRequest:
    """What a worker needs to answer one query: the arguments of :func:`~tradekg.server.results.evaluate`."""

    query: str
    format_name: str
    max_rows: int
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    base_iri: str | None = None

    def run(self, store: TradeStore) -> Answer:
        """Evaluate the query and serialise its answer."""
        return evaluate(
            store,
            self.query,
            format_name=self.format_name,
            max_rows=self.max_rows,
            default_graph_uris=self.default_graph_uris,
            named_graph_uris=self.named_graph_uris,
            base_iri=self.base_iri,
        )


_QUERY = "q"
"""The tag of a query request on the pipe (any other request is sent as the object itself)."""


def request_message(snapshot: str | None, request: Request[object]) -> tuple[object, ...]:
    """What the pool writes on a worker's pipe for ``request``, reading the checkpoint ``snapshot``.

    A :class:`QueryRequest` travels as a tuple of its fields, and its answer comes back as a tuple of the
    :class:`~tradekg.server.results.Answer`'s: pickling the two frozen dataclasses (a class looked up, each field set
    through ``object.__setattr__``) cost about 0.1 ms of CPU per query, a twentieth of a point lookup's whole cost.
    """
    if type(request) is QueryRequest:
        fields = (request.query, request.format_name, request.max_rows, request.default_graph_uris)
        return (snapshot, _QUERY, *fields, request.named_graph_uris, request.base_iri)
    return (snapshot, request)


def answer_value(message: tuple[object, ...]) -> tuple[bool, object]:
    """``(ok, value)`` from a worker's answer message: the answer, or the exception raised in the worker."""
    if len(message) == 4:
        body, truncated, seconds = message[1:]
        return True, Answer(body, truncated, seconds)  # type: ignore[arg-type]
    return message  # type: ignore[return-value]


def _answer(store: TradeStore | None, message: tuple[object, ...]) -> tuple[object, ...]:
    try:
        if store is None:
            raise WorkerFailed("the query worker has no store to read")
        if message[1] == _QUERY:
            query, format_name, max_rows, default_graphs, named_graphs, base_iri = message[2:]
            answer = evaluate(
                store,
                query,  # type: ignore[arg-type]
                format_name=format_name,  # type: ignore[arg-type]
                max_rows=max_rows,  # type: ignore[arg-type]
                default_graph_uris=default_graphs,  # type: ignore[arg-type]
                named_graph_uris=named_graphs,  # type: ignore[arg-type]
                base_iri=base_iri,  # type: ignore[arg-type]
            )
            return True, answer.body, answer.truncated, answer.seconds
        return True, message[1].run(store)  # type: ignore[attr-defined]
    except Exception as error:  # noqa: BLE001 - every failure goes back to the server as data
        return False, error


def serve(store: TradeStore | None, request_fd: int, answer_fd: int, memory_mebibytes: int = 0) -> None:
    """Answer requests until the server closes the pipe. A request names the checkpoint to read, if any."""
    snapshot: str | None = None
    limit_memory(memory_mebibytes)
    while True:
        try:
            message: tuple[object, ...] = receive_frame(request_fd)  # type: ignore[assignment]
        except EOFError:
            return
        wanted = message[0]
        if wanted is not None and wanted != snapshot:
            store, snapshot = None, None  # close the old checkpoint before opening the next
            limit_memory(-1 if memory_mebibytes else 0)  # the limit counts from the size with the store open
            store, snapshot = OxigraphStore(Path(wanted), read_only=True), wanted  # type: ignore[arg-type]
            limit_memory(memory_mebibytes)
        outcome = _answer(store, message)
        try:
            send_frame(answer_fd, outcome)
        except pickle.PicklingError:
            send_frame(answer_fd, (False, WorkerFailed(f"the query failed: {outcome[1]}")))


def forked_child(store: TradeStore, request_fd: int, answer_fd: int, memory_mebibytes: int = 0) -> None:
    """The body of a forked worker: never returns into the server's code."""
    status = 0
    try:
        # Keep only the worker's own pipe ends: the server's sockets and the other workers' pipes must close
        # when the server closes them, not when this process ends.
        low, high = sorted((request_fd, answer_fd))
        os.closerange(3, low)
        os.closerange(low + 1, high)
        os.closerange(high + 1, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 65536)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which then closes the pipes
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        end_with_server(request_fd)  # a worker ends with the server, even in the middle of a query
        # The server's objects are frozen out of collection: a collection that touched them would copy the
        # server's whole heap page by page. The worker's own garbage is still collected.
        gc.freeze()
        gc.enable()
        serve(store, request_fd, answer_fd, memory_mebibytes)
    except BaseException:  # noqa: BLE001 - the child must end here whatever happens
        status = 1
    finally:
        os._exit(status)


def main(arguments: list[str]) -> None:
    """A spawned worker: ``python -m tradekg.server.worker_process REQUEST_FD ANSWER_FD [MEMORY_MIB]``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    request_fd, answer_fd, memory_mebibytes, *_ = (*(int(argument) for argument in arguments), 0)
    end_with_server(request_fd)
    serve(None, request_fd, answer_fd, memory_mebibytes)


if __name__ == "__main__":
    main(sys.argv[1:])
