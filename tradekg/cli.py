"""The ``tradekg`` command: serve, query, validate, load, export and count the graph, and compute duties.

Exit codes: 0 success; 1 the data does not conform or the query fails; 2 unreadable input or bad usage.
"""

from __future__ import annotations

import functools
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import click
import pyoxigraph as ox

from tradekg.duty import DutyInputError, compute_duty
from tradekg.duty.report import answer_table as duty_table
from tradekg.gate.validate import quads_to_graph, validate_graph
from tradekg.graph.load import (
    VOCABULARY_GRAPHS,
    LoadError,
    RdfSyntaxError,
    UnreadableFile,
    ValidationFailed,
    bundled_data_files,
    load_files,
    open_store,
    parse_file,
)
from tradekg.graph.reference import reference_quads
from tradekg.ontology.vocab import PREFIXES
from tradekg.queries.catalog import CatalogError, NamedQuery, ParamError, load_catalog
from tradekg.settings import SETTINGS, Setting
from tradekg.store.answers import GRAPH_FORMATS, answer_table, serialize_answer
from tradekg.store.backends import StoreLocation, open_backend, store_location
from tradekg.store.interface import StoreConflict, StoreError, TradeStore

EXIT_NOT_CONFORMING = 1
EXIT_UNREADABLE = 2

STORE_HELP = (
    "Directory of a persistent store, or the http(s) URL of a SPARQL server's query endpoint holding the data "
    "(credentials from TRADEKG_STORE_USER and TRADEKG_STORE_PASSWORD); without it the bundled graph is loaded in "
    "memory."
)
CLI_REQUEST_SECONDS = 300.0
"""The limit on each request to a SPARQL server from the command line (loads and exports take a while)."""


