"""Every request evaluated, over HTTP: distinct point lookups against every server, side by side, rounds alternated.

``python -m benchmarks.evaluated --measures 65000`` (about 10^6 quads) starts tradekg serve (with its answer
cache), tradekg-uncached (``--answer-cache-mb 0``), the Oxigraph server and rdflib-endpoint on the same N-Quads
file, all at once, then runs ``--runs`` rounds; in each round every server in turn takes ``--duration`` seconds of
``wrk -t2 -c8 --latency`` (Debian package ``wrk``) with a Lua script of distinct lookups (:func:`round_queries`):
the same query shape for a different measure on every request, and a comment naming the round, so that no text
comes back in a later round and an answer cache never answers one. The first server of a round rotates, so that
none is always measured first. Reported per server: the median over rounds of the requests per second, of the
p50 and the p99 latency, and the ratios of tradekg's rates to the others' within each round (median over rounds).

rdflib-endpoint is left out above 2 x 10^6 quads (rdflib would need tens of GiB). Stores are prepared once per data
file in the work directory (``--workdir``) and reused: a tradekg store (bulk-loaded, then opened once by tradekg,
which adds the union default graph, and optimized), copied for each tradekg server by a RocksDB checkpoint (hard
links), and an Oxigraph store (``oxigraph load`` and ``optimize``), served by ``oxigraph serve-read-only
--union-default-graph``. Peak memory is not measured here (see ``benchmarks.run``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.engines import lookup_query
from benchmarks.run import dataset
from benchmarks.servers import (
    QUERY_WORKERS,
    SERVERS,
    Server,
    descendants,
    free_port,
    prepare_tradekg_store,
    start,
    stop,
    wait_ready,
)
from benchmarks.wrk import run_wrk, write_lua_script

RDFLIB_MAX_QUADS = 2_000_000
"""rdflib-endpoint is not started above this size (its Memory store takes about 1.7 GiB per 10^6 quads)."""
OURS = ("tradekg", "tradekg-uncached")


@dataclass(frozen=True)
class Started:
    """A running server: how it was started and its process."""

    server: Server
    process: subprocess.Popen[bytes]


def round_queries(measures: int, count: int, round_number: int) -> list[str]:
    """``count`` distinct point lookups for one round, spread over the measures, each text marked with the round.

    Round ``r`` asks measures ``i * measures // count + r`` (modulo ``measures``): other measures than the last round
    where the graph has enough, and in every case a text no earlier round sent (the comment).
    """
    count = min(count, measures)
    return [
        f"# round {round_number}\n" + lookup_query((position * measures // count + round_number) % measures)
        for position in range(count)
    ]


def _prepared(directory: Path, data: Path) -> bool:
    marker = directory / ".prepared-from"
    stamp = f"{data.resolve()} {data.stat().st_size} {data.stat().st_mtime_ns}"
    return marker.exists() and marker.read_text() == stamp


def _mark(directory: Path, data: Path) -> None:
    stamp = f"{data.resolve()} {data.stat().st_size} {data.stat().st_mtime_ns}"
    (directory / ".prepared-from").write_text(stamp)


def prepare_stores(data: Path, workdir: Path, names: list[str]) -> dict[str, float]:
    """The pristine stores the servers copy, prepared unless the work directory has them for this file already.

    Returns:
        Seconds spent preparing, by store (0 when reused).
    """
    spent: dict[str, float] = {}
    wanted = []
    if any(name in OURS for name in names):
        wanted.append("tradekg")
    if "oxigraph" in names:
        wanted.append("oxigraph")
    for kind in wanted:
        directory = workdir / f"{kind}-pristine"
        if _prepared(directory, data):
            spent[kind] = 0.0
            continue
        started = time.perf_counter()
        shutil.rmtree(directory, ignore_errors=True)
        if kind == "tradekg":
            prepare_tradekg_store(data, directory)
        else:
            oxigraph = str(Path(sys.executable).with_name("oxigraph"))
            for command in (["load", "--file", str(data)], ["optimize"]):
                subprocess.run([oxigraph, command[0], "--location", str(directory), *command[1:]], check=True)
        _mark(directory, data)
        spent[kind] = time.perf_counter() - started
    return spent


def server_command(name: str, data: Path, workdir: Path, port: int) -> Server:
    """How to start one server on a fresh copy of its pristine store (tradekg changes its store as it starts)."""
    import pyoxigraph as ox

    python = sys.executable
    if name in OURS:
        directory = workdir / f"{name}-store"
        shutil.rmtree(directory, ignore_errors=True)
        ox.Store.read_only(str(workdir / "tradekg-pristine")).backup(str(directory))  # hard links: seconds at 10^7
        command = [python, "-m", "tradekg", "serve", "--store", str(directory), "--port", str(port)]
        command += ["--query-workers", str(QUERY_WORKERS)]
        command += ["--answer-cache-mb", "0"] if name == "tradekg-uncached" else []
        return Server(name, command, "/sparql", port)
    if name == "oxigraph":
        oxigraph = str(Path(python).with_name("oxigraph"))
        command = [oxigraph, "serve-read-only", "--location", str(workdir / "oxigraph-pristine")]
        return Server(name, [*command, "--union-default-graph", "--bind", f"127.0.0.1:{port}"], "/query", port)
    if name == "rdflib-endpoint":
        return Server(name, [python, "-m", "benchmarks.rdflib_server", str(data), "--port", str(port)], "/", port)
    raise ValueError(f"unknown server {name!r} (known: {', '.join(SERVERS)})")


def measure(
    data: Path,
    quads: int,
    workdir: Path,
    *,
    names: list[str],
    measures: int,
    runs: int,
    duration: float,
    distinct: int,
    connections: int = 8,
    ready_timeout: float = 1800,
) -> dict[str, object]:
    """Start every server, then ``runs`` rounds of the distinct-lookup workload; every server stopped at the end."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    if quads > RDFLIB_MAX_QUADS and "rdflib-endpoint" in names:
        names = [name for name in names if name != "rdflib-endpoint"]
        print(f"rdflib-endpoint left out at {quads:,} quads", file=sys.stderr)
    preparation = prepare_stores(data, workdir, names)
    started: dict[str, Started] = {}
    rounds: list[dict[str, dict[str, object]]] = []
    try:
        for name in names:
            server = server_command(name, data, workdir, free_port())
            started[name] = Started(server, start(server))
        for entry in started.values():
            wait_ready(entry.server, entry.process, ready_timeout=ready_timeout)
        for round_number in range(runs):
            script = write_lua_script(workdir / "evaluated.lua", round_queries(measures, distinct, round_number))
            order = names[round_number % len(names) :] + names[: round_number % len(names)]
            results: dict[str, dict[str, object]] = {}
            for name in order:
                entry = started[name]
                base = f"http://127.0.0.1:{entry.server.port}{entry.server.query_path}"
                load_before = os.getloadavg()[0]
                cpu_before = tree_cpu_seconds(entry.process.pid)
                figures = run_wrk(base, duration=duration, connections=connections, script=script)
                figures["load_before"] = load_before
                figures["cpu_ms_per_request"] = cpu_per_request(
                    tree_cpu_seconds(entry.process.pid), cpu_before, figures
                )
                results[name] = figures
                print(f"round {round_number} {name}: {_line(figures)}", file=sys.stderr, flush=True)
            rounds.append(results)
    finally:
        for entry in started.values():
            helpers = descendants(entry.process.pid)
            stop(entry.process)
            for pid in helpers:  # a serving process or worker that outlived its parent would skew the next run
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
    return {
        "data": str(data),
        "quads": quads,
        "measures": measures,
        "servers": names,
        "runs": runs,
        "duration_s": duration,
        "connections": connections,
        "distinct": min(distinct, measures),
        "preparation_s": preparation,
        "rounds": rounds,
        "summary": summarise(rounds, names),
    }


