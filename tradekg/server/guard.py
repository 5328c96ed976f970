"""Checks at the request boundary: IRIs a client sends, and the headers every HTML page carries.

A client's IRI (``default-graph-uri``, ``graph=``, ``?iri=``, a ``/page/`` path...) is checked with Oxigraph's own
IRI parser (RFC 3987: an absolute IRI, valid percent-encoding, no spaces, ``<>``, backslashes or control
characters) before any code uses it, and a bad one is answered 400 naming the parameter and the problem. Nothing
a client sends reaches a header unchecked: an IRI with a newline is refused here first.

HTML pages are sent with a Content-Security-Policy that allows only this site's own scripts and images (no inline
script, no plugins, no framing; inline styles are allowed, they run no code), ``X-Content-Type-Options: nosniff`` and
``X-Frame-Options: DENY``. Pages link only http(s) IRIs: a stored ``javascript:`` IRI is shown as text.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Flask, Response

from tradekg.server.http import error_response, prefers_html

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
"""What an HTML page may load: its own site's files only; inline script and framing by other sites are refused."""

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
)
"""Headers of every HTML page."""

LINKABLE_SCHEMES = ("http://", "https://")
"""The schemes of IRIs a page may turn into links; others (``javascript:``, ``data:``...) are shown as text."""


class InvalidInput(ValueError):
    """A value in the request that cannot be what its parameter needs; answered 400 with this message."""


def request_iri(value: str, what: str) -> str:
    """``value`` when it is an absolute IRI; otherwise :exc:`InvalidInput` naming ``what`` and the problem.

    Args:
        value: The IRI as the client sent it (already percent-decoded by the URL parser).
        what: What the value is, for the message (``"the default-graph-uri parameter"``).
    """
    try:
        ox.NamedNode(value)
    except ValueError as error:
        raise InvalidInput(f"{what} is not an absolute IRI ({error}): {value[:200]!r}") from None
    return value


def request_iris(values: list[str], what: str) -> list[str]:
    """Every value checked by :func:`request_iri`."""
    return [request_iri(value, what) for value in values]


def is_linkable(iri: str) -> bool:
    """Whether a page may make ``iri`` a link (an http or https IRI, never ``javascript:`` or ``data:``)."""
    return iri.lower().startswith(LINKABLE_SCHEMES)


def init_app(app: Flask) -> None:
    """Answer :exc:`InvalidInput` with 400 and give every HTML answer the security headers."""
    app.register_error_handler(InvalidInput, _invalid_input)
    app.after_request(add_security_headers)


def _invalid_input(error: InvalidInput) -> Response:
    if prefers_html():
        from tradekg.server.web import bad_request  # noqa: PLC0415 - web imports the server package

        return bad_request(str(error))
    return error_response(400, str(error))


def add_security_headers(response: Response) -> Response:
    """The security headers on an HTML answer (other answers are data, read by scripts and clients)."""
    if response.mimetype == "text/html":
        for name, value in SECURITY_HEADERS:
            response.headers.setdefault(name, value)
    return response
