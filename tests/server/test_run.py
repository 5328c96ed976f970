"""``tradekg serve`` under Granian: a store on disk is served, written, stopped cleanly and opened again."""

import os
import signal
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.server.conftest import descendants_of, start_server, stop_server
from tradekg.graph.store import StoreError, TradeStore

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")

ASK = "/sparql?" + urllib.parse.urlencode({"query": 'ASK { <http://example.org/s> <http://example.org/p> "o" }'})
INSERT = 'INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> "o" } }'


def wait_gone(pids: set[int], seconds: float = 10) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
        time.sleep(0.05)
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


def opens(directory: Path, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        try:
            TradeStore(directory).close()
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
    process, served = start_server("--store", str(directory), "--query-workers", "1")
    try:
        assert b"true" in served.request("GET", ASK)[2]  # the write was kept, and the lock was released
    finally:
        stop_server(process)


def test_the_serving_process_ends_with_a_killed_supervisor(tmp_path):
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


def test_a_store_locked_by_another_process_is_a_clear_error(tmp_path):
    directory = tmp_path / "store"
    holder = TradeStore(directory)
    try:
        with pytest.raises(RuntimeError, match="cannot open the store"):
            start_server("--store", str(directory))
    finally:
        holder.close()


def test_query_workers_are_ready_before_the_first_query():
    process, served = start_server("--query-workers", "2")
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
