"""Request bodies bounded by ``--max-body-bytes`` however they are sent.

Werkzeug refuses a declared ``Content-Length`` over the limit. A chunked body has none; the server marks its
stream as ended (``wsgi.input_terminated``), and Werkzeug then wraps it in a ``LimitedStream`` that reads up to the
limit and stops there without an error: a body cut at the limit could still parse, as another query. This WSGI
middleware bounds such bodies itself, so that reading past the limit raises :exc:`RequestEntityTooLarge`,
answered 413 as for a declared length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import RequestEntityTooLarge

if TYPE_CHECKING:
    from flask import Flask

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApplication = Callable[[Environ, StartResponse], Iterable[bytes]]


class BoundedBodies:
    """WSGI middleware: a chunked request body (no ``Content-Length``) is read through :class:`BoundedInput`.

    Args:
        app: The Flask application (its ``TRADEKG_MAX_BODY_BYTES``).
        wsgi_app: The WSGI callable that answers the request.
    """

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Bound the body of a chunked request, then answer it."""
        if not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            limit = int(self.app.config["TRADEKG_MAX_BODY_BYTES"])
            environ["wsgi.input"] = BoundedInput(environ["wsgi.input"], limit)
        return self.wsgi_app(environ, start_response)


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
