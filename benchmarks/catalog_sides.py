"""Named queries side by side in one process: tradekg, raw pyoxigraph and rdflib's Memory store, runs alternated.

``python -m benchmarks.catalog_sides FILE.nq --store DIR [--rdflib] [--queries NAME...]`` answers each catalog
query (example parameters) on:

* ``raw``: a bare in-memory ``pyoxigraph.Store`` filled by ``bulk_load``, queried with
  ``use_default_graph_as_union`` (as ``benchmarks.engines.PyoxigraphEngine``): the engine's own limit;
* ``tradekg``: an in-memory :class:`~tradekg.store.embedded.OxigraphStore` (a copy of ``--store``), through the
  catalog's path: every row of the answer, in the query's order, as the API pages it (``run_page``);
* ``disk``: the same path on the embedded store directory ``--store`` itself (what ``tradekg serve --store`` runs);
* ``page``: the first page of 100 rows on the directory (what one request of ``/api/queries/NAME`` costs);
* ``tradekg-engine``, ``disk-engine``: ``tradekg`` and ``disk`` with the engine sorting (the query's text as
  written; the catalog's path before session 9, when Python did not apply the ORDER BY);
* ``rdflib`` (with ``--rdflib``): rdflib's default Memory store (a ``Dataset`` with the union default graph), each
  query in a child process forked from the loaded one and stopped after ``--rdflib-cap`` seconds (rdflib cannot be
  interrupted), ``--rdflib-runs`` times.

Every value of every row is read on every side. Per query the sides run in turn, ``--runs`` rounds; medians of the
CPU time of this process (``time.process_time``: what a busy machine inflates least) and of the wall clock. A
digest of the sorted rows (as text) shows that the sides agree; ``order`` says whether the two tradekg sides gave
the rows in the same sequence as raw pyoxigraph where the query's sort keys differ from row to row.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pyoxigraph as ox

from tradekg.ontology.vocab import PREFIXES
from tradekg.queries.catalog import NamedQuery, load_catalog
from tradekg.queries.results import PageRequest, run_page
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import to_engine

Rows = list[tuple[str, ...]]
PAGE = 100
SIDES = ("raw", "tradekg", "tradekg-engine", "disk", "disk-engine", "page")


def _text(term: object) -> str:
    return "" if term is None else str(term)


def _raw_rows(store: ox.Store, query: NamedQuery, values: dict[str, str]) -> Rows:
    substitutions = {ox.Variable(name): to_engine(term) for name, term in query.bind(values).items()}
    answer = store.query(query.sparql, use_default_graph_as_union=True, substitutions=substitutions, prefixes=PREFIXES)
    assert isinstance(answer, ox.QuerySolutions)
    return [tuple(_text(term) for term in solution) for solution in answer]


def _catalog_rows(store: OxigraphStore, query: NamedQuery, values: dict[str, str], limit: int) -> Rows:
    page = run_page(query, store, values, limit=limit)
    return [tuple(_text(term) for term in row) for row in page.rows]


def _engine_rows(store: OxigraphStore, query: NamedQuery, values: dict[str, str]) -> Rows:
    page = PageRequest(query.sparql, query.bind(values), 10**9).run(store)  # no ``order``: the engine sorts
    return [tuple(_text(term) for term in row) for row in page.rows]


def _rdflib_rows(dataset: object, query: NamedQuery, values: dict[str, str]) -> Rows:
    prologue = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())
    answer = dataset.query(prologue + query.sparql, initBindings=query.bind(values))  # type: ignore[attr-defined]
    return [tuple(_text(None if term is None else to_engine(term)) for term in row) for row in answer]


def _timed(function: Callable[[], Rows]) -> tuple[float, float, Rows]:
    wall, cpu = time.perf_counter(), time.process_time()
    rows = function()
    return time.process_time() - cpu, time.perf_counter() - wall, rows


def _digest(rows: Rows) -> str:
    return hashlib.sha1(repr(sorted(rows)).encode()).hexdigest()[:10]


def _in_child(function: Callable[[], Rows], runs: int, cap: float) -> dict[str, object]:
    """Run ``function`` ``runs`` times in a forked child; stop it after ``cap`` seconds in all."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: times each run, writes one JSON line per run
        os.close(reader)
        with os.fdopen(writer, "w") as out:
            for _ in range(runs):
                cpu, wall, rows = _timed(function)
                out.write(json.dumps({"cpu": cpu, "wall": wall, "rows": len(rows), "digest": _digest(rows)}) + "\n")
                out.flush()
        os._exit(0)
    os.close(writer)
    deadline = time.monotonic() + cap
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    with os.fdopen(reader) as found:
        results = [json.loads(line) for line in found.read().splitlines() if line.strip()]
    if not results:
        return {"stopped": cap}
    return {
        "cpu": [result["cpu"] for result in results],
        "wall": [result["wall"] for result in results],
        "rows": results[-1]["rows"],
        "digest": results[-1]["digest"],
        "stopped": cap if len(results) < runs else None,
    }


