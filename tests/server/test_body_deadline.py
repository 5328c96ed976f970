"""The body watchdog over real sockets in this process: which connections wait on their client, and that a late
body's connection is answered 408 and closed, never another's."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator

import pytest

from tradekg.server.body_deadline import BodyDeadlines, waiting_connections

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd and TCP_INFO")


@pytest.fixture()
def listener() -> Iterator[socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server
    server.close()


def connect(listener: socket.socket, address: str, sent: bytes) -> tuple[socket.socket, socket.socket]:
    """A client connection from ``address`` that sent ``sent``, and the server's side of it (which read it)."""
    client = socket.create_connection(listener.getsockname(), timeout=10, source_address=(address, 0))
    served, _ = listener.accept()
    client.sendall(sent)
    served.settimeout(10)
    assert served.recv(len(sent)) == sent
    return client, served


def count_waiting(address: str, port: int) -> int:
    found = waiting_connections(address, port)
    for duplicate in found:
        duplicate.close()
    return len(found)


def test_a_connection_waits_on_its_client_until_it_is_answered(listener):
    port = listener.getsockname()[1]
    client, served = connect(listener, "127.0.0.2", b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nab")
    try:
        assert count_waiting("127.0.0.2", port) == 1
        assert count_waiting("127.0.0.3", port) == 0  # another client's address
        time.sleep(0.01)
        served.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")  # answered: an idle keep-alive now
        time.sleep(0.05)
        assert count_waiting("127.0.0.2", port) == 0
    finally:
        client.close()
        served.close()


def test_a_late_body_is_answered_408_and_its_connection_closed(listener):
    port = listener.getsockname()[1]
    client, served = connect(listener, "127.0.0.2", b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nab")
    deadlines = BodyDeadlines(0.3)
    try:
        reading = deadlines.begin("127.0.0.2", port)
        assert client.recv(200).startswith(b"HTTP/1.1 408 Request Timeout\r\n")
        assert served.recv(10) == b""  # the server's read ends: the thread reading the body is free
        assert deadlines.end(reading) is True
    finally:
        client.close()
        served.close()


def test_connections_that_cannot_be_told_apart_are_left_open(listener):
    """One late body of a client with two connections waiting on it: which one is late is unknown, so neither is
    closed; once the other is answered, the late one is."""
    port = listener.getsockname()[1]
    late_client, late_served = connect(listener, "127.0.0.2", b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nab")
    busy_client, busy_served = connect(listener, "127.0.0.2", b"GET /slow HTTP/1.1\r\n\r\n")
    deadlines = BodyDeadlines(0.2)
    try:
        reading = deadlines.begin("127.0.0.2", port)
        busy_client.settimeout(1)
        with pytest.raises(TimeoutError):
            busy_client.recv(200)  # nothing written on the other connection
        with pytest.raises(TimeoutError):
            late_client.settimeout(0.5)
            late_client.recv(200)  # nor on the late one yet
        time.sleep(0.01)
        busy_served.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        late_client.settimeout(10)
        assert late_client.recv(200).startswith(b"HTTP/1.1 408 Request Timeout\r\n")
        assert busy_client.recv(200).startswith(b"HTTP/1.1 200 OK")  # and only that
        assert deadlines.end(reading) is True
    finally:
        for connection in (late_client, late_served, busy_client, busy_served):
            connection.close()