def tree_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU time (user and system) so far of a server and every process below it, by process id (Linux ``/proc``)."""
    seconds = {}
    for process in (pid, *descendants(pid)):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        seconds[process] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def cpu_per_request(after: dict[int, float], before: dict[int, float], figures: dict[str, object]) -> float:
    """Milliseconds of CPU the server's processes spent per request answered between two samples.

    A process started meanwhile counts from zero; one that ended meanwhile is not counted (its time is lost).
    """
    requests = int(figures.get("requests", 0))  # type: ignore[call-overload]
    spent = sum(seconds - before.get(process, 0.0) for process, seconds in after.items())
    return 1000 * spent / requests if requests else 0.0


def _line(figures: dict[str, object]) -> str:
    return (
        f"{figures.get('requests_per_s', 0):,.0f} requests/s, p50 {figures.get('p50_ms', 0):.2f} ms, "
        f"p99 {figures.get('p99_ms', 0):.2f} ms, non-2xx {figures.get('non_2xx', 0)}, "
        f"CPU {figures.get('cpu_ms_per_request', 0):.2f} ms/request, load {figures['load_before']:.1f}"
    )


def summarise(rounds: list[dict[str, dict[str, object]]], names: list[str]) -> dict[str, dict[str, float]]:
    """Medians over rounds of each server's rate and latencies, and of tradekg's rate over each other server's."""
    summary: dict[str, dict[str, float]] = {}
    for name in names:
        got = [result[name] for result in rounds if name in result]
        summary[name] = {
            key: statistics.median(float(figures.get(key, 0)) for figures in got)  # type: ignore[arg-type]
            for key in ("requests_per_s", "p50_ms", "p99_ms", "non_2xx", "cpu_ms_per_request", "load_before")
        }
    for ours in OURS:
        for other in names:
            if ours not in names or other in OURS:
                continue
            ratios = [
                float(result[ours]["requests_per_s"]) / float(result[other]["requests_per_s"])  # type: ignore[arg-type]
                for result in rounds
                if float(result[other].get("requests_per_s", 0)) > 0  # type: ignore[arg-type]
            ]
            if ratios:
                summary[ours][f"x_{other}"] = statistics.median(ratios)
    return summary


