"""Time the linked-data pages on the bundled graph, through the Flask test client (no HTTP).

    python -m benchmarks.pages [--runs 50]

Prints a Markdown table: median and p95 per page. The target of issue 3 is a resource page in under 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time

from tradekg.graph.load import open_store
from tradekg.server import create_app

PAGES = (
    "/",
    "/page/country/JPN",
    "/page/measure/usa-blanket-tariff",
    "/page/exemption/usa-blanket-tariff-can",
    "/data/country/JPN.ttl",
    "/class/Tariff",
    "/search?q=japan",
    "/timeline",
    "/ontology",
    "/void",
)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def measure(runs: int) -> list[tuple[str, int, float, float]]:
    """Each page's status, median and p95 in milliseconds over ``runs`` requests after one warm-up."""
    app = create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": open_store()})
    client = app.test_client()
    rows = []
    for path in PAGES:
        status = client.get(path).status_code  # warm-up: caches of labels and vocabulary
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        rows.append((path, status, statistics.median(times), percentile(times, 0.95)))
    return rows


def table(rows: list[tuple[str, int, float, float]]) -> str:
    """The measurements as a Markdown table."""
    lines = ["| page | status | median ms | p95 ms |", "|---|---|---|---|"]
    lines += [f"| `{path}` | {status} | {median:.2f} | {p95:.2f} |" for path, status, median, p95 in rows]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description="Time the linked-data pages on the bundled graph.")
    parser.add_argument("--runs", type=int, default=50)
    return parser


def main() -> None:
    """Run the page timings and print the table."""
    print(table(measure(build_parser().parse_args().runs)))


if __name__ == "__main__":
    main()
