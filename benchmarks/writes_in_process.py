"""Concurrent validated writes in process: six threads calling the write gate on a copy of a store, no HTTP.

The same writes as :mod:`benchmarks.concurrent_writes` (``INSERT DATA`` of one new measure, 10 to 22 triples) sent
by six threads to :func:`tradekg.gate.writes.apply_update` on a copy of a pristine store that
``concurrent_writes`` prepared (``WORKDIR/pristine-tradekg-*``). Reported: writes per second, the process's CPU
time per write (every thread: the gate's whole cost without HTTP), the mean group (requests settled per group)
and how many were settled together or one by one. The code measured is the ``tradekg`` package on ``PYTHONPATH``,
so two trees can be compared in one run by alternating::

    for tree in /work/bench-data/walk15/old /work/wt/walk15; do
        PYTHONPATH=$tree python -m benchmarks.writes_in_process --pristine DIR --measures 6500 --seconds 8
    done
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.concurrent_writes import WRITERS, measure_bodies


def run(pristine: Path, measures: int, *, seconds: float, seed: int, first: int) -> dict[str, object]:
    """One run: a fresh copy of the store, a warm-up write, then six writers for ``seconds``."""
    import tradekg
    from tradekg.gate.commit_queue import commit_queue
    from tradekg.gate.writes import ValidationRejected, apply_update
    from tradekg.store.embedded import OxigraphStore

    with tempfile.TemporaryDirectory(dir=pristine.parent) as scratch:
        copy = Path(scratch) / "store"
        shutil.copytree(pristine, copy)
        store = OxigraphStore(copy)
        for body in measure_bodies(measures, 2, first=first - 10, seed=seed):  # what a process derives once
            apply_update(store, body)
        bodies = measure_bodies(measures, WRITERS * 2000, first=first, seed=seed)
        queue = commit_queue(store)
        settled_before, groups_before = dict(queue.settled), queue.groups
        counts = [0] * WRITERS
        rejected: list[str] = []
        deadline = time.monotonic() + seconds

        def write(number: int) -> None:
            for body in bodies[number::WRITERS]:
                if time.monotonic() >= deadline:
                    return
                try:
                    apply_update(store, body)
                    counts[number] += 1
                except ValidationRejected as error:
                    rejected.append(str(error)[:200])

        threads = [threading.Thread(target=write, args=(number,)) for number in range(WRITERS)]
        cpu, wall = time.process_time(), time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        writes = sum(counts)
        settled = {key: value - settled_before.get(key, 0) for key, value in queue.settled.items()}
        groups = queue.groups - groups_before
        store.close()
    return {
        "tree": str(Path(tradekg.__file__).parent.parent),
        "writes_per_s": round(writes / wall, 1),
        "cpu_ms_per_write": round(1000 * cpu / max(writes, 1), 2),
        "mean_group": round(sum(settled.values()) / max(groups, 1), 2),
        "settled": settled,
        "rejected": len(rejected),
        "load_average": os.getloadavg(),
    }


def build_parser() -> argparse.ArgumentParser:
    """The command line (also read by tests/test_benchmark_docs.py)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pristine", type=Path, required=True, help="a store prepared by concurrent_writes")
    parser.add_argument("--measures", type=int, required=True, help="the measures the data was generated with")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--first", type=int, default=0, help="number of the first new measure (0: after the data)")
    return parser


def main() -> None:
    args = build_parser().parse_args()
    first = args.first or args.measures + 1_000_000
    print(json.dumps(run(args.pristine, args.measures, seconds=args.seconds, seed=args.seed, first=first)))


if __name__ == "__main__":
    main()
