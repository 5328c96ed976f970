"""HTTP round trips: tradekg serve (with and without its answer cache), the Oxigraph server and rdflib-endpoint.

Each server runs in its own process on 127.0.0.1 and a free port, over the same N-Quads file; ``wrk`` (a
second process, Debian package ``wrk``) keeps 8 connections busy for a fixed time in each workload of
:data:`benchmarks.wrk.WORKLOADS`: one GET query again and again (``same-query``), then the point lookup of a
different measure on every request (``distinct-resources``, a Lua script shared by every server). Each server's
first answer in a workload is checked first (its number of rows). Peak memory is the server process's ``VmHWM``.
Every server is stopped when its measurements end, whatever happens.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.wrk import ACCEPT, encoded_query, run_wrk, write_lua_script

ROOT = Path(__file__).resolve().parent.parent
SERVERS = ("tradekg", "tradekg-uncached", "oxigraph", "rdflib-endpoint")
"""The servers the HTTP part can start; ``tradekg-uncached`` is ``tradekg serve --answer-cache-mb 0``."""
QUERY_WORKERS = 3
"""tradekg serve's query worker processes (its default: one per core here, and one more)."""


@dataclass(frozen=True)
class Workload:
    """One HTTP workload: the query whose answer is checked first, and the wrk script (``None``: that query alone)."""

    key: str
    first_query: str
    script: Path | None = None
    distinct: int = 1


@dataclass(frozen=True)
class Server:
    """How to start one server over a data file and where it answers queries."""

    name: str
    command: list[str]
    query_path: str
    port: int


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare_tradekg_store(data: Path, directory: Path) -> None:
    """A persistent store holding ``data`` (which has the ontology and shapes), for ``tradekg serve --store``.

    It is bulk-loaded as the Oxigraph server's store is (``oxigraph load``), then opened once by tradekg, which adds
    the union default graph: the HTTP comparison measures serving the same data, and loading is measured on its own
    in process. ``tradekg serve`` reinstalls the vocabulary
    graphs at start and keeps the data.
    """
    import pyoxigraph as ox

    from tradekg.store.embedded import OxigraphStore

    store = ox.Store(str(directory))
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    del store
    opened = OxigraphStore(directory)  # builds the union default graph, as for any directory written without it
    opened.optimize()
    opened.close()


def servers(data: Path, workdir: Path, *, names: list[str]) -> Iterator[tuple[Server, float]]:
    """Each server's start command, after preparing what it reads; yields the server and the preparation time."""
    python = sys.executable
    for name in names:
        port = free_port()
        start = time.perf_counter()
        if name in ("tradekg", "tradekg-uncached"):  # a store each: a RocksDB store is opened by one process
            directory = workdir / f"{name}-store"
            shutil.rmtree(directory, ignore_errors=True)
            prepare_tradekg_store(data, directory)
            command = [python, "-m", "tradekg", "serve", "--store", str(directory), "--port", str(port)]
            command += ["--query-workers", str(QUERY_WORKERS)]
            command += ["--answer-cache-mb", "0"] if name == "tradekg-uncached" else []
            yield Server(name, command, "/sparql", port), time.perf_counter() - start
        elif name == "oxigraph":
            directory = workdir / "oxigraph-store"
            shutil.rmtree(directory, ignore_errors=True)
            oxigraph = str(Path(python).with_name("oxigraph"))
            load = [oxigraph, "load", "--location", str(directory), "--file", str(data)]
            subprocess.run(load, check=True, timeout=900, capture_output=True)
            optimize = [oxigraph, "optimize", "--location", str(directory)]
            subprocess.run(optimize, check=True, timeout=900, capture_output=True)
            command = [oxigraph, "serve-read-only", "--location", str(directory), "--union-default-graph"]
            command += ["--bind", f"127.0.0.1:{port}"]
            yield Server(name, command, "/query", port), time.perf_counter() - start
        elif name == "rdflib-endpoint":
            command = [python, "-m", "benchmarks.rdflib_server", str(data), "--port", str(port)]
            yield Server(name, command, "/", port), 0.0
        else:
            raise ValueError(f"unknown server {name!r} (known: {', '.join(SERVERS)})")


def fetch(url: str, *, timeout: float = 60) -> tuple[int, bytes]:
    """GET a URL asking for SPARQL JSON results; returns the status and body."""
    request = urllib.request.Request(url, headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, b""


def peak_mib(pid: int) -> float:
    """A process's peak resident memory (``VmHWM``), in MiB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # it has ended
        return 0.0
    match = re.search(r"^VmHWM:\s+(\d+)", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else 0.0


def start(server: Server) -> subprocess.Popen[bytes]:
    """Start a server process (it may take a while to be ready: see :func:`wait_ready`)."""
    return subprocess.Popen(server.command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(server: Server, process: subprocess.Popen[bytes], *, ready_timeout: float) -> None:
    """Wait until a started server answers ``ASK {}``."""
    url = f"http://127.0.0.1:{server.port}{server.query_path}?" + urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + ready_timeout
    while True:
        status, _ = fetch(url, timeout=5)
        if status == 200:
            return
        if status >= 400:
            raise RuntimeError(f"{server.name} answered ASK {{}} with HTTP {status} at {server.query_path}")
        if process.poll() is not None or time.monotonic() > deadline:
            error = process.stderr.read().decode(errors="replace") if process.poll() is not None else ""  # type: ignore[union-attr]
            last = error.strip().splitlines()[-1][-300:] if error.strip() else ""  # a traceback's or click's verdict
            raise RuntimeError(f"{server.name} did not answer ASK {{}} (last status {status}) {last}".strip())
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server (SIGTERM, then SIGKILL after 10 s) and reap it."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def descendants(pid: int) -> list[int]:
    """Every process below a process: tradekg serve's serving process (Granian's) and its query workers."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in task.read_text().split()]
        except OSError:  # the task ended while being read
            continue
    return found + [below for child in found for below in descendants(child)]


