"""Time the domain views on a synthetic graph through the Flask test client (no HTTP), medians of several runs.

    python -m benchmarks.views [--measures 65000] [--instances 1000000] [--runs 7] [--workdir .bench-views]
        [--pages ABW map] [--after-write] [--warm] [--save-views] [--no-bundled]
        [--store DIR] [--instances-store DIR] [--parts pages http classes]

Two parts, printed as Markdown tables:

* **Pages at 10^6 quads**: a country's page (its duties on a day, the map, the timeline), a measure's page and
  the map, on the generator's graph of ``--measures`` tariff lines (65,000 make about 10^6 quads; ``generate.py``)
  and the bundled graph (its reference data gives the maps their countries; ``--no-bundled`` leaves it out). Each
  table says how many countries each page's map draws.
* **The same pages over HTTP** (``--parts http``, with ``--store``): through ``tradekg serve`` on a free port of
  127.0.0.1, each request on a new connection.
* **Class pages deep in 10^6 instances**: a graph of ``--instances`` labelled and (nine in ten) dated events, and
  pages at growing depths in label order and in date order (``?sort=date``), reached by key (``?after=``, the
  page's own link) and, beside them, by ``?offset=``, all answered by the same application in the same run.

Each figure is the median and the 99th percentile of ``--runs`` requests after a warm-up (the warm-up builds the
summaries kept on write). ``--store`` and ``--instances-store`` keep each graph in a persistent store directory
(bulk-loaded once, then reused), so that repeated runs at 10^6 skip the load. ``--save-views`` ends a run by saving
the views' summaries beside the store (:mod:`tradekg.views.on_disk`, as ``tradekg serve`` does): the next run on
the same store times first views that take them from that file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from flask.testing import FlaskClient

from benchmarks.generate import write_nquads
from benchmarks.servers import Server, free_port, start, stop, wait_ready
from tradekg.gate.writes import apply_update
from tradekg.graph.load import load_files, open_store
from tradekg.linkeddata.class_index import class_index
from tradekg.server import create_app
from tradekg.store.interface import TradeStore
from tradekg.views.on_disk import save
from tradekg.views.warm import warm_up
from tradekg.views.worldmap import countries_by_code

DAY = "2025-05-15"
PAGES = (
    "/page/country/ABW?date=" + DAY,  # a country named by few tariffs (but facing every tariff on all countries)
    "/page/country/JPN?date=" + DAY,  # one of the generator's most targeted countries
    "/page/country/USA?date=" + DAY,  # the generator's first imposer: its map is drawn too
    "/page/country/CHN?date=" + DAY,  # a big imposer and target both
    "/page/measure/m1?date=" + DAY,
    "/map?imposer=USA&date=" + DAY,
)
CLASS = "https://w3id.org/tradekg/ontology#Event"
DATE = "https://w3id.org/tradekg/ontology#date"


FIRST_MS: dict[str, float] = {}
"""The time of the first request of each path timed last: after a start, it builds what is kept until a write."""
AFTER_WRITE_MS: dict[str, float] = {}
"""The time of each path's first request after a write (a new rate on one of Japan's measures), when measured."""
P90_MS: dict[str, float] = {}
"""The 90th percentile of each path timed last."""

MAP_COUNTRIES: dict[str, int] = {}
"""How many countries the world map of each path timed last draws (0: no map, or a store without countries)."""

CPU_MEDIANS: dict[str, float] = {}
"""The median CPU time of this process per path timed last (``time.process_time``): on a loaded machine, the part
of a request's wall-clock time spent computing rather than waiting for a core."""


def timed_ms(client: FlaskClient, path: str, runs: int) -> tuple[int, float, float]:
    """The status, median and 99th percentile time of ``runs`` requests after one warm-up (CPU in CPU_MEDIANS).

    The warm-up's time is kept in FIRST_MS, the 90th percentile in P90_MS.
    """
    started = time.perf_counter()
    response = client.get(path)
    FIRST_MS[path] = (time.perf_counter() - started) * 1000
    status = response.status_code
    MAP_COUNTRIES[path] = map_countries(response.get_data(as_text=True))
    times, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    p99 = statistics.quantiles(times, n=100, method="inclusive")[98] if len(times) > 1 else times[0]
    P90_MS[path] = statistics.quantiles(times, n=10, method="inclusive")[8] if len(times) > 1 else times[0]
    CPU_MEDIANS[path] = statistics.median(cpu)
    return status, statistics.median(times), p99


