"""The benchmark harness at a tiny size: every in-process workload runs and the table is complete.

No timing is asserted here (CI machines vary); the figures live in benchmarks/README.md.
"""

from __future__ import annotations

import copy
import http.server
import json
import re
import shutil
import threading
import urllib.parse

import pyoxigraph as ox
import pytest

from benchmarks import run
from benchmarks.engines import distinct_lookups, lookup_queries, named_queries
from benchmarks.generate import Generator, write_batch, write_nquads
from benchmarks.report import render
from benchmarks.wrk import ACCEPT, WORKLOADS, lua_script, run_wrk, write_lua_script

ENGINES = ["tradekg", "tradekg-select", "pyoxigraph", "rdflib"]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bench")
    argv = ["--measures", "60", "--full-measures", "15", "--servers", "--runs", "1", "--budget", "0.1"]
    argv += ["--query-timeout", "30"]  # no query may be reported stopped on a busy CI machine
    argv += ["--full-timeout", "600"]  # nor the full validation (the quick tier's 10 s ran out at load 13)
    args = run.parse_args([*argv, "--workdir", str(workdir), "--json", str(workdir / "results.json")])
    outcome = run.run(args)
    assert json.loads(json.dumps(outcome)) == outcome
    return outcome


def test_generator_is_deterministic_by_seed(tmp_path):
    first, second, other = tmp_path / "a.nq", tmp_path / "b.nq", tmp_path / "c.nq"
    assert write_nquads(50, first, seed=3) == write_nquads(50, second, seed=3)
    write_nquads(50, other, seed=4)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_generated_graph_is_quads_in_named_graphs():
    quads = list(ox.parse("".join(Generator(15, seed=2).quads()), format=ox.RdfFormat.N_QUADS))
    assert all(isinstance(quad.graph_name, ox.NamedNode) for quad in quads)
    write = list(ox.parse(write_batch(15, 2, seed=2), format=ox.RdfFormat.N_QUADS))
    assert {quad.subject for quad in write}.isdisjoint({quad.subject for quad in quads if "measure/" in str(quad)})


def test_every_engine_loads_and_answers_every_query(results):
    names = {query.name for query in named_queries()} | {"point-lookup"}
    for engine in ENGINES:
        outcome = results["engines"][engine]
        assert "error" not in outcome, outcome
        assert outcome["quads"] > 500
        assert set(outcome["queries"]) == names
        for name, entry in outcome["queries"].items():
            if engine == "rdflib" and entry.get("error", "").startswith("failed: "):
                continue  # rdflib's own SPARQL engine fails a query: reported as such in the table
            assert entry["runs"] >= 1 and entry["median_ms"] > 0, (engine, name, entry)


def test_engines_agree_on_row_counts(results):
    engines = results["engines"]
    for name in engines["rdflib"]["queries"]:
        counts = {engine: engines[engine]["queries"][name].get("rows") for engine in ENGINES}
        if "failed: " in engines["rdflib"]["queries"][name].get("error", ""):
            del counts["rdflib"]
        assert len(set(counts.values())) == 1, (name, counts)


def test_validation_workloads_ran(results):
    for size in ("10 triples", "100 triples"):
        entry = results["write"][size]
        assert entry["triples"] > 5
        assert "median_ms" in entry["neighbourhood"], entry
        assert "median_ms" in entry["write_gate"], entry
    assert "median_ms" in results["write"]["10 triples"]["load_quads"]
    assert results["full"].get("conforms") is True, results["full"]  # the generated graph conforms to the shapes
    # the write gate refuses writes that break the shapes, so its timings mean the generated writes conform


def test_report_has_every_section(results):
    text = render(results)
    for heading in ("### Bulk load", "### Queries (in process)", "### Validation", "### Peak memory", "Targets"):
        assert heading in text
    assert "not run" not in text and "(stopped" not in text
    assert "HTTP" not in text.split("### Validation")[1].split("### Peak memory")[0]


def _queries_of(script: str) -> list[str]:
    """The queries of a wrk script: each entry between the text they all start and end with (written once)."""
    head, tail = re.search(r'^local head, tail = "([^"]*)", "([^"]*)"$', script, re.MULTILINE).groups()
    entries = re.findall(r'^  "([^"]*)",$', script, re.MULTILINE)
    return [urllib.parse.parse_qs(head + entry + tail, strict_parsing=True)["query"][0] for entry in entries]


def test_distinct_lookups_are_spread_over_existing_measures():
    queries = distinct_lookups(10_000, 5000)
    numbers = [int(re.search(r"/measure/m(\d+)>", query).group(1)) for query in queries]
    assert len(set(numbers)) == 5000 and numbers[0] == 0 and numbers[-1] == 9998 and numbers == sorted(numbers)
    assert queries[2500] == lookup_queries(10_000)[0]  # the same text as the fixed query, another measure elsewhere
    assert len(distinct_lookups(60, 5000)) == 60


