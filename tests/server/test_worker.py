import json
import os
import signal
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import WRITE_TOKEN
from tests.server.conftest import descendants_of, start_server, stop_server
from tradekg.gate.writes import apply_update
from tradekg.graph.load import open_store
from tradekg.server import create_app
from tradekg.server.worker import QueryPool, QueryRequest, QueryTimeout, WorkerFailed

SLOW_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z . ?d ?t ?w }"
ASK_NEW = 'ASK { <http://example.org/s> <http://example.org/p> "o" }'
INSERT = 'INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> "o" } }'


def ask(pool, query=ASK_NEW, seconds=10.0):
    answer = pool.run(QueryRequest(query, "json", 10), seconds)
    return json.loads(answer.body)["boolean"]


def wait_until_dead(pid, seconds=10.0):
    """Wait until the kernel has ended ``pid`` and all its threads (a zombie awaiting its parent's wait, or gone).

    The leader of a killed process shows as a zombie while its other threads (a worker's lifeline) may still be
    exiting, holding the process's pipes open: only when one thread is left are its files closed.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            threads = next(
                int(line.split()[1])
                for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("Threads:")
            )
        except (FileNotFoundError, ProcessLookupError):
            return
        if state in ("Z", "X") and threads <= 1:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} was still running {seconds} s after SIGKILL")


def cpu_ticks(pid):
    """The processor time ``pid`` has used, in clock ticks (user and system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_until_busy(pid, ticks=10, seconds=30.0):
    """Wait until ``pid`` has used ``ticks`` clock ticks of processor time (it is evaluating a query)."""
    deadline = time.monotonic() + seconds
    while cpu_ticks(pid) < ticks:
        assert time.monotonic() < deadline, f"process {pid} did not start working"
        time.sleep(0.02)


def assert_reaped(pids):
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # not our child any more: killed and reaped, no zombie


def test_workers_are_reused_not_forked_per_query(bundled_store):
    pool = QueryPool(bundled_store, 2)
    try:
        assert pool.pids == []  # nothing starts before the first query
        for _ in range(5):
            assert ask(pool, "ASK {}") is True
        assert len(pool.pids) == 1  # queries one after another share one worker
        first = pool.pids
        assert ask(pool, "ASK {}") is True and pool.pids == first
    finally:
        pool.close()
    assert pool.pids == []
    assert_reaped(first)


def test_query_errors_come_back_from_the_worker(bundled_store):
    pool = QueryPool(bundled_store, 1)
    try:
        with pytest.raises(SyntaxError):
            pool.run(QueryRequest("SELECT WHERE {", "json", 10), 10)
        assert ask(pool, "ASK {}") is True  # the worker survives a failed query
    finally:
        pool.close()


def test_a_worker_never_answers_from_before_a_write(fresh_store):
    pool = QueryPool(fresh_store, 2)
    try:
        assert ask(pool) is False
        old = pool.pids
        apply_update(fresh_store, INSERT)
        assert ask(pool) is True
        assert pool.pids != old
        assert_reaped(old)
    finally:
        pool.close()


def test_timeout_kills_the_worker_and_the_next_query_gets_a_new_one(bundled_store):
    pool = QueryPool(bundled_store, 1)
    try:
        assert ask(pool, "ASK {}") is True
        runaway = pool.pids
        with pytest.raises(QueryTimeout):
            pool.run(QueryRequest(SLOW_COUNT, "json", 10), 0.3)  # the count would run for hours
        assert pool.pids == []  # the worker was killed, not left to finish
        assert_reaped(runaway)
        assert ask(pool, "ASK {}") is True
    finally:
        pool.close()


def test_a_query_waiting_for_a_busy_pool_keeps_its_deadline(bundled_store):
    """The runaway's own limit is far off (no race with a loaded machine's clock); the test ends it by a kill."""
    pool = QueryPool(bundled_store, 1)
    outcome = []
    runaway = threading.Thread(
        target=lambda: outcome.append(pytest.raises(WorkerFailed, pool.run, QueryRequest(SLOW_COUNT, "json", 1), 600))
    )
    try:
        assert ask(pool, "ASK {}") is True
        (worker,) = pool.pids
        runaway.start()
        wait_until_busy(worker)  # the only worker is evaluating the runaway count
        with pytest.raises(QueryTimeout):
            ask(pool, "ASK {}", seconds=0.3)
        assert runaway.is_alive() and pool.pids == [worker]  # it gave up while the worker was still busy
        os.kill(worker, signal.SIGKILL)  # the runaway ends now, whatever the machine's load
        runaway.join()
        assert outcome and pool.pids == []
        assert ask(pool, "ASK {}") is True
    finally:
        pool.close()


def test_server_stays_responsive_while_a_runaway_query_runs(bundled_store):
    """Queries are answered beside a runaway one. Its limit is far off, so that no load can let it end before the
    other queries are answered (a 2 s limit did, at load 20); the test then ends it by killing its worker: 503.
    (``--timeout`` itself answering 503 is tested in test_sparql.py and test_worker_process.py.)"""
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store, "TRADEKG_TIMEOUT": 600.0})
    slow = []
    thread = threading.Thread(
        target=lambda: slow.append(app.test_client().get("/sparql", query_string={"query": SLOW_COUNT}))
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not app.extensions.get("tradekg.workers") or not app.extensions["tradekg.workers"].pids:
        assert time.monotonic() < deadline, "the runaway query started no worker"
        time.sleep(0.02)
    (runaway,) = app.extensions["tradekg.workers"].pids
    wait_until_busy(runaway)
    for _ in range(3):
        assert app.test_client().get("/sparql", query_string={"query": "ASK {}"}).json["boolean"] is True
    pids = app.extensions["tradekg.workers"].pids
    assert thread.is_alive() and len(pids) == 2 and runaway in pids  # answered by the second worker meanwhile
    os.kill(runaway, signal.SIGKILL)
    thread.join()
    assert slow[0].status_code == 503
    assert app.extensions["tradekg.workers"].pids == [pid for pid in pids if pid != runaway]
    app.extensions["tradekg.workers"].close()


def test_timeout_zero_runs_in_process_without_workers(bundled_store):
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store, "TRADEKG_TIMEOUT": 0})
    assert app.test_client().get("/sparql", query_string={"query": "ASK {}"}).json["boolean"] is True
    assert "tradekg.workers" not in app.extensions


