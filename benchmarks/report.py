"""The benchmark's results as Markdown tables, with ratios and the issue's targets."""

from __future__ import annotations

import statistics

from benchmarks.wrk import WORKLOADS

ENGINE_ORDER = ("tradekg", "tradekg-select", "pyoxigraph", "rdflib")


def _ms(entry: object) -> str:
    if not isinstance(entry, dict):
        return "not run"
    if "error" in entry:
        return f"({entry['error']})"
    text = f"{entry['median_ms']:.2f} / {entry.get('p95_ms', entry['median_ms']):.2f}"
    if entry.get("runs", 3) < 3 or "note" in entry:
        text += (
            f" ({entry['runs']} run{'s' if entry['runs'] > 1 else ''}{'; ' + entry['note'] if 'note' in entry else ''})"
        )
    return text


def _median(entry: object) -> float | None:
    if isinstance(entry, dict) and "median_ms" in entry:
        return float(entry["median_ms"])
    return None


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or denominator is None or denominator == 0:
        return "n/a"
    return f"{numerator / denominator:.1f}x"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def load_table(engines: dict[str, dict]) -> list[str]:
    """Bulk load: seconds, quads per second and speed relative to rdflib's parser."""
    rdflib_rate = engines.get("rdflib", {}).get("load_quads_per_s")
    rows = []
    for name in ENGINE_ORDER:
        result = engines.get(name)
        if result is None or name == "tradekg-select":
            continue
        if "error" in result:
            rows.append([name, result["error"], "", ""])
            continue
        rate = result["load_quads_per_s"]
        rows.append([name, f"{result['load_s']:.2f}", f"{rate:,.0f}", _ratio(rate, rdflib_rate)])
    return _table(["engine", "load (s)", "quads/s", "speed vs rdflib"], rows)


def query_table(engines: dict[str, dict]) -> list[str]:
    """Median / p95 of each query per engine, and the two ratios the targets name."""
    present = [name for name in ENGINE_ORDER if name in engines and "queries" in engines[name]]
    names: list[str] = []
    for name in present:
        names += [query for query in engines[name]["queries"] if query not in names]
    rows = []
    for query in names:
        entries = {name: engines[name]["queries"].get(query) for name in present}
        rows_count = next((str(entry["rows"]) for entry in entries.values() if entry and "rows" in entry), "")
        ours = _median(entries.get("tradekg"))
        rows.append(
            [query, rows_count]
            + [_ms(entries[name]) for name in present]
            + [
                _ratio(_median(entries.get("rdflib")), ours),
                _ratio(_median(entries.get("rdflib")), _median(entries.get("pyoxigraph"))),
                _ratio(ours, _median(entries.get("pyoxigraph"))),
            ]
        )
    header = ["query", "rows"] + [f"{name} ms (median / p95)" for name in present]
    return _table(header + ["rdflib / tradekg", "rdflib / pyoxigraph", "tradekg / pyoxigraph"], rows)


def query_ratios(engines: dict[str, dict]) -> tuple[list[float], list[float]]:
    """For each query both engines answered: rdflib/tradekg speed-ups and tradekg/pyoxigraph overheads."""
    speedups, overheads = [], []
    ours = engines.get("tradekg", {}).get("queries", {})
    for query, entry in ours.items():
        mine = _median(entry)
        theirs = _median(engines.get("rdflib", {}).get("queries", {}).get(query))
        raw = _median(engines.get("pyoxigraph", {}).get("queries", {}).get(query))
        if mine and theirs:
            speedups.append(theirs / mine)
        if mine and raw:
            overheads.append(mine / raw)
    return speedups, overheads


