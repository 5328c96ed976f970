"""What the union default graph costs on disk and in memory: ``python -m benchmarks.union_cost FILE.nq``.

tradekg keeps the set union of the named graphs in Oxigraph's own default graph (see tradekg/store/embedded.py).
This loads the same N-Quads file twice, each in a child process of its own: as raw pyoxigraph holds it (the named
graphs only) and as tradekg holds it (the named graphs and their union), on disk (a RocksDB directory, optimized)
and in memory, and prints quads, directory size and the child's peak resident memory side by side.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def _directory_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def _child(kind: str, data: Path, directory: Path | None) -> dict[str, object]:
    """Load ``data`` as ``kind`` (``raw`` or ``tradekg``), in memory or in ``directory``; report sizes."""
    import pyoxigraph as ox

    from tradekg.store.embedded import OxigraphStore

    engine = ox.Store(str(directory)) if directory else ox.Store()
    engine.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    quads = len(engine)
    if kind == "tradekg":
        if directory is None:  # an in-memory store cannot be reopened: add the union as OxigraphStore does
            engine.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
            quads = len(engine)
        else:
            del engine
            store = OxigraphStore(directory)  # adds the union when it opens a directory without one
            quads = len(store) + store.triple_count()
            store.optimize()
            store.close()
    elif directory is not None:
        engine.optimize()
        del engine
    result: dict[str, object] = {
        "kind": kind,
        "where": "disk" if directory else "memory",
        "quads": quads,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if directory is not None:
        result["disk_mb"] = _directory_bytes(directory) / 2**20
    return result


def measure(data: Path) -> list[dict[str, object]]:
    """Both layouts, on disk and in memory, each in a fresh process (peak memory is a process's own)."""
    rows = []
    for where in ("memory", "disk"):
        for kind in ("raw", "tradekg"):
            with tempfile.TemporaryDirectory() as temporary:
                directory = Path(temporary) / "store" if where == "disk" else None
                command = [sys.executable, "-m", "benchmarks.union_cost", "--child", kind, str(data)]
                command += ["--directory", str(directory)] if directory else []
                output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
                rows.append(json.loads(output.strip().splitlines()[-1]))
                if directory is not None:
                    shutil.rmtree(directory, ignore_errors=True)
    return rows


def table(rows: list[dict[str, object]]) -> str:
    """The rows as a Markdown table."""
    lines = ["| store | where | quads | disk (MiB) | peak RSS (MiB) |", "|---|---|---:|---:|---:|"]
    for row in rows:
        disk = f"{row['disk_mb']:.0f}" if "disk_mb" in row else ""
        lines.append(f"| {row['kind']} | {row['where']} | {row['quads']:,} | {disk} | {row['peak_rss_mb']:.0f} |")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help="an N-Quads file (python -m benchmarks.generate ... --out FILE)")
    parser.add_argument("--child", choices=("raw", "tradekg"), help=argparse.SUPPRESS)
    parser.add_argument("--directory", type=Path, help=argparse.SUPPRESS)
    return parser


def main() -> None:
    args = build_parser().parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.data, args.directory)))
        return
    print(table(measure(args.data)))


if __name__ == "__main__":
    main()
