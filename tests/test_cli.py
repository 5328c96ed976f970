"""The command line: every command, its output and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from pyoxigraph import RdfFormat, parse

from tradekg.cli import main
from tradekg.settings import SETTINGS

BAD_SYNTAX = "@prefix tkg: <https://w3id.org/tradekg/ontology#> .\n<http://example.org/a> tkg:x .\n"
NOT_CONFORMING = """\
@prefix tkg: <https://w3id.org/tradekg/ontology#> .
<https://w3id.org/tradekg/id/country/NOWHERE> a tkg:Country ; tkg:iso3166Alpha3 "nowhere" .
"""


def test_validate_the_bundled_graph_conforms(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "Conforms" in result.output


def test_validate_reports_by_shape_and_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text(NOT_CONFORMING)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "Does not conform" in result.output
    assert "Shape tkgsh:CountryShape" in result.output
    assert "<https://w3id.org/tradekg/id/country/NOWHERE>" in result.output


def test_validate_unreadable_input_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text(BAD_SYNTAX)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:2:" in result.output
    missing = runner.invoke(main, ["validate", str(tmp_path / "missing.ttl")])
    assert missing.exit_code == 2


def test_query_prints_a_table_by_default(runner: CliRunner) -> None:
    result = runner.invoke(main, ["query", "SELECT ?code WHERE { ?c tkg:iso3166Alpha3 ?code } ORDER BY ?code"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "code"
    assert "JPN" in lines
    assert lines[-1].endswith(("row)", "rows)"))


def test_query_json_is_sparql_results_json(runner: CliRunner) -> None:
    result = runner.invoke(main, ["query", "--format", "json", "SELECT ?c WHERE { ?c tkg:iso3166Alpha3 'JPN' }"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["head"]["vars"] == ["c"]
    assert document["results"]["bindings"][0]["c"] == {
        "type": "uri",
        "value": "https://w3id.org/tradekg/id/country/JPN",
    }


def test_query_csv_and_ask(runner: CliRunner) -> None:
    result = runner.invoke(main, ["query", "--format", "csv", "SELECT ?code WHERE { ?c tkg:iso3166Alpha3 ?code }"])
    assert result.output.splitlines()[0] == "code"
    ask = runner.invoke(main, ["query", "ASK { ?c tkg:iso3166Alpha3 'JPN' }"])
    assert ask.output.strip() == "true"


def test_query_from_file_and_stdin_and_construct(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text("CONSTRUCT { ?c tkg:iso3166Alpha3 ?code } WHERE { ?c tkg:iso3166Alpha3 ?code }")
    result = runner.invoke(main, ["query", f"@{path}", "--format", "nt"])
    assert result.exit_code == 0, result.output
    triples = list(parse(result.output.encode(), format=RdfFormat.N_TRIPLES))
    assert any(triple.object.value == "JPN" for triple in triples)
    piped = runner.invoke(main, ["query", "-"], input="ASK { ?c tkg:iso3166Alpha3 'JPN' }")
    assert piped.output.strip() == "true"


def test_query_errors_exit_nonzero_with_a_message(runner: CliRunner) -> None:
    result = runner.invoke(main, ["query", "SELECT ?x WHERE { ?x "])
    assert result.exit_code == 1
    assert "does not parse" in result.output
    wrong = runner.invoke(main, ["query", "--format", "ttl", "SELECT ?x WHERE { ?x ?p ?o }"])
    assert wrong.exit_code == 2


def test_export_trig_keeps_named_graphs(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "dump.trig"
    result = runner.invoke(main, ["export", "-o", str(target)])
    assert result.exit_code == 0, result.output
    quads = list(parse(target.read_bytes(), format=RdfFormat.TRIG))
    graphs = {quad.graph_name.value for quad in quads}
    assert "https://w3id.org/tradekg/ontology" in graphs
    assert any(graph.startswith("https://w3id.org/tradekg/id/graph/") for graph in graphs)


def test_export_nt_writes_the_union(runner: CliRunner) -> None:
    result = runner.invoke(main, ["export", "--format", "nt"])
    assert result.exit_code == 0
    assert "<https://w3id.org/tradekg/id/country/JPN>" in result.output


def test_load_into_a_persistent_store(runner: CliRunner, tmp_path: Path) -> None:
    store = tmp_path / "db"
    bad = tmp_path / "broken.ttl"
    bad.write_text(BAD_SYNTAX)
    refused = runner.invoke(main, ["load", str(bad), "--store", str(store)])
    assert refused.exit_code == 2, refused.output
    assert "broken.ttl:2:" in refused.output
    nonconforming = tmp_path / "nowhere.ttl"
    nonconforming.write_text(NOT_CONFORMING)
    rejected = runner.invoke(main, ["load", str(nonconforming), "--store", str(store)])
    assert rejected.exit_code == 1, rejected.output
    good = tmp_path / "good.ttl"
    good.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    loaded = runner.invoke(main, ["load", str(good), "--store", str(store)])
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded 1 quads" in loaded.output
    stats = runner.invoke(main, ["stats", "--store", str(store)])
    assert "https://w3id.org/tradekg/id/graph/good" in stats.output
    assert "https://w3id.org/tradekg/id/graph/nowhere" not in stats.output


def test_stats_counts_classes(runner: CliRunner) -> None:
    result = runner.invoke(main, ["stats"])
    assert result.exit_code == 0, result.output
    assert "named graphs:" in result.output
    assert "Country" in result.output


def test_serve_help_lists_every_setting(runner: CliRunner) -> None:
    result = runner.invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for setting in SETTINGS:
        assert setting.option in result.output