def _ms(values: Sequence[float]) -> str:
    return f"{statistics.median(values) * 1000:,.0f}"


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("data", type=Path, help="the N-Quads file the store was loaded from")
    parser.add_argument("--store", type=Path, required=True, help="an embedded store directory holding that file")
    parser.add_argument("--queries", nargs="*", default=None, help="catalog names (all by default)")
    parser.add_argument("--runs", type=int, default=5, help="rounds of the tradekg and raw sides")
    parser.add_argument("--sides", nargs="*", default=list(SIDES), choices=SIDES, help="the sides besides rdflib")
    parser.add_argument("--rdflib", action="store_true", help="add rdflib's Memory store")
    parser.add_argument("--rdflib-runs", type=int, default=3)
    parser.add_argument("--rdflib-cap", type=float, default=20.0, help="seconds for all of one query's rdflib runs")
    parser.add_argument("--json", type=Path, default=None, help="write the measurements here too")
    return parser


def main() -> None:
    args = build_parser().parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    disk = OxigraphStore(args.store, read_only=True)
    ours = disk.copy_in_memory()
    raw = ox.Store()
    raw.bulk_load(path=str(args.data), format=ox.RdfFormat.N_QUADS)
    dataset = None
    if args.rdflib:
        import rdflib

        started = time.process_time()
        dataset = rdflib.Dataset(default_union=True)
        dataset.parse(str(args.data), format="nquads")
        print(f"rdflib parsed the file in {time.process_time() - started:.1f} s of CPU", flush=True)
    print(f"{len(raw):,} quads; tradekg: {len(ours):,} in named graphs, {ours.triple_count():,} in the union")
    catalog = load_catalog()
    names = args.queries or sorted(catalog)
    found: dict[str, dict[str, object]] = {}
    for name in names:
        query = catalog[name]
        values = {param.name: param.example or param.default or "" for param in query.params}
        sides: dict[str, Callable[[], Rows]] = {
            "raw": lambda query=query, values=values: _raw_rows(raw, query, values),
            "tradekg": lambda query=query, values=values: _catalog_rows(ours, query, values, 10**9),
            "disk": lambda query=query, values=values: _catalog_rows(disk, query, values, 10**9),
            "page": lambda query=query, values=values: _catalog_rows(disk, query, values, PAGE),
            "tradekg-engine": lambda query=query, values=values: _engine_rows(ours, query, values),
            "disk-engine": lambda query=query, values=values: _engine_rows(disk, query, values),
        }
        sides = {side: sides[side] for side in args.sides}
        cpus: dict[str, list[float]] = {side: [] for side in sides}
        walls: dict[str, list[float]] = {side: [] for side in sides}
        rows: dict[str, Rows] = {}
        for _ in range(args.runs):
            for side, function in sides.items():
                cpu, wall, rows[side] = _timed(function)
                cpus[side].append(cpu)
                walls[side].append(wall)
        entry: dict[str, object] = {
            side: {"cpu": cpus[side], "wall": walls[side], "rows": len(rows[side]), "digest": _digest(rows[side])}
            for side in sides
        }
        entry["order"] = all(rows[side] == rows[args.sides[0]] for side in rows if side != "page")
        if dataset is not None:
            entry["rdflib"] = _in_child(
                lambda query=query, values=values: _rdflib_rows(dataset, query, values),
                args.rdflib_runs,
                args.rdflib_cap,
            )
        found[name] = entry
        line = " ".join(
            f"{side}={_ms(cpus[side])}({_ms(walls[side])})/{len(rows[side])}/{_digest(rows[side])}" for side in sides
        )
        rdflib_part = ""
        if dataset is not None:
            result = entry["rdflib"]
            assert isinstance(result, dict)
            if "cpu" in result:
                rdflib_part = f" rdflib={_ms(result['cpu'])}({_ms(result['wall'])})/{result['rows']}/{result['digest']}"
            if result.get("stopped"):
                rdflib_part += f" rdflib-stopped-after={result['stopped']}s"
        print(f"{name:27s} cpu(wall) ms/rows/digest: {line}{rdflib_part} same-order={entry['order']}", flush=True)
    print(f"load average after: {os.getloadavg()}", flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps({"load": os.getloadavg(), "queries": found}, indent=1))


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)  # rdflib's SPARQL evaluator recurses deeply on long queries
    main()
