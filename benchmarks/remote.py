"""tradekg on a SPARQL server: the catalog, the point lookup and a 100-triple validated write, side by side.

The same N-Quads file is held by the embedded store (a directory), Virtuoso 7 and the Oxigraph server, each laid
out as tradekg keeps it (:mod:`tradekg.store.remote`: the named graphs, the union graph, the registry). Prepare
each store once (bulk loads, minutes at 10^6 quads), then time them as often as needed:

    python -m benchmarks.remote prepare DATA.nq --backend embedded --directory DIR/embedded
    python -m benchmarks.remote prepare DATA.nq --backend oxigraph --directory DIR/oxigraph
    python -m benchmarks.remote prepare DATA.nq --backend virtuoso --directory DIR/virtuoso
    python -m benchmarks.remote run --measures 65000 --directory DIR [--runs 5] [--part catalog|lookup|write]

The servers load with their own bulk loaders (``oxigraph load``; Virtuoso's ``ld_dir`` and ``rdf_loader_run``)
from files written here: the data with blank nodes as tradekg's Skolem IRIs, the union graph's triples, the
registry. ``run`` starts both servers on their directories (kept afterwards), and times each query on the three
backends in turn, round after round, so that a busy machine slows all alike; it prints medians in milliseconds
and each server's time over the embedded store's.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from tradekg.graph.load import install_vocabulary, open_store
from tradekg.queries.catalog import load_catalog
from tradekg.store.backends import ServerAddress
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore
from tradekg.store.remote_text import REGISTRY_GRAPH, SD_NAMED_GRAPH, SKOLEM_PREFIX, STORE_NODE, UNION_GRAPH, VERSION

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from sparql_servers import RunningServer, start_oxigraph, start_virtuoso  # noqa: E402

BACKENDS = ("embedded", "oxigraph", "virtuoso")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
VIRTUOSO_BUFFERS = 170_000
"""Virtuoso's page cache for the benchmark (1.3 GiB: the 10^6-quad store and its indexes stay in memory)."""


