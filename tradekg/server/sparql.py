"""The SPARQL 1.1 Protocol at ``/sparql``: query (GET, POST form, POST direct) and update (POST).

A query is evaluated in one of the application's worker processes (:mod:`tradekg.server.worker`), killed at
``--timeout`` (with ``--timeout 0``, in the server's own process), and its answer is written in the negotiated
format, cut at ``--max-rows``. An update passes the write gate (:mod:`tradekg.gate.writes`). A GET with no query
answers the service description (or, for a browser, a redirect to the query page at ``/query``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import Blueprint, Flask, Response, current_app, redirect, request

from tradekg.gate.writes import (
    FederationRefused,
    ProtectedGraph,
    UpdateFailed,
    UpdateSyntaxError,
    ValidationRejected,
    apply_update,
)
from tradekg.server import answer_cache, current_store, run_bounded
from tradekg.server.bounded_updates import bounded_evaluator
from tradekg.server.guard import request_iris
from tradekg.server.http import (
    CORS_HEADERS,
    GRAPH_MEDIA_TYPES,
    RESULT_MEDIA_TYPES,
    content_type,
    error_response,
    negotiate,
    prefers_html,
    write_refusal,
)
from tradekg.server.results import Answer
from tradekg.server.service_description import service_description_response
from tradekg.server.worker import QueryRequest, QueryTimeout, WorkerFailed
from tradekg.store.answers import FormatError
from tradekg.store.interface import StoreConflict, StoreError
from tradekg.store.nesting import TooDeep, check_nesting
from tradekg.store.sparql_text import DatasetConflict, tokens, uses_keyword

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")
QUERY_FORMS = ("SELECT", "ASK", *GRAPH_FORMS)


class ProtocolError(Exception):
    """A request the protocol does not allow; carries the HTTP status and a message naming the problem."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


def _parameters(name: str) -> list[str]:
    """A protocol parameter from the URL and, for form posts, from the body."""
    values = request.args.getlist(name)
    if request.method == "POST" and request.mimetype == FORM:
        values += request.form.getlist(name)
    return values


def _one(name: str) -> str | None:
    values = _parameters(name)
    if len(values) > 1:
        raise ProtocolError(400, f"the request has {len(values)} '{name}' parameters; send exactly one")
    return values[0] if values else None


def _body_text() -> str:
    """The body of a direct POST, which must be UTF-8."""
    charset = request.mimetype_params.get("charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"the body must be UTF-8, not {charset}")
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"the body is not valid UTF-8 (byte {error.start})") from None


def _form_is_utf8() -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"the form must be UTF-8, not {charset}")
    try:
        request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"the body is not valid UTF-8 (byte {error.start})") from None


def _operation() -> tuple[str, str] | None:
    """``("query"|"update", text)`` from the request, or ``None`` for a GET with neither."""
    if request.method in ("GET", "HEAD"):
        if _parameters("update"):
            raise ProtocolError(405, "an update must be sent with POST")
        query = _one("query")
        return None if query is None else ("query", query)
    media_type = request.mimetype.lower()
    if media_type == FORM:
        _form_is_utf8()
        query, update = _one("query"), _one("update")
        if query is not None and update is not None:
            raise ProtocolError(400, "send either 'query' or 'update', not both")
        if query is not None:
            return "query", query
        if update is not None:
            return "update", update
        raise ProtocolError(400, "the form has neither a 'query' nor an 'update' field")
    if media_type == QUERY_TYPE:
        if _parameters("query"):
            raise ProtocolError(400, "the query is in the body; do not also send a 'query' parameter")
        return "query", _body_text()
    if media_type == UPDATE_TYPE:
        return "update", _body_text()
    if not media_type:
        raise ProtocolError(415, f"a POST needs a Content-Type: {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}")
    raise ProtocolError(415, f"unsupported Content-Type {media_type!r}: use {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}")


def short_syntax_message(error: Exception, limit: int = 300) -> str:
    """The parser's message with its position, the list of expected tokens cut when it runs long."""
    message = str(error)
    return message if len(message) <= limit else message[:limit].rstrip() + " ..."


_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_FORM_AFTER_PROLOGUE = re.compile(
    rf"""(?>\s+|\#[^\n]*|PREFIX\s*(?:[^\W\d][\w.\-]*)?:\s*{_IRI}|BASE\s*{_IRI})*+  # atomic: linear time
    (SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w.:%\\-])""",
    re.IGNORECASE | re.VERBOSE,
)
"""A prologue (spaces, comments, ``PREFIX`` and ``BASE`` declarations) then a query form: what most texts are."""