def test_lua_script_holds_each_lookup_url_encoded():
    queries = distinct_lookups(60, 5000)
    script = lua_script(queries)
    assert _queries_of(script) == queries  # every entry decodes to its query, in order, none twice
    assert len(set(_queries_of(script))) == 60
    assert f'wrk.headers["Accept"] = "{ACCEPT}"' in script
    assert "wrk.path" in script  # the server's query path comes from the URL given to wrk
    assert len(script) < sum(map(len, queries)) / 10  # what all the lookups share is written once
    with pytest.raises(ValueError, match="at least one query"):
        lua_script([])
    for texts in (["ASK {}"], ["ASK {}", "ASK {} "], ["SELECT * { ?s ?p 'é' }", "SELECT * { ?s ?p 'è' }"]):
        assert _queries_of(lua_script(texts)) == texts  # one text, a text inside another, a multibyte difference


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_asks_the_script_s_queries_in_turn(tmp_path):
    seen = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            seen.append((self.path, self.headers.get("Accept")))
            body = b'{"head": {"vars": []}, "results": {"bindings": []}}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    queries = distinct_lookups(40, 40)
    script = write_lua_script(tmp_path / "lookups.lua", queries)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:  # one connection, one thread: the requests follow the table, round after round
        figures = run_wrk(f"http://127.0.0.1:{server.server_port}/query", duration=1, connections=1, script=script)
    finally:
        server.shutdown()
        server.server_close()
    assert figures["requests"] > 0 and figures["non_2xx"] == 0
    assert {accept for _, accept in seen} == {ACCEPT}
    assert {urllib.parse.urlsplit(path).path for path, _ in seen} == {"/query"}
    asked = [urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["query"][0] for path, _ in seen]
    first = queries.index(asked[0])
    assert asked == [queries[(first + step) % len(queries)] for step in range(len(asked))]


def _served(rate, rows=13, **more):
    figures = {"prepare_s": 1.0, "start_s": 2.0, "rows": rows, "requests_per_s": rate, "p50_ms": 3.0, "p99_ms": 9.0}
    return figures | {"requests": int(rate * 3), "non_2xx": 0, "socket_errors": 0, "peak_rss_mib": 100.0} | more


def test_report_shows_both_http_workloads(results):
    outcome = copy.deepcopy(results)
    outcome["http"] = {
        "same-query": {
            "tradekg": _served(3000.0),
            "tradekg-uncached": _served(600.0),
            "oxigraph": _served(6000.0, peak_rss_mib=20.0),
            "rdflib-endpoint": _served(300.0),
        },
        "distinct-resources": {
            "tradekg": _served(2000.0, rows=14, distinct=5000, peak_rss_mib=150.0),
            "tradekg-uncached": _served(500.0, distinct=5000),
            "oxigraph": _served(4000.0, distinct=5000, peak_rss_mib=30.0),
            "rdflib-endpoint": {"prepare_s": 0.0, "error": "HTTP 500:\nboom | x"},
        },
    }
    text = render(outcome)
    section = text.split("### HTTP")[1].split("### Peak memory")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    same, distinct = WORKLOADS["same-query"], WORKLOADS["distinct-resources"]
    assert rows[1].startswith(f"| {same} | tradekg | 13 | 3,000 |") and rows[1].endswith("| 1.0x |")
    assert rows[2].startswith(f"| {same} | tradekg-uncached |") and rows[2].endswith("| 5.0x |")
    assert rows[3].endswith("| 0.5x |") and rows[4].endswith("| 10.0x |")
    assert rows[5].startswith(f"| {distinct} | tradekg | 14 | 2,000 |")
    assert "6,000 (1.2 rounds of 5,000)" in rows[5]  # more requests than distinct queries: said
    assert rows[7].startswith(f"| {distinct} | oxigraph |") and rows[7].endswith("| 0.5x |")
    assert "(HTTP 500: boom / x)" in rows[8]  # one cell, one line
    assert "the point lookup of 5,000 different measures" in section
    assert f"- HTTP >= 0.5x Oxigraph server, {same}: 0.50x" in text
    assert f"- HTTP >= 20x rdflib-endpoint, {same}: 10.00x" in text
    assert f"- HTTP >= 0.5x Oxigraph server, {distinct}: 0.50x (1,000 of tradekg's 6,000 requests" in text
    assert f"rdflib-endpoint, {distinct}" not in text
    assert "| tradekg (server) | 150 |" in text and "| oxigraph (server) | 30 |" in text  # the larger peak
