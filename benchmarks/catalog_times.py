"""Named queries on an embedded store: wall-clock and CPU time of each, run in a process of its own.

Times query files (the catalog's ``tradekg/queries/*.rq``, or the texts they replaced, kept in
``tests/queries/data/before/``) with their example parameters on a store directory, as ``NamedQuery.run`` runs
them, rows read to the end. Each file runs in a child process stopped after ``TIMEOUT`` seconds (Oxigraph cannot
cancel a query), ``RUNS`` times in a row; the CPU time is the child's own, which a busy machine inflates less
than the wall clock. The digest is of the sorted rows: two texts with the same digest gave the same answer.

    python -m benchmarks.catalog_times STORE TIMEOUT RUNS BUDGET FILE.rq...

``BUDGET`` (seconds) stops starting new files, so that a run under the shared lock ends in time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def one(store_dir: str, path: str, runs: int) -> None:
    """In the child: run one file ``runs`` times and print its times as JSON."""
    from tradekg.graph.load import open_store
    from tradekg.queries.catalog import load_query

    store = open_store(Path(store_dir), empty=True)
    query = load_query(Path(path))
    values = {param.name: param.example or param.default or "" for param in query.params}
    times, cpus, rows = [], [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        rows = [tuple("" if term is None else str(term) for term in row) for row in query.run(store, values)]
        times.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    digest = hashlib.sha1(repr(sorted(rows)).encode()).hexdigest()[:10]
    print(json.dumps({"name": query.name, "rows": len(rows), "times": times, "cpus": cpus, "digest": digest}))


def median_ms(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] * 1000


def main(store_dir: str, timeout: float, runs: int, budget: float, paths: list[str]) -> None:
    start = time.monotonic()
    print(f"load {os.getloadavg()}", flush=True)
    for path in paths:
        left = budget - (time.monotonic() - start)
        if left <= 5:
            print(Path(path).stem, "SKIPPED (budget)", flush=True)
            continue
        command = [sys.executable, "-m", "benchmarks.catalog_times", "one", store_dir, path, str(runs)]
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=min(timeout, left), check=False)
        except subprocess.TimeoutExpired:
            print(Path(path).stem, f"TIMEOUT >{min(timeout, left):.0f}s", flush=True)
            continue
        if out.returncode:
            print(Path(path).stem, "ERROR", out.stderr[-800:], flush=True)
            continue
        found = json.loads(out.stdout.strip().splitlines()[-1])
        walls, cpus = found["times"], found["cpus"]
        print(
            f"{found['name']:28s} rows={found['rows']:6d} {found['digest']} wall med={median_ms(walls):9.1f} "
            f"min={min(walls) * 1000:9.1f}  cpu med={median_ms(cpus):9.1f} min={min(cpus) * 1000:9.1f} ms  "
            f"cpu all={[round(cpu * 1000, 1) for cpu in cpus]}",
            flush=True,
        )
    print(f"load {os.getloadavg()}", flush=True)


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("store", help="an embedded store directory")
    parser.add_argument("timeout", type=float, help="seconds one file's child process may run")
    parser.add_argument("runs", type=int, help="runs of each file, in a row")
    parser.add_argument("budget", type=float, help="seconds after which no new file is started")
    parser.add_argument("files", nargs="+", help="query files (.rq)")
    return parser


if __name__ == "__main__":
    if sys.argv[1:2] == ["one"]:  # the child process main() starts for each file
        one(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        args = build_parser().parse_args()
        main(args.store, args.timeout, args.runs, args.budget, args.files)
