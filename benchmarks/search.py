"""Time search by words on a generated graph: the FTS5 index beside the former label-substring SPARQL search.

    python -m benchmarks.search --measures 65000 [--runs 50] [--workdir DIR] [--http | --http-only | --prepare]
    python -m benchmarks.search --measures 670000 --serve-only    # then, under the lock:
    python -m benchmarks.search --measures 670000 --http-only --attach PORT --attach-pid PID

The generated graph (with the bundled one appended, as ``benchmarks.run`` does) is bulk-loaded once into an
on-disk Oxigraph store under ``--workdir`` (reused afterwards, as ``tradekg serve --store`` would use it), and its
index file beside it is built (timed, with its size) unless an up-to-date one is there (``--prepare`` does only
this, so that building is not timed under the shared benchmark lock). Then, in one process:

- each search of :data:`SEARCHES`, run by :meth:`TextIndex.search` (the total, the kinds, one page of 50 hits with
  labels, kinds and snippets: everything the page shows), median and p99 in milliseconds;
- side by side, the SPARQL ``CONTAINS`` search over labels that ``/search`` ran before the index (fewer runs: it
  is slow), for the searches without a kind picked, until ``--baseline-budget`` seconds are spent;
- the cost of keeping the index current: a write of :data:`WRITTEN` labels committed through the store, the
  index's ``on_commit`` listener timed apart from the commit, then the same write taken back.

With ``--http``, ``tradekg serve --store`` then answers ``/search`` over HTTP (the HTML page and its JSON view,
``?format=json``), one keep-alive connection, median and p99 per search, and the CPU time the server's processes
took per request (read from ``/proc``: what the machine's load does not change). The server builds or opens the
index in the background at start: how many searches answered 503 (being built) and when it first answered are
printed. Prints Markdown and the load average.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from benchmarks.pages import percentile
from benchmarks.run import dataset
from benchmarks.servers import ROOT, Server, descendants, free_port, stop, wait_ready
from tradekg.graph.load import DATA_GRAPHS_FILTER, open_store
from tradekg.search.text_search import SearchAnswer, TextIndex, index_path
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore

TKG = "https://w3id.org/tradekg/ontology#"
SEARCHES: tuple[tuple[str, str | None, str], ...] = (
    ("akazawa", None, "a rare name"),
    ("zanzibar", None, "a word found nowhere"),
    ("japan tariff", None, "two words, in no label side by side"),
    ("usa 25", None, "two words, one a number"),
    ("hs 6301", None, "a heading"),
    ("tal", None, "a short prefix (no word is tal)"),
    ("tarif jap", None, "two prefixes"),
    ("exemption", None, "a common word (a fifth of the measures)"),
    ("tariff", None, "the commonest word (every measure)"),
    ("tariff", TKG + "Exemption", "the commonest word, a rare kind picked"),
    ("tariff", TKG + "Tariff", "the commonest word, the commonest kind picked"),
)
"""(text, kind picked, what it stands for)."""
WRITTEN = 10
"""Resources whose labels one timed write changes (the size of the write workload's writes)."""

LABEL_SUBSTRING = """SELECT ?s (SAMPLE(?text) AS ?label) WHERE {{
    GRAPH ?g {{
        VALUES ?p {{ rdfs:label skos:prefLabel skos:altLabel dcterms:title skos:notation tkg:iso3166Alpha3 }}
        ?s ?p ?text .
    }}
    {graphs}
    FILTER(isIRI(?s) && CONTAINS(LCASE(STR(?text)), {needle}))
}} GROUP BY ?s ORDER BY STRLEN(STR(?label)) LCASE(STR(?label)) LIMIT 50"""
"""The search ``/search`` ran before the index (``tradekg.linkeddata.index.search``, its first query)."""


def timed(work: Callable[[], object], runs: int) -> tuple[float, float, object]:
    """Median and p99 in milliseconds over ``runs`` calls after one warm-up, and the last result."""
    median, p99, _, result = timed_with_cpu(work, runs)
    return median, p99, result


def timed_with_cpu(work: Callable[[], object], runs: int) -> tuple[float, float, float, object]:
    """Median and p99 wall-clock milliseconds, median CPU milliseconds of this process, and the last result.

    The CPU time is what the machine's load does not change: on a shared machine a search waits for a core too.
    """
    result = work()
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(times), percentile(times, 0.99), statistics.median(cpu), result


def substring_search(store: TradeStore, text: str) -> int:
    """The former label search; returns how many hits (at most 50)."""
    needle = ox.Literal(text.strip().lower())
    answer = store.query(LABEL_SUBSTRING.format(graphs=DATA_GRAPHS_FILTER, needle=needle))
    return sum(1 for _ in answer)  # type: ignore[union-attr]


def prepared_store(data: Path, workdir: Path) -> Path:
    """The on-disk store holding ``data``: bulk-loaded once (as for ``tradekg serve --store``), then reused.

    The union default graph is bulk-loaded too (:func:`bulk_load_with_union`): ``OxigraphStore`` would otherwise
    build it in one SPARQL transaction, which at 10^7 quads ran for more than an hour and held over 8 GB.
    """
    directory = workdir / "search-stores" / f"{data.stem}-store"
    if not directory.exists():
        partial = directory.with_name(directory.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        bulk_load_with_union(data, partial)
        partial.rename(directory)
        print(f"store bulk-loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return directory


def bulk_load_with_union(data: Path, directory: Path) -> None:
    """Bulk-load N-Quads into a new store, and every triple of them into its default graph (the union)."""
    store = ox.Store(str(directory))
    default = ox.DefaultGraph()
    store.bulk_extend(  # parsed once: a blank node gets a new name at every parse
        added
        for quad in ox.parse(path=str(data), format=ox.RdfFormat.N_QUADS)
        for added in (quad, ox.Quad(quad.subject, quad.predicate, quad.object, default))
    )
    del store
    opened = OxigraphStore(directory)  # finds the union there: nothing to build
    opened.optimize()
    opened.close()


class TimedIndex(TextIndex):
    """The index, with the time its ``on_commit`` listener takes recorded."""

    def __init__(self, store: TradeStore, path: Path | None) -> None:
        super().__init__(store, path)
        self.listener_ms: list[float] = []

    def changed(self, removed: Collection[Any], added: Collection[Any]) -> None:
        started = time.perf_counter()
        super().changed(removed, added)
        self.listener_ms.append((time.perf_counter() - started) * 1000)


def relabelled(count: int, serial: int) -> list[ox.Quad]:
    """Labels for ``count`` generated measures, in a graph of their own."""
    return [
        ox.Quad(
            ox.NamedNode(f"https://w3id.org/tradekg/id/measure/m{number}"),
            ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
            ox.Literal(f"renamed measure {number} wombat{serial}", language="en"),
            ox.NamedNode("https://w3id.org/tradekg/id/graph/synthetic-renames"),
        )
        for number in range(serial * count, (serial + 1) * count)
    ]


def following(store: TradeStore, index: TimedIndex, runs: int) -> tuple[float, float, float, float]:
    """Writes of :data:`WRITTEN` labels, each taken back after: (commit median, p99, listener median, p99) in ms."""
    commits = []
    index.listener_ms.clear()
    for serial in range(runs):
        quads = relabelled(WRITTEN, serial)
        started = time.perf_counter()
        store.add_quads(quads)
        commits.append((time.perf_counter() - started) * 1000)
        if index.search(f"wombat{serial}").total != WRITTEN:
            raise AssertionError("the index did not follow the write")
        with store.writing():
            store.apply(quads, ())
    listener = index.listener_ms[0::2]  # the writes (every other call is the write taken back)
    return (
        statistics.median(commits),
        percentile(commits, 0.99),
        statistics.median(listener),
        percentile(listener, 0.99),
    )


def prepare_index(directory: Path, *, rebuild: bool) -> None:
    """Build the index file beside the store (or check that the one there is current), timed: preparation."""
    store = open_store(directory, validate=False)
    path = index_path(store)
    assert path is not None
    if rebuild and path.exists():
        path.unlink()
    index = TextIndex(store, path)
    started, started_cpu = time.perf_counter(), time.process_time()
    index.ensure()
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    documents = index._conn().execute("SELECT count(*) FROM documents").fetchone()[0]
    index.close()
    store.close()
    size = path.stat().st_size / 2**20
    print(f"index of {documents:,} resources, {size:,.0f} MiB, opened or built in {wall:.1f} s ({cpu:.1f} s of CPU)")


def in_process(directory: Path, args: argparse.Namespace) -> None:
    """Build (or reuse) the index, time every search, the former search and following writes; print Markdown."""
    store = open_store(directory, validate=False)
    path = index_path(store)
    assert path is not None
    if args.rebuild and path.exists():
        path.unlink()
    index = TimedIndex(store, path)
    started = time.perf_counter()
    index.ensure()
    opened = time.perf_counter() - started
    documents = index._conn().execute("SELECT count(*) FROM documents").fetchone()[0]
    size = path.stat().st_size / 2**20
    print(f"\n{len(store):,} quads; index of {documents:,} resources, {size:,.0f} MiB, opened in {opened:.1f} s")
    print("(opening builds it when no up-to-date index file is there; `--rebuild` forces that)\n")
    print(
        "| search | kind picked | matches | index p50 ms | index p99 ms | index CPU p50 ms"
        " | label substring p50 ms | substring hits |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    ours = [
        timed_with_cpu(lambda t=text, c=kind: index.search(t, class_iri=c), args.runs) for text, kind, _ in SEARCHES
    ]
    theirs = baseline(store, args)  # after ours, so that the heavy SPARQL scans do not disturb the index's timings
    for (text, kind, _), (median, p99, cpu, answer), old in zip(SEARCHES, ours, theirs, strict=True):
        before = f"{old[0]:.1f} | {old[2]}" if old else "n/a | "
        row = f"| `{text}` | {short(kind)} | {matches(answer)} | {median:.1f} | {p99:.1f} | {cpu:.1f} | {before} |"  # type: ignore[arg-type]
        print(row)
    commit, commit_p99, listener, listener_p99 = following(store, index, args.write_runs)
    print(
        f"\nA write of {WRITTEN} labels committed through the store, {args.write_runs} times: the commit with its"
        f" listeners p50 {commit:.1f} ms (p99 {commit_p99:.1f}); the index's on_commit listener alone p50"
        f" {listener:.1f} ms (p99 {listener_p99:.1f})."
    )
    index.close()
    store.close()


def baseline(store: TradeStore, args: argparse.Namespace) -> list[tuple[float, float, object] | None]:
    """The former search timed for each search without a kind, until ``--baseline-budget`` seconds are spent."""
    results: list[tuple[float, float, object] | None] = []
    deadline = time.perf_counter() + args.baseline_budget
    for text, kind, _ in SEARCHES:
        due = kind is None and args.baseline_runs and time.perf_counter() < deadline
        results.append(timed(lambda t=text: substring_search(store, t), args.baseline_runs) if due else None)
    return results


def short(kind: str | None) -> str:
    return kind.rsplit("#", 1)[-1] if kind else ""


def matches(answer: SearchAnswer) -> str:
    return f"more than {answer.total:,}" if answer.total_is_lower_bound else f"{answer.total:,}"


def serve_for_search(directory: Path) -> None:
    """``--serve-only``: start ``tradekg serve --store`` and print its port and process id until Ctrl-C (or SIGTERM).

    Starting a server at 10^7 quads (opening the store, reopening the index) is preparation: run this without the
    shared lock under ``nice -n 19``, then time it with ``--attach PORT --attach-pid PID`` under the lock.
    """
    port = free_port()
    command = [sys.executable, "-m", "tradekg", "serve", "--store", str(directory), "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        wait_ready(Server("tradekg", command, "/sparql", port), process, ready_timeout=3600)
        print(f"serving on port {port}, process {process.pid}", flush=True)
        process.wait()
    finally:
        stop(process)


def over_http(directory: Path, args: argparse.Namespace) -> None:
    """``tradekg serve --store`` answering ``/search`` (HTML, then JSON): median and p99 per search.

    With ``args.attach`` (a port), the server a ``--serve-only`` run started is timed instead (``args.attach_pid``
    is its process, for the CPU it takes).
    """
    process: subprocess.Popen[bytes] | None = None
    started = time.perf_counter()
    if args.attach:
        port, pid = args.attach, args.attach_pid
    else:
        port = free_port()
        command = [sys.executable, "-m", "tradekg", "serve", "--store", str(directory), "--port", str(port)]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        pid = process.pid
        wait_ready(Server("tradekg", command, "/sparql", port), process, ready_timeout=600)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        ready, first, building = index_ready(connection, started)
        print(
            f"\nServer ready {time.perf_counter() - started:.1f} s after start (it opened the store); the first"
            f" `/search` answered in {first:.1f} ms; {building} searches answered 503 (index being built) until"
            f" the index answered, {ready:.1f} s after start."
            + (" (An attached server: these count from this run's start, not the server's.)" if args.attach else "")
        )
        print(
            "\n| search | kind picked | `/search` p50 ms | p99 ms | server CPU ms"
            " | `/search?format=json` p50 ms | p99 ms | server CPU ms |"
        )
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for text, kind, _ in SEARCHES:
            query = {"q": text, **({"type": short(kind)} if kind else {})}
            cells = []
            for extra in ({}, {"format": "json"}):
                target = "/search?" + urllib.parse.urlencode({**query, **extra})
                get(connection, target)  # warm-up, outside the CPU count
                before = cpu_seconds(pid)
                median, p99, _ = timed(lambda t=target: get(connection, t), args.runs)
                cpu = (cpu_seconds(pid) - before) * 1000 / (args.runs + 1)  # timed() warms up once more
                cells.append(f"{median:.1f} | {p99:.1f} | {cpu:.1f}")
            print(f"| `{text}` | {short(kind)} | {' | '.join(cells)} |")
        connection.close()
    finally:
        if process is not None:
            stop(process)


def index_ready(connection: http.client.HTTPConnection, started: float) -> tuple[float, float, int]:
    """Search until the index answers (``tradekg serve`` builds it in the background when it is not current).

    Returns the seconds from ``started`` until it answered, the milliseconds the first search took, and how many
    searches answered 503 (being built) before.
    """
    building, first = 0, None
    while True:
        before = time.perf_counter()
        connection.request("GET", "/search?q=tariff&format=json")
        response = connection.getresponse()
        response.read()
        first = first if first is not None else (time.perf_counter() - before) * 1000
        if response.status == 200:
            return time.perf_counter() - started, first, building
        if response.status != 503:
            raise RuntimeError(f"/search answered {response.status}")
        building += 1
        time.sleep(1)


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) taken so far by a process's descendants: the serving process and workers."""
    ticks = 0
    for below in descendants(pid):
        try:
            fields = Path(f"/proc/{below}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def get(connection: http.client.HTTPConnection, target: str) -> bytes:
    """One GET on a kept-alive connection; fails unless it answers 200."""
    connection.request("GET", target)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {target} answered {response.status}")
    return body


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--measures", type=int, default=65_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=50, help="timed runs of each search (after a warm-up)")
    parser.add_argument("--baseline-runs", type=int, default=3, help="timed runs of the former search (0: skip)")
    parser.add_argument(
        "--baseline-budget", type=float, default=120, help="seconds after which the former search is no longer run"
    )
    parser.add_argument("--write-runs", type=int, default=20, help="timed writes")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "tradekg-bench")
    parser.add_argument("--rebuild", action="store_true", help="build the index anew (timed)")
    parser.add_argument(
        "--prepare", action="store_true", help="only bulk-load the store and build its index (timed), outside the lock"
    )
    parser.add_argument("--http", action="store_true", help="also time /search through tradekg serve")
    parser.add_argument(
        "--http-only", action="store_true", help="only time /search through tradekg serve (a run split in two)"
    )
    parser.add_argument("--serve-only", action="store_true", help="start tradekg serve on the store and wait (no lock)")
    parser.add_argument("--attach", type=int, metavar="PORT", help="with --http-only: time a --serve-only server")
    parser.add_argument("--attach-pid", type=int, default=0, help="the attached server's process id (for its CPU)")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    data, _ = dataset(args.measures, args.seed, args.workdir)
    directory = prepared_store(data, args.workdir)
    print(f"load average before (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.prepare:
        prepare_index(directory, rebuild=args.rebuild)
        return
    if args.serve_only:
        serve_for_search(directory)
        return
    if not args.http_only:
        in_process(directory, args)
    if args.http or args.http_only:
        over_http(directory, args)
    print(f"\nload average after (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
