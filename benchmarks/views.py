"""Time the domain views on a synthetic graph through the Flask test client (no HTTP), medians of several runs.

    python -m benchmarks.views [--measures 65000] [--instances 1000000] [--runs 7] [--workdir .bench-views]

Two parts, printed as Markdown tables:

* **Pages at 10^6 quads**: a country's page (its duties on a day, the map, the timeline), a measure's page and
  the map, on the generator's graph of ``--measures`` tariff lines (65,000 make about 10^6 quads; ``generate.py``).
* **Class pages deep in 10^6 instances**: a graph of ``--instances`` labelled resources of one class, and the
  label order's pages at growing depths, reached by key (``?after=``, the page's own link) and, beside them, by
  ``OFFSET`` (``?offset=``, what the pager did before), both answered by the same server in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from flask.testing import FlaskClient

from benchmarks.generate import write_nquads
from tradekg.graph.load import load_files, open_store
from tradekg.graph.store import TradeStore
from tradekg.server import create_app

DAY = "2025-05-15"
PAGES = (
    "/page/country/ABW?date=" + DAY,  # a country named by few tariffs (but facing every tariff on all countries)
    "/page/country/JPN?date=" + DAY,  # one of the generator's most targeted countries
    "/page/country/USA?date=" + DAY,  # the generator's first imposer: its map is drawn too
    "/page/measure/m1?date=" + DAY,
    "/map?imposer=USA&date=" + DAY,
)
CLASS = "https://w3id.org/tradekg/ontology#ProductCategory"


def median_ms(client: FlaskClient, path: str, runs: int) -> tuple[int, float]:
    """The status and median time of ``runs`` requests after one warm-up."""
    status = client.get(path).status_code
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return status, statistics.median(times)


def _client(store: TradeStore) -> FlaskClient:
    return create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": store}).test_client()


def pages(measures: int, runs: int, workdir: Path) -> tuple[int, list[tuple[str, int, float]]]:
    """The store's size and each page's status and median time."""
    path = workdir / f"views-{measures}.nq"
    if not path.exists():
        write_nquads(measures, path, seed=1)
    store = open_store(None)
    load_files(store, [path], validate=False)
    client = _client(store)
    return len(store), [(page, *median_ms(client, page, runs)) for page in PAGES]


def write_instances(count: int, path: Path) -> None:
    """``count`` labelled product categories in one named graph (two quads each)."""
    graph = "<https://w3id.org/tradekg/id/graph/bench-instances>"
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            node = f"<https://w3id.org/tradekg/id/product/bench-{number:07d}>"
            out.write(f"{node} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{CLASS}> {graph} .\n")
            out.write(f'{node} <http://www.w3.org/2000/01/rdf-schema#label> "Category {number:07d}"@en {graph} .\n')


def class_pages(count: int, runs: int, workdir: Path) -> list[tuple[int, float, float]]:
    """For pages at growing depths: the depth, the median time by key and by offset."""
    path = workdir / f"instances-{count}.nq"
    if not path.exists():
        write_instances(count, path)
    store = open_store(None, empty=True)
    load_files(store, [path], validate=False)
    client = _client(store)
    rows = []
    for depth in (0, count // 10, count // 2, count - 100):
        cursor = f"https://w3id.org/tradekg/id/product/bench-{depth - 1:07d}" if depth else ""
        by_key = "/class/ProductCategory?limit=50" + (f"&after={cursor}" if cursor else "")
        by_offset = f"/class/ProductCategory?limit=50&offset={depth}"
        rows.append((depth, median_ms(client, by_key, runs)[1], median_ms(client, by_offset, runs)[1]))
    return rows


def main() -> None:
    """Run both parts and print their tables."""
    parser = argparse.ArgumentParser(description="Time the domain views and the class pages at 10^6.")
    parser.add_argument("--measures", type=int, default=65000)
    parser.add_argument("--instances", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path(".bench-views"))
    parser.add_argument("--parts", nargs="+", choices=("pages", "classes"), default=["pages", "classes"])
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if "pages" in args.parts:
        size, timed = pages(args.measures, args.runs, args.workdir)
        print(f"Pages, {args.measures:,} measures ({size:,} quads), median of {args.runs} runs:\n")
        print("| page | status | median ms |\n|---|---|---|")
        for page, status, ms in timed:
            print(f"| `{page}` | {status} | {ms:.1f} |", flush=True)
    if "classes" not in args.parts:
        return
    print(f"\nClass pages, {args.instances:,} instances, 50 a page, median of {args.runs} runs:\n")
    print("| first row of the page | by key (`after=`) ms | by offset (`offset=`) ms |\n|---|---|---|")
    for depth, by_key, by_offset in class_pages(args.instances, args.runs, args.workdir):
        print(f"| {depth:,} | {by_key:.1f} | {by_offset:.1f} |", flush=True)


if __name__ == "__main__":
    main()
