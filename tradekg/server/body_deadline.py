"""A request body must arrive within ``--body-read-timeout``: past it, its connection is closed.

Granian has no timeout for reading a body (its maintainers declined one: emmett-framework/granian#728), and the
read cannot be stopped from Python: a thread blocked in ``wsgi.input.read`` returns only when the client sends
or the connection ends. Reading in another thread and answering 408 meanwhile does not work either: once the
application has answered while that thread still waits, Granian's serving process stops answering anyone until
the client closes. So the body is read in the request thread, and a watchdog thread ends a late read by closing
its connection: ``shutdown()`` of the socket, after a ``408 Request Timeout`` written on it. The read then returns
short, and the request thread is free.

Granian does not tell the application which connection a request came on (no ``REMOTE_PORT``), so the watchdog
finds it among this process's sockets: connected to this server's port, from the client's address, and waiting
on the client (nothing sent on it since it last received: a request whose body is still coming). It closes them
only when there are no more such sockets than late bodies of that client; otherwise (another request of the same
client is still being answered) it waits and looks again, so that it never closes a connection that is not late.
Linux only (``/proc/self/fd`` and ``TCP_INFO``: :func:`available`); elsewhere a late body waits for its client,
and ``tradekg serve`` says so at start (:func:`unavailable_note`).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field

LOGGER = logging.getLogger(__name__)
TIMEOUT_ANSWER = (
    b"HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
    b"Content-Length: 57\r\n\r\nthe request body did not arrive within the time allowed\n"
)
_ESTABLISHED = 1
_TCP_INFO_SIZE = 104
_LAST_SENT_AND_RECEIVED = struct.Struct("=I4xI")  # tcpi_last_data_sent, tcpi_last_data_recv (ms), at offset 44
_LOOK_AGAIN = 0.25  # seconds between looks while a late body's connection cannot be told apart
_IDLE_THREAD = 60.0  # seconds the watchdog waits for a body before it ends


def available() -> bool:
    """Whether late bodies can be found and closed here: Linux, with ``/proc/self/fd`` and ``TCP_INFO``."""
    return sys.platform.startswith("linux") and hasattr(socket, "TCP_INFO") and os.path.isdir("/proc/self/fd")


def unavailable_note(seconds: float) -> str | None:
    """What ``tradekg serve`` says at start when a body deadline of ``seconds`` is asked for but cannot be kept."""
    if seconds <= 0 or available():
        return None
    return (
        f"--body-read-timeout {seconds:g} is not enforced on this system (it needs Linux's /proc and TCP_INFO): "
        "a request whose body arrives slowly holds its thread until the client sends it or disconnects; "
        "--max-unfinished-bodies still bounds how many do at once"
    )


@dataclass(eq=False)
class BodyRead:
    """One request reading its body: its client, the server's port it came to, and when it must be done."""

    client: str
    port: int
    deadline: float
    late: bool = field(default=False)


class BodyDeadlines:
    """The body reads in progress and the watchdog thread that closes the connections of late ones.

    Args:
        seconds: The time a body has to arrive, from when its reading starts; 0 or less turns the watchdog off.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.enabled = seconds > 0 and available()
        self._reads: set[BodyRead] = set()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def begin(self, client: str, port: int) -> BodyRead:
        """Count a body read starting now (pair with :meth:`end`)."""
        read = BodyRead(client, port, time.monotonic() + self.seconds)
        if not self.enabled:
            return read
        with self._changed:
            self._reads.add(read)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="tradekg-body-deadlines", daemon=True)
                self._thread.start()
            self._changed.notify()
        return read

    def end(self, read: BodyRead) -> bool:
        """The read is over; whether it ran past its deadline (its connection was, or is being, closed)."""
        with self._changed:
            self._reads.discard(read)
        return read.late or time.monotonic() > read.deadline

    def _watch(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                late = [read for read in self._reads if read.deadline <= now]
                if not self._reads and not self._changed.wait(_IDLE_THREAD):
                    self._thread = None  # no body for a while: the next one starts a watchdog again
                    return
                if not late:
                    upcoming = min((read.deadline for read in self._reads), default=now + _IDLE_THREAD)
                    self._changed.wait(upcoming - now)
                    continue
                for read in late:
                    read.late = True
            self._close_late(late)
            time.sleep(_LOOK_AGAIN)

    def _close_late(self, late: list[BodyRead]) -> None:
        by_client: dict[tuple[str, int], int] = {}
        for read in late:
            by_client[read.client, read.port] = by_client.get((read.client, read.port), 0) + 1
        for (client, port), count in by_client.items():
            connections = waiting_connections(client, port)
            try:
                if 0 < len(connections) <= count:
                    for connection in connections:
                        _answer_and_close(connection)
            finally:
                for connection in connections:
                    connection.close()


def waiting_connections(client: str, port: int) -> list[socket.socket]:
    """Duplicates of this process's TCP connections on ``port`` from ``client`` that wait on the client.

    "Waiting on the client": established, and nothing sent on it since it last received (a request whose answer
    has not started). The caller closes the duplicates (closing one leaves the connection itself open).
    """
    try:
        wanted = ipaddress.ip_address(client)
        names = os.listdir("/proc/self/fd")
    except (OSError, ValueError):
        return []
    found: list[socket.socket] = []
    seen: set[str] = set()  # a socket once, whatever its descriptors (the listing may name a duplicate made here)
    for name in names:
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
            if not target.startswith("socket:") or target in seen:
                continue
            seen.add(target)
            connection = socket.socket(fileno=os.dup(int(name)))
        except (OSError, ValueError):
            continue
        if _is_waiting(connection, wanted, port):
            found.append(connection)
        else:
            connection.close()
    return found


def _is_waiting(connection: socket.socket, client: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int) -> bool:
    if connection.family not in (socket.AF_INET, socket.AF_INET6) or connection.type != socket.SOCK_STREAM:
        return False
    try:
        local, peer = connection.getsockname(), connection.getpeername()
        info = connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_SIZE)
    except OSError:
        return False  # a listening socket has no peer
    address = ipaddress.ip_address(peer[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if local[1] != port or address != client or info[0] != _ESTABLISHED:
        return False
    since_sent, since_received = _LAST_SENT_AND_RECEIVED.unpack_from(info, 44)
    return since_sent >= since_received


def _answer_and_close(connection: socket.socket) -> None:
    """Write the 408 answer on the connection (nothing else is being written there) and shut it down."""
    try:
        connection.setblocking(False)
        connection.send(TIMEOUT_ANSWER)
    except OSError:
        pass  # a full send buffer: the client is not reading either; close without the answer
    try:
        connection.shutdown(socket.SHUT_RDWR)
        LOGGER.info("closed a connection from %s whose request body was late", connection.getpeername()[0])
    except OSError:
        pass
