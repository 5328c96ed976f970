"""Concurrent validated writes over HTTP: tradekg serve against the Oxigraph server's unvalidated writes.

Six clients (threads of this process, one keep-alive connection each) send ``INSERT DATA`` of one new measure (10
to 14 triples, in an existing source graph of the generated data) as fast as they are answered, for a fixed time,
to ``tradekg serve --store DIR --write-token T`` (every write validated by the gate) and to ``oxigraph serve``
(nothing validated) over the same N-Quads file. Reported per server: writes per second, the p50 and p99 latency,
the errors (any answer but 2xx counts), and afterwards a check that every acknowledged write is in the store (the
number of new measures the server holds equals the number of writes it acknowledged).

``--servers`` may also name ``tradekg-before``: ``tradekg serve`` run from the source tree in the environment
variable ``BEFORE_TREE`` (for example ``git archive COMMIT tradekg | tar -x -C DIR``), for a before/after comparison
in the same run.

Stores are bulk-loaded once per data file into ``WORKDIR/pristine-*`` and copied for every run, so each run starts
from the same data. Run it under the shared lock from 10^6 quads up::

    flock /work/lead/heavy.lock python -m benchmarks.concurrent_writes \\
        --data /tmp/tradekg-bench/trade-65000-seed1-bundled.nq --measures 65000 --workdir /work/bench-data/cw
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from benchmarks.generate import write_batch
from benchmarks.servers import free_port, prepare_tradekg_store, stop

WRITERS = 6
TOKEN = "benchmark-token"
GRAPH_SLUG = "synthetic-schedule-0"


@dataclass
class Tally:
    """What the writers saw: latencies of acknowledged writes (s), and refused or failed ones by status."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, status: int, body: bytes) -> None:
        with self.lock:
            if 200 <= status < 300:
                self.latencies.append(seconds)
            else:
                key = f"{status} {body[:120].decode(errors='replace')}"
                self.errors[key] = self.errors.get(key, 0) + 1


def measure_bodies(base_measures: int, count: int, *, first: int, seed: int) -> list[str]:
    """``INSERT DATA`` bodies, one new measure each (with its exemption, if it has one), numbered from ``first``."""
    quads = list(ox.parse(write_batch(base_measures, count, seed=seed, graph_slug=GRAPH_SLUG, with_source=False,
                                      first=first), format=ox.RdfFormat.N_QUADS))  # fmt: skip
    by_measure: dict[str, list[ox.Quad]] = {}
    for quad in quads:  # a measure and what hangs on it (its exemption: .../exemption/m12) are one write
        by_measure.setdefault(quad.subject.value.rsplit("/", 1)[-1], []).append(quad)  # type: ignore[union-attr]
    bodies = []
    for group in by_measure.values():
        graph = group[0].graph_name
        lines = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in group)
        bodies.append(f"INSERT DATA {{ GRAPH {graph} {{\n{lines}\n}} }}")
    return bodies


def writer(port: int, path: str, bodies: list[str], deadline: float, warm_until: float, tally: Tally) -> None:
    """Send one body after another until ``deadline``; writes that end before ``warm_until`` are not counted."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    for body in bodies:
        if time.monotonic() >= deadline:
            break
        started = time.monotonic()
        try:
            connection.request("POST", path, body=body.encode(), headers=headers)
            response = connection.getresponse()
            status, answer = response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            status, answer = 0, str(error).encode()
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        ended = time.monotonic()
        if started >= warm_until and ended <= deadline:
            tally.record(ended - started, status, answer)
    connection.close()


def count_new(port: int, path: str, first: int, last: int) -> int:
    """How many measures numbered ``first`` to ``last`` (exclusive) the server holds (a tenth are not tariffs)."""
    query = (
        "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { GRAPH ?g { ?m a ?type } "
        f'FILTER(STRSTARTS(STR(?m), "https://w3id.org/tradekg/id/measure/m") && '
        f"xsd:integer(SUBSTR(STR(?m), 38)) >= {first} && xsd:integer(SUBSTR(STR(?m), 38)) < {last}) }}"
    )
    query = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n" + query
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", f"{path}?{urllib.parse.urlencode({'query': query})}",
                       headers={"Accept": "application/sparql-results+json"})  # fmt: skip
    body = connection.getresponse().read()
    connection.close()
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) used so far by a process and its live descendants (Granian serves in a child
    process), from ``/proc`` (Linux)."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile
    tree, pending = set(), [pid]
    while pending:
        current = pending.pop()
        tree.add(current)
        pending += [child for child, fields in stats.items() if int(fields[1]) == current and child not in tree]
    ticks = sum(int(stats[member][11]) + int(stats[member][12]) for member in tree if member in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_up(port: int, path: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait until the server answers ``ASK {}``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server ended: {process.stderr.read().decode(errors='replace')[-400:]}")  # type: ignore[union-attr]
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", f"{path}?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer in time")


def wait_settled(port: int, timeout: float) -> None:
    """Wait until tradekg's search index, built in the background at start, is ready (``/search`` stops answering 503).

    The build reads the whole store; run while the writers write, its CPU time would count as the writes'.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/search?q=tariff", headers={"Accept": "application/json"})
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status != 503:
            return
        time.sleep(0.5)
    raise RuntimeError("the search index was not built in time")


