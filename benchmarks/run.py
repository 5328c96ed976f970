"""Run the benchmark and print its tables: ``python -m benchmarks.run`` (quick tier, 10^4 measures).

Tiers: ``quick`` (10^4 measures, about 1.6 x 10^5 quads, under two minutes), ``million`` (65,000 measures, about
10^6 quads: the size the issue's targets are stated at), ``large`` (10^5 measures, about 1.6 x 10^6 quads) and
``huge`` (10^6 measures, about 1.6 x 10^7 quads; leave rdflib out there). Every measurement runs in a process of
its own with a time limit, one after the other (the machine has 2 cores); each query in a child killed at its limit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox

from benchmarks.engines import HTTP_QUERIES, catalog_queries, distinct_lookups, http_query
from benchmarks.generate import write_nquads
from benchmarks.report import render
from benchmarks.servers import SERVERS, measure_http

TIERS = {"quick": 10_000, "million": 65_000, "large": 100_000, "huge": 1_000_000}
"""Measures per tier: 10^4, 10^5, 10^6, and ``million``: the measures that make about 10^6 quads, the size the
issue's targets are stated at (the generator writes about 15 quads per measure)."""
TIER_DEFAULTS = {"quick": {"query_timeout": 3.0, "duration": 3.0, "full_measures": 100, "full_timeout": 10.0}}
"""Defaults that differ by tier; the others take ``OTHER_TIERS``."""
OTHER_TIERS = {"query_timeout": 10.0, "duration": 5.0, "full_measures": 1000, "full_timeout": 60.0}
ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    versions = []
    packages = ("rdflib", "pyoxigraph", "oxrdflib", "pyshacl", "oxigraph", "rdflib-endpoint", "granian")
    for package in packages:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory / 1024 / 1024,
        "python": platform.python_version(),
        "versions": ", ".join(versions),
        "load_before": f"{os.getloadavg()[0]:.1f}",
    }


