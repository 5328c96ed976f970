"""Running one query in a forked worker process that can really be stopped.

Oxigraph releases the GIL while it evaluates, and a streaming SELECT can be abandoned between solutions, but an
aggregate (``COUNT``, ``GROUP BY``...) runs to its end inside one call that nothing in the process can cancel. So
each query with a time limit runs in a child made by ``fork()``: the child shares the parent's in-memory store
copy-on-write (it only reads), evaluates and serialises the answer, sends the bytes back through a pipe and
exits. When the time is up the parent kills the child with ``SIGKILL``: the work ends, the memory is returned and
the server thread goes on answering.

Only reads run here: a child never writes, so nothing it does can reach the parent's store.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import time
import warnings
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_CHUNK = 1 << 16


class QueryTimeout(Exception):
    """The work ran past its time limit and was stopped."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"the query ran longer than {seconds:g} s and was stopped")


class WorkerFailed(Exception):
    """The worker process died without an answer (for example, killed by the system for memory)."""


def can_fork() -> bool:
    """Whether this platform can run queries in forked workers."""
    return hasattr(os, "fork")


def run_with_timeout(work: Callable[[], T], seconds: float) -> T:
    """Run ``work`` in a forked child and return its result, or stop the child after ``seconds``.

    Exceptions raised by ``work`` are re-raised here (they must be picklable).

    Raises:
        QueryTimeout: The child did not finish in time; it has been killed.
        WorkerFailed: The child ended without sending a result.
    """
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python warns that fork() in a threaded process may deadlock the child: the child here touches only the
        # store (read-only) and the pipe, and a stuck child is killed by the deadline like a slow one.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never return into the server's code
        gc.disable()  # a collection would touch every object and copy the parent's whole heap page by page
        os.close(read_end)
        status = 0
        try:
            try:
                outcome: tuple[bool, object] = (True, work())
            except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent as data
                outcome = (False, error)
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
        except BaseException:  # noqa: BLE001
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout(seconds)
            ready, _, _ = select.select([read_end], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_end, _CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    if not chunks:
        raise WorkerFailed("the query worker ended without an answer")
    ok, value = pickle.loads(b"".join(chunks))
    if not ok:
        assert isinstance(value, BaseException)
        raise value
    return value  # type: ignore[return-value]
