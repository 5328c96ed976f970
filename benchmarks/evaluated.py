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
file in the work directory (``--workdir``) and reused: a tradekg store (bulk-loaded with its union default graph
in one pass, :func:`bulk_load_with_union`, and optimized), copied for each tradekg server by a RocksDB checkpoint (hard
links), and an Oxigraph store (``oxigraph load`` and ``optimize``), served by ``oxigraph serve-read-only
--union-default-graph``. Peak memory is not measured here (see ``benchmarks.run``).

On a shared machine, starting the servers is preparation and the rounds are the measurement: ``--serve-only STATE``
starts them (run it under ``nice -n 19``, without the shared lock) and keeps them until ``--lifetime`` or Ctrl-C;
``--attach STATE --first-round N`` runs rounds against them under the lock, at normal priority while it lasts.
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
from collections.abc import Iterator
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
    start,
    stop,
    wait_ready,
)
from benchmarks.wrk import run_wrk, write_lua_script

RDFLIB_MAX_QUADS = 2_000_000
"""rdflib-endpoint is not started above this size (its Memory store takes about 1.7 GiB per 10^6 quads)."""
OURS = ("tradekg", "tradekg-uncached", "tradekg-in-thread")
IN_THREAD = "tradekg-in-thread"
"""``tradekg serve --answer-cache-mb 0 --timeout 0``: queries evaluated in the serving process's threads, no worker and
no time limit (unsafe to serve: a runaway query cannot be stopped). Started only when asked for: it measures what
the design would cost with the process hop gone, which a query that can be cancelled in process would allow."""
CHOICES = (*SERVERS, IN_THREAD)


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
            bulk_load_with_union(data, directory)
        else:
            oxigraph = str(Path(sys.executable).with_name("oxigraph"))
            for command in (["load", "--file", str(data)], ["optimize"]):
                subprocess.run([oxigraph, command[0], "--location", str(directory), *command[1:]], check=True)
        _mark(directory, data)
        spent[kind] = time.perf_counter() - started
    return spent


def bulk_load_with_union(data: Path, directory: Path) -> None:
    """A tradekg store of ``data`` written by Oxigraph's bulk loader in one pass, the union default graph with it.

    :func:`benchmarks.servers.prepare_tradekg_store` bulk-loads the quads and lets tradekg build the union default
    graph in one transaction, which did not end in 16 minutes at 10^7 quads on this machine. Here each quad is
    written with its copy in the default graph (the bulk loader keeps each distinct key once: a set), then the store
    is optimized; tradekg finds the union default graph there and does not build it again.
    """
    import pyoxigraph as ox

    from tradekg.store.embedded import OxigraphStore

    def with_union() -> Iterator[ox.Quad]:
        for quad in ox.parse(path=str(data), format=ox.RdfFormat.N_QUADS):
            yield quad
            yield ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph())

    store = ox.Store(str(directory))
    store.bulk_extend(with_union())
    del store
    opened = OxigraphStore(directory)
    opened.optimize()
    opened.close()


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
        command += ["--answer-cache-mb", "0"] if name != "tradekg" else []
        command += ["--timeout", "0"] if name == IN_THREAD else []
        return Server(name, command, "/sparql", port)
    if name == "oxigraph":
        oxigraph = str(Path(python).with_name("oxigraph"))
        command = [oxigraph, "serve-read-only", "--location", str(workdir / "oxigraph-pristine")]
        return Server(name, [*command, "--union-default-graph", "--bind", f"127.0.0.1:{port}"], "/query", port)
    if name == "rdflib-endpoint":
        return Server(name, [python, "-m", "benchmarks.rdflib_server", str(data), "--port", str(port)], "/", port)
    raise ValueError(f"unknown server {name!r} (known: {', '.join(CHOICES)})")


