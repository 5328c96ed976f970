"""The named query API: ``/api/queries``, ``/api/queries/{name}``, ``/api/openapi.json`` and ``/queries/{name}``.

The catalog is loaded and checked when the blueprint is registered, so an application with a broken query file
refuses to start (:class:`~tradekg.queries.catalog.CatalogError` names the file). Parameter values are bound as
RDF terms; a wrong one is a 400 that names the parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, request, url_for
from rdflib import URIRef
from werkzeug.exceptions import HTTPException

from tradekg.gate.validate import short_name
from tradekg.linkeddata.describe import format_date
from tradekg.linkeddata.vocabulary import DATE_TYPES
from tradekg.queries.catalog import QUERIES_DIR, VIEW_NEEDS, NamedQuery, ParamError, load_catalog
from tradekg.queries.choices import param_choices
from tradekg.queries.openapi import MEDIA_TYPES, openapi_document
from tradekg.queries.results import Page, friendly_rows, label_of, page_request, sparql_csv, sparql_json, sparql_tsv
from tradekg.server import current_store, run_bounded
from tradekg.server.web import href, wants_json
from tradekg.server.web import page as html_or_json
from tradekg.server.worker import QueryTimeout, WorkerFailed
from tradekg.store.interface import XSD_STRING, StoreError, TradeStore

DEFAULT_LIMIT = 100
EXTENSION_KEY = "tradekg.catalog"

blueprint = Blueprint("queries", __name__)


class BadRequest(Exception):
    """A request the API answers 400, with a message for the person who sent it."""


def init_app(app: Flask) -> None:
    """Load the catalog (from ``TRADEKG_QUERIES_DIR`` or the bundled queries) and register the blueprint.

    Raises:
        CatalogError: A query file is broken.
    """
    directory = app.config.get("TRADEKG_QUERIES_DIR") or QUERIES_DIR
    app.extensions[EXTENSION_KEY] = load_catalog(Path(str(directory)))
    app.register_blueprint(blueprint)
    app.jinja_env.globals["column_header"] = column_header


def catalog() -> dict[str, NamedQuery]:
    """The catalog of the application handling the request."""
    return current_app.extensions[EXTENSION_KEY]


def _named(name: str) -> NamedQuery:
    query = catalog().get(name)
    if query is None:
        abort(404, f"no named query {name!r}; GET /api/queries lists them")
    return query


def _error(status: int, message: str) -> Response:
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


@blueprint.errorhandler(BadRequest)
@blueprint.errorhandler(ParamError)
def _bad_request(error: Exception) -> Response:
    return _error(400, str(error))


@blueprint.errorhandler(404)
def _not_found(error: HTTPException) -> Response:
    return _error(404, str(error.description))


@blueprint.errorhandler(QueryTimeout)
@blueprint.errorhandler(WorkerFailed)
@blueprint.errorhandler(TimeoutError)
@blueprint.errorhandler(StoreError)
def _not_answered(error: Exception) -> Response:
    return _error(503, f"{error}; narrow the parameters and try again")


def _describe(query: NamedQuery) -> dict[str, object]:
    return {
        "name": query.name,
        "summary": query.summary,
        "description": query.description,
        "tags": list(query.tags),
        "view": query.view,
        "answer": query.answer,
        "columns": list(query.variables),
        "params": [
            {
                "name": param.name,
                "type": param.type,
                "required": param.required,
                "default": param.default,
                "example": param.example,
                "description": param.description,
            }
            for param in query.params
        ],
        "url": url_for("queries.run_query", name=query.name),
        "html": url_for("queries.query_page", name=query.name),
        "sparql": query.sparql,
    }


@blueprint.get("/api/queries")
def list_queries() -> Response:
    """The catalog as JSON."""
    response = jsonify({"queries": [_describe(query) for query in catalog().values()]})
    response.headers["Link"] = f'<{url_for("queries.index_page")}>; rel="alternate"; type="text/html"'
    return response


@blueprint.get("/api/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of the query API."""
    return jsonify(openapi_document(catalog(), max_rows=int(current_app.config["TRADEKG_MAX_ROWS"])))


