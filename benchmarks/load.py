"""Loading one N-Quads file, side by side: tradekg's trees (say this branch and main), raw pyoxigraph and rdflib.

Each load runs in a child process of its own (so its peak memory is its own), in rounds: every engine once per
round, in turn, so that the machine's load falls on all of them alike; the table gives medians over the rounds of
the wall-clock time, the CPU time of the child (all its threads) and its peak resident memory.

* ``tradekg@LABEL``: :func:`tradekg.graph.load.load_files` without validation (what ``tradekg load`` commits; the
  benchmark of :mod:`benchmarks.engines` loads the same way), into a store holding the vocabulary
  (``open_store(empty=True)``), from the tree at the path given for LABEL (``git archive main`` unpacked, say);
* ``pyoxigraph``: a bare ``pyoxigraph.Store`` and its ``bulk_load`` (the engine's own limit: no union default graph,
  not one transaction);
* ``pyoxigraph+union``: the same, then the union default graph derived by one SPARQL update
  (``INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }``): the engine's own cost of the dataset tradekg keeps, in
  two transactions (not all or nothing);
* ``rdflib``: rdflib's ``Dataset.parse`` into its Memory store.

With ``--store disk`` the tradekg and pyoxigraph stores are directories (what ``tradekg load --store`` writes).

Usage::

    python -m benchmarks.load DATA.nq --tree new=. --tree old=/path/to/main --rounds 5 --json load.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path

engine, data, folder = sys.argv[1], Path(sys.argv[2]), sys.argv[3] or None


def rss_kib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


if engine == "tradekg":
    from tradekg.graph.load import load_files, open_store

    store = open_store(Path(folder) if folder else None, empty=True)
    load = lambda: load_files(store, [data], validate=False)
    size = lambda: len(store) + store.triple_count()  # the named graphs' quads and the union's
elif engine.startswith("pyoxigraph"):
    import pyoxigraph as ox

    store = ox.Store(folder) if folder else ox.Store()

    def load():
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        if engine.endswith("+union"):
            store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")

    size = lambda: len(store)
else:
    import rdflib

    dataset = rdflib.Dataset(default_union=True)
    load = lambda: dataset.parse(str(data), format="nquads")
    size = lambda: sum(1 for _ in dataset.quads((None, None, None, None)))
baseline = rss_kib("VmRSS")
wall, cpu = time.perf_counter(), time.process_time()
load()
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_mib": peak / 1024, "baseline_mib": baseline / 1024,
                  "quads": size()}))
"""


OTHERS = ["pyoxigraph", "pyoxigraph+union", "rdflib"]


def run_child(engine: str, data: Path, tree: Path, *, disk: bool, timeout: float) -> dict[str, float]:
    """One load in a child process whose ``tradekg`` and ``benchmarks`` come from ``tree``."""
    environment = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    with tempfile.TemporaryDirectory(prefix="load-bench-") as folder:
        store = str(Path(folder) / "store") if disk and engine != "rdflib" else ""
        done = subprocess.run(
            [sys.executable, "-c", CHILD, engine, str(data), store],
            cwd=folder,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}  # type: ignore[dict-item]
    return json.loads(done.stdout.strip().splitlines()[-1])


def medians_of(runs: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Each engine's median of every figure over its runs that did not fail."""
    medians = {}
    for name, results in runs.items():
        good = [result for result in results if "error" not in result]
        if good:
            medians[name] = {key: statistics.median(result[key] for result in good) for key in good[0]}
    return medians


def merge(paths: list[Path]) -> dict[str, object]:
    """The runs of several ``--json`` files (say one locked call each) as one result, medians over all of them."""
    parts = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    runs: dict[str, list[dict[str, float]]] = {}
    for part in parts:
        for name, results in part["runs"].items():
            runs.setdefault(name, []).extend(results)
    return {
        "data": parts[0]["data"],
        "store": parts[0]["store"],
        "rounds": sum(part["rounds"] for part in parts),
        "load_before": min(part["load_before"] for part in parts),
        "load_after": max(part["load_after"] for part in parts),
        "runs": runs,
        "medians": medians_of(runs),
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    """Every round; returns each engine's runs and medians, with the load average before and after."""
    trees = dict(tree.split("=", 1) for tree in args.tree)
    entries = [(f"tradekg@{label}", "tradekg", Path(path)) for label, path in trees.items() if not args.others_only]
    first_tree = Path(next(iter(trees.values())))
    entries += [(engine, engine, first_tree) for engine in args.others]
    runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in entries}
    load_before = os.getloadavg()[0]
    for number in range(args.rounds):
        for name, engine, tree in entries:
            if engine == "rdflib" and number >= args.rdflib_rounds:
                continue
            result = run_child(engine, args.data, tree, disk=args.store == "disk", timeout=args.timeout)
            runs[name].append(result)
            print(f"round {number + 1} {name}: {result}", file=sys.stderr, flush=True)
    return {
        "data": str(args.data),
        "store": args.store,
        "rounds": args.rounds,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "runs": runs,
        "medians": medians_of(runs),
    }


def render(results: dict[str, object]) -> str:
    """A Markdown table of the medians, with ratios to raw pyoxigraph and rdflib."""
    medians: dict[str, dict[str, float]] = results["medians"]  # type: ignore[assignment]
    raw, parser = medians.get("pyoxigraph"), medians.get("rdflib")
    header = "| engine | quads stored | runs | wall s | CPU s | peak MiB (baseline) | wall / raw | CPU / raw |"
    lines = [header + " rdflib wall / wall |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, median in medians.items():
        runs = len([run for run in results["runs"][name] if "error" not in run])  # type: ignore[index]
        versus_raw = (
            f"{median['wall_s'] / raw['wall_s']:.2f}x | {median['cpu_s'] / raw['cpu_s']:.2f}x" if raw else " | "
        )
        versus_rdflib = f"{parser['wall_s'] / median['wall_s']:.1f}x" if parser else ""
        lines.append(
            f"| {name} | {median['quads']:,.0f} | {runs} | {median['wall_s']:.2f} | {median['cpu_s']:.2f} | "
            f"{median['peak_mib']:,.0f} ({median['baseline_mib']:,.0f}) | {versus_raw} | {versus_rdflib} |"
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, nargs="?", help="the N-Quads file to load")
    parser.add_argument("--merge", type=Path, nargs="+", help="print the table of earlier --json files instead")
    parser.add_argument("--tree", action="append", default=[], help="LABEL=PATH of a tradekg tree (repeatable)")
    parser.add_argument("--others", nargs="*", default=["pyoxigraph", "rdflib"], choices=OTHERS)
    parser.add_argument("--others-only", action="store_true", help="run only --others (the first tree's Python path)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rdflib-rounds", type=int, default=3, help="rounds rdflib takes part in (it is slow)")
    parser.add_argument("--store", choices=["memory", "disk"], default="memory")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds one load may take")
    parser.add_argument("--json", type=Path, help="also write the results here")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Run the rounds and print the table."""
    args = build_parser().parse_args(argv)
    if args.merge:
        merged = merge(args.merge)
        print(render(merged))
        print(f"\nload average {merged['load_before']:.1f} to {merged['load_after']:.1f} over the runs")
        return
    if args.data is None:
        build_parser().error("give the N-Quads file to load, or --merge")
    if not args.tree:
        args.tree = [f"this={Path(__file__).resolve().parent.parent}"]
    results = run(args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(render(results))
    print(f"\nload average {results['load_before']:.1f} before, {results['load_after']:.1f} after")


if __name__ == "__main__":
    main()
