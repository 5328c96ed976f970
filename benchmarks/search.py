"""Time search by words on a generated graph: the FTS5 index beside the former label-substring SPARQL search.

    python -m benchmarks.search --measures 65000 [--runs 15] [--workdir /tmp/tradekg-bench]

Loads the generated graph (with the bundled one appended, as ``benchmarks.run`` does) into an in-memory store,
builds the index (timed), then times each search of :data:`SEARCHES` (count, facets over every match and the first
50 hits with labels, types and snippets) and, side by side in the same process, the SPARQL ``CONTAINS`` search over
labels that ``/search`` ran before the index (one word only: it cannot match words in any order). Prints Markdown:
median and p95 in milliseconds, and the hits found. Also times the index following a 100-label write.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from benchmarks.pages import percentile
from benchmarks.run import dataset
from tradekg.graph.load import DATA_GRAPHS_FILTER, load_files, open_store
from tradekg.graph.store import TradeStore
from tradekg.graph.text_search import TextIndex

SEARCHES: tuple[tuple[str, str | None], ...] = (
    ("japan tariff", None),
    ("tariff", None),
    ("tariff", "https://w3id.org/tradekg/ontology#Exemption"),
    ("usa 25", None),
    ("hs 6301", None),
    ("akazawa", None),
    ("tal", None),
    ("zanzibar", None),
)
"""(text, class) pairs: a phrase across fields, the commonest word (every measure), one with a facet picked, a
number, a heading, a rare name, a short prefix, and a word found nowhere."""

LABEL_SUBSTRING = """SELECT ?s (SAMPLE(?text) AS ?label) WHERE {{
    GRAPH ?g {{
        VALUES ?p {{ rdfs:label skos:prefLabel skos:altLabel dcterms:title skos:notation tkg:iso3166Alpha3 }}
        ?s ?p ?text .
    }}
    {graphs}
    FILTER(isIRI(?s) && CONTAINS(LCASE(STR(?text)), {needle}))
}} GROUP BY ?s ORDER BY STRLEN(STR(?label)) LCASE(STR(?label)) LIMIT 50"""
"""The search ``/search`` ran before the index (``tradekg.graph.index.search``, its first query)."""


def timed(work: Callable[[], object], runs: int) -> tuple[float, float, object]:
    """Median and p95 in milliseconds over ``runs`` calls after one warm-up, and the last result."""
    result = work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), percentile(times, 0.95), result


def substring_search(store: TradeStore, text: str) -> int:
    """The former label search; returns how many hits (at most 50)."""
    needle = ox.Literal(text.strip().lower())
    answer = store.query(LABEL_SUBSTRING.format(graphs=DATA_GRAPHS_FILTER, needle=needle))
    return sum(1 for _ in answer)  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measures", type=int, default=65_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tradekg-bench"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    path, quads = dataset(args.measures, args.seed, args.workdir)
    store = open_store(empty=True)  # the ontology and shapes: the generated file repeats them, a set keeps one
    started = time.perf_counter()
    load_files(store, [path], validate=False)
    print(f"loaded {len(store):,} quads in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    index = TextIndex(store)
    started = time.perf_counter()
    index.ensure()
    built = time.perf_counter() - started
    documents = index._conn().execute("SELECT count(*) FROM docs").fetchone()[0]
    print(f"\n{len(store):,} quads; index of {documents:,} resources built in {built:.1f} s\n")
    print("| search | class | matches | index median ms | index p95 ms | label substring median ms | substring hits |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    ours = [timed(lambda t=text, c=class_iri: index.search(t, class_iri=c), args.runs) for text, class_iri in SEARCHES]
    theirs = [  # after ours, so that the heavy SPARQL scans do not disturb the index's timings
        timed(lambda t=text: substring_search(store, t), max(3, args.runs // 3)) if class_iri is None else None
        for text, class_iri in SEARCHES
    ]
    for (text, class_iri), (median, p95, answer), old in zip(SEARCHES, ours, theirs, strict=True):
        kind = class_iri.rsplit("#", 1)[-1] if class_iri else ""
        before = f"{old[0]:.1f} | {old[2]}" if old else "n/a | "
        print(f"| `{text}` | {kind} | {answer.total:,} | {median:.1f} | {p95:.1f} | {before} |")  # type: ignore[attr-defined]
    writes = [
        ox.Quad(
            ox.NamedNode(f"https://w3id.org/tradekg/id/measure/m{number}"),
            ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
            ox.Literal(f"renamed measure {number}", language="en"),
            ox.NamedNode("https://w3id.org/tradekg/id/graph/synthetic-renames"),
        )
        for number in range(100)
    ]
    started = time.perf_counter()
    index.changed((), writes)
    print(f"\nfollowing a write touching 100 resources: {(time.perf_counter() - started) * 1000:.1f} ms")
    print(f"load average during the run (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