QUIET_CPU = 0.03
"""Most CPU seconds a quiet server uses in a second (its idle threads); above it, it is still warming up."""


def wait_quiet(pid: int, timeout: float) -> float:
    """Wait until the server (and its children) used at most :data:`QUIET_CPU` of CPU in each of two seconds.

    ``tradekg serve`` computes what the country pages share in a background thread at start
    (:mod:`tradekg.views.warm`: seconds at 10^5 quads, about a minute at 10^6); run while the writers write, it
    counted as the writes' CPU (a third of a 10^5 run's samples in a py-spy profile). Returns the seconds waited.
    """
    started = time.monotonic()
    quiet, last = 0, cpu_seconds(pid)
    while quiet < 2:
        if time.monotonic() - started > timeout:
            raise RuntimeError("the server did not become quiet in time")
        time.sleep(1.0)
        now = cpu_seconds(pid)
        quiet, last = (quiet + 1 if now - last <= QUIET_CPU else 0), now
    return time.monotonic() - started


def pristine(data: Path, workdir: Path, name: str) -> Path:
    """The store of ``name`` (``tradekg`` or ``oxigraph``) holding ``data``, loaded once."""
    directory = workdir / f"pristine-{name}-{data.stem}"
    if (directory / "READY").exists():
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    if name == "tradekg":
        prepare_tradekg_store(data, directory)
    else:
        oxigraph = str(Path(sys.executable).with_name("oxigraph"))
        subprocess.run([oxigraph, "load", "--location", str(directory), "--file", str(data)], check=True,
                       capture_output=True, timeout=3600)  # fmt: skip
    (directory / "READY").write_text("")
    return directory


def command(name: str, directory: Path, port: int) -> tuple[list[str], str, str]:
    """The server's command, its update path and its query path (``tradekg-before``: the tree in $BEFORE_TREE)."""
    if name in ("tradekg", "tradekg-before"):
        line = [sys.executable, "-m", "tradekg", "serve", "--store", str(directory), "--port", str(port)]
        line += ["--write-token", TOKEN, "--query-workers", "1", "--max-unfinished-bodies", "7"]  # 6 writers' bodies
        return line, "/sparql", "/sparql"
    oxigraph = str(Path(sys.executable).with_name("oxigraph"))
    return [oxigraph, "serve", "--location", str(directory), "--bind", f"127.0.0.1:{port}"], "/update", "/query"


