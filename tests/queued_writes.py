"""Writes sent from threads so that they queue in the commit queue in a known order (group commit tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tradekg.gate.commit_queue import commit_queue
from tradekg.gate.writes import ValidationRejected, WriteError, apply_update, drop_graph
from tradekg.store.interface import TradeStore


def queued_together(store: TradeStore, writes: list[tuple[str, str]]) -> list[str]:
    """Send the writes (``("update", text)`` or ``("drop", graph IRI)``) from threads of their own, in order.

    The store's write lock is held while they queue: the first writer becomes the leader and waits for the lock
    with a batch of its own, the others queue behind it one after another (each started once the one before is
    queued), and the next batch is all of them, settled together. Returns each write's outcome: ``accepted``,
    ``rejected``, or the name of the error it raised.
    """
    queue = commit_queue(store)
    outcomes = ["pending"] * len(writes)

    def send(index: int, kind: str, text: str) -> None:
        try:
            drop_graph(store, text) if kind == "drop" else apply_update(store, text)
            outcomes[index] = "accepted"
        except ValidationRejected:
            outcomes[index] = "rejected"
        except WriteError as error:
            outcomes[index] = type(error).__name__

    threads = []
    with store.write_lock:
        for index, (kind, text) in enumerate(writes):
            leading, waiting = queue.leading, queue.waiting
            threads.append(threading.Thread(target=send, args=(index, kind, text)))
            threads[-1].start()
            # queued (as the leader, or one more waiting), or refused before reaching the queue
            wait_for(
                lambda leading=leading, waiting=waiting, index=index: (
                    (queue.leading and not leading) or queue.waiting > waiting or outcomes[index] != "pending"
                )
            )
    for thread in threads:
        thread.join()
    return outcomes


def wait_for(condition: Callable[[], bool], *, give_up: float = 120) -> None:
    """Wait until ``condition()`` holds (a thread reaching the queue), polling; fail if it never does."""
    deadline = time.monotonic() + give_up
    while not condition():
        assert time.monotonic() < deadline, "a writer never reached the commit queue"
        time.sleep(0.001)