def test_create_app_starts_no_worker(bundled_store):
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": bundled_store})
    assert "tradekg.workers" not in app.extensions
    assert app.test_client().get("/sparql", query_string={"query": "ASK {}"}).json["boolean"] is True
    assert len(app.extensions["tradekg.workers"].pids) == 1
    app.extensions["tradekg.workers"].close()


def test_persistent_store_workers_read_checkpoints_that_follow_writes(tmp_path: Path):
    store = open_store(tmp_path / "store", empty=True)
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": store, "TRADEKG_WRITE_TOKEN": WRITE_TOKEN})
    client = app.test_client()
    try:
        assert client.get("/sparql", query_string={"query": ASK_NEW}).json["boolean"] is False
        workers = app.extensions["tradekg.workers"]
        (pid,) = workers.pids
        response = client.post("/sparql", data={"update": INSERT}, headers={"Authorization": f"Bearer {WRITE_TOKEN}"})
        assert response.status_code == 200
        assert client.get("/sparql", query_string={"query": ASK_NEW}).json["boolean"] is True
        assert workers.pids == [pid]  # the same spawned worker, reading the new checkpoint
        checkpoints = list(tmp_path.glob(".store-checkpoints-*/*"))
        assert len(checkpoints) == 1  # the old checkpoint is gone once no query reads it
    finally:
        app.extensions["tradekg.workers"].close()
        store.close()
    assert list(tmp_path.glob(".store-checkpoints-*")) == []


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_stopped_server_leaves_no_worker_behind():
    process, served = start_server("--timeout", "5", "--query-workers", "2")
    try:
        threads = [threading.Thread(target=served.request, args=("GET", "/sparql?query=ASK%7B%7D")) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        workers = descendants_of(process.pid)  # Granian's serving process and its query workers
        assert 2 <= len(workers) <= 3
    finally:
        stop_server(process)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.05)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_a_worker_that_died_while_idle_is_replaced_without_failing_the_query(bundled_store):
    pool = QueryPool(bundled_store, 1)
    try:
        assert ask(pool, "ASK {}") is True
        (dead,) = pool.pids
        os.kill(dead, signal.SIGKILL)  # as the kernel's OOM killer would
        wait_until_dead(dead)  # not a fixed sleep: on a busy machine the kill may land later
        assert ask(pool, "ASK {}") is True
        assert pool.pids != [dead]
        assert_reaped([dead])
    finally:
        pool.close()


def test_start_all_fills_the_pool_once_and_never_after_close(bundled_store):
    pool = QueryPool(bundled_store, 2)
    try:
        assert pool.start_all() == 2
        assert pool.start_all() == 0
        assert len(pool.pids) == 2
        assert ask(pool, "ASK {}") is True  # an idle started worker answers
    finally:
        pids = pool.pids
        pool.close()
    assert pool.start_all() == 0
    assert_reaped(pids)


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_a_worker_running_a_query_ends_when_the_serving_process_is_killed():
    """kill -9 of the serving process mid-query: its worker must not run on alone, orphaned, until the query ends."""
    process, served = start_server("--empty", "--timeout", "600", "--query-workers", "1")
    ended: list[object] = []  # how the runaway request ended: its answer, or the error of its dropped connection

    def send_runaway() -> None:
        try:
            ended.append(served.request("GET", "/sparql?" + urlencode({"query": SLOW_COUNT}))[::2])
        except OSError as error:
            ended.append(error)

    runaway = threading.Thread(target=send_runaway, daemon=True)
    try:
        runaway.start()
        deadline = time.monotonic() + 30
        busy: list[int] = []
        workers: dict[int, int] = {}
        while not busy and time.monotonic() < deadline:  # the worker evaluating the query burns CPU
            time.sleep(0.1)
            # An answer or a dropped connection now means no worker will evaluate it: say what came back.
            assert not ended, f"the runaway query ended before a worker was seen evaluating it: {ended[0]!r}"
            workers = {pid: cpu_ticks(pid) for pid in descendants_of(process.pid) if _parent_of(pid) != process.pid}
            busy = [pid for pid, ticks in workers.items() if ticks > 20]
        assert busy, f"no query worker started on the runaway query (workers and their CPU ticks: {workers})"
        (worker,) = busy
        serving = _parent_of(worker)
        os.kill(serving, signal.SIGKILL)
        wait_until_dead(worker)  # ends at once; without its lifeline it would run for as long as the query does
        runaway.join(30)
        assert ended and isinstance(ended[0], OSError), ended  # its connection dropped with the serving process
        while time.monotonic() < deadline + 30:  # Granian starts a new serving process: wait for it to answer
            try:
                if served.request("GET", "/sparql?query=ASK%7B%7D")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
    finally:
        stop_server(process)
