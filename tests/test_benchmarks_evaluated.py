"""The every-request-evaluated HTTP benchmark: rounds never repeat a text; the summary is the rounds' medians."""

from benchmarks.evaluated import render, round_queries, summarise


def test_no_round_repeats_a_text_of_an_earlier_round():
    rounds = [round_queries(100, 40, number) for number in range(5)]
    texts = [text for queries in rounds for text in queries]
    assert all(len(queries) == 40 for queries in rounds)
    assert len(set(texts)) == len(texts)
    assert all("measure/m" in text and text.startswith("# round ") for text in texts)
    assert len(round_queries(10, 40, 0)) == 10  # at most one lookup per measure in a round


def test_summary_takes_medians_and_the_ratios_within_each_round():
    def figures(rate, p50=1.0):
        return {"requests_per_s": rate, "p50_ms": p50, "p99_ms": 2 * p50, "non_2xx": 0, "load_before": 1.0}

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
    assert "| tradekg-uncached | 200 | 1.00 | 2.00 | 0 | 0.25x | 20.0x |" in table
