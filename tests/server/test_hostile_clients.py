"""Hostile clients against a real ``tradekg serve`` over real sockets: each is refused with a 4xx (or 503), and
the server keeps answering others (a functional check with a generous timeout, never a speed assertion)."""

from __future__ import annotations

import http.client
import select
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.server.conftest import SERVED_TOKEN, descendants_of, entity_bomb, start_server, stop_server

ASK = "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})
NESTED_UPDATE = "INSERT{<urn:x:n><urn:x:p>?o}WHERE" + "{" * 1000 + "?s ?p ?o" + "}" * 1000
NESTED_QUERY = "SELECT * WHERE { ?s ?p " + "[ ?p " * 1000 + "1" + " ]" * 1000 + " }"
GRAPH = "/rdf-graph-store?graph=http://example.org/hostile"


@pytest.fixture(scope="module")
def unguarded():
    """``--timeout 0``: queries run in the serving process itself, so a parser crash would end the server."""
    process, served = start_server("--empty", "--write-token", SERVED_TOKEN, "--timeout", "0", "--threads", "8")
    yield served
    stop_server(process)
    assert process.returncode == 0, "the serving process died"


def still_answers(served) -> None:
    status, _, body = served.request("GET", ASK)
    assert (status, body) == (200, b'{"head":{},"boolean":true}')