def memory_table(engines: dict[str, dict], http: dict[str, dict[str, dict]]) -> list[str]:
    """Peak resident memory of each process (servers: over every HTTP workload) and per million triples."""
    rows = []
    for name in ENGINE_ORDER:
        result = engines.get(name)
        if result and "peak_rss_mib" in result:
            per = f"{result['peak_mib_per_million_triples']:,.0f}"
            rows.append([f"{name} (in process)", f"{result['peak_rss_mib']:,.0f}", per])
    peaks: dict[str, float] = {}  # VmHWM only grows: the largest is the peak over every workload
    for by_server in http.values():
        for name, result in by_server.items():
            if isinstance(result, dict) and "peak_rss_mib" in result:
                peaks[name] = max(peaks.get(name, 0.0), float(result["peak_rss_mib"]))
    rows += [[f"{name} (server)", f"{peak:,.0f}", ""] for name, peak in peaks.items()]
    return _table(["process", "peak RSS (MiB)", "MiB per million triples (above start)"], rows)


def validation_table(write: dict, full: dict) -> list[str]:
    """Small writes on the big graph, and full validation."""
    rows = []
    for entry in write.values():
        if isinstance(entry, dict) and "triples" in entry:
            rows.append(
                [
                    f"write of {entry['triples']} triples, on {write['quads']:,} quads",
                    _ms(entry["neighbourhood"]),
                    _ms(entry.get("write_gate")),
                    _ms(entry["load_quads"]) if "load_quads" in entry else "",
                ]
            )
    if "error" in write:
        rows.append(["writes", f"({write['error']})", "", ""])
    if "total_s" in full:
        verdict = "conforms" if full["conforms"] else f"{full['violations']} violations"
        total = f"{full['total_s'] * 1000:,.0f}"
        rows.append([f"full validation of {full['quads']:,} quads ({verdict})", total, "", ""])
    elif full:
        rows.append(["full validation", f"({full.get('error')})", "", ""])
    header = ["validation", "validation alone (validate_change), ms (median / p95)", "write gate (whole write), ms"]
    header.append("load_quads, ms")
    return _table(header, rows)


def _repeats(result: dict) -> int:
    """Requests of the distinct-resources workload that asked a query asked before in the run (0 elsewhere)."""
    return max(0, int(result.get("requests", 0)) - int(result["distinct"])) if "distinct" in result else 0


def http_table(http: dict[str, dict[str, dict]]) -> list[str]:
    """Requests per second and latency per workload and server, with tradekg's rate over each in that workload."""
    if "error" in http:
        return [f"HTTP not measured: {http['error']}"]
    rows = []
    for workload, by_server in http.items():
        label = WORKLOADS.get(workload, workload)
        ours = by_server.get("tradekg", {}).get("requests_per_s")
        for name, result in by_server.items():
            if "error" in result:
                error = " ".join(str(result["error"]).split()).replace("|", "/")[:200]  # one table cell
                rows.append([label, name, f"({error})", "", "", "", "", "", ""])
                continue
            rate = result.get("requests_per_s")
            requests = f"{result.get('requests', 0):,}"
            if _repeats(result):
                requests += f" ({result['requests'] / result['distinct']:.1f} rounds of {result['distinct']:,})"
            rows.append(
                [
                    label,
                    name,
                    str(result.get("rows", "")),
                    f"{rate:,.0f}" if rate else "n/a",
                    f"{result.get('p50_ms', 0):.2f} / {result.get('p99_ms', 0):.2f}",
                    str(result.get("non_2xx", 0) + result.get("socket_errors", 0)),
                    requests,
                    f"{result.get('start_s', 0) + result.get('prepare_s', 0):.1f}",
                    _ratio(ours, rate) if name != "tradekg" else "1.0x",
                ]
            )
    header = ["workload", "server", "rows (first answer)", "requests/s", "latency ms (p50 / p99)", "errors"]
    return _table(header + ["requests", "ready after (s)", "tradekg / it"], rows)


def http_targets(http: dict[str, dict[str, dict]]) -> list[str]:
    """The two HTTP targets, once per workload, tradekg's rate over the other server's in the same workload."""
    lines = []
    for workload, by_server in http.items() if "error" not in http else ():
        label = WORKLOADS.get(workload, workload)
        ours = by_server.get("tradekg", {})
        note = ""
        if repeats := _repeats(ours):
            note = (
                f" ({repeats:,} of tradekg's {ours['requests']:,} requests repeated a query of the "
                f"{ours['distinct']:,}: those may be answer cache hits)"
            )
        for other, target in (
            ("oxigraph", "HTTP >= 0.5x Oxigraph server"),
            ("rdflib-endpoint", "HTTP >= 20x rdflib-endpoint"),
        ):
            theirs = by_server.get(other, {})
            if ours.get("requests_per_s") and theirs.get("requests_per_s"):
                ratio = ours["requests_per_s"] / theirs["requests_per_s"]
                lines.append(f"- {target}, {label}: {ratio:.2f}x{note}")
    return lines