@lru_cache(maxsize=128)
def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first of these keywords in the text (kept for repeated texts).

    A text that starts with a plain prologue is read by one regular expression (lexing every token of a long
    prologue in Python cost a third of a millisecond, as much as evaluating a selective query); any other text
    goes through the lexer.
    """
    if match := _FORM_AFTER_PROLOGUE.match(query):
        return match.group(1).upper()
    for token in tokens(query):
        if token.kind == "name" and token.text.upper() in QUERY_FORMS:
            return token.text.upper()
    return "SELECT"  # let the parser report what is wrong


@bp.route("/sparql", methods=["GET", "POST"], strict_slashes=False)
def endpoint() -> Response:
    """Answer a SPARQL query or update, or describe the service."""
    try:
        operation = _operation()
        if operation is None:
            if prefers_html():
                return redirect("/query", code=303)  # type: ignore[return-value]
            return service_description_response()
        kind, text = operation
        limit = int(current_app.config["TRADEKG_MAX_QUERY_LENGTH"])
        if kind == "query" and len(text) > limit:  # an update is bounded by --max-body-bytes: INSERT DATA may be long
            raise ProtocolError(413, f"the {kind} is {len(text):,} characters long; the limit is {limit:,}")
        try:
            check_nesting(text, int(current_app.config["TRADEKG_MAX_NESTING"]))
        except TooDeep as error:
            raise ProtocolError(400, f"the {kind} is refused: {error}") from None
        if kind == "update":
            return _update(text)
        return _query(text)
    except ProtocolError as error:
        return error_response(error.status, str(error))


@lru_cache(maxsize=128)
def calls_service(query: str) -> bool:
    """Whether the query calls ``SERVICE``: lexed only when the word is there, kept for repeated texts.

    Lexing a query costs about a millisecond of the server's own process per request, as much as a selective
    query's evaluation, and the same texts come back (a client's, the catalog's).
    """
    return "service" in query.lower() and uses_keyword(query, "SERVICE")


def _query(query: str) -> Response:
    if _parameters("using-graph-uri") or _parameters("using-named-graph-uri"):
        raise ProtocolError(400, "using-graph-uri and using-named-graph-uri apply to updates, not queries")
    if not current_app.config["TRADEKG_ALLOW_FEDERATION"] and calls_service(query):
        raise ProtocolError(403, "SERVICE is disabled on this server (start it with --allow-federation)")
    offers = GRAPH_MEDIA_TYPES if query_form(query) in GRAPH_FORMS else RESULT_MEDIA_TYPES
    format_name = negotiate(offers, format_parameter=_one("format") or _one("output"))
    if format_name is None:
        offered = ", ".join(dict.fromkeys(offers))
        raise ProtocolError(406, f"cannot answer in the requested format; this answer can be one of: {offered}")
    work = QueryRequest(
        query,
        format_name,
        int(current_app.config["TRADEKG_MAX_ROWS"]),
        default_graph_uris=tuple(request_iris(_parameters("default-graph-uri"), "a default-graph-uri parameter")),
        named_graph_uris=tuple(request_iris(_parameters("named-graph-uri"), "a named-graph-uri parameter")),
        base_iri=request.base_url,
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    answer, cached = answer_query(app, work)
    return Response(answer.body, headers=answer_headers(work, answer, cached=cached))


def answer_query(app: Flask, work: QueryRequest) -> tuple[Answer, bool]:
    """The answer to a query: kept from an identical request since the last write, or evaluated in a worker.

    Returns:
        The answer, and whether it came from the answer cache.

    Raises:
        ProtocolError: The query does not parse (400), the format does not fit it (406), or it ran out of time
            or lost its worker (503).
    """
    cache = answer_cache(app)
    generation = app.extensions["tradekg"].generation  # read first: the answer is at least this new
    if cache.enabled:
        kept = cache.get(generation, work)
        if kept is not None:
            return kept, True
    answer = _run(app, work)
    if cache.enabled:
        cache.put(generation, work, answer)
    return answer, False


def answer_headers(work: QueryRequest, answer: Answer, *, cached: bool) -> list[tuple[str, str]]:
    """The headers of a query's answer (without ``Content-Length``), the same on every path that serves one."""
    timing = 'cache;desc="hit"' if cached else f"query;dur={answer.seconds * 1000:.1f}"
    headers = [("Content-Type", content_type(work.format_name)), ("Server-Timing", timing), ("Vary", "Accept")]
    if answer.truncated:
        headers.append(("TradeKG-Truncated", f"max-rows={work.max_rows}"))
    return headers + list(CORS_HEADERS)