def test_a_deeply_nested_update_is_400_and_the_server_lives(unguarded):
    status, _, body = unguarded.request(
        "POST",
        "/sparql",
        NESTED_UPDATE.encode(),
        {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {SERVED_TOKEN}"},
    )
    assert status == 400 and b"nests brackets more than 100 deep" in body
    still_answers(unguarded)


@pytest.mark.parametrize("text", [NESTED_QUERY, "ASK { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }"])
def test_a_deeply_nested_query_is_400_and_the_server_lives(unguarded, text):
    status, _, body = unguarded.request("GET", "/sparql?" + urllib.parse.urlencode({"query": text}))
    assert status == 400 and b"nests brackets" in body
    status, _, _ = unguarded.request("POST", "/sparql", text.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 400
    still_answers(unguarded)


@pytest.mark.parametrize(
    "content_type,body",
    [
        ("text/turtle", b"<urn:a> <urn:p> " + b"(" * 20000 + b")" * 20000 + b" ."),
        ("application/ld+json", b'{"@id":"urn:a","urn:p":' * 20000 + b'"x"' + b"}" * 20000),
        ("application/rdf+xml", b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>" + b"<a>" * 20000),
    ],
)
def test_deeply_nested_write_bodies_are_400_and_the_server_lives(unguarded, content_type, body):
    headers = {"Content-Type": content_type, "Authorization": f"Bearer {SERVED_TOKEN}"}
    status, _, answer = unguarded.request("PUT", GRAPH, body, headers)
    assert status == 400 and b"the body is refused" in answer
    still_answers(unguarded)


def test_an_entity_bomb_is_400(unguarded):
    body = entity_bomb()
    headers = {"Content-Type": "application/rdf+xml", "Authorization": f"Bearer {SERVED_TOKEN}"}
    status, _, answer = unguarded.request("PUT", GRAPH, body, headers)
    assert status == 400 and b"declares the entity" in answer
    still_answers(unguarded)


def test_stalled_bodies_never_hold_every_thread():
    """Eight connections announce a 1 MB body, send three bytes and wait: with 8 threads this froze the server.

    The two bodies admitted must stay unfinished to the end: with the default --body-read-timeout (10 s) a slow
    machine reached the deadline's 408 before the test had asked for its third body, which then was read."""
    process, served = start_server(
        "--empty",
        "--threads",
        "8",
        "--max-unfinished-bodies",
        "4",
        "--query-workers",
        "1",
        "--body-read-timeout",
        "300",
    )
    stalled: list[socket.socket] = []
    try:
        for _ in range(8):
            connection = socket.create_connection((served.host, served.port), timeout=10)
            connection.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: 1000000\r\n\r\nASK"
            )
            stalled.append(connection)
        refused, waiting = 0, list(stalled)
        deadline = time.monotonic() + 30  # each refusal as soon as it comes, however loaded the machine
        while refused < 6 and time.monotonic() < deadline:
            for connection in select.select(waiting, [], [], 0.5)[0]:
                waiting.remove(connection)
                refused += connection.recv(100).startswith(b"HTTP/1.1 503")
        assert refused == 6
        # the other two bodies are admitted (half the limit for one client): each waits, holding one thread
        assert len(waiting) == 2 and select.select(waiting, [], [], 2)[0] == []
        for _ in range(3):
            still_answers(served)  # GET needs no body: answered while the stalled bodies wait
        status, headers, body = served.request(
            "POST", "/sparql", b"ASK {}", {"Content-Type": "application/sparql-query"}
        )
        assert status == 503 and headers["retry-after"] == "1" and b"bodies" in body  # this client has its share
        for connection in stalled:
            connection.close()
        deadline = time.monotonic() + 10  # the server notices the closed connections as it reads them
        while True:
            status, _, body = served.request("POST", "/sparql", b"ASK {}", {"Content-Type": "application/sparql-query"})
            if status != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert (status, body) == (200, b'{"head":{},"boolean":true}')  # the closed connections gave their share back
    finally:
        for connection in stalled:
            connection.close()
        stop_server(process)


def announce_body(served, address: str, first: bytes = b"ASK") -> socket.socket:
    """A connection from ``address`` that announces a 1 MB query body and sends only ``first``."""
    connection = socket.create_connection((served.host, served.port), timeout=30, source_address=(address, 0))
    connection.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 1000000\r\n\r\n" + first
    )
    return connection


def post_from(served, address: str) -> tuple[int, bool]:
    """POST ``ASK {}`` from ``address``: the status, and whether the answer says too many bodies are being read."""
    connection = http.client.HTTPConnection(served.host, served.port, timeout=5, source_address=(address, 0))
    try:
        connection.request("POST", "/sparql", b"ASK {}", {"Content-Type": "application/sparql-query"})
        response = connection.getresponse()
        return response.status, b"bodies" in response.read()
    finally:
        connection.close()


REFUSED, READ = (503, True), (200, False)
"""post_from's answers: a body over the client's share, and a body read."""


def answered_in_time(served, address: str, wanted: tuple[int, bool]) -> bool:
    """Whether a body from ``address`` gets ``wanted`` (the other of REFUSED and READ until then) within 10 s.

    The server's count of a client's unfinished bodies moves a moment after what the test sees: a request thread may
    begin reading announced bodies a little after they were sent, and gives the client's share back a little after
    the deadline's watcher has answered them 408. So ask again until the change, or a deadline far past the race."""
    meanwhile = READ if wanted == REFUSED else REFUSED
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = post_from(served, address)
        if answer == wanted:
            return True
        assert answer == meanwhile, answer
        time.sleep(0.05)
    return False


def test_stalled_and_slow_bodies_are_answered_408_and_give_their_threads_back():
    """Two stalled bodies and one sent a byte at a time hold three of four threads, until --body-read-timeout: then
    each is answered 408 and closed, and the client that stalled may send bodies again."""
    process, served = start_server(
        "--empty", "--threads", "4", "--max-unfinished-bodies", "4", "--body-read-timeout", "2", "--query-workers", "1"
    )
    stalled = [announce_body(served, "127.0.0.2"), announce_body(served, "127.0.0.2")]  # this client's share
    dripping = announce_body(served, "127.0.0.3", b"")
    stop = threading.Event()

    def drip() -> None:
        while not stop.wait(0.2):
            try:
                dripping.sendall(b" ")
            except OSError:
                return  # the server closed it

    dripper = threading.Thread(target=drip)
    try:
        dripper.start()
        assert query_from(served, "127.0.0.4", "ASK { <urn:x:a> ?p ?o }", timeout=5) == 200  # the fourth thread
        assert answered_in_time(served, "127.0.0.2", REFUSED)  # a third body of this client is over its share
        for connection in [*stalled, dripping]:
            answer = connection.recv(200)  # waits for --body-read-timeout (the socket's own timeout is 30 s)
            assert answer.startswith(b"HTTP/1.1 408 Request Timeout"), answer
        assert answered_in_time(served, "127.0.0.2", READ)  # this client's share is free again
        for _ in range(2):
            assert post_from(served, "127.0.0.2") == READ
    finally:
        stop.set()
        dripper.join()
        for connection in [*stalled, dripping]:
            connection.close()
        stop_server(process)


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def query_from(served, address: str, query: str, timeout: float) -> int:
    """Send a query from a loopback address of its own (a client of its own, as the server sees it)."""
    connection = http.client.HTTPConnection(served.host, served.port, timeout=timeout, source_address=(address, 0))
    try:
        connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_two_greedy_clients_do_not_starve_a_third():
    """Two clients' runaway queries hold both workers; a third client's query is still answered, in a spare."""
    process, served = start_server("--query-workers", "2", "--timeout", "8")
    statuses: list[int] = []
    try:
        greedy = [
            threading.Thread(target=lambda a=address: statuses.append(query_from(served, a, RUNAWAY, 30)))
            for address in ("127.0.0.2", "127.0.0.3", "127.0.0.2", "127.0.0.3")
        ]
        for thread in greedy:
            thread.start()
        deadline = time.monotonic() + 30  # not a fixed sleep: on a loaded machine the queries reach the workers later
        while len(busy_workers(process.pid)) < 2:  # both workers evaluate a runaway query (expensive after 2 s)
            assert time.monotonic() < deadline, "the runaway queries did not reach both workers"
            time.sleep(0.05)
        for number in range(3):  # distinct texts: never from the answer cache
            assert query_from(served, "127.0.0.4", f"ASK {{ <urn:x:{number}> ?p ?o }}", timeout=5) == 200
        assert query_from(served, "127.0.0.5", "ASK { <urn:y> ?p ?o }", timeout=5) == 200
        for thread in greedy:
            thread.join(30)
        assert statuses == [503] * 4  # the runaway queries were stopped at --timeout
    finally:
        stop_server(process)


RUNAWAY_UPDATE = (
    "INSERT { <urn:x:runaway> <urn:x:count> ?n } "
    "WHERE { SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?w { ?a ?b ?c } GRAPH ?x { ?d ?e ?f } GRAPH ?y { ?g ?h ?i } } }"
)


def write_from(served, address: str, update: str, timeout: float) -> int:
    """Send an update from a loopback address of its own."""
    connection = http.client.HTTPConnection(served.host, served.port, timeout=timeout, source_address=(address, 0))
    try:
        headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {SERVED_TOKEN}"}
        connection.request("POST", "/sparql", update.encode(), headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def busy_workers(server_pid: int) -> list[int]:
    """Query workers (children of the serving process) that have used a tenth of a second of processor time."""
    found = []
    for pid in descendants_of(server_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) != server_pid and int(fields[11]) + int(fields[12]) > 10:
            found.append(pid)
    return found


def test_a_runaway_update_is_stopped_and_others_go_on():
    """A cross product in an update's WHERE is stopped at --timeout with nothing applied; meanwhile another client's
    query is answered, and its write, which waits for the write lock, goes through as soon as the runaway is stopped.

    The runaway must outlast the wait for its worker to be seen busy and the other query's answer: at load 12 these
    took 0.9-1.7 s of its 3 s --timeout; 8 s leaves room for a machine twice as loaded."""
    process, served = start_server("--empty", "--write-token", SERVED_TOKEN, "--timeout", "8", "--query-workers", "2")
    statuses: list[int] = []
    runaway = threading.Thread(target=lambda: statuses.append(write_from(served, "127.0.0.2", RUNAWAY_UPDATE, 30)))
    try:
        runaway.start()
        deadline = time.monotonic() + 30
        while not busy_workers(process.pid):
            assert time.monotonic() < deadline, "no worker evaluated the update"
            time.sleep(0.05)
        assert query_from(served, "127.0.0.4", "ASK { <urn:x:other> ?p ?o }", timeout=5) == 200
        assert runaway.is_alive()  # the query was answered while the update ran
        assert write_from(served, "127.0.0.4", "INSERT DATA { <urn:x:other> <urn:x:p> 1 }", timeout=30) == 200
        runaway.join(30)
        assert statuses == [503]
        status, _, body = served.request(
            "GET", "/sparql?" + urllib.parse.urlencode({"query": "ASK { <urn:x:runaway> ?p ?o }"})
        )
        assert (status, body) == (200, b'{"head":{},"boolean":false}')  # nothing of the runaway was applied
        status, _, body = served.request(
            "GET", "/sparql?" + urllib.parse.urlencode({"query": "ASK { <urn:x:other> <urn:x:p> 1 }"})
        )
        assert (status, body) == (200, b'{"head":{},"boolean":true}')
    finally:
        stop_server(process)