def median_ms(client: FlaskClient, path: str, runs: int) -> tuple[int, float]:
    """The status and median time of ``runs`` requests after one warm-up."""
    status, median, _ = timed_ms(client, path, runs)
    return status, median


def persistent_store(data: Path, directory: Path) -> TradeStore:
    """A store in ``directory`` holding ``data``, bulk-loaded the first time (as ``oxigraph load`` does)."""
    if not directory.exists():
        bulk = ox.Store(str(directory))
        bulk.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        del bulk
    return open_store(directory)


def _client(store: TradeStore) -> FlaskClient:
    return create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": store}).test_client()


JAPANESE_MEASURE = (
    "SELECT ?m ?r WHERE { ?m tkg:imposedBy <https://w3id.org/tradekg/id/country/JPN> ; tkg:ratePercent ?r }"
    " ORDER BY ?m LIMIT 1"
)


def after_write(client: FlaskClient, store: TradeStore, path: str) -> float:
    """The time of ``path``'s first request after a validated write: a new rate on one of Japan's measures."""
    found = store.select(JAPANESE_MEASURE)[0]
    measure, rate = found["m"], (float(found["r"]) + 1) % 100  # never the rate it has: a write that changes it
    apply_update(
        store,
        f"DELETE {{ GRAPH ?g {{ <{measure}> tkg:ratePercent ?r }} }}"
        f" INSERT {{ GRAPH ?g {{ <{measure}> tkg:ratePercent {rate} }} }}"
        f" WHERE {{ GRAPH ?g {{ <{measure}> tkg:ratePercent ?r }} }}",
    )
    started = time.perf_counter()
    client.get(path)
    return (time.perf_counter() - started) * 1000