def skolem(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> ox.NamedNode | ox.Literal | ox.Triple:
    """A blank node as tradekg stores it on a server (its Skolem IRI); any other term as it is."""
    return ox.NamedNode(SKOLEM_PREFIX + term.value) if isinstance(term, ox.BlankNode) else term


def write_load_files(data: Path, target: Path) -> tuple[Path, Path, Path]:
    """The files a server's bulk loader reads: the quads (Skolem IRIs), the union graph's triples, the registry."""
    target.mkdir(parents=True, exist_ok=True)
    quads = [
        ox.Quad(skolem(q.subject), q.predicate, skolem(q.object), q.graph_name)  # type: ignore[arg-type]
        for q in ox.parse(path=str(data), format=ox.RdfFormat.N_QUADS)
    ]
    files = (target / "data.nq", target / "union.nt", target / "registry.nt")
    ox.serialize(quads, str(files[0]), ox.RdfFormat.N_QUADS)
    ox.serialize({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, str(files[1]), ox.RdfFormat.N_TRIPLES)
    graphs = {q.graph_name for q in quads}
    registry = [ox.Triple(graph, RDF_TYPE, SD_NAMED_GRAPH) for graph in graphs]  # type: ignore[arg-type]
    registry.append(ox.Triple(STORE_NODE, VERSION, ox.Literal("bulk-loaded")))
    ox.serialize(registry, str(files[2]), ox.RdfFormat.N_TRIPLES)
    return files


def prepare(data: Path, backend: str, directory: Path) -> None:
    """Load ``data`` into ``backend``'s store in ``directory`` (a new one), then install the vocabulary."""
    if directory.exists():
        raise SystemExit(f"{directory} exists: remove it to prepare it again")
    started = time.perf_counter()
    if backend == "embedded":
        store = OxigraphStore(directory)
        with store.writing():
            store.apply((), list(ox.parse(path=str(data), format=ox.RdfFormat.N_QUADS)))
        install_vocabulary(store)
        store.close()
    else:
        quads, union, registry = write_load_files(data, directory / "load")
        if backend == "oxigraph":
            program = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
            store_dir = str(directory / "store")
            for file, graph in ((quads, None), (union, UNION_GRAPH), (registry, REGISTRY_GRAPH)):
                command = [program, "load", "--location", store_dir, "--file", str(file)]
                subprocess.run([*command, *(["--graph", graph] if graph else [])], check=True)
            server = start_oxigraph(directory, keep=True)
        else:
            server = start_virtuoso(directory, buffers=VIRTUOSO_BUFFERS, keep=True)
            isql = shutil.which("isql-vt") or "isql-vt"
            load = directory / "load"
            script = (
                f"ld_dir('{load}', 'data.nq', 'http://example.org/unused'); "
                f"ld_dir('{load}', 'union.nt', '{UNION_GRAPH}'); "
                f"ld_dir('{load}', 'registry.nt', '{REGISTRY_GRAPH}'); "
                "rdf_loader_run(); checkpoint;"
            )
            subprocess.run([isql, str(server.sql_port), "dba", "dba", f"exec={script}"], check=True)
        try:
            install_vocabulary(open_store_at(server))
        finally:
            server.stop()
    print(f"{backend}: prepared in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def open_store_at(server: RunningServer) -> TradeStore:
    """tradekg's store on a running server (nothing loaded)."""
    from tradekg.store.backends import open_backend

    return open_backend(ServerAddress(server.query_endpoint, server.update_endpoint, server.gsp_endpoint, 120.0))


def start(backend: str, directory: Path) -> RunningServer:
    if backend == "oxigraph":
        return start_oxigraph(directory, keep=True)
    return start_virtuoso(directory, buffers=VIRTUOSO_BUFFERS, keep=True)


def timed(action: Callable[[TradeStore, int], int], store: TradeStore, round_number: int) -> tuple[float, int]:
    begin = time.perf_counter()
    rows = action(store, round_number)
    return (time.perf_counter() - begin) * 1000, rows


def percentile(times: list[float], share: float) -> float:
    """The nearest-rank percentile of the times (``nan`` for none)."""
    if not times:
        return float("nan")
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def workloads(measures: int, part: str, names: set[str] | None = None) -> dict[str, Callable[[TradeStore, int], int]]:
    """Named actions on a store (given the round's number), each returning its row count: writes first."""
    from benchmarks.engines import lookup_query
    from benchmarks.writes import write_quads
    from tradekg.gate.writes import add_to_graph

    parts = set(part.split(","))
    found: dict[str, Callable[[TradeStore, int], int]] = {}
    if parts & {"write", "all"}:
        stamp = int(time.time()) % 100_000 * 100  # new measures every run, and every invocation

        def write(store: TradeStore, round_number: int) -> int:
            quads = write_quads(measures, 7, seed=1, first=measures + stamp + round_number * 10)
            result = add_to_graph(store, quads[0].graph_name.value, quads)  # type: ignore[union-attr]
            if not result.added:
                raise AssertionError("the write added nothing")
            return result.added

        found["validated write (~100 triples)"] = write
    if parts & {"lookup", "all"}:
        text = lookup_query(measures // 2)
        found["point lookup"] = lambda store, _round: sum(1 for _ in store.query(text))  # type: ignore[union-attr]
    if parts & {"catalog", "all"}:
        for name, query in sorted(load_catalog().items()):
            if names is not None and name not in names:
                continue
            values = {param.name: param.example or param.default or "" for param in query.params}
            found[name] = lambda store, _round, query=query, values=values: sum(1 for _ in query.run(store, values))
    return found


def run(directory: Path, measures: int, runs: int, part: str, cap: float, names: set[str] | None = None) -> None:
    """Time every workload on the three backends, rounds alternated; print a Markdown table."""
    servers: dict[str, RunningServer] = {}
    try:
        for backend in ("oxigraph", "virtuoso"):
            servers[backend] = start(backend, directory / backend)
        stores: dict[str, TradeStore] = {"embedded": open_store(directory / "embedded", empty=True)}
        for backend, server in servers.items():
            stores[backend] = open_store_at(server)
        sizes = {backend: len(store) for backend, store in stores.items()}
        print(f"quads: {sizes}", file=sys.stderr)
        print(f"load average before: {os.getloadavg()[0]:.1f}", file=sys.stderr)
        print("| workload | rows | embedded ms p50 / p99 | Oxigraph server ms p50 / p99 | Virtuoso ms p50 / p99 "
              "| Oxigraph server / embedded | Virtuoso / embedded |\n|---|---:|---:|---:|---:|---:|---:|")  # fmt: skip
        for name, action in workloads(measures, part, names).items():
            times: dict[str, list[float]] = {backend: [] for backend in BACKENDS}
            rows: dict[str, int | str] = {}
            for round_number in range(runs + 1):  # the first round warms up, untimed
                for backend in BACKENDS:
                    if times[backend] and sum(times[backend]) > cap * 1000:
                        continue
                    try:
                        milliseconds, rows[backend] = timed(action, stores[backend], round_number)
                    except Exception as error:  # noqa: BLE001 - a benchmark reports what failed and goes on
                        rows[backend] = type(error).__name__
                        times[backend] = [float("nan")]
                        continue
                    if round_number:
                        times[backend].append(milliseconds)
            medians = {backend: statistics.median(times[backend]) if times[backend] else float("nan")
                       for backend in BACKENDS}  # fmt: skip
            base = medians["embedded"]
            counts = "/".join(str(rows.get(backend, "")) for backend in BACKENDS)
            tails = {backend: percentile(times[backend], 0.99) for backend in BACKENDS}
            cells = " | ".join(f"{medians[backend]:.1f} / {tails[backend]:.1f}" for backend in BACKENDS)
            ratios = " | ".join(f"{medians[backend] / base:.1f}x" for backend in ("oxigraph", "virtuoso"))
            print(f"| {name} | {counts} | {cells} | {ratios} |", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.1f}", file=sys.stderr)
    finally:
        for server in servers.values():
            server.stop()


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    preparing = commands.add_parser("prepare")
    preparing.add_argument("data", type=Path)
    preparing.add_argument("--backend", choices=BACKENDS, required=True)
    preparing.add_argument("--directory", type=Path, required=True)
    running = commands.add_parser("run")
    running.add_argument("--directory", type=Path, required=True, help="holding embedded/, oxigraph/, virtuoso/")
    running.add_argument("--measures", type=int, required=True, help="the generated graph's measures")
    running.add_argument("--runs", type=int, default=5)
    running.add_argument("--part", default="all", help="catalog, lookup, write or all; several with commas")
    running.add_argument("--cap", type=float, default=10.0, help="stop timing a workload on a backend past this (s)")
    running.add_argument("--queries", default=None, help="with --part catalog: only these named queries (a,b,...)")
    return parser


def main() -> None:
    args = build_parser().parse_args()
    if args.command == "prepare":
        prepare(args.data, args.backend, args.directory)
    else:
        names = set(args.queries.split(",")) if args.queries else None
        run(args.directory, args.measures, args.runs, args.part, args.cap, names)


if __name__ == "__main__":
    main()
