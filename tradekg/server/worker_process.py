"""The query worker process's side: the work it is sent, and the loop that answers it.

A worker (see :mod:`tradekg.server.worker` for the pool that starts, feeds and kills them) loops reading a request
from a pipe, evaluating it on its store and writing the answer back. It is either ``fork()``-ed from the server
(an in-memory store, shared copy-on-write: :func:`forked_child`) or a fresh interpreter
(``python -m tradekg.server.worker_process REQUEST_FD ANSWER_FD``: :func:`main`) that opens the read-only checkpoint
each request names. Workers only read: nothing they do can reach the server's store.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from tradekg.graph.embedded import OxigraphStore
from tradekg.graph.store import TradeStore
from tradekg.server.frames import receive_frame, send_frame
from tradekg.server.lifeline import end_with_server
from tradekg.server.results import Answer, evaluate

T_co = TypeVar("T_co", covariant=True)


class WorkerFailed(Exception):
    """The worker process died without an answer (for example, killed by the system for memory)."""


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
        return evaluate(store, **asdict(self))


def _answer(store: TradeStore | None, request: Request[object]) -> tuple[bool, object]:
    try:
        if store is None:
            raise WorkerFailed("the query worker has no store to read")
        return True, request.run(store)
    except Exception as error:  # noqa: BLE001 - every failure goes back to the server as data
        return False, error


def serve(store: TradeStore | None, request_fd: int, answer_fd: int) -> None:
    """Answer requests until the server closes the pipe. A request names the checkpoint to read, if any."""
    snapshot: str | None = None
    while True:
        try:
            wanted, request = receive_frame(request_fd)  # type: ignore[misc]
        except EOFError:
            return
        if wanted is not None and wanted != snapshot:
            store, snapshot = None, None  # close the old checkpoint before opening the next
            store, snapshot = OxigraphStore(Path(wanted), read_only=True), wanted
        outcome = _answer(store, request)
        try:
            send_frame(answer_fd, outcome)
        except pickle.PicklingError:
            send_frame(answer_fd, (False, WorkerFailed(f"the query failed: {outcome[1]}")))


def forked_child(store: TradeStore, request_fd: int, answer_fd: int) -> None:
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
        serve(store, request_fd, answer_fd)
    except BaseException:  # noqa: BLE001 - the child must end here whatever happens
        status = 1
    finally:
        os._exit(status)


def main(arguments: list[str]) -> None:
    """A spawned worker: ``python -m tradekg.server.worker_process REQUEST_FD ANSWER_FD``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    request_fd, answer_fd = (int(argument) for argument in arguments)
    end_with_server(request_fd)
    serve(None, request_fd, answer_fd)


if __name__ == "__main__":
    main(sys.argv[1:])