def _int_arg(name: str, default: int, lowest: int, highest: int | None = None) -> int:
    text = request.args.get(name, "")
    if text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, not {text!r}") from None
    if value < lowest or (highest is not None and value > highest):
        raise BadRequest(f"{name} must be between {lowest} and {highest if highest is not None else 'any'}")
    return value


def _param_values() -> dict[str, str]:
    return {name: value for name, value in request.args.items() if name not in ("limit", "offset", "format")}


def _format() -> str:
    name = request.args.get("format")
    if name:
        if name not in MEDIA_TYPES:
            raise BadRequest(f"format must be one of {', '.join(MEDIA_TYPES)}, not {name!r}")
        return name
    chosen = request.accept_mimetypes.best_match(list(MEDIA_TYPES.values()), default=MEDIA_TYPES["json"])
    return next(key for key, media in MEDIA_TYPES.items() if media == chosen)


def _page_url(page: Page, offset: int) -> str:
    args = {**request.args.to_dict(), "offset": str(offset), "limit": str(page.limit)}
    return f"{request.path}?{urlencode(args)}"


def _page_links(page: Page, query: NamedQuery) -> tuple[str | None, str | None, str]:
    next_url = _page_url(page, page.offset + page.limit) if page.has_more else None
    prev_url = _page_url(page, max(page.offset - page.limit, 0)) if page.offset > 0 else None
    html = url_for("queries.query_page", name=query.name, **_param_values())
    links = [f'<{html}>; rel="alternate"; type="text/html"']
    links += [f'<{url}>; rel="{rel}"' for url, rel in ((next_url, "next"), (prev_url, "prev")) if url]
    return next_url, prev_url, ", ".join(links)


def _page(query: NamedQuery) -> Page:
    max_rows = int(current_app.config["TRADEKG_MAX_ROWS"])
    limit = _int_arg("limit", min(DEFAULT_LIMIT, max_rows), 1, max_rows)
    offset = _int_arg("offset", 0, 0)
    return run_bounded(page_request(query, _param_values(), limit=limit, offset=offset))


@blueprint.get("/api/queries/<name>")
def run_query(name: str) -> Response:
    """Run one named query: one page of its answer in JSON, SPARQL JSON, CSV or TSV."""
    query = _named(name)
    format_name = _format()
    page = _page(query)
    next_url, prev_url, link = _page_links(page, query)
    if format_name == "json":
        response = jsonify(
            {
                "query": query.name,
                "params": _param_values(),
                "columns": list(page.variables),
                "rows": friendly_rows(page, current_store()),
                "offset": page.offset,
                "limit": page.limit,
                "next": next_url,
                "prev": prev_url,
            }
        )
    else:
        writer = {"sparql-json": sparql_json, "csv": sparql_csv, "tsv": sparql_tsv}[format_name]
        response = Response(writer(page), mimetype=MEDIA_TYPES[format_name])
        if format_name in ("csv", "tsv"):
            response.headers["Content-Type"] = f"{MEDIA_TYPES[format_name]}; charset=utf-8"
    response.headers["Link"] = link
    response.headers["Vary"] = "Accept"
    return response


# -- HTML ------------------------------------------------------------------------------------------------------


XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
IRI_IN_TEXT = re.compile(r"https?://[^\s<>\"]+")
"""An IRI written in a string (``GROUP_CONCAT(STR(?measure))`` lists several, separated by spaces)."""


def _cell(
    store: TradeStore, term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None, *, unit: str = ""
) -> dict[str, object]:
    """A cell as people read it: a label linking to this site's page, a date in words, a rate with its unit."""
    if term is None:
        return {"text": "", "href": "", "title": ""}
    if isinstance(term, ox.NamedNode):
        label = label_of(store, term)
        return {"text": label or short_name(URIRef(term.value)), "href": href(term.value), "title": term.value}
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        listed = term.value.split()
        if listed and all(IRI_IN_TEXT.fullmatch(item) for item in listed):  # IRIs a GROUP_CONCAT joined
            links = [_cell(store, ox.NamedNode(item)) for item in listed]
            return {"text": term.value, "href": "", "title": "", "links": links}
        if datatype == XSD_BOOLEAN:
            return {"text": "yes" if term.value in ("true", "1") else "no", "href": "", "title": term.value}
        text = format_date(term.value, datatype) if datatype in DATE_TYPES else term.value
        if unit and datatype != XSD_STRING and not term.language:
            text += unit
        return {"text": text, "href": "", "title": term.value if text != term.value else ""}
    return {"text": str(term), "href": "", "title": ""}