def store_options(
    *, required: bool = False, help_text: str = STORE_HELP
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``--store`` (a directory or a server's URL) with ``--update-endpoint`` and ``--gsp-endpoint``.

    The command receives ``location``: a :class:`~pathlib.Path`, a
    :class:`~tradekg.store.backends.ServerAddress`, or ``None``.
    """

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def with_location(
            *args: object,
            store_text: str | None,
            update_endpoint: str | None,
            gsp_endpoint: str | None,
            **kwargs: object,
        ) -> None:
            try:
                location = store_location(
                    store_text, update_endpoint=update_endpoint, gsp_endpoint=gsp_endpoint, timeout=CLI_REQUEST_SECONDS
                )
            except StoreError as error:
                _fail(str(error), EXIT_UNREADABLE)
            command(*args, location=location, **kwargs)

        options = [
            click.option("--store", "store_text", required=required, default=None, metavar="DIR|URL", help=help_text),
            click.option(
                "--update-endpoint",
                default=None,
                metavar="URL",
                help="With --store URL: the SPARQL update endpoint, when it is not the query endpoint.",
            ),
            click.option(
                "--gsp-endpoint",
                default=None,
                metavar="URL",
                help="With --store URL: the server's Graph Store Protocol endpoint (used to read whole graphs).",
            ),
        ]
        for option in reversed(options):
            with_location = option(with_location)
        return with_location

    return decorate


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _open(location: StoreLocation, *, data_files: tuple[Path, ...] = ()) -> TradeStore:
    try:
        store = open_store(location, data_files=list(data_files) or None)
        click.get_current_context().call_on_close(store.close)
        return store
    except ValidationFailed as error:
        _fail(str(error), EXIT_NOT_CONFORMING)
    except (LoadError, StoreError) as error:
        _fail(str(error), EXIT_UNREADABLE)
    raise AssertionError("unreachable")


class CommandGroup(click.Group):
    """The ``tradekg`` commands, ending with a message and exit code 2 when the store fails mid-command.

    A SPARQL server gone, or a write refused as concurrent: a message, never a traceback.
    """

    def invoke(self, ctx: click.Context) -> object:
        """Run the command, turning a store failure into a message."""
        try:
            return super().invoke(ctx)
        except StoreConflict as error:
            _fail(f"{error}; run the command again", EXIT_UNREADABLE)
        except StoreError as error:
            _fail(f"the store failed: {error}", EXIT_UNREADABLE)
        raise AssertionError("unreachable")


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tradekg")
def main() -> None:
    """tradekg: an open knowledge graph of trade policy.

    Start with `tradekg serve`, then open http://127.0.0.1:8080/.
    """


def _setting_option(setting: Setting) -> Callable[[Callable[..., None]], Callable[..., None]]:
    shown_default = setting.default not in (None, (), False)
    if setting.kind is bool:
        return click.option(setting.option, setting.name, is_flag=True, default=False, help=setting.help)
    click_type: click.ParamType | type = setting.kind
    if setting.kind is Path:
        click_type = click.Path(path_type=Path, exists=setting.multiple, dir_okay=not setting.multiple)
    return click.option(
        setting.option,
        setting.name,
        type=click_type,
        default=setting.default,
        multiple=setting.multiple,
        envvar=setting.env,
        show_default=shown_default,
        show_envvar=setting.env is not None,
        help=setting.help,
    )


def _with_settings(command: Callable[..., None]) -> Callable[..., None]:
    for setting in reversed(SETTINGS):
        command = _setting_option(setting)(command)
    return command


@main.command()
@_with_settings
def serve(**settings: object) -> None:
    """Serve the graph over HTTP: SPARQL, linked-data pages and the query API."""
    from tradekg.server.run import run_server

    try:
        run_server(settings)
    except CatalogError as error:
        _fail(f"a named query is broken: {error}", EXIT_UNREADABLE)
    except ValidationFailed as error:
        _fail(str(error), EXIT_NOT_CONFORMING)
    except (LoadError, StoreError) as error:
        _fail(str(error), EXIT_UNREADABLE)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@store_options(help_text="Validate everything in this store (a directory or a SPARQL server's URL) instead.")
def validate(files: tuple[Path, ...], location: StoreLocation) -> None:
    """Validate the bundled graph (curated files and reference data), FILES, or a store, against the shapes."""
    if files and location is not None:
        _fail("give FILES or --store, not both", EXIT_UNREADABLE)
    if location is not None:
        quads = _stored_quads(location)
    else:
        paths = list(files) or bundled_data_files()
        quads = [] if files else reference_quads()
        try:
            for path in paths:
                quads.extend(parse_file(path))
        except (UnreadableFile, RdfSyntaxError) as error:
            _fail(str(error), EXIT_UNREADABLE)
    report = validate_graph(quads_to_graph(quads))
    click.echo(report.to_text())
    sys.exit(0 if report.conforms else EXIT_NOT_CONFORMING)


def _stored_quads(location: StoreLocation) -> list[ox.Quad]:
    """Every quad of the data in a store (the ontology and shapes graphs left out: they come from the package)."""
    try:
        store = open_backend(location)
    except StoreError as error:
        _fail(str(error), EXIT_UNREADABLE)
    try:
        return [quad for quad in store.quads_for_pattern() if quad.graph_name.value not in VOCABULARY_GRAPHS]  # type: ignore[union-attr]
    except StoreError as error:
        _fail(str(error), EXIT_UNREADABLE)
    finally:
        store.close()
    raise AssertionError("unreachable")


def _read_query(text: str) -> str:
    if text == "-":
        return sys.stdin.read()
    if text.startswith("@"):
        try:
            return Path(text[1:]).read_text(encoding="utf-8")
        except OSError as error:
            _fail(f"cannot read {text[1:]}: {error.strerror}", EXIT_UNREADABLE)
    return text


def _catalog() -> dict[str, NamedQuery]:
    try:
        return load_catalog()
    except CatalogError as error:
        _fail(f"a named query is broken: {error}", EXIT_UNREADABLE)
    raise AssertionError("unreachable")


def _named_query(name: str) -> NamedQuery:
    catalog = _catalog()
    if name not in catalog:
        _fail(f"no named query {name!r}; `tradekg queries` lists them: {', '.join(catalog)}", EXIT_UNREADABLE)
    return catalog[name]


def _param_values(params: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for param in params:
        name, equals, value = param.partition("=")
        if not equals or not name:
            _fail(f"--param takes NAME=VALUE, not {param!r}", EXIT_UNREADABLE)
        values[name.strip()] = value
    return values


@main.command()
def queries() -> None:
    """List the named queries: name, question and parameters (* = required)."""
    for query in _catalog().values():
        params = " ".join(f"{param.name}{'*' if param.required else ''}=<{param.type}>" for param in query.params)
        click.echo(f"{query.name}\n    {query.summary}\n    params: {params or 'none'}  view: {query.view}")


@main.command()
@click.argument("query", required=False)
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["table", "json", "xml", "csv", "tsv", "ttl", "nt", "jsonld", "rdf"]),
    default="table",
    show_default=True,
    help="table, json (SPARQL 1.1 Results JSON), csv, tsv for SELECT/ASK; ttl, nt, jsonld for CONSTRUCT/DESCRIBE.",
)
@click.option(
    "--name", "query_name", default=None, help="Run this named query instead of QUERY (see `tradekg queries`)."
)
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A named query's parameter (repeat).")
@click.option("--data", "data_files", multiple=True, type=click.Path(path_type=Path), help="Query these files.")
@store_options()
def query(
    query: str | None,
    format_name: str,
    query_name: str | None,
    params: tuple[str, ...],
    data_files: tuple[Path, ...],
    location: StoreLocation,
) -> None:
    """Run a SPARQL QUERY (text, - for stdin, or @file.rq), or a named query with --name and --param."""
    if (query is None) == (query_name is None):
        _fail("give either a QUERY or --name NAME (not both)", EXIT_UNREADABLE)
    if params and query_name is None:
        _fail("--param goes with --name NAME", EXIT_UNREADABLE)
    named = _named_query(query_name) if query_name else None
    values = _param_values(params)
    if named is not None:
        try:
            named.bind(values)
        except ParamError as error:
            _fail(str(error), EXIT_UNREADABLE)
    sparql = named.sparql if named else _read_query(str(query))
    store = _open(location, data_files=data_files)
    try:
        answer = named.run(store, values) if named else store.query(sparql)
    except SyntaxError as error:
        _fail(f"the query does not parse: {error}", EXIT_NOT_CONFORMING)
    except OSError as error:
        _fail(f"the query failed: {error}", EXIT_NOT_CONFORMING)
    if isinstance(answer, ox.QueryTriples):
        graph_format = "ttl" if format_name == "table" else format_name
        if graph_format not in GRAPH_FORMATS:
            _fail(f"a CONSTRUCT or DESCRIBE answer is RDF: use --format ttl, nt or jsonld, not {format_name}", 2)
        click.echo(serialize_answer(answer, graph_format).decode(), nl=False)
    elif format_name == "table":
        click.echo(answer_table(answer))
    elif format_name in ("ttl", "nt", "jsonld", "rdf"):
        _fail(f"a SELECT or ASK answer is a table: use --format table, json, csv or tsv, not {format_name}", 2)
    else:
        click.echo(serialize_answer(answer, format_name).decode(), nl=False)


@main.command()
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
    store = _open(location)
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


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_options(
    required=True,
    help_text="Directory of the persistent store to load into (created if missing), or a SPARQL server's URL.",
)
@click.option("--graph", default=None, help="Graph IRI for the triples of files that name no graph.")
def load(files: tuple[Path, ...], location: StoreLocation, graph: str | None) -> None:
    """Validate FILES and load them into a persistent store, all or nothing."""
    store = _open(location)
    total = sum(path.stat().st_size for path in files if path.is_file())
    try:
        with click.progressbar(length=total, label="Parsing", file=sys.stderr, show_pos=False) as bar:
            summary = load_files(store, list(files), graph=graph, on_file=lambda path: bar.update(path.stat().st_size))
    except ValidationFailed as error:
        _fail(str(error), EXIT_NOT_CONFORMING)
    except LoadError as error:
        _fail(str(error), EXIT_UNREADABLE)
    click.echo(f"Loaded {summary.quads:,} quads from {len(summary.files)} file(s) into {len(summary.graphs)} graph(s).")


@main.command("import-csv")
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

    store = _open(location)
    try:
        summary = import_csv(store, file, mapping_path, graph=graph)
    except BadRows as error:
        _fail(str(error), EXIT_NOT_CONFORMING)
    except LoadError as error:
        _fail(str(error), EXIT_UNREADABLE)
    graphs = ", ".join(summary.graphs)
    click.echo(f"Imported {summary.rows:,} row(s) as {summary.quads:,} quads into {graphs}.")


@main.command()
@store_options()
def stats(location: StoreLocation) -> None:
    """Count triples, graphs and instances per class."""
    store = _open(location)
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


@main.command()
@click.option("--origin", required=True, help="Country of origin: ISO 3166-1 alpha-3 code (JPN) or name.")
@click.option("--hs", "hs_code", required=True, help="HS or HTS code, 4 to 10 digits, e.g. 8703.23.01.")
@click.option("--date", "day", required=True, help="Date of entry, YYYY-MM-DD.")
@click.option("--usmca", is_flag=True, help="The goods are USMCA-qualifying and the importer claims it.")
@click.option("--over-quota", is_flag=True, help="The tariff-rate quota that would cover the goods is filled.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_options()
def duty(
    origin: str, hs_code: str, day: str, usmca: bool, over_quota: bool, output_format: str, location: StoreLocation
) -> None:
    """The additional duty goods paid entering the US on a date, and why.

    Each duty comes with its legal basis; each measure that did not apply, with the rule and source that say so.
    Exits 2 on an unknown country, a malformed code or a date outside what the data covers.
    """
    store = _open(location)
    try:
        answer = compute_duty(store, origin=origin, hs=hs_code, day=day, usmca=usmca, over_quota=over_quota)
    except DutyInputError as error:
        _fail(str(error), 2)
        return
    if output_format == "json":
        click.echo(json.dumps(answer.to_json(), indent=2))
    else:
        click.echo(duty_table(answer))