def worker(
    mode: str, args: argparse.Namespace, data: Path, quads: int, *, engine: str = "tradekg", with_select: bool = False
) -> dict:
    """Run one worker process and return its JSON answer (or the error that stopped it)."""
    command = [sys.executable, "-m", "benchmarks.worker", mode, "--engine", engine, "--data", str(data)]
    command += ["--data-quads", str(quads), "--measures", str(args.measures), "--seed", str(args.seed)]
    command += ["--runs", str(args.runs), "--min-runs", str(args.min_runs), "--budget", str(args.budget)]
    command += ["--query-timeout", str(args.query_timeout), "--queries", args.queries]
    command += ["--load-timeout", str(args.full_timeout if mode == "full" else args.timeout)]
    command += ["--with-select"] if with_select else []
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout + 120)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "error": f"stopped after {args.timeout + 120:g} s"}
    finally:
        took = time.perf_counter() - started
        print(f"  {mode} {engine if mode == 'queries' else ''}: {took:.1f} s", file=sys.stderr, flush=True)
    if done.returncode != 0:
        return {"engine": engine, "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def dataset(measures: int, seed: int, workdir: Path, *, bundled: bool = True) -> tuple[Path, int]:
    """The generated N-Quads file for a size and seed, then tradekg's own graph (kept in the work directory).

    With ``bundled``, what ``tradekg serve`` holds by default is appended (ontology, shapes and the bundled data):
    the catalog's example parameters name its resources, and some queries follow the ontology's classes, so every
    engine must hold it to answer alike.
    """
    path = workdir / f"trade-{measures}-seed{seed}{'-bundled' if bundled else ''}.nq"
    count_file = path.with_suffix(".count")
    if not path.exists() or not count_file.exists():
        count = write_nquads(measures, path, seed=seed)
        if bundled:
            extra = bundled_quads()
            with path.open("ab") as out:
                ox.serialize(extra, out, format=ox.RdfFormat.N_QUADS)
            count += len(extra)
        count_file.write_text(str(count))
    return path, int(count_file.read_text())


def bundled_quads() -> list[ox.Quad]:
    """Every quad of the store tradekg opens by default: the ontology, the shapes and the bundled data."""
    from tradekg.graph.load import open_store

    return list(open_store(validate=False).quads())


def run(args: argparse.Namespace) -> dict:
    """Every measurement of one size; returns the results as data."""
    started = time.perf_counter()
    info = machine()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"generating {args.measures:,} measures ...", file=sys.stderr, flush=True)
    data, quads = dataset(args.measures, args.seed, args.workdir)
    engines = {}
    for name in args.engines:
        if name == "tradekg-select" and "tradekg" in engines:
            continue
        with_select = name == "tradekg" and "tradekg-select" in args.engines
        engines[name] = worker("queries", args, data, quads, engine=name, with_select=with_select)
        if with_select:  # one process, one load: tradekg's figures, then the same store through select()
            ours = engines[name]
            shared = {"engine": "tradekg-select", "shares": "tradekg", "quads": ours.get("quads")}
            engines["tradekg-select"] = {**shared, "queries": ours.pop("select_queries")} if "queries" in ours else ours
    results: dict[str, object] = {"measures": args.measures, "quads": quads, "engines": engines}
    results["write"] = worker("write", args, data, quads) if not args.no_validation else {}
    if args.full_measures and not args.no_validation:
        full_data, full_quads = dataset(args.full_measures, args.seed, args.workdir, bundled=False)
        results["full"] = worker("full", args, full_data, full_quads)
    if args.servers:
        print("HTTP ...", file=sys.stderr, flush=True)
        http_started = time.perf_counter()
        selective = http_query(args.http_query, args.measures)
        results["http"] = measure_http(
            data,
            args.workdir,
            selective,
            names=args.servers,
            distinct=distinct_lookups(args.measures, args.distinct),
            duration=args.duration,
            ready_timeout=args.timeout,
        )
        print(f"  HTTP: {time.perf_counter() - http_started:.1f} s", file=sys.stderr, flush=True)
    info["load_after"] = f"{os.getloadavg()[0]:.1f}"
    results["machine"] = info
    results["command"] = "python -m benchmarks.run " + shlex.join(sys.argv[1:])
    from_catalog = args.queries == "catalog" and catalog_queries()
    results["http_query"] = args.http_query
    results["query_origin"] = (
        "the catalog (tradekg/queries/*.rq, example parameters)"
        if from_catalog
        else "the benchmark's own (benchmarks/queries/*.rq)"
    )
    results["elapsed_s"] = time.perf_counter() - started
    return results


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=sorted(TIERS), default="quick")
    parser.add_argument("--measures", type=int, help="overrides the tier's size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", nargs="*", default=["tradekg", "tradekg-select", "pyoxigraph", "rdflib"])
    parser.add_argument("--servers", nargs="*", choices=SERVERS, default=list(SERVERS), help="empty: no HTTP")
    parser.add_argument("--queries", choices=("catalog", "benchmarks"), default="catalog", help="which named queries")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query at most (after a warm-up)")
    parser.add_argument("--min-runs", type=int, default=3, help="timed runs per query at least (unless slow)")
    parser.add_argument("--budget", type=float, default=0.3, help="seconds of timed runs per query and engine")
    parser.add_argument(
        "--query-timeout", type=float, help="seconds one query may take, its runs in all (quick tier: 3, others: 10)"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds a load or a validation may take")
    parser.add_argument("--http-query", choices=HTTP_QUERIES, default="point-lookup", help="the query HTTP loads")
    parser.add_argument(
        "--duration", type=float, help="seconds of HTTP load per server and workload (quick tier: 3, others: 5)"
    )
    parser.add_argument(
        "--distinct",
        type=int,
        default=5000,
        help="measures the distinct-resources HTTP workload asks in turn (at most the graph's; 0 skips it)",
    )
    parser.add_argument(
        "--full-measures", type=int, help="measures of the fully validated graph, 0 skips (quick: 100, others: 1000)"
    )
    parser.add_argument(
        "--full-timeout", type=float, help="seconds the full validation may take (quick tier: 10, others: 60)"
    )
    parser.add_argument("--no-validation", action="store_true")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "tradekg-bench")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; see ``--help``."""
    args = build_parser().parse_args(argv)
    args.measures = args.measures or TIERS[args.tier]
    for name, value in TIER_DEFAULTS.get(args.tier, OTHER_TIERS).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results = run(args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print(render(results))


if __name__ == "__main__":
    main()