ACRONYMS = {"hts": "HTS", "hs": "HS", "mfn": "MFN", "iso": "ISO", "iri": "IRI", "usmca": "USMCA"}
"""Words a column header keeps in capitals (``htsHeading`` reads "HTS heading")."""


def column_header(variable: str) -> str:
    """A variable as a column header: ``effectiveFrom`` reads "Effective from" (rates carry their % in each cell)."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", variable).replace("_", " ").lower().split()
    words = [ACRONYMS.get(word, word) for word in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _is_rate(variable: str) -> bool:
    """Whether a column holds rates in percent (``rate``, ``ratePercent``, ``changePercent``...)."""
    name = variable.lower()
    return name.endswith(("rate", "percent")) or name.startswith("rate")


def _view_rows(page: Page) -> list[dict[str, dict[str, object]]]:
    store = current_store()
    units = {name: "%" if _is_rate(name) else "" for name in page.variables}
    return [
        {name: _cell(store, term, unit=units[name]) for name, term in zip(page.variables, row, strict=True)}
        for row in page.rows
    ]


def _columns(page: Page, rows: list[dict[str, dict[str, object]]]) -> list[tuple[str, str]]:
    """The answer's columns that have a value in some row, with readable headers."""
    return [(name, column_header(name)) for name in page.variables if any(row[name]["text"] for row in rows)]


def _grouped(rows: list[dict[str, dict[str, object]]], column: str) -> list[tuple[dict[str, object], list[dict]]]:
    """Rows grouped by one column's value, in the query's order, rows without a value last."""
    groups: dict[str, tuple[dict[str, object], list[dict]]] = {}
    for row in rows:
        key = str(row[column]["href"] or row[column]["text"])
        groups.setdefault(key, (row[column], []))[1].append(row)
    return [group for key, group in groups.items() if key] + [group for key, group in groups.items() if not key]


@blueprint.get("/queries")
def index_page() -> Response:
    """The catalog as an HTML page, or as the JSON of ``/api/queries`` (``?format=json``, ``Accept``)."""
    queries = list(catalog().values())
    return html_or_json(
        "queries/index.html", lambda: {"queries": [_describe(query) for query in queries]}, queries=queries
    )


@blueprint.get("/queries/<name>")
def query_page(name: str) -> Response | tuple[str, int] | str:
    """A named query's page: a form for its parameters, its SPARQL text, and its answer drawn in its view.

    Its JSON (``?format=json`` or ``Accept``) is the API's answer, ``/api/queries/{name}``.
    """
    if wants_json():
        return run_query(name)
    query = _named(name)
    values = _param_values()
    choices = {param.name: param_choices(current_store(), param) for param in query.params}
    context: Mapping[str, object] = {
        "query": query,
        "values": values,
        "choices": choices,
        "error": None,
        "page": None,
        "rows": [],
    }
    asked = bool(request.args) or not any(param.required for param in query.params)
    if not asked:
        return render_template("queries/query.html", **context)
    try:
        page = _page(query)
    except (ParamError, BadRequest) as error:
        return render_template("queries/query.html", **{**context, "error": str(error)}), 400
    except (QueryTimeout, WorkerFailed, TimeoutError, StoreError) as error:
        return render_template("queries/query.html", **{**context, "error": str(error)}), 503
    rows = _view_rows(page)
    next_url, prev_url, _ = _page_links(page, query)
    groups = _grouped(rows, VIEW_NEEDS[query.view]) if query.view in VIEW_NEEDS else []
    json_url = url_for("queries.run_query", name=query.name, **request.args.to_dict())
    html = render_template(
        "queries/query.html",
        **{
            **context,
            "page": page,
            "rows": rows,
            "columns": _columns(page, rows),
            "groups": groups,
            "next_url": next_url,
            "prev_url": prev_url,
            "json_url": json_url,
        },
    )
    response = Response(html, mimetype="text/html")
    response.headers["Link"] = f'<{json_url}>; rel="alternate"; type="application/json"'
    return response