def render(result: dict) -> str:
    """The Markdown table of one size."""
    lines = [
        f"{result['quads']:,} quads ({result['measures']:,} measures), {result['runs']} rounds of "
        f"{result['duration_s']:g} s per server, {result['distinct']:,} distinct lookups a round:",
        "",
        "| server | requests/s | p50 ms | p99 ms | non-2xx | CPU ms/request | x Oxigraph server | x rdflib-endpoint "
        "| load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, figures in result["summary"].items():
        oxigraph = f"{figures['x_oxigraph']:.2f}x" if "x_oxigraph" in figures else ""
        rdflib = f"{figures['x_rdflib-endpoint']:.1f}x" if "x_rdflib-endpoint" in figures else ""
        lines.append(
            f"| {name} | {figures['requests_per_s']:,.0f} | {figures['p50_ms']:.2f} | {figures['p99_ms']:.2f} | "
            f"{figures['non_2xx']:.0f} | {figures['cpu_ms_per_request']:.2f} | {oxigraph} | {rdflib} | "
            f"{figures['load_before']:.1f} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; see ``--help``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measures", type=int, default=6500, help="generated measures (6,500: ~10^5 quads)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument("--runs", type=int, default=5, help="rounds (every server once a round)")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of wrk per server and round")
    parser.add_argument("--distinct", type=int, default=20000, help="distinct lookups a round (at most the measures)")
    parser.add_argument("--workdir", type=Path, default=Path("/work/bench-data"))
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--prepare-only", action="store_true", help="prepare the data and stores, measure nothing")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    data, quads = dataset(args.measures, args.seed, args.workdir)
    stores = args.workdir / f"evaluated-{data.stem}"
    stores.mkdir(exist_ok=True)
    if args.prepare_only:
        print(prepare_stores(data, stores, args.servers))
        return
    result = measure(
        data,
        quads,
        stores,
        names=args.servers,
        measures=args.measures,
        runs=args.runs,
        duration=args.duration,
        distinct=args.distinct,
    )
    result["load_after"] = os.getloadavg()[0]
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    print(render(result))


if __name__ == "__main__":
    main()
