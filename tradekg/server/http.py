"""HTTP helpers shared by the protocol blueprints: media types, negotiation, errors, write authorisation."""

from __future__ import annotations

import hmac

from flask import Response, current_app, jsonify, request
from werkzeug.datastructures import MIMEAccept

RESULT_MEDIA_TYPES: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
"""Media types of SELECT/ASK answers, to the short names of :mod:`tradekg.store.answers`; the first is the default."""

GRAPH_MEDIA_TYPES: dict[str, str] = {
    "text/turtle": "ttl",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdf",
    "application/trig": "trig",
    "application/n-quads": "nq",
    "application/x-turtle": "ttl",
    "text/plain": "nt",
}
"""Media types of graphs (CONSTRUCT, DESCRIBE, the Graph Store); the first is the default."""

MEDIA_TYPE_OF: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "trig": "application/trig",
    "nq": "application/n-quads",
}
"""The media type each short format name is answered with."""

FORMAT_ALIASES: dict[str, str] = {
    "turtle": "ttl",
    "ntriples": "nt",
    "n-triples": "nt",
    "json-ld": "jsonld",
    "rdfxml": "rdf",
    "rdf+xml": "rdf",
    "rdf/xml": "rdf",
    "nquads": "nq",
    "n-quads": "nq",
    "tab-separated-values": "tsv",
}
"""Other names clients give formats in ``format=``/``output=``."""

GRAPH_FORMAT_ALIASES: dict[str, str] = {"xml": "rdf", "json": "jsonld"}
"""What ``xml`` and ``json`` mean when the answer is a graph."""

TEXT_TYPES = ("text/", "application/sparql-results+", "application/n-", "application/trig", "application/ld+json")


def content_type(format_name: str) -> str:
    """The ``Content-Type`` header for a short format name (with ``charset=utf-8`` for text formats)."""
    media_type = MEDIA_TYPE_OF[format_name]
    return f"{media_type}; charset=utf-8" if media_type.startswith(TEXT_TYPES) else media_type


def negotiate(offers: dict[str, str], *, format_parameter: str | None = None) -> str | None:
    """Choose a short format name from ``format=`` or the ``Accept`` header; ``None`` when nothing fits (406).

    ``format=`` takes a short name (``json``, ``ttl``...) or a media type. ``Accept`` is parsed with its q-values
    and wildcards; with no ``Accept`` (or only ``*/*``) the first offer, the default, is chosen.
    """
    names = set(offers.values())
    if format_parameter:
        wanted = format_parameter.strip().lower().split(";")[0].strip()
        graphs = "ttl" in names
        wanted = (GRAPH_FORMAT_ALIASES if graphs else {}).get(wanted, FORMAT_ALIASES.get(wanted, wanted))
        if wanted in names:
            return wanted
        if wanted in offers:
            return offers[wanted]
        # A format name we do not know (clients such as SPARQLWrapper send their own): the Accept header decides.
    accept = MIMEAccept([(value.split(";")[0].strip(), quality) for value, quality in request.accept_mimetypes])
    if not accept:
        return next(iter(offers.values()))
    best = accept.best_match(list(offers))  # parameters such as charset are ignored, q-values are not
    return offers[best] if best else None


def prefers_html() -> bool:
    """Whether the client (a browser) asks for HTML before any RDF or results format."""
    accept = request.accept_mimetypes
    html = accept["text/html"]
    if not html or accept.find("text/html") < 0:
        return False
    return all(accept[media_type] < html for media_type in (*GRAPH_MEDIA_TYPES, *RESULT_MEDIA_TYPES))


def error_response(status: int, message: str, **details: object) -> Response:
    """An error as JSON (when the client prefers JSON) or plain text; never HTML, never a stack trace."""
    accept = request.accept_mimetypes
    if accept and accept.best_match(["text/plain", "application/json"]) == "application/json":
        response = jsonify({"status": status, "error": message, **details})
    else:
        text = message + "".join(f"\n\n{value}" for value in details.values() if isinstance(value, str))
        response = Response(text + "\n", mimetype="text/plain")
    response.status_code = status
    return response


def write_refusal() -> Response | None:
    """``None`` when the request may write; otherwise the 403 (writes off) or 401 (bad token) answer."""
    token = current_app.config.get("TRADEKG_WRITE_TOKEN")
    if not token:
        return error_response(403, "writes are disabled on this server (start it with --write-token)")
    sent = request.headers.get("Authorization", "")
    scheme, _, credentials = sent.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(credentials.strip().encode(), str(token).encode()):
        response = error_response(401, "this write needs the header 'Authorization: Bearer <write token>'")
        response.headers["WWW-Authenticate"] = 'Bearer realm="tradekg"'
        return response
    return None


CORS_HEADERS: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "Server-Timing, TradeKG-Truncated"),
)
"""What lets pages on other origins read an answer."""


def allow_cors(response: Response) -> Response:
    """Let pages on other origins read the answer (reads only; writes need a token and stay same-origin)."""
    for name, value in CORS_HEADERS:
        response.headers[name] = value
    return response


def media_type_charset() -> tuple[str, str | None]:
    """The request's media type (lower case) and its ``charset`` parameter, if any."""
    return request.mimetype.lower(), request.mimetype_params.get("charset")
