"""What a start costs the class pages and the search index once their indexes are kept on disk, and paging at depth.

``classes``: open a store of one big class (``benchmarks.views`` makes one: ``--instances-store``) as the server
does, then time the class index ready (built the first time, reused from its file the next), the first class page,
and pages 50 rows long at rows 0, 10,000, half way and near the end, by key (``after=``, the pages' own links) and
by ``?offset=``, in both orders, in process. Beside each ``?offset=`` page, the plain ``OFFSET`` query of the
previous implementation on the same file (``plain``), whose rows must be the same.

``search``: open a store and its search index (``benchmarks.search`` makes them), and time the index's reopening.

    python -m benchmarks.class_index classes --store /work/bench-data/classdisk13/events-1m.store --runs 7
    python -m benchmarks.class_index search --store /work/bench-data/classdisk13/search-1e7/trade-670000-seed1-b...

The store is written to (its stamp, and the index files beside it): run them on a copy. ``--build-only`` stops
once the class index is ready (to prepare the file without holding the benchmark lock for minutes).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import quote

from tradekg.graph.load import open_store
from tradekg.linkeddata.class_index import class_index
from tradekg.linkeddata.class_table import ORDERS
from tradekg.search.text_search import TextIndex, index_path
from tradekg.server import create_app

CLASS = "https://w3id.org/tradekg/ontology#Event"


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and 99th percentile in ms of ``runs`` calls after one warm-up."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]


def classes(store_dir: Path, runs: int, *, build_only: bool = False) -> None:
    """Print the start-up costs and the paging table (see the module); with ``build_only``, stop once it is ready."""
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    started = time.perf_counter()
    store = open_store(store_dir)
    opened = time.perf_counter() - started
    print(f"store opened in {opened:.1f} s", flush=True)
    began = time.perf_counter()
    client = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": store}).test_client()  # opens a kept index
    index = class_index(store)
    total = index.count(CLASS)  # builds it when it was not kept
    ready = time.perf_counter() - began
    if build_only:
        print(f"class index ({total:,} instances) {'built' if index.builds else 'reused'} in {ready:.1f} s", flush=True)
        store.close()
        return
    name = CLASS.rsplit("#", 1)[-1]
    began = time.perf_counter()
    status = client.get(f"/class/{name}?limit=50").status_code
    first = (time.perf_counter() - began) * 1000
    how = "built" if index.builds else "reused from its file"
    print(f"store opened in {opened:.1f} s; app made and class index ({total:,} instances) {how} in {ready:.2f} s;")
    print(f"first class page {status} in {first:.0f} ms; from the start to the first page {opened + ready:.1f} s\n")
    print("| first row | order | by key p50 / p99 ms | by offset p50 / p99 ms | plain OFFSET p50 / p99 ms |", end="")
    print(" same rows |\n|---|---|---|---|---|---|")
    database = index._ready()
    for depth in (0, min(10_000, total // 10), total // 2, total - 100):
        for sort in ORDERS:
            cursor = index.page(CLASS, limit=1, offset=depth - 1, sort=sort)[0] if depth else ""
            base = f"/class/{name}?limit=50&sort={sort}"
            keyed = timed(partial(client.get, base + (f"&after={quote(cursor, safe='')}" if cursor else "")), runs)
            offset = timed(partial(client.get, f"{base}&offset={depth}"), runs)
            columns = ", ".join(ORDERS[sort])
            sql = f"SELECT iri FROM members WHERE class = ? ORDER BY {columns} LIMIT 50 OFFSET ?"  # noqa: S608
            plain = partial(_plain, database, sql, depth)
            plain_times = timed(plain, runs)
            same = plain() == index.page(CLASS, limit=50, offset=depth, sort=sort)
            print(
                f"| {depth:,} | {sort} | {keyed[0]:.1f} / {keyed[1]:.1f} | {offset[0]:.1f} / {offset[1]:.1f}"
                f" | {plain_times[0]:.1f} / {plain_times[1]:.1f} | {'yes' if same else 'NO'} |",
                flush=True,
            )
    store.close()
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


def _plain(database: sqlite3.Connection, sql: str, depth: int) -> list[str]:
    """The previous implementation's ``?offset=`` page: SQLite steps over the rows before it."""
    return [iri for (iri,) in database.execute(sql, (CLASS, depth))]


def search(store_dir: Path) -> None:
    """Print the time the search index takes to reopen, and whether it counted the store to do so."""
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    started = time.perf_counter()
    store = open_store(store_dir)
    opened = time.perf_counter() - started
    index = TextIndex(store, index_path(store))
    began = time.perf_counter()
    index.ensure()
    ready = time.perf_counter() - began
    how = f"counted the store ({index._quads:,} quads)" if index._quads is not None else "by its stamp, no count"
    print(f"store opened in {opened:.1f} s; search index ready in {ready:.2f} s, {how}")
    index.close()
    store.close()
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("part", choices=("classes", "search"))
    parser.add_argument("--store", type=Path, required=True, help="a store directory (a copy: it is written)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--build-only", action="store_true", help="classes: stop once the index is ready")
    return parser


def main() -> None:
    """Run one part."""
    args = build_parser().parse_args()
    if args.part == "classes":
        classes(args.store, args.runs, build_only=args.build_only)
    else:
        search(args.store)


if __name__ == "__main__":
    main()
