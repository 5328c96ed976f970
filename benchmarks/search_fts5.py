"""FTS5 alone at the size of the 10^7-quad index: what each choice of ``tradekg.search.text_search`` saves there.

    python -m benchmarks.search_fts5 [--measures 670000] [--runs 5] [--path FILE]

Builds (once, then reuses) an index of the same schema (:data:`tradekg.search.text_documents.SCHEMA_SQL`) with
documents shaped like the generator's: per measure a label "USA 25.3% tariff on HS 630110 (#123)" and the Tariff
class, a fifth with an exemption "Exemption from measure 123", and as many other documents without "tariff" (about
1.4 million documents at 670,000 measures, as the 10^7-quad graph). Exemptions are numbered among the measures, as
they come out of the store, unless ``--clustered``, which numbers them together as :func:`text_documents.rebuild`
does. No Oxigraph, no Python around FTS5: what the ranking window, the hits and the page add is the same at every
size. Prints Markdown: each query, the rows found, median ms.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from tradekg.search.text_documents import SCHEMA_SQL, kind_token, kind_words

TKG = "https://w3id.org/tradekg/ontology#"
FIRST = "SELECT rowid FROM docs WHERE docs MATCH ? LIMIT 1001"
COUNT = "SELECT count(*) FROM (SELECT rowid FROM docs WHERE docs MATCH ? LIMIT ?)"
TARIFF = '{names texts kinds} : ("tariff")'
QUERIES: tuple[tuple[str, str, tuple[object, ...]], ...] = (
    ("the first 1,001 matches of `tariff`", FIRST, (TARIFF,)),
    ("`tariff` counted up to 10,001", COUNT, (TARIFF, 10_001)),
    ("`tariff` counted exactly", COUNT, (TARIFF, -1)),
    ("`tariff` among exemptions", FIRST, (f'kinds : "{kind_token(TKG + "Exemption")}" AND {TARIFF}',)),
    ("`tarif` as an FTS5 prefix", FIRST, ('{names texts} : ("tarif"*)',)),
    ("`tarif` expanded into its words", FIRST, ('{names texts} : (("tariff" OR "tariffs"))',)),
    ("`tal` (in the prefix index)", FIRST, ('{names texts} : ("tal"*)',)),
)


def build(path: Path, measures: int, *, clustered: bool) -> None:
    """The synthetic index (deterministic), unless the file is there."""
    if path.exists():
        return
    rng = random.Random(1)
    tariff, exemption = (kind_token(TKG + c) + " " + kind_words(TKG + c) for c in ("Tariff", "Exemption"))
    measures_rows, exemptions = [], []
    for number in range(measures):
        label = f"USA {rng.randint(0, 1000) / 10}% tariff on HS {rng.randint(100000, 999999)} (#{number})"
        measures_rows.append((label, tariff))
        if rng.random() < 0.2:
            exemptions.append((len(measures_rows), (f"Exemption from measure {number}", exemption)))
    documents = list(measures_rows)
    if clustered:
        documents = [row for _, row in exemptions] + documents
    else:
        for place, row in reversed(exemptions):
            documents.insert(place, row)
    documents += [(f"product {number} other things", "product") for number in range(measures)]
    path.parent.mkdir(parents=True, exist_ok=True)
    database = sqlite3.connect(str(path), isolation_level=None)
    database.executescript(SCHEMA_SQL)
    database.execute("BEGIN")
    database.executemany("INSERT INTO documents(names, kinds) VALUES (?, ?)", documents)
    database.execute("INSERT INTO docs(docs) VALUES ('rebuild')")
    database.execute("COMMIT")
    database.close()


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--measures", type=int, default=670_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--path", type=Path, default=Path(tempfile.gettempdir()) / "tradekg-bench" / "fts5-synthetic.sqlite3"
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    results = {}
    for clustered in (False, True):
        path = args.path.with_name(f"{args.path.stem}-{args.measures}{'-clustered' if clustered else ''}.sqlite3")
        build(path, args.measures, clustered=clustered)
        database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        documents = database.execute("SELECT count(*) FROM documents").fetchone()[0]
        for label, sql, parameters in QUERIES:
            rows = database.execute(sql, parameters).fetchall()
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                database.execute(sql, parameters).fetchall()
                times.append((time.perf_counter() - started) * 1000)
            found = rows[0][0] if sql == COUNT else len(rows)
            results.setdefault(label, []).append((found, statistics.median(times)))
        database.close()
    print(f"\n{documents:,} documents ({args.measures:,} measures), median of {args.runs} runs after a warm-up\n")
    print("| query | found | ms, exemptions numbered among the measures | ms, numbered class by class |")
    print("| --- | ---: | ---: | ---: |")
    for label, ((found, mixed), (_, clustered)) in results.items():
        print(f"| {label} | {found:,} | {mixed:.1f} | {clustered:.1f} |")


if __name__ == "__main__":
    main()