def http_about(results: dict) -> list[str]:
    """What each HTTP workload asks, in a sentence each."""
    http, query = results.get("http", {}), results.get("http_query", "point-lookup")
    lines = []
    if "same-query" in http:
        lines.append(
            f"- {WORKLOADS['same-query']}: GET `{query}` again and again; tradekg answers it from its answer "
            "cache after the first request (tradekg-uncached: `--answer-cache-mb 0`, evaluated every time)."
        )
    distinct = next(
        (entry["distinct"] for entry in http.get("distinct-resources", {}).values() if "distinct" in entry), None
    )
    if distinct:
        lines.append(
            f"- {WORKLOADS['distinct-resources']}: the point lookup of {distinct:,} different measures in turn (a wrk "
            "Lua script, the same for every server); a request repeats an earlier query only after all of them "
            "(the `requests` column says how many rounds)."
        )
    return lines


def targets(results: dict) -> list[str]:
    """The issue's targets, each with the figure measured in this run."""
    engines, http, write = results["engines"], results.get("http", {}), results.get("write", {})
    speedups, overheads = query_ratios(engines)
    lines = [f"Targets (defined at 10^6 triples; this run holds {results['quads']:,} quads):", ""]
    if speedups:
        lines.append(
            f"- named queries >= 30x faster than rdflib: min {min(speedups):.1f}x, "
            f"median {statistics.median(speedups):.1f}x over {len(speedups)} queries"
        )
    if overheads:
        lines.append(
            f"- named queries within 1.5x of raw pyoxigraph: max {max(overheads):.2f}x, "
            f"median {statistics.median(overheads):.2f}x"
        )
    lines += http_targets(http)
    mine, theirs = engines.get("tradekg", {}), engines.get("rdflib", {})
    if mine.get("load_quads_per_s") and theirs.get("load_quads_per_s"):
        lines.append(f"- load >= 10x rdflib's parser: {mine['load_quads_per_s'] / theirs['load_quads_per_s']:.1f}x")
    for path, what in (("neighbourhood", "validation alone"), ("write_gate", "the write gate, whole write")):
        hundred = write.get("100 triples", {}).get(path, {})
        if "median_ms" in hundred:
            lines.append(
                f"- 100-triple write validated < 100 ms ({what}): median {hundred['median_ms']:.0f} ms, "
                f"p95 {hundred['p95_ms']:.0f} ms (on {write['quads']:,} quads)"
            )
    return lines


def render(results: dict) -> str:
    """The whole report as Markdown."""
    engines, http = results["engines"], results.get("http", {})
    machine = results["machine"]
    lines = [
        f"## {results['measures']:,} measures: {results['quads']:,} quads",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']:.0f} GiB; "
        f"Python {machine['python']}; load average {machine['load_before']} before, {machine['load_after']} after.",
        f"Versions: {machine['versions']}.",
        f"Command: `{results['command']}` ({results['elapsed_s']:.0f} s). Queries: {results['query_origin']}.",
        "",
        "### Bulk load",
        "",
        *load_table(engines),
        "",
        "### Queries (in process)",
        "",
        *query_table(engines),
        "",
        "### Validation",
        "",
        *validation_table(results.get("write", {}), results.get("full", {})),
        "",
    ]
    if http:
        lines += ["### HTTP (wrk, 8 connections)", "", *http_about(results), "", *http_table(http), ""]
    lines += ["### Peak memory", "", *memory_table(engines, http if "error" not in http else {}), ""]
    lines += [*targets(results), ""]
    return "\n".join(lines)
