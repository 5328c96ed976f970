"""One measurement in a process of its own, answered as one JSON line on stdout.

The harness (:mod:`benchmarks.run`) starts a worker per engine and workload so that each one's peak memory is
its own and a slow engine can be stopped by a timeout without losing the others' figures.

Modes:
    ``queries``: load the file into one engine (timed), then the named queries and the point lookup, each in a
    forked child killed at ``--query-timeout`` (a warm-up run, then at least ``--min-runs`` timed runs, more
    while under ``--budget`` seconds, ``--runs`` at most), then peak memory. With ``--with-select``, tradekg's
    store is also read through ``TradeStore.select``.
    ``write``: load the file into tradekg's store, then validate writes of about 10 and 100 triples against it.
    ``full``: validate the whole file against the shapes.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from benchmarks.engines import ENGINES, Engine, TradekgSelectEngine, lookup_queries, named_queries


class TimeLimit(Exception):
    """A measured operation ran past its time limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the enclosed code (between Python bytecodes) after ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise TimeLimit(f"stopped after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def memory_kib(field: str) -> int:
    """A field of ``/proc/self/status`` in KiB (``VmRSS`` now, ``VmHWM`` the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timed_runs(
    action: Callable[[], int],
    *,
    runs: int,
    budget: float,
    limit: float,
    min_runs: int = 3,
    on_run: Callable[[float, int], None] | None = None,
) -> dict[str, object]:
    """A warm-up run, then timed runs: at least ``min_runs``, more while under ``budget`` seconds, ``runs`` at most.

    A run longer than ``limit`` seconds is stopped and the query reported as stopped. A slow query (a warm-up
    longer than ``budget``) counts its warm-up as a timed run and stops before its runs would pass ``limit``
    seconds in all, so that an engine minutes behind the others is bounded but still has a median when it can.
    """
    times: list[float] = []
    rows = 0
    try:
        with time_limit(limit):
            start = time.perf_counter()
            rows = action()
            first = time.perf_counter() - start
        if first > budget:
            times.append(first)
            if on_run:
                on_run(first, rows)
        while len(times) < runs:
            spent = sum(times)
            if len(times) >= min_runs and spent >= budget:
                break
            if first > budget and spent + max(times) > limit:
                break
            with time_limit(limit):
                start = time.perf_counter()
                rows = action()
                times.append(time.perf_counter() - start)
            if on_run:
                on_run(times[-1], rows)
    except TimeLimit as stopped:
        if not times:
            return {"error": str(stopped), "runs": 0}
        note = f"run {len(times) + 1} {stopped}"
    except Exception as error:  # noqa: BLE001 - an engine that fails a query is reported, the others go on
        return {"error": f"failed: {type(error).__name__}: {str(error)[:100]}", "runs": len(times)}
    else:
        note = ""
    result: dict[str, object] = {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": percentile(times, 0.95) * 1000,
        "runs": len(times),
        "rows": rows,
    }
    if note:
        result["note"] = note
    return result


def in_child(
    work: Callable[[Callable[[float, int], None]], dict], *, limit: float, grace: float = 1.0
) -> dict[str, object]:
    """Run ``work`` in a forked copy of this process, killed after ``limit`` seconds.

    A query runs inside the engine's native code, which a signal cannot interrupt (an ``ORDER BY`` over a big join
    returns its first row only when it is done), so each query is timed in a child that can really be stopped.
    The child reports every timed run as it ends; a killed child's finished runs are kept. The child is
    killed ``grace`` seconds after ``limit`` (the fork and the child's own bookkeeping).
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            os.close(read_fd)

            def report(event: dict[str, object]) -> None:
                data = (json.dumps(event) + "\n").encode()
                while data:
                    data = data[os.write(write_fd, data) :]

            report({"final": work(lambda seconds, rows: report({"seconds": seconds, "rows": rows}))})
        except BaseException:  # noqa: BLE001 - the child must end here whatever happens
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    deadline = time.monotonic() + limit + grace
    events: list[dict[str, object]] = []
    buffer, killed = b"", False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read_fd], [], [], left)[0]:
                killed = True
                os.kill(pid, signal.SIGKILL)
                break
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                events.append(json.loads(line))
    finally:
        os.close(read_fd)
        _, _, usage = os.wait4(pid, 0)
    CHILD_PEAK_KIB[0] = max(CHILD_PEAK_KIB[0], usage.ru_maxrss)
    final = next((event["final"] for event in events if "final" in event), None)
    if isinstance(final, dict):
        return final
    times = [float(event["seconds"]) for event in events if "seconds" in event]
    stopped = f"stopped after {limit:g} s" if killed else "the child process failed"
    if not times:
        return {"error": stopped, "runs": 0}
    return {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": percentile(times, 0.95) * 1000,
        "runs": len(times),
        "rows": events[-1].get("rows", 0),
        "note": f"run {len(times) + 1} {stopped}",
    }