def _run(app: Flask, work: QueryRequest) -> Answer:
    try:
        return run_bounded(work, app)
    except SyntaxError as error:
        raise ProtocolError(400, f"query syntax error: {short_syntax_message(error)}") from None
    except FormatError as error:
        raise ProtocolError(406, str(error)) from None
    except (QueryTimeout, TimeoutError) as error:
        raise ProtocolError(503, f"{error}; narrow it (LIMIT, more specific patterns) and try again") from None
    except (WorkerFailed, StoreError) as error:
        raise ProtocolError(503, str(error)) from None


def _update(update: str) -> Response:
    refusal = write_refusal()
    if refusal is not None:
        return refusal
    if _parameters("default-graph-uri") or _parameters("named-graph-uri"):
        raise ProtocolError(400, "default-graph-uri and named-graph-uri apply to queries; use using-graph-uri")
    try:
        result = apply_update(
            current_store(),
            update,
            using=request_iris(_parameters("using-graph-uri"), "a using-graph-uri parameter"),
            using_named=request_iris(_parameters("using-named-graph-uri"), "a using-named-graph-uri parameter"),
            base_iri=request.base_url,
            allow_federation=bool(current_app.config["TRADEKG_ALLOW_FEDERATION"]),
            evaluate=bounded_evaluator(current_app._get_current_object()),  # type: ignore[attr-defined]
        )
    except QueryTimeout as error:
        message = f"the update ran longer than {error.seconds:g} s and was stopped; nothing was changed"
        raise ProtocolError(503, f"{message}; narrow its WHERE and try again") from None
    except WorkerFailed as error:
        raise ProtocolError(503, f"the update was not evaluated: {error}; nothing was changed") from None
    except UpdateSyntaxError as error:
        raise ProtocolError(400, f"update syntax error: {short_syntax_message(error)}") from None
    except UpdateFailed as error:
        raise ProtocolError(400, f"the update failed: {error}") from None
    except DatasetConflict as error:
        raise ProtocolError(400, str(error)) from None
    except (FederationRefused, ProtectedGraph) as error:
        raise ProtocolError(403, str(error)) from None
    except StoreConflict as error:
        raise ProtocolError(409, f"{error}; send the update again") from None
    except StoreError as error:
        raise ProtocolError(503, f"the store could not be written: {error}") from None
    except ValidationRejected as error:
        return error_response(
            422, "the update would break the shapes; nothing was changed", report=error.report.to_text(),
            validation=error.report.to_json(),
        )  # fmt: skip
    message = f"OK: {result.added} triple(s) added, {result.removed} removed, {result.focus_nodes} node(s) validated\n"
    response = Response(message, mimetype="text/plain")
    response.headers["Server-Timing"] = f"update;dur={result.seconds * 1000:.1f}"
    return response


@bp.app_errorhandler(405)
def method_not_allowed(error: Exception) -> Response:
    """A method the resource does not take: 405 naming the allowed methods, as text or JSON."""
    response = error_response(405, f"{request.method} is not allowed on {request.path}")
    allowed = getattr(error, "valid_methods", None)
    if allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


@bp.app_errorhandler(413)
def too_large(error: Exception) -> Response:
    """A request body over ``--max-body-bytes``."""
    limit = current_app.config["TRADEKG_MAX_BODY_BYTES"]
    return error_response(413, f"the request body is larger than the limit of {limit:,} bytes")


@bp.app_errorhandler(StoreError)
@bp.app_errorhandler(TimeoutError)
def store_unavailable(error: Exception) -> Response:
    """The store failed to answer (a SPARQL server down or over its time limit): 503, the request may be retried."""
    return error_response(503, f"the store did not answer: {error}")


@bp.app_errorhandler(500)
def internal_error(error: Exception) -> Response:
    """A fault of the server (never of the request): a short message, the details only in the log."""
    cause = getattr(error, "original_exception", None) or error
    current_app.logger.error("internal error on %s %s", request.method, request.path, exc_info=cause)
    return error_response(500, "internal server error; the details are in the server's log")
