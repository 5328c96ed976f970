"""The common SPARQL request, ``GET /sparql?query=...``, answered without Flask's request machinery.

Building Flask's request and response objects, matching the route and parsing the URL costs several times a
selective query's evaluation. This WSGI middleware answers the plain case itself, through the same functions
as the ``/sparql`` view (:func:`tradekg.server.sparql.answer_query`, :func:`~tradekg.server.sparql.answer_headers`),
so both paths give the same bytes and headers. Anything else goes to Flask unchanged: other paths and methods,
other parameters (``default-graph-uri``, ``format``...), repeated or missing ``query``, an ``Accept`` header with
several types or parameters, a type the answer cannot have (406), an over-long text (413), ``SERVICE`` on a server
without federation (403). Errors of evaluation (400, 406, 503) are written by Flask's own error helper.

It also bounds chunked request bodies (no ``Content-Length``) by ``--max-body-bytes``: the server marks such a
stream as ended (``wsgi.input_terminated``), and Werkzeug then reads it without the limit it applies to a declared
length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.sansio.utils import get_host

from tradekg.server.http import GRAPH_MEDIA_TYPES, RESULT_MEDIA_TYPES, error_response
from tradekg.server.sparql import GRAPH_FORMS, ProtocolError, answer_headers, answer_query, calls_service, query_form
from tradekg.server.worker import QueryRequest

if TYPE_CHECKING:
    from flask import Flask

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApplication = Callable[[Environ, StartResponse], Iterable[bytes]]

PATH = "/sparql"


class SparqlFastPath:
    """WSGI middleware answering plain ``GET /sparql?query=`` requests; the rest goes to ``wsgi_app``.

    Args:
        app: The Flask application (its configuration, store, workers and answer cache).
        wsgi_app: The application's own WSGI callable, for every other request.
    """

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Answer the request here when it is a plain query, otherwise through Flask."""
        work = self.plain_query(environ) if environ.get("PATH_INFO") == PATH else None
        if work is None:
            if not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
                # A chunked body: the server marks the stream as ended, so Werkzeug trusts it and reads it whole.
                # Reading past --max-body-bytes raises RequestEntityTooLarge (answered 413), as a declared length does.
                limit = int(self.app.config["TRADEKG_MAX_BODY_BYTES"])
                environ["wsgi.input"] = BoundedInput(environ["wsgi.input"], limit)
            return self.wsgi_app(environ, start_response)
        try:
            answer, cached = answer_query(self.app, work)
        except ProtocolError as error:
            with self.app.request_context(environ):
                response = error_response(error.status, str(error))
            return response(environ, start_response)
        headers = answer_headers(work, answer, cached=cached)
        headers.append(("Content-Length", str(len(answer.body))))
        start_response("200 OK", headers)
        return [answer.body]

    def plain_query(self, environ: Environ) -> QueryRequest | None:
        """The query of a plain ``GET /sparql?query=`` request, or ``None`` for anything Flask must answer."""
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        parameters = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if len(parameters) != 1 or parameters[0][0] != "query":
            return None
        query = parameters[0][1]
        config = self.app.config
        if len(query) > int(config["TRADEKG_MAX_QUERY_LENGTH"]):
            return None
        if not config["TRADEKG_ALLOW_FEDERATION"] and calls_service(query):
            return None
        format_name = _format_of(environ.get("HTTP_ACCEPT", ""), query_form(query) in GRAPH_FORMS)
        if format_name is None:
            return None
        return QueryRequest(query, format_name, int(config["TRADEKG_MAX_ROWS"]), base_iri=_base_url(environ))


class BoundedInput:
    """A request body stream that raises :exc:`RequestEntityTooLarge` once it holds more than ``limit`` bytes.

    Werkzeug wraps a stream the server marks as ended in its ``LimitedStream``, which reads up to the limit and
    stops there without an error: a body cut at the limit could still parse, as another query.
    """

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.consumed = 0

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all when negative): one byte past the limit is enough to refuse the body."""
        left = self.limit + 1 - self.consumed
        whole = size is None or size < 0
        want = left if whole else min(size, left)  # type: ignore[type-var]
        chunks = []
        while want > 0:
            chunk = self.stream.read(want)
            if not chunk:
                break
            chunks.append(chunk)
            want -= len(chunk)
            if not whole:
                break
        return self._counted(b"".join(chunks))

    def readline(self, size: int | None = -1) -> bytes:
        """One line, counted against the limit."""
        left = self.limit + 1 - self.consumed
        return self._counted(self.stream.readline(left if size is None or size < 0 else min(size, left)))

    def __iter__(self) -> Iterable[bytes]:
        """The body line by line."""
        while line := self.readline():
            yield line

    def _counted(self, data: bytes) -> bytes:
        self.consumed += len(data)
        # Werkzeug's own wrapper reads exactly up to the limit and no further: at the limit, look one byte ahead.
        if self.consumed > self.limit or (self.consumed == self.limit and data and self.stream.read(1)):
            raise RequestEntityTooLarge()
        return data


def _format_of(accept: str, graph: bool) -> str | None:
    """The format for an ``Accept`` header naming one type (or none, or ``*/*``); ``None`` when Flask must decide."""
    offers = GRAPH_MEDIA_TYPES if graph else RESULT_MEDIA_TYPES
    accept = accept.strip().lower()
    if not accept or accept == "*/*":
        return next(iter(offers.values()))
    return offers.get(accept)  # a list, parameters, q-values or an unknown type are left to the negotiation


def _base_url(environ: Environ) -> str:
    """The request's URL without its query string, as Flask's ``request.base_url`` gives it for this path."""
    scheme = environ.get("wsgi.url_scheme", "http")
    server = (environ.get("SERVER_NAME", ""), int(environ.get("SERVER_PORT") or 0) or None)
    host = get_host(scheme, environ.get("HTTP_HOST"), server)  # type: ignore[arg-type]
    return f"{scheme}://{host}{environ.get('SCRIPT_NAME', '')}{PATH}"