def start_servers(
    data: Path, quads: int, workdir: Path, names: list[str], *, ready_timeout: float = 1800
) -> tuple[dict[str, Started], dict[str, float]]:
    """Prepare the stores and start every server, waiting until each answers; also the seconds spent preparing."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    if quads > RDFLIB_MAX_QUADS and "rdflib-endpoint" in names:
        names = [name for name in names if name != "rdflib-endpoint"]
        print(f"rdflib-endpoint left out at {quads:,} quads", file=sys.stderr)
    preparation = prepare_stores(data, workdir, names)
    started: dict[str, Started] = {}
    try:
        for name in names:
            server = server_command(name, data, workdir, free_port())
            started[name] = Started(server, start(server))
        for entry in started.values():
            wait_ready(entry.server, entry.process, ready_timeout=ready_timeout)
    except BaseException:
        stop_servers(started)
        raise
    return started, preparation


def stop_servers(started: dict[str, Started]) -> None:
    """Stop every server and whatever it started (a serving process or worker left over would skew the next run)."""
    for entry in started.values():
        helpers = descendants(entry.process.pid)
        stop(entry.process)
        for pid in helpers:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass


def run_rounds(
    servers: dict[str, tuple[int, str, int]], workdir: Path, *, measures: int, runs: int, duration: float,
    distinct: int, connections: int = 8, first_round: int = 0,
) -> list[dict[str, dict[str, object]]]:  # fmt: skip
    """``runs`` rounds of the distinct-lookup workload against running servers (name -> port, query path, pid).

    Round ``r`` (counted from ``first_round``, so that separate runs against the same servers send new texts)
    rotates the order in which the servers take it.
    """
    names = list(servers)
    rounds: list[dict[str, dict[str, object]]] = []
    for round_number in range(first_round, first_round + runs):
        script = write_lua_script(workdir / "evaluated.lua", round_queries(measures, distinct, round_number))
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        results: dict[str, dict[str, object]] = {}
        for name in order:
            port, query_path, pid = servers[name]
            load_before = os.getloadavg()[0]
            cpu_before = tree_cpu_seconds(pid)
            figures = run_wrk(f"http://127.0.0.1:{port}{query_path}", duration=duration, connections=connections,
                              script=script)  # fmt: skip
            figures["load_before"] = load_before
            figures["cpu_ms_per_request"] = cpu_per_request(tree_cpu_seconds(pid), cpu_before, figures)
            results[name] = figures
            print(f"round {round_number} {name}: {_line(figures)}", file=sys.stderr, flush=True)
        rounds.append(results)
    return rounds


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
    started, preparation = start_servers(data, quads, workdir, names, ready_timeout=ready_timeout)
    try:
        running = {name: (e.server.port, e.server.query_path, e.process.pid) for name, e in started.items()}
        rounds = run_rounds(running, workdir, measures=measures, runs=runs, duration=duration, distinct=distinct,
                            connections=connections)  # fmt: skip
    finally:
        stop_servers(started)
    return result_of(data, quads, measures, list(started), rounds, duration, connections, distinct, preparation)


def result_of(
    data: Path | str, quads: int, measures: int, names: list[str], rounds: list[dict[str, dict[str, object]]],
    duration: float, connections: int, distinct: int, preparation: dict[str, float],
) -> dict[str, object]:  # fmt: skip
    """The JSON result of one run."""
    return {
        "data": str(data),
        "quads": quads,
        "measures": measures,
        "servers": names,
        "runs": len(rounds),
        "duration_s": duration,
        "connections": connections,
        "distinct": min(distinct, measures),
        "preparation_s": preparation,
        "rounds": rounds,
        "summary": summarise(rounds, names),
    }


def serve_only(data: Path, quads: int, workdir: Path, names: list[str], state: Path, lifetime: float) -> None:
    """Start the servers and write where they are to ``state`` (JSON); stop them after ``lifetime`` s or on SIGINT.

    Starting is preparation (rdflib-endpoint parses 10^6 quads for minutes on a loaded machine): run this without
    the shared lock under ``nice -n 19``, then measure with ``--attach``, which gives the servers their normal
    priority for the rounds and lowers it again after.
    """
    started, preparation = start_servers(data, quads, workdir, names)
    try:
        running = {name: [e.server.port, e.server.query_path, e.process.pid] for name, e in started.items()}
        info = {"data": str(data), "quads": quads, "servers": running, "preparation_s": preparation}
        state.write_text(json.dumps(info, indent=2))
        print(f"serving {', '.join(running)}; state in {state}", file=sys.stderr, flush=True)
        deadline = time.monotonic() + lifetime
        while time.monotonic() < deadline and all(e.process.poll() is None for e in started.values()):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop_servers(started)
        state.unlink(missing_ok=True)


def renice_trees(pids: list[int], niceness: int) -> None:
    """Set the niceness of each process and every process below it (lowering it needs root)."""
    for pid in pids:
        for process in (pid, *descendants(pid)):
            try:
                os.setpriority(os.PRIO_PROCESS, process, niceness)
                for task in Path(f"/proc/{process}/task").iterdir():  # each thread has its own niceness on Linux
                    os.setpriority(os.PRIO_PROCESS, int(task.name), niceness)
            except (ProcessLookupError, PermissionError, FileNotFoundError):
                continue


def attach(state: Path, workdir: Path, *, measures: int, runs: int, duration: float, distinct: int,
           first_round: int) -> dict[str, object]:  # fmt: skip
    """Rounds against the servers a ``--serve-only`` run started, at normal priority while they last."""
    info = json.loads(state.read_text())
    servers = {name: (int(port), str(path), int(pid)) for name, (port, path, pid) in info["servers"].items()}
    pids = [pid for _, _, pid in servers.values()]
    renice_trees(pids, 0)
    try:
        rounds = run_rounds(servers, workdir, measures=measures, runs=runs, duration=duration, distinct=distinct,
                            first_round=first_round)  # fmt: skip
    finally:
        renice_trees(pids, 19)
    return result_of(info["data"], int(info["quads"]), measures, list(servers), rounds, duration, 8, distinct,
                     info.get("preparation_s", {}))  # fmt: skip


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


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measures", type=int, default=6500, help="generated measures (6,500: ~10^5 quads)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--servers", nargs="+", choices=CHOICES, default=list(SERVERS))
    parser.add_argument("--runs", type=int, default=5, help="rounds (every server once a round)")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of wrk per server and round")
    parser.add_argument("--distinct", type=int, default=20000, help="distinct lookups a round (at most the measures)")
    parser.add_argument("--workdir", type=Path, default=Path("/work/bench-data"))
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--prepare-only", action="store_true", help="prepare the data and stores, measure nothing")
    parser.add_argument("--serve-only", type=Path, metavar="STATE", help="start the servers, write STATE, wait")
    parser.add_argument("--lifetime", type=float, default=3600, help="seconds --serve-only keeps the servers")
    parser.add_argument("--attach", type=Path, metavar="STATE", help="measure the servers a --serve-only run started")
    parser.add_argument("--first-round", type=int, default=0, help="number of the first round (--attach)")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; see ``--help``."""
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    data, quads = dataset(args.measures, args.seed, args.workdir)
    stores = args.workdir / f"evaluated-{data.stem}"
    stores.mkdir(exist_ok=True)
    if args.prepare_only:
        print(prepare_stores(data, stores, args.servers))
        return
    if args.serve_only:
        serve_only(data, quads, stores, args.servers, args.serve_only, args.lifetime)
        return
    if args.attach:
        result = attach(args.attach, stores, measures=args.measures, runs=args.runs, duration=args.duration,
                        distinct=args.distinct, first_round=args.first_round)  # fmt: skip
        result["load_after"] = os.getloadavg()[0]
        if args.json:
            args.json.write_text(json.dumps(result, indent=2))
        print(render(result))
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
