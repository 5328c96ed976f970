"""Catalog queries on tradekg's store and on raw pyoxigraph, in one process, runs interleaved.

``python -m benchmarks.interleaved FILE.nq [--runs 5]``: loads the file into a raw ``pyoxigraph.Store``
(queried with ``use_default_graph_as_union``, as ``benchmarks.engines.PyoxigraphEngine`` does) and into
:class:`tradekg.store.embedded.OxigraphStore` (its union default graph built when the directory-less store is
filled), then runs each catalog query (example parameters) alternately on one and the other, so that a busy
machine slows both alike; prints the medians and their ratio. A query whose first run passes ``--cap`` seconds on
either side is run once.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pyoxigraph as ox

from tradekg.ontology.vocab import PREFIXES
from tradekg.queries.catalog import load_catalog
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import to_engine


def _timed(run: object) -> tuple[float, int]:
    start = time.perf_counter()
    rows = sum(1 for _ in run())  # type: ignore[operator]
    return time.perf_counter() - start, rows


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cap", type=float, default=4.0)
    return parser


def main() -> None:
    args = build_parser().parse_args()
    raw = ox.Store()
    raw.bulk_load(path=str(args.data), format=ox.RdfFormat.N_QUADS)
    ours = OxigraphStore()
    with ours.writing():
        ours.apply((), list(ox.parse(path=str(args.data), format=ox.RdfFormat.N_QUADS)))
    print(f"{len(raw):,} quads; tradekg: {len(ours):,} quads in named graphs, {ours.triple_count():,} in the union")
    print("| query | rows (raw / tradekg) | raw ms | tradekg ms | tradekg / raw |\n|---|---|---:|---:|---:|")
    for name, query in sorted(load_catalog().items()):
        bindings = query.bind({param.name: param.example or param.default or "" for param in query.params})
        substitutions = {ox.Variable(key): to_engine(value) for key, value in bindings.items()}

        def on_raw(query: object = query, substitutions: object = substitutions) -> object:
            return raw.query(query.sparql, use_default_graph_as_union=True, substitutions=substitutions,  # type: ignore[attr-defined]
                             prefixes=PREFIXES)  # fmt: skip

        def on_ours(query: object = query, bindings: object = bindings) -> object:
            return ours.query(query.sparql, bindings=bindings)  # type: ignore[attr-defined, arg-type]

        times: dict[str, list[float]] = {"raw": [], "ours": []}
        rows = {}
        for run in range(args.runs):
            for side, function in (("raw", on_raw), ("ours", on_ours)):
                seconds, rows[side] = _timed(function)
                times[side].append(seconds)
            if run == 0 and max(times["raw"][0], times["ours"][0]) > args.cap:
                break
        raw_ms, ours_ms = (statistics.median(times[side]) * 1000 for side in ("raw", "ours"))
        print(f"| {name} | {rows['raw']} / {rows['ours']} | {raw_ms:.1f} | {ours_ms:.1f} | {ours_ms / raw_ms:.2f}x |")


if __name__ == "__main__":
    main()