def measure(name: str, data: Path, workdir: Path, base: int, *, first: int, seconds: float, warm: float,
            seed: int) -> dict[str, object]:  # fmt: skip
    """One server, one run: a fresh copy of the pristine store, six writers for ``warm + seconds``."""
    run_dir = workdir / f"run-{name}"
    shutil.rmtree(run_dir, ignore_errors=True)
    for leftover in workdir.glob(f"run-{name}.*"):  # the search index tradekg keeps beside a store, of a past run
        leftover.unlink()
    shutil.copytree(pristine(data, workdir, "oxigraph" if name == "oxigraph" else "tradekg"), run_dir)
    port = free_port()
    line, update_path, query_path = command(name, run_dir, port)
    per_writer = 3000
    bodies = measure_bodies(base, WRITERS * per_writer, first=first, seed=seed)
    environment = dict(os.environ)
    if name == "tradekg-before":  # the code before a change (git archive of a commit), for a before/after run
        environment["PYTHONPATH"] = os.environ["BEFORE_TREE"]
    process = subprocess.Popen(line, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
    try:
        wait_up(port, query_path, process, 900)
        quiet_s = 0.0
        if name != "oxigraph":
            wait_settled(port, 900)
            quiet_s = wait_quiet(process.pid, 900)
        # What a server derives once (tradekg: the shapes' footprints, pySHACL's parsers) is not a write's cost.
        warm_up = Tally()
        writer(
            port, update_path, measure_bodies(base, 2, first=first - 10, seed=seed), time.monotonic() + 600, 0, warm_up
        )
        if warm_up.errors:
            raise RuntimeError(f"{name} refused a warm-up write: {warm_up.errors}")
        tally = Tally()
        (workdir / f"{name}.writing").write_text(str(process.pid))  # the writers start now (for a profiler)
        start = time.monotonic()
        warm_until, deadline = start + warm, start + warm + seconds
        cpu_marks: list[float] = []  # the server's CPU time at the end of the warm-up and at the deadline
        cpu_timers = [
            threading.Timer(at, lambda: cpu_marks.append(cpu_seconds(process.pid))) for at in (warm, warm + seconds)
        ]
        for timer in cpu_timers:
            timer.start()
        threads = [
            threading.Thread(
                target=writer,
                args=(port, update_path, bodies[w * per_writer : (w + 1) * per_writer], deadline, warm_until, tally),
            )  # fmt: skip
            for w in range(WRITERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent_after = time.monotonic()
        for timer in cpu_timers:
            timer.join()
        server_cpu = cpu_marks[1] - cpu_marks[0]
        held = count_new(port, query_path, first, first + WRITERS * per_writer)
        latencies = sorted(tally.latencies)
        return {
            "writes_per_s": len(latencies) / seconds,
            "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else None,
            "counted_writes": len(latencies),
            "errors": tally.errors,
            "new_measures_held": held,
            "drain_s": round(sent_after - deadline, 2),
            "quiet_wait_s": round(quiet_s, 1),
            # the server's CPU time in the counted window, per write counted
            "server_cpu_ms_per_write": round(1000 * server_cpu / max(len(latencies), 1), 1),
            "triples_per_write": round(sum(body.count(" .\n") + 1 for body in bodies[:100]) / 100, 1),
        }
    finally:
        stop(process)
        shutil.rmtree(run_dir, ignore_errors=True)


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="N-Quads from benchmarks.generate (bundled)")
    parser.add_argument("--measures", type=int, required=True, help="the measures the data was generated with")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warm", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3, help="runs per server, alternating; medians reported")
    parser.add_argument("--servers", default="tradekg,oxigraph")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    return parser


def main() -> None:
    args = build_parser().parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    names = args.servers.split(",")
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in names}
    for number in range(args.runs):
        for name in names:
            first = args.measures + 100_000 * (number + 1)
            result = measure(name, args.data, args.workdir, args.measures, first=first, seconds=args.seconds,
                             warm=args.warm, seed=args.seed)  # fmt: skip
            runs[name].append(result)
            print(name, json.dumps(result), flush=True)
    summary: dict[str, dict[str, float | None]] = {}
    for name, results in runs.items():
        summary[name] = {
            key: statistics.median([r[key] for r in results if r[key] is not None] or [0.0])  # type: ignore[misc]
            for key in ("writes_per_s", "p50_ms", "p99_ms", "server_cpu_ms_per_write")
        }
    for name in names:
        if name != "oxigraph" and "oxigraph" in summary and summary["oxigraph"]["writes_per_s"]:
            ratio = summary[name]["writes_per_s"] / summary["oxigraph"]["writes_per_s"]  # type: ignore[operator]
            summary[name]["ratio_to_oxigraph"] = ratio
    load = os.getloadavg()
    report = {"data": str(args.data), "load_average": load, "summary": summary, "runs": runs}
    print(json.dumps({"load_average": load, "summary": summary}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
