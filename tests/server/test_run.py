"""``tradekg serve`` under Granian: a store on disk is served, written, stopped cleanly and opened again."""

import http.client
import json
import os
import signal
import socket
import time
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from granian.server import Server

from tests.server.conftest import descendants_of, start_server, stop_server
from tradekg.cli import main
from tradekg.server.run import served_data
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import StoreError

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")

ASK = "/sparql?" + urllib.parse.urlencode({"query": 'ASK { <http://example.org/s> <http://example.org/p> "o" }'})
INSERT = 'INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> "o" } }'


def running(pid: int) -> str | None:
    """A process's command line while it runs; ``None`` once it has ended (a zombie has ended: nothing reaps
    orphans in some containers)."""
    try:
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return None
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, IndexError):
        return None


def wait_gone(pids: set[int], seconds: float = 20) -> list[str]:
    """The command lines of the processes still running after ``seconds`` (empty when all have ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(running(pid) is not None for pid in pids):
        time.sleep(0.05)
    return [f"{pid}: {running(pid)}" for pid in pids if running(pid) is not None]


def opens(directory: Path, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        try:
            OxigraphStore(directory).close()
            return True
        except StoreError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)


def test_a_store_on_disk_is_served_written_and_released(tmp_path):
    directory = tmp_path / "store"
    options = ("--store", str(directory), "--empty", "--write-token", "served-write-token", "--query-workers", "1")
    process, served = start_server(*options)
    try:
        assert served.update(INSERT) == 200
        status, headers, body = served.request("GET", ASK)
        assert status == 200 and b"true" in body and headers["server"] == "granian"
        processes = descendants_of(process.pid)
        assert len(processes) >= 2  # the serving process and a query worker reading a checkpoint
        assert list(tmp_path.glob(".store-checkpoints-*/*"))
    finally:
        stop_server(process)
    assert process.returncode == 0
    assert wait_gone(processes) == []
    assert list(tmp_path.glob(".store-checkpoints-*")) == []  # the workers' checkpoints are removed at exit
    # The serving process closed the store at exit: its stamp says so, and is trusted after a reboot.
    assert json.loads((tmp_path / "store.stamp").read_text(encoding="utf-8"))["closed"] is True
    process, served = start_server("--store", str(directory), "--query-workers", "1")
    try:
        assert b"true" in served.request("GET", ASK)[2]  # the write was kept, and the lock was released
    finally:
        stop_server(process)


def test_the_serving_process_ends_with_a_killed_supervisor_and_the_next_server_cleans_up(tmp_path):
    directory = tmp_path / "store"
    process, served = start_server("--store", str(directory), "--empty", "--query-workers", "1")
    try:
        assert served.request("GET", ASK)[0] == 200
        processes = descendants_of(process.pid)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert wait_gone(processes) == []
    assert opens(directory)
    left = set(tmp_path.glob(".store-checkpoints-*"))
    assert left  # killed, the serving process could not remove its workers' checkpoints
    process, served = start_server("--store", str(directory), "--query-workers", "1")
    try:
        assert served.request("GET", ASK)[0] == 200
        assert left.isdisjoint(tmp_path.glob(".store-checkpoints-*"))
    finally:
        stop_server(process)


def test_a_store_locked_by_another_process_is_a_clear_error(tmp_path):
    directory = tmp_path / "store"
    holder = OxigraphStore(directory)
    try:
        with pytest.raises(RuntimeError, match="cannot open the store"):
            start_server("--store", str(directory))
    finally:
        holder.close()


def test_query_workers_are_ready_before_the_first_query():
    process, served = start_server("--empty", "--query-workers", "2")
    try:
        deadline = time.monotonic() + 10
        while len(descendants_of(process.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(descendants_of(process.pid)) == 3  # the serving process and both workers, no query asked yet
        status, headers, _ = served.request("GET", "/sparql?query=ASK%7B%7D")
        assert status == 200 and headers["server-timing"].startswith("query;dur=")
        assert len(descendants_of(process.pid)) == 3
    finally:
        stop_server(process)


def test_chunked_bodies_are_bounded_like_declared_ones_and_head_is_a_get():
    process, served = start_server("--empty", "--max-body-bytes", "1000", "--query-workers", "1")
    try:

        def post(body: bytes, *, chunked: bool) -> tuple[int, bytes]:
            connection = http.client.HTTPConnection(served.host, served.port, timeout=30)
            try:
                headers = {"Content-Type": "application/sparql-query"}
                if chunked:
                    connection.request("POST", "/sparql", body=iter([body]), headers=headers, encode_chunked=True)
                else:
                    connection.request("POST", "/sparql", body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.read()
            finally:
                connection.close()

        large = b"ASK {}" + b" " * 5000
        assert post(large, chunked=False)[0] == 413
        status, body = post(large, chunked=True)
        assert status == 413 and b"larger than the limit of 1,000 bytes" in body
        assert post(b"ASK {}", chunked=True) == (200, b'{"head":{},"boolean":true}')
        status, headers, body = served.request("HEAD", "/sparql?query=ASK%7B%7D")
        assert status == 200 and body == b"" and headers["content-type"].startswith("application/sparql-results+json")
    finally:
        stop_server(process)


def test_a_dead_serving_process_is_started_again():
    process, served = start_server("--empty", "--query-workers", "1")
    try:
        assert served.request("GET", ASK)[0] == 200
        serving = [pid for pid in descendants_of(process.pid) if "tradekg" in (running(pid) or "")]
        parent_of = {pid: int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) for pid in serving}
        first = [pid for pid, parent in parent_of.items() if parent == process.pid]
        assert len(first) == 1
        os.kill(first[0], signal.SIGKILL)  # as a crash would end it
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            try:
                status = served.request("GET", ASK)[0]
                if status == 200 and first[0] not in descendants_of(process.pid):
                    break
            except OSError:
                pass
            time.sleep(0.2)
        assert status == 200 and process.poll() is None  # the supervisor lives, and a new serving process answers
    finally:
        stop_server(process)


def test_serve_says_what_it_serves_without_counting_the_store(monkeypatch):
    """The start message costs nothing: counting the quads reads the whole store (seconds at 10^7 quads)."""

    def counted(self: OxigraphStore) -> int:
        raise AssertionError("the store was counted")

    monkeypatch.setattr(Server, "serve", lambda self, **_: None)
    monkeypatch.setattr(OxigraphStore, "__len__", counted)
    monkeypatch.setattr(OxigraphStore, "triple_count", counted)
    result = CliRunner().invoke(main, ["serve", "--empty", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert "tradekg serving an empty store in memory on http://127.0.0.1:0/" in result.output


@pytest.mark.parametrize(
    ("store", "data", "empty", "said"),
    [
        ("/srv/tradekg", (), False, "the store in /srv/tradekg"),
        ("http://127.0.0.1:7878/query", (), False, "the SPARQL server at http://127.0.0.1:7878/query"),
        (None, (), True, "an empty store in memory"),
        (None, (Path("a.ttl"), Path("b.ttl")), False, "2 data file(s) in memory"),
        (None, (), False, "the bundled graph in memory"),
    ],
)
def test_the_start_message_names_the_store_from_the_settings(store, data, empty, said):
    assert served_data({"TRADEKG_STORE": store, "TRADEKG_DATA": data, "TRADEKG_EMPTY": empty}) == said


def test_a_port_something_already_answers_on_is_refused_before_the_store_is_opened(tmp_path, monkeypatch):
    """Granian's SO_REUSEPORT would let a second server share the port and half its connections: refuse instead."""
    monkeypatch.setattr(Server, "serve", lambda self, **_: None)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        directory = tmp_path / "store"
        result = CliRunner().invoke(main, ["serve", "--store", str(directory), "--port", str(port)])
    assert result.exit_code != 0
    assert f"something already answers on 127.0.0.1:{port}" in result.output
    assert not directory.exists()  # refused before the store was opened


def test_a_port_bound_but_not_listening_is_not_refused(monkeypatch):
    monkeypatch.setattr(Server, "serve", lambda self, **_: None)
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--empty", "--port", str(port)])
    assert result.exit_code == 0, result.output
