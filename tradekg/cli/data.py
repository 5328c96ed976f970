"""The commands on the data as a whole: ``validate``, ``load``, ``import-csv``, ``export`` and ``stats``."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
import pyoxigraph as ox

from tradekg.cli.exits import EXIT_NOT_CONFORMING, EXIT_UNREADABLE, fail
from tradekg.cli.store_option import open_or_exit, store_options
from tradekg.gate.validate import quads_to_graph, validate_graph
from tradekg.graph.load import VOCABULARY_GRAPHS, ValidationFailed, bundled_data_files, load_files
from tradekg.graph.rdf_files import LoadError, RdfSyntaxError, UnreadableFile, parse_file
from tradekg.graph.reference import reference_quads
from tradekg.ontology.vocab import PREFIXES
from tradekg.store.answers import GRAPH_FORMATS, serialize_answer
from tradekg.store.backends import StoreLocation, open_backend
from tradekg.store.interface import StoreError


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@store_options(help_text="Validate everything in this store (a directory or a SPARQL server's URL) instead.")
def validate(files: tuple[Path, ...], location: StoreLocation) -> None:
    """Validate the bundled graph (curated files and reference data), FILES, or a store, against the shapes."""
    if files and location is not None:
        fail("give FILES or --store, not both", EXIT_UNREADABLE)
    if location is not None:
        quads = stored_data_quads(location)
    else:
        paths = list(files) or bundled_data_files()
        quads = [] if files else reference_quads()
        try:
            for path in paths:
                quads.extend(parse_file(path))
        except (UnreadableFile, RdfSyntaxError) as error:
            fail(str(error), EXIT_UNREADABLE)
    report = validate_graph(quads_to_graph(quads))
    click.echo(report.to_text())
    sys.exit(0 if report.conforms else EXIT_NOT_CONFORMING)


def stored_data_quads(location: StoreLocation) -> list[ox.Quad]:
    """Every quad of the data in a store (the ontology and shapes graphs left out: they come from the package)."""
    try:
        store = open_backend(location)
    except StoreError as error:
        fail(str(error), EXIT_UNREADABLE)
    try:
        return [quad for quad in store.quads_for_pattern() if quad.graph_name.value not in VOCABULARY_GRAPHS]  # type: ignore[union-attr]
    except StoreError as error:
        fail(str(error), EXIT_UNREADABLE)
    finally:
        store.close()


@click.command()
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["trig", "nq", "ttl", "nt", "jsonld"]),
    default="trig",
    show_default=True,
    help="trig and nq keep the named graphs; ttl, nt and jsonld write the union of the graphs.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write.")
@store_options()
def export(format_name: str, output: Path | None, location: StoreLocation) -> None:
    """Write the whole dataset (named graphs included for trig and nq)."""
    store = open_or_exit(location)
    rdf_format = GRAPH_FORMATS[format_name]
    if rdf_format.supports_datasets:
        data = store.dump(rdf_format, prefixes=PREFIXES if format_name == "trig" else None)
    else:
        answer = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        data = serialize_answer(answer, format_name)
    if output is None:
        click.echo(data.decode(), nl=False)
    else:
        output.write_bytes(data)
        click.echo(f"Wrote {len(data):,} bytes to {output}", err=True)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_options(
    required=True,
    help_text="Directory of the persistent store to load into (created if missing), or a SPARQL server's URL.",
)
@click.option("--graph", default=None, help="Graph IRI for the triples of files that name no graph.")
def load(files: tuple[Path, ...], location: StoreLocation, graph: str | None) -> None:
    """Validate FILES and load them into a persistent store, all or nothing."""
    store = open_or_exit(location)
    total = sum(path.stat().st_size for path in files if path.is_file())
    try:
        with click.progressbar(length=total, label="Parsing", file=sys.stderr, show_pos=False) as bar:
            summary = load_files(store, list(files), graph=graph, on_file=lambda path: bar.update(path.stat().st_size))
    except ValidationFailed as error:
        fail(str(error), EXIT_NOT_CONFORMING)
    except LoadError as error:
        fail(str(error), EXIT_UNREADABLE)
    click.echo(f"Loaded {summary.quads:,} quads from {len(summary.files)} file(s) into {len(summary.graphs)} graph(s).")


@click.command("import-csv")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(path_type=Path),
    help="RML mapping in Turtle (.ttl) or YARRRML (.yml); it says which column becomes which triple.",
)
@store_options(
    required=True,
    help_text="Directory of the persistent store to import into (created with the bundled graph if missing), or a "
    "SPARQL server's URL.",
)
@click.option("--graph", default=None, help="Graph IRI for triples whose mapping names no graph.")
def import_csv_command(file: Path, mapping_path: Path, location: StoreLocation, graph: str | None) -> None:
    """Import a spreadsheet FILE (CSV) through a declarative mapping, validated, all or nothing.

    Each bad row is reported by its number (the header is row 1) and column; then nothing is written.
    """
    from tradekg.graph.tabular import BadRows, import_csv

    store = open_or_exit(location)
    try:
        summary = import_csv(store, file, mapping_path, graph=graph)
    except BadRows as error:
        fail(str(error), EXIT_NOT_CONFORMING)
    except LoadError as error:
        fail(str(error), EXIT_UNREADABLE)
    graphs = ", ".join(summary.graphs)
    click.echo(f"Imported {summary.rows:,} row(s) as {summary.quads:,} quads into {graphs}.")


@click.command()
@store_options()
def stats(location: StoreLocation) -> None:
    """Count triples, graphs and instances per class."""
    store = open_or_exit(location)
    click.echo(f"triples (union of graphs): {store.triple_count():,}")
    click.echo(f"quads: {len(store):,}")
    graphs = Counter(quad.graph_name.value for quad in store.quads() if isinstance(quad.graph_name, ox.NamedNode))
    click.echo(f"named graphs: {len(graphs)}")
    for graph, count in sorted(graphs.items()):
        click.echo(f"  {count:>8,}  {graph}")
    rows = store.select(
        "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class "
        "FILTER(STRSTARTS(STR(?class), STR(tkg:))) } GROUP BY ?class ORDER BY DESC(?n) ?class"
    )
    click.echo("instances per tkg: class:")
    for row in rows:
        click.echo(f"  {int(row['n']):>8,}  {str(row['class']).rsplit('#', 1)[-1]}")
    data_count = sum(count for graph, count in graphs.items() if graph not in VOCABULARY_GRAPHS)
    click.echo(f"data triples outside the vocabulary graphs: {data_count:,}")
