"""Limits on what one request may take from the machine, and secrets kept from requests, checked with real
processes: a query over its worker's memory limit, the write token in the environment, the body deadline where it
cannot be kept."""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from granian.server import Server

from tests.server.conftest import SERVED_TOKEN, descendants_of, start_server, stop_server
from tradekg.cli import main
from tradekg.server import body_deadline
from tradekg.server.worker import QueryPool, QueryRequest, WorkerOutOfMemory

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")

MEMORY_BOMB = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } ORDER BY ?o ?c"
"""Every pair of quads of the store, sorted: 3 million rows held at once over the 1,770 quads of ``--empty``."""
LIMIT_MESSAGE = "more than the 100 MiB a query worker may take (--query-memory)"


def query_from(port: int, address: str, query: str, timeout: float) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(address, 0))
    try:
        connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def worker_pids(server_pid: int) -> set[int]:
    """The query workers: the processes below the serving process."""
    below = descendants_of(server_pid)
    serving = {pid for pid in below if _parent(pid) == server_pid}
    return {pid for pid in below if _parent(pid) in serving}


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def test_a_memory_hungry_query_is_503_naming_the_limit_and_the_token_is_in_no_environment(tmp_path, monkeypatch):
    """On a store on disk (the serving process and the query workers are fresh interpreters, and RocksDB reserves
    some 600 MB of address space as it opens a store): a query over its worker's memory limit is answered 503
    naming the limit, another client is answered meanwhile, and the worker is replaced. The write token given in
    the environment is in none of the processes' environments, which Granian copies into every request's environ."""
    secret = "environment-token-9f3b"
    monkeypatch.setenv("TRADEKG_WRITE_TOKEN", secret)
    options = ("--store", str(tmp_path / "store"), "--empty", "--query-memory", "100", "--query-workers", "2")
    process, served = start_server(*options)
    answers: list[tuple[int, bytes]] = []
    bomb = threading.Thread(target=lambda: answers.append(query_from(served.port, "127.0.0.2", MEMORY_BOMB, 60)))
    try:
        insert = b"INSERT DATA { <urn:x:s> <urn:x:p> 1 }"
        headers = {"Content-Type": "application/sparql-update", "Authorization": "Bearer not-the-token"}
        assert served.request("POST", "/sparql", insert, headers)[0] == 401  # a token was read: writes are on
        for number in range(2):  # both workers open the store's checkpoint (a first query's cost, not measured)
            assert query_from(served.port, f"127.0.0.{3 + number}", "ASK { <urn:x:s> ?p ?o }", 60)[0] == 200
        before = worker_pids(process.pid)
        bomb.start()
        for number in range(3):  # another client meanwhile (distinct texts: never from the answer cache)
            assert query_from(served.port, "127.0.0.3", f"ASK {{ <urn:x:{number}> ?p ?o }}", 5)[0] == 200
        bomb.join(60)
        assert len(answers) == 1 and answers[0][0] == 503 and LIMIT_MESSAGE.encode() in answers[0][1], answers
        assert query_from(served.port, "127.0.0.2", "ASK { <urn:x:after> ?p ?o }", 30)[0] == 200  # by a new worker
        assert before - worker_pids(process.pid), "the worker that ran out of memory is still there"
        below = descendants_of(process.pid)
        assert len(below) >= 2  # the serving process and its query workers
        for pid in below:
            assert secret.encode() not in Path(f"/proc/{pid}/environ").read_bytes(), pid
    finally:
        stop_server(process)


def test_a_forked_worker_stops_at_its_limit_and_is_replaced(fresh_store):
    """In memory, workers are forked from the server: the limit counts from the size they are forked with."""
    pool = QueryPool(fresh_store, 1, memory_mebibytes=100)
    try:
        assert pool.run(QueryRequest("ASK { ?s ?p ?o }", "json", 10), 60).body == b'{"head":{},"boolean":true}'
        first = pool.pids
        with pytest.raises(WorkerOutOfMemory, match=LIMIT_MESSAGE.replace("(", r"\(").replace(")", r"\)")):
            pool.run(QueryRequest(MEMORY_BOMB, "json", 10), 60)
        assert pool.run(QueryRequest("ASK { <urn:x:none> ?p ?o }", "json", 10), 60).body.endswith(b"false}")
        assert pool.pids and not set(first) & set(pool.pids)
    finally:
        pool.close()


def test_serve_forgets_the_token_variable_and_says_when_bodies_have_no_deadline(monkeypatch):
    """Granian is started (here: asked to serve) with no token in the environment; and where the body deadline
    cannot be kept, ``tradekg serve`` says so at start."""
    seen: dict[str, object] = {}

    def serve(self: Server, **_: object) -> None:
        import os  # noqa: PLC0415

        seen["environment"] = dict(os.environ)

    monkeypatch.setattr(Server, "serve", serve)
    monkeypatch.setattr(body_deadline, "available", lambda: False)
    result = CliRunner().invoke(
        main, ["serve", "--empty", "--port", "0", "--body-read-timeout", "5"], env={"TRADEKG_WRITE_TOKEN": SERVED_TOKEN}
    )
    assert result.exit_code == 0, result.output
    assert "TRADEKG_WRITE_TOKEN" not in seen["environment"]  # type: ignore[operator]
    assert "--body-read-timeout 5 is not enforced on this system" in result.output


def test_the_body_deadline_note_is_given_only_when_it_cannot_be_kept(monkeypatch):
    monkeypatch.setattr(body_deadline.sys, "platform", "darwin")
    assert not body_deadline.available()
    assert "not enforced" in (body_deadline.unavailable_note(10) or "")
    assert body_deadline.unavailable_note(0) is None  # no deadline asked for
    assert body_deadline.BodyDeadlines(10).enabled is False
    monkeypatch.undo()
    if body_deadline.available():
        assert body_deadline.unavailable_note(10) is None
        assert body_deadline.BodyDeadlines(10).enabled is True
