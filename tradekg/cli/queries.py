"""``tradekg queries`` and ``tradekg query``: list the named queries; run SPARQL or a named query."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pyoxigraph as ox

from tradekg.cli.exits import EXIT_NOT_CONFORMING, EXIT_UNREADABLE, fail
from tradekg.cli.store_option import open_or_exit, store_options
from tradekg.queries.catalog import CatalogError, NamedQuery, ParamError, load_catalog
from tradekg.store.answers import GRAPH_FORMATS, answer_table, serialize_answer
from tradekg.store.backends import StoreLocation


def read_query_text(text: str) -> str:
    """The query: ``text`` itself, stdin for ``-``, or the file named after ``@``."""
    if text == "-":
        return sys.stdin.read()
    if text.startswith("@"):
        try:
            return Path(text[1:]).read_text(encoding="utf-8")
        except OSError as error:
            fail(f"cannot read {text[1:]}: {error.strerror}", EXIT_UNREADABLE)
    return text


def catalog_or_exit() -> dict[str, NamedQuery]:
    """The named queries by name; exits 2 when one of them is broken."""
    try:
        return load_catalog()
    except CatalogError as error:
        fail(f"a named query is broken: {error}", EXIT_UNREADABLE)


def named_query(name: str) -> NamedQuery:
    """The named query ``name``; exits 2, listing the names, when there is none."""
    catalog = catalog_or_exit()
    if name not in catalog:
        fail(f"no named query {name!r}; `tradekg queries` lists them: {', '.join(catalog)}", EXIT_UNREADABLE)
    return catalog[name]


def param_values(params: tuple[str, ...]) -> dict[str, str]:
    """``--param NAME=VALUE`` options as a dictionary; exits 2 on one without ``=`` or a name."""
    values: dict[str, str] = {}
    for param in params:
        name, equals, value = param.partition("=")
        if not equals or not name:
            fail(f"--param takes NAME=VALUE, not {param!r}", EXIT_UNREADABLE)
        values[name.strip()] = value
    return values


@click.command()
def queries() -> None:
    """List the named queries: name, question and parameters (* = required)."""
    for named in catalog_or_exit().values():
        params = " ".join(f"{param.name}{'*' if param.required else ''}=<{param.type}>" for param in named.params)
        click.echo(f"{named.name}\n    {named.summary}\n    params: {params or 'none'}  view: {named.view}")


@click.command()
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
        fail("give either a QUERY or --name NAME (not both)", EXIT_UNREADABLE)
    if params and query_name is None:
        fail("--param goes with --name NAME", EXIT_UNREADABLE)
    named = named_query(query_name) if query_name else None
    values = param_values(params)
    if named is not None:
        try:
            named.bind(values)
        except ParamError as error:
            fail(str(error), EXIT_UNREADABLE)
    sparql = named.sparql if named else read_query_text(str(query))
    store = open_or_exit(location, data_files=data_files)
    try:
        answer = named.run(store, values) if named else store.query(sparql)
    except SyntaxError as error:
        fail(f"the query does not parse: {error}", EXIT_NOT_CONFORMING)
    except OSError as error:
        fail(f"the query failed: {error}", EXIT_NOT_CONFORMING)
    if isinstance(answer, ox.QueryTriples):
        graph_format = "ttl" if format_name == "table" else format_name
        if graph_format not in GRAPH_FORMATS:
            fail(
                f"a CONSTRUCT or DESCRIBE answer is RDF: use --format ttl, nt or jsonld, not {format_name}",
                EXIT_UNREADABLE,
            )
        click.echo(serialize_answer(answer, graph_format).decode(), nl=False)
    elif format_name == "table":
        click.echo(answer_table(answer))
    elif format_name in ("ttl", "nt", "jsonld", "rdf"):
        fail(
            f"a SELECT or ASK answer is a table: use --format table, json, csv or tsv, not {format_name}",
            EXIT_UNREADABLE,
        )
    else:
        click.echo(serialize_answer(answer, format_name).decode(), nl=False)