def pages(
    measures: int,
    runs: int,
    workdir: Path,
    *,
    store_dir: Path | None = None,
    writes: bool = False,
    only: tuple[str, ...] = (),
    warm: bool = False,
    save_views: bool = False,
    bundled: bool = True,
) -> tuple[int, list[tuple[str, int, float, float]]]:
    """The store's size and each page's status, median and 99th percentile time (after a write, with ``writes``).

    ``only``: the pages whose address holds one of these strings (all by default), so that one process measures
    a few pages within a time limit. ``bundled``: see :func:`pages_store`. The countries each page's map draws
    are in MAP_COUNTRIES.
    """
    chosen = [page for page in PAGES if not only or any(part in page for part in only)]
    store = pages_store(measures, workdir, store_dir, bundled=bundled)
    try:
        client = _client(store)
        if warm:  # as tradekg serve does at start
            print(f"warmed up in {warm_up(store):.1f} s", file=sys.stderr, flush=True)
        timed = []
        for page in chosen:  # each as it comes: a run stopped by its time limit still says what it measured
            timed.append((page, *timed_ms(client, page, runs)))
            print(
                f"timed {page}: first {FIRST_MS[page]:.0f} ms, p50 {timed[-1][2]:.1f} ms,"
                f" {MAP_COUNTRIES.get(page, '-')} countries on its map",
                file=sys.stderr,
                flush=True,
            )
        if writes:
            for page in chosen:
                AFTER_WRITE_MS[page] = after_write(client, store, page)
                print(f"after a write {page}: {AFTER_WRITE_MS[page]:.0f} ms", file=sys.stderr, flush=True)
        if save_views:
            started = time.perf_counter()
            print(f"views saved: {save(store)} in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        return len(store), timed
    finally:
        store.close()


def pages_store(measures: int, workdir: Path, store_dir: Path | None, *, bundled: bool = True) -> TradeStore:
    """The store the pages are timed on: the generator's ``measures`` tariff lines and, with ``bundled``, the bundled
    graph (the curated files and the reference data: every ISO 3166-1 country with its numeric code, which the maps
    need to draw a country; the generator writes none).

    ``store_dir`` (made if missing, reused as it is otherwise) keeps the store on disk; ``None``: in memory. A
    store whose map would draw fewer than :data:`FEW_COUNTRIES` countries is named on stderr: its map pages measure
    an empty map.
    """
    if store_dir is not None and store_dir.exists():
        store = open_store(store_dir)
    else:
        path = workdir / f"views-{measures}.nq"
        if not path.exists():
            write_nquads(measures, path, seed=1)
        store = open_store(store_dir, empty=not bundled)  # not empty: the bundled graph first, as tradekg serve
        load_files(store, [path], validate=False)
    countries = len(countries_by_code(store))
    if countries < FEW_COUNTRIES:
        print(
            f"warning: the maps of this store draw {countries} countries (no tkg:iso3166Numeric): it was made"
            " without the bundled graph, so every map measured on it is empty",
            file=sys.stderr,
            flush=True,
        )
    return store


FEW_COUNTRIES = 200


def map_countries(html: str) -> int:
    """How many countries the page's first world map draws as links (shapes of countries the store knows)."""
    start = html.find('<svg class="world-map"')
    if start < 0:
        return 0
    return html.count("<a href=", start, html.find("</svg>", start))


def get_html(url: str, *, timeout: float = 60) -> tuple[int, str]:
    """GET a page as a browser asks for it, reading the whole body; the status (0 when nothing answered) and body."""
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return int(error.code), ""
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, ""


def pages_over_http(store_dir: Path, runs: int, *, only: tuple[str, ...] = ()) -> list[tuple[str, int, float, float]]:
    """Each page's status, median and 99th percentile time through ``tradekg serve --store`` (a process of its own).

    The store must exist (made by :func:`pages` with ``store_dir``). The first request of each page, which builds
    the summaries, waits up to ten minutes (its time in FIRST_MS: the first page's counts from the moment the
    server answers, while its warm-up runs beside it); each timed request opens its own connection, as a browser's
    first does. ``only``: as for :func:`pages`.
    """
    port = free_port()
    command = [sys.executable, "-m", "tradekg", "serve", "--store", str(store_dir), "--port", str(port)]
    server = Server("tradekg", command, "/sparql", port)
    process = start(server)
    timed = []
    try:
        wait_ready(server, process, ready_timeout=600)
        for page in [page for page in PAGES if not only or any(part in page for part in only)]:
            url = f"http://127.0.0.1:{port}{page}"
            started = time.perf_counter()
            status, body = get_html(url, timeout=600)
            FIRST_MS[page] = (time.perf_counter() - started) * 1000
            MAP_COUNTRIES[page] = map_countries(body)
            print(f"over HTTP {page}: first {FIRST_MS[page]:.0f} ms", file=sys.stderr, flush=True)
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                get_html(url)
                times.append((time.perf_counter() - started) * 1000)
            p99 = statistics.quantiles(times, n=100, method="inclusive")[98] if len(times) > 1 else times[0]
            timed.append((page, status, statistics.median(times), p99))
    finally:
        stop(process)
    return timed


def write_instances(count: int, path: Path) -> None:
    """``count`` labelled events in one named graph, nine in ten with a day (in an order unlike the labels')."""
    graph = "<https://w3id.org/tradekg/id/graph/bench-instances>"
    first = dt.date(1990, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            node = f"<https://w3id.org/tradekg/id/event/bench-{number:07d}>"
            out.write(f"{node} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{CLASS}> {graph} .\n")
            out.write(f'{node} <http://www.w3.org/2000/01/rdf-schema#label> "Event {number:07d}"@en {graph} .\n')
            if number % 10:
                day = first + dt.timedelta(days=number * 7919 % 13_000)
                out.write(f'{node} <{DATE}> "{day.isoformat()}"^^<http://www.w3.org/2001/XMLSchema#date> {graph} .\n')


def class_pages(
    count: int, runs: int, workdir: Path, *, store_dir: Path | None = None
) -> list[tuple[int, list[float]]]:
    """For pages at rows 0, 10,000, half way and near the end: p50 and p99 by key and by offset, in each order."""
    path = workdir / f"instances-{count}.nq"
    if not path.exists() and not (store_dir and store_dir.exists()):
        write_instances(count, path)
    if store_dir is not None:
        store = persistent_store(path, store_dir)
    else:
        store = open_store(None, empty=True)
        load_files(store, [path], validate=False)
    client = _client(store)
    index = class_index(store)
    started = time.perf_counter()
    index.count(CLASS)  # the first use builds the index
    print(f"The class index built in {time.perf_counter() - started:.1f} s", flush=True)
    name = CLASS.rsplit("#", 1)[-1]
    rows = []
    try:
        for depth in (0, min(10_000, count // 10), count // 2, count - 100):
            times: list[float] = []
            for sort in ("label", "date"):
                cursor = index.page(CLASS, limit=1, offset=depth - 1, sort=sort)[0] if depth else ""
                base = f"/class/{name}?limit=50&sort={sort}"
                times += timed_ms(client, base + (f"&after={quote(cursor, safe='')}" if cursor else ""), runs)[1:]
                times += timed_ms(client, f"{base}&offset={depth}", runs)[1:]
            rows.append((depth, times))
    finally:
        store.close()
    return rows


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description="Time the domain views and the class pages at 10^6.")
    parser.add_argument("--measures", type=int, default=65000)
    parser.add_argument("--instances", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path(".bench-views"))
    parser.add_argument("--parts", nargs="+", choices=("pages", "http", "classes"), default=["pages", "classes"])
    parser.add_argument("--store", type=Path, help="a persistent store of the pages' graph (made if missing)")
    parser.add_argument("--instances-store", type=Path, help="a persistent store of the class graph (made if missing)")
    parser.add_argument("--after-write", action="store_true", help="also time each page's first view after a write")
    parser.add_argument("--pages", nargs="+", default=(), help="only the pages whose address holds one of these")
    parser.add_argument("--warm", action="store_true", help="first run the warm-up tradekg serve starts with")
    parser.add_argument("--save-views", action="store_true", help="end by saving the views' summaries beside --store")
    parser.add_argument(
        "--no-bundled", action="store_true", help="a new store without the bundled graph (its maps draw no country)"
    )
    return parser


def main() -> None:
    """Run both parts and print their tables."""
    parser = build_parser()
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if "pages" in args.parts:
        size, timed = pages(
            args.measures,
            args.runs,
            args.workdir,
            store_dir=args.store,
            writes=args.after_write,
            only=tuple(args.pages),
            warm=args.warm,
            save_views=args.save_views,
            bundled=not args.no_bundled,
        )
        print(f"Pages, {args.measures:,} measures ({size:,} quads), {args.runs} runs after a warm-up:\n")
        print("| page | status | map countries | first ms | p50 ms | p90 ms | p99 ms | CPU p50 ms", end="")
        print(" | first after a write ms |")
        print("|---|---|---|---|---|---|---|---|---|")
        for page, status, median, p99 in timed:
            written = f"{AFTER_WRITE_MS[page]:.0f}" if page in AFTER_WRITE_MS else "-"
            print(
                f"| `{page}` | {status} | {MAP_COUNTRIES[page]}"
                f" | {FIRST_MS[page]:.0f} | {median:.1f} | {P90_MS[page]:.1f} | {p99:.1f}"
                f" | {CPU_MEDIANS[page]:.1f} | {written} |",
                flush=True,
            )
    if "http" in args.parts:
        if args.store is None or not args.store.exists():
            parser.error("--parts http needs --store, an existing store (made by --parts pages --store)")
        print(f"\nPages through tradekg serve over HTTP, {args.runs} runs after the first view:\n")
        print("| page | status | map countries | first ms | p50 ms | p99 ms |\n|---|---|---|---|---|---|")
        for page, status, median, p99 in pages_over_http(args.store, args.runs, only=tuple(args.pages)):
            cells = f"{status} | {MAP_COUNTRIES[page]} | {FIRST_MS[page]:.0f} | {median:.1f} | {p99:.1f}"
            print(f"| `{page}` | {cells} |", flush=True)
    if "classes" not in args.parts:
        return
    print(f"\nClass pages, {args.instances:,} instances, 50 a page, {args.runs} runs after a warm-up (ms):\n")
    print("| first row | label, by key p50 / p99 | label, by offset p50 / p99 | date, by key p50 / p99 |", end="")
    print(" date, by offset p50 / p99 |\n|---|---|---|---|---|")
    for depth, times in class_pages(args.instances, args.runs, args.workdir, store_dir=args.instances_store):
        cells = " | ".join(f"{times[i]:.1f} / {times[i + 1]:.1f}" for i in range(0, 8, 2))
        print(f"| {depth:,} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