def rows_of(body: bytes) -> int:
    """The number of rows of a SPARQL JSON SELECT answer."""
    return len(json.loads(body)["results"]["bindings"])


def measure_server(
    server: Server, process: subprocess.Popen[bytes], workload: Workload, *, duration: float, connections: int
) -> dict[str, object]:
    """Check a ready server's first answer, load it with wrk in one workload, report throughput, latency, memory."""
    base = f"http://127.0.0.1:{server.port}{server.query_path}"
    result: dict[str, object] = {}
    status, body = fetch(f"{base}?{encoded_query(workload.first_query)}")
    if status != 200:
        return {**result, "error": f"HTTP {status}: {body[:200].decode(errors='replace')}"}
    result["rows"] = rows_of(body)
    if workload.script is None:
        result.update(
            run_wrk(f"{base}?{encoded_query(workload.first_query)}", duration=duration, connections=connections)
        )
    else:
        result["distinct"] = workload.distinct
        result.update(run_wrk(base, duration=duration, connections=connections, script=workload.script))
    result["peak_rss_mib"] = peak_mib(process.pid)
    helpers = descendants(process.pid)
    if helpers:  # tradekg's serving process and query workers answer the queries: their memory counts too
        result["processes"] = 1 + len(helpers)
        result["peak_rss_mib"] += sum(peak_mib(pid) for pid in helpers)
    return result


def workloads(workdir: Path, sparql: str, distinct: list[str]) -> list[Workload]:
    """The fixed query's workload, then (when ``distinct`` holds queries) the distinct resources' wrk script."""
    found = [Workload("same-query", sparql)]
    if distinct:
        script = write_lua_script(workdir / "distinct-resources.lua", distinct)
        found.append(Workload("distinct-resources", distinct[0], script, len(distinct)))
    return found


def ready(
    server: Server, process: subprocess.Popen[bytes], since: float, result: dict[str, object], timeout: float
) -> None:
    """Wait for a started server; note the seconds since its start, or the error."""
    try:
        wait_ready(server, process, ready_timeout=timeout)
        result["start_s"] = time.perf_counter() - since
    except RuntimeError as error:
        result["error"] = str(error)


def measure_http(
    data: Path,
    workdir: Path,
    sparql: str,
    *,
    names: list[str],
    distinct: list[str] | None = None,
    duration: float = 10,
    connections: int = 8,
    ready_timeout: float = 600,
) -> dict[str, object]:
    """Every server on the same data and workloads, one measured at a time; a server that fails is reported.

    Args:
        data: The N-Quads file every server serves.
        workdir: Where stores and the wrk script are written.
        sparql: The ``same-query`` workload's query.
        names: Servers of :data:`SERVERS`, measured in this order.
        distinct: The ``distinct-resources`` workload's queries (none: that workload is skipped).
        duration: Seconds of load per server and workload.
        connections: Connections wrk keeps busy.
        ready_timeout: Seconds a server may take to answer its first query.

    Returns:
        ``{workload: {server: figures}}`` (figures hold ``error`` when the server failed), or ``{"error": ...}``
        when wrk is missing. rdflib-endpoint parses the file as it starts, so it is started first and parses while
        the others' stores are prepared; no measurement starts before every server is ready, so none runs beside
        a parse.
    """
    if shutil.which("wrk") is None:
        return {"error": "wrk is not installed (apt-get install wrk)"}
    loads = workloads(workdir, sparql, distinct or [])
    started_at: dict[str, dict[str, object]] = {}
    results: dict[str, dict[str, dict[str, object]]] = {load.key: {} for load in loads}
    started: dict[str, tuple[Server, subprocess.Popen[bytes], float]] = {}
    order = sorted(names, key=lambda name: name != "rdflib-endpoint")
    try:
        for server, prepare_s in servers(data, workdir, names=order):
            started[server.name] = (server, start(server), time.perf_counter())
            started_at[server.name] = {"prepare_s": prepare_s}
            if server.name != "rdflib-endpoint":  # ready at once (its first query included), so timed alone
                ready(server, started[server.name][1], started[server.name][2], started_at[server.name], ready_timeout)
        if "rdflib-endpoint" in started:
            server, process, since = started["rdflib-endpoint"]
            ready(server, process, since, started_at[server.name], ready_timeout)
        for name in names:
            if name not in started:
                continue
            server, process, _ = started[name]
            for load in loads:
                entry = results[load.key][name] = dict(started_at[name])
                if "error" in entry:
                    continue
                try:
                    entry.update(measure_server(server, process, load, duration=duration, connections=connections))
                except (RuntimeError, subprocess.SubprocessError, OSError) as error:
                    entry["error"] = str(error)
    finally:
        for _, process, _ in started.values():
            stop(process)
    return {key: {name: by_server[name] for name in names if name in by_server} for key, by_server in results.items()}
