"""A query worker never outlives the process that serves: it ends when the server's end of its request pipe closes.

When the serving process dies (``kill -9``, a crash), the kernel closes every file it held, among them the write
end of each worker's request pipe. A worker waiting for its next request then reads the end of the pipe and exits;
but a worker in the middle of a long query reads nothing until its query is done, and would go on using a core
and its memory for as long as the query runs. So each worker watches its pipe in a thread of its own, and ends
the moment no writer is left.

``PR_SET_PDEATHSIG`` is no substitute: Linux sends that signal when the *thread* that started the child ends, and
workers are started by request threads, which the HTTP server retires when they are idle.
"""

from __future__ import annotations

import os
import select
import threading


def end_with_server(request_fd: int) -> None:
    """End this process (``os._exit``) once nothing can write to ``request_fd`` any more: the server is gone.

    The pipe is polled for hang-up only (no events asked for: ``POLLHUP`` and ``POLLERR`` are always reported), so
    the thread sleeps in the kernel, never reads a request and never wakes while the server lives.
    """
    poller = select.poll()
    poller.register(request_fd, 0)

    def watch() -> None:
        while not poller.poll():
            continue
        os._exit(1)

    threading.Thread(target=watch, name="tradekg-lifeline", daemon=True).start()
