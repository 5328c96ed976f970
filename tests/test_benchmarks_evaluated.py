"""The every-request-evaluated HTTP benchmark: rounds never repeat a text; the summary is the rounds' medians."""

from benchmarks.evaluated import cpu_per_request, render, round_queries, summarise, tree_cpu_seconds


def test_no_round_repeats_a_text_of_an_earlier_round():
    rounds = [round_queries(100, 40, number) for number in range(5)]
    texts = [text for queries in rounds for text in queries]
    assert all(len(queries) == 40 for queries in rounds)
    assert len(set(texts)) == len(texts)
    assert all("measure/m" in text and text.startswith("# round ") for text in texts)
    assert len(round_queries(10, 40, 0)) == 10  # at most one lookup per measure in a round


def test_summary_takes_medians_and_the_ratios_within_each_round():
    def figures(rate, p50=1.0):
        return {
            "requests_per_s": rate, "p50_ms": p50, "p99_ms": 2 * p50, "non_2xx": 0, "cpu_ms_per_request": rate / 100,
            "load_before": 1.0,
        }  # fmt: skip

    rounds = [
        {"tradekg-uncached": figures(100), "oxigraph": figures(400), "rdflib-endpoint": figures(5)},
        {"tradekg-uncached": figures(300), "oxigraph": figures(400), "rdflib-endpoint": figures(10)},
        {"tradekg-uncached": figures(200), "oxigraph": figures(1000), "rdflib-endpoint": figures(10)},
    ]
    summary = summarise(rounds, ["tradekg-uncached", "oxigraph", "rdflib-endpoint"])
    assert summary["tradekg-uncached"]["requests_per_s"] == 200
    assert summary["tradekg-uncached"]["x_oxigraph"] == 0.25  # per round: 0.25, 0.75, 0.2
    assert summary["tradekg-uncached"]["x_rdflib-endpoint"] == 20
    assert "x_oxigraph" not in summary["oxigraph"]
    table = render({"quads": 10, "measures": 1, "runs": 3, "duration_s": 1, "distinct": 1, "summary": summary})
    assert "| tradekg-uncached | 200 | 1.00 | 2.00 | 0 | 2.00 | 0.25x | 20.0x |" in table


def test_cpu_per_request_counts_every_process_of_the_server_and_those_started_meanwhile():
    before = {10: 1.0, 11: 0.5}
    after = {10: 1.5, 11: 0.75, 12: 0.25}  # 12: a worker started during the run
    assert cpu_per_request(after, before, {"requests": 1000}) == 1.0
    assert cpu_per_request(after, before, {}) == 0.0


def test_tree_cpu_seconds_reads_this_process():
    import os

    seconds = tree_cpu_seconds(os.getpid())
    assert seconds[os.getpid()] > 0


def test_the_bulk_loaded_store_has_the_union_default_graph_as_a_set(tmp_path):
    import pyoxigraph as ox

    from benchmarks.evaluated import bulk_load_with_union

    data = tmp_path / "data.nq"
    data.write_text(
        "<http://e/a> <http://e/p> <http://e/b> <http://e/g1> .\n"
        "<http://e/a> <http://e/p> <http://e/b> <http://e/g2> .\n"  # the same triple in a second graph
        '<http://e/a> <http://e/q> "x" <http://e/g2> .\n'
    )
    bulk_load_with_union(data, tmp_path / "store")
    DEFAULT = ox.DefaultGraph()  # noqa: N806
    store = ox.Store.read_only(str(tmp_path / "store"))
    default = sorted((q.subject.value, q.predicate.value) for q in store.quads_for_pattern(None, None, None, DEFAULT))
    assert default == [("http://e/a", "http://e/p"), ("http://e/a", "http://e/q")]  # each triple once
    assert len(list(store.quads_for_pattern(None, None, None, ox.NamedNode("http://e/g2")))) == 2


def test_renice_reaches_a_process_and_its_children():
    import os
    import subprocess
    import sys

    from benchmarks.evaluated import renice_trees

    code = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import time; time.sleep(30)'])"
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        from benchmarks.servers import descendants

        for _ in range(100):
            children = descendants(parent.pid)
            if children:
                break
            __import__("time").sleep(0.05)
        renice_trees([parent.pid], 7)
        assert [os.getpriority(os.PRIO_PROCESS, pid) for pid in (parent.pid, *children)] == [7] * (1 + len(children))
        assert children
    finally:
        for pid in descendants(parent.pid):
            os.kill(pid, 9)
        parent.kill()
        parent.wait()