CHILD_PEAK_KIB = [0]
"""The largest peak resident memory of the query children (``ru_maxrss``, KiB; it includes the shared store)."""


def time_queries(engine: Engine, args: argparse.Namespace, *, skip: set[str] = frozenset()) -> dict[str, object]:
    """Every named query and the point lookup on a loaded engine: median and p95 of timed runs, each in a child.

    Queries in ``skip`` are not run (``select()`` runs the same engine as ``query()``: a query ``query()`` could not
    finish in time is reported as skipped there, not run again to the limit).
    """
    queries: dict[str, object] = {name: {"error": "skipped: stopped through query()", "runs": 0} for name in skip}
    lookups = lookup_queries(args.measures)
    actions = [
        (query.name, lambda query=query: engine.run(query.text, query.bindings), args.runs)
        for query in named_queries(args.queries)
    ]
    actions.append(("point-lookup", lambda: sum(engine.run(text) for text in lookups), args.runs * 4))
    for name, action, runs in actions:
        if name in skip:
            continue
        queries[name] = in_child(
            lambda on_run, action=action, runs=runs: timed_runs(
                action,
                runs=runs,
                budget=args.budget,
                limit=args.query_timeout,
                min_runs=args.min_runs,
                on_run=on_run,
            ),
            limit=args.query_timeout,
        )
    return queries


def run_queries(args: argparse.Namespace) -> dict[str, object]:
    """Load one engine, run every named query and the point lookup, report times and memory."""
    baseline = memory_kib("VmRSS")
    engine = ENGINES[args.engine]()
    start = time.perf_counter()
    try:
        with time_limit(args.load_timeout):
            engine.load(args.data)
    except TimeLimit as stopped:
        return {"engine": args.engine, "error": f"load {stopped}"}
    load_s = time.perf_counter() - start
    quads = engine.size()
    result: dict[str, object] = {"engine": args.engine, "quads": quads, "load_s": load_s}
    result["load_quads_per_s"] = args.data_quads / load_s
    result["rss_after_load_mib"] = memory_kib("VmRSS") / 1024
    result["queries"] = time_queries(engine, args)
    if args.with_select:  # the same store, read through TradeStore.select (no second load)
        stopped = {name for name, entry in result["queries"].items() if "median_ms" not in entry}
        select = TradekgSelectEngine.sharing(engine)  # type: ignore[arg-type]
        result["select_queries"] = time_queries(select, args, skip=stopped)
    peak = max(memory_kib("VmHWM"), CHILD_PEAK_KIB[0])
    result["peak_rss_mib"] = peak / 1024
    result["peak_mib_per_million_triples"] = (peak - baseline) / 1024 / (args.data_quads / 1e6)
    return result


def run_write(args: argparse.Namespace) -> dict[str, object]:
    """Validate small writes against a big store (see :mod:`benchmarks.writes`)."""
    from benchmarks.writes import measure_writes

    return measure_writes(
        args.data, args.measures, seed=args.seed, runs=args.runs, budget=max(args.budget, 1.0), limit=args.query_timeout
    )


def run_full(args: argparse.Namespace) -> dict[str, object]:
    """Validate the whole file against the shapes, as ``tradekg validate`` does."""
    from tradekg.gate.validate import quads_to_graph, validate_graph

    start = time.perf_counter()
    try:
        with time_limit(args.load_timeout):
            graph = quads_to_graph(ox.parse(path=str(args.data), format=ox.RdfFormat.N_QUADS))
            convert_s = time.perf_counter() - start
            report = validate_graph(graph)
    except TimeLimit as stopped:
        return {"error": f"full validation {stopped}"}
    total = time.perf_counter() - start
    return {
        "quads": args.data_quads,
        "conforms": report.conforms,
        "violations": len(report.violations),
        "convert_s": convert_s,
        "validate_s": total - convert_s,
        "total_s": total,
        "peak_rss_mib": memory_kib("VmHWM") / 1024,
    }


MODES = {"queries": run_queries, "write": run_write, "full": run_full}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--engine", choices=sorted(ENGINES), default="tradekg")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--data-quads", type=int, required=True)
    parser.add_argument("--measures", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--min-runs", type=int, default=3)
    parser.add_argument("--with-select", action="store_true", help="tradekg: also time TradeStore.select")
    parser.add_argument("--queries", choices=("catalog", "benchmarks"), default="catalog")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds of timed runs per query at most")
    parser.add_argument("--query-timeout", type=float, default=60.0)
    parser.add_argument("--load-timeout", type=float, default=900.0)
    args = parser.parse_args()
    print(json.dumps(MODES[args.mode](args)))


if __name__ == "__main__":
    main()
