"""Request bodies bounded in size and in number, however they are sent.

Size: Werkzeug refuses a declared ``Content-Length`` over ``--max-body-bytes``. A chunked body has none; the
server marks its stream as ended (``wsgi.input_terminated``), and Werkzeug then wraps it in a ``LimitedStream``
that reads up to the limit and stops there without an error: a body cut at the limit could still parse, as another
query. Such bodies are read through :class:`BoundedInput`, so that reading past the limit raises
:exc:`RequestEntityTooLarge`, answered 413 as for a declared length.

Number: reading a body blocks the request thread until the client sends it, and eight clients that announce a body
and send nothing held every thread. At most ``--max-unfinished-bodies`` requests (half of them for one client) read
their bodies at once; more are answered 503 at once, so slow clients never hold the threads everyone else needs.

Time: a body must arrive within ``--body-read-timeout`` of the start of its reading; past it, its connection is
answered 408 and closed (:mod:`tradekg.server.body_deadline`), which ends the read and frees the thread.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import RequestEntityTooLarge

from tradekg.server.body_deadline import BodyDeadlines
from tradekg.server.http import error_response

if TYPE_CHECKING:
    from flask import Flask

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApplication = Callable[[Environ, StartResponse], Iterable[bytes]]


class BoundedBodies:
    """WSGI middleware: a request's body is read in full, within its limits of size and number.

    Args:
        app: The Flask application (its ``TRADEKG_MAX_BODY_BYTES``, ``TRADEKG_MAX_UNFINISHED_BODIES`` and
            ``TRADEKG_BODY_READ_TIMEOUT``).
        wsgi_app: The WSGI callable that answers the request.
    """

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._lock = threading.Lock()
        self._unfinished: dict[str, int] = {}  # bodies being read, by client address
        self.deadlines = BodyDeadlines(float(app.config["TRADEKG_BODY_READ_TIMEOUT"] or 0))

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Read the body (bounded), then answer the request; or answer 503 when too many bodies are being read."""
        limit = int(self.app.config["TRADEKG_MAX_BODY_BYTES"])
        declared = str(environ.get("CONTENT_LENGTH") or "").strip()
        if not declared and environ.get("wsgi.input_terminated"):
            environ["wsgi.input"] = BoundedInput(environ["wsgi.input"], limit)
            size = -1  # chunked: read to its end, bounded
        elif declared.isdigit() and 0 < int(declared) <= limit:
            size = int(declared)
        else:
            return self.wsgi_app(environ, start_response)  # no body, or one Werkzeug refuses without reading it
        client = str(environ.get("REMOTE_ADDR") or "")
        if not self._admit(client):
            with self.app.request_context(environ):
                response = error_response(503, "too many requests are sending their bodies at once; try again")
            response.headers["Retry-After"] = "1"
            response.headers["Connection"] = "close"
            return response(environ, start_response)
        port = str(environ.get("SERVER_PORT") or "")
        reading = self.deadlines.begin(client, int(port) if port.isdigit() else 0)
        try:
            body = _read_body(environ["wsgi.input"], size)
        finally:
            late = self.deadlines.end(reading)
            self._release(client)
        if late and (isinstance(body, _Failed) or (size >= 0 and len(body.getbuffer()) < size)):
            seconds = self.deadlines.seconds
            with self.app.request_context(environ):
                response = error_response(408, f"the request body did not arrive within {seconds:g} s")
            response.headers["Connection"] = "close"
            return response(environ, start_response)
        environ["wsgi.input"] = body
        return self.wsgi_app(environ, start_response)

    def _admit(self, client: str) -> bool:
        """Count one more body being read, unless the client or everyone has as many as allowed."""
        most = max(1, int(self.app.config["TRADEKG_MAX_UNFINISHED_BODIES"]))
        with self._lock:
            if sum(self._unfinished.values()) >= most or self._unfinished.get(client, 0) >= max(1, most // 2):
                return False
            self._unfinished[client] = self._unfinished.get(client, 0) + 1
            return True

    def _release(self, client: str) -> None:
        with self._lock:
            left = self._unfinished.get(client, 1) - 1
            if left > 0:
                self._unfinished[client] = left
            else:
                self._unfinished.pop(client, None)


def _read_body(stream: Any, size: int) -> Any:
    """The whole body as a stream the application reads; a failed read (such as a 413) is raised where it reads."""
    try:
        if size < 0:
            return io.BytesIO(stream.read())
        chunks, left = [], size
        while left > 0:
            chunk = stream.read(left)
            if not chunk:
                break  # the client closed early: Werkzeug reports the short body
            chunks.append(chunk)
            left -= len(chunk)
        return io.BytesIO(b"".join(chunks))
    except Exception as error:  # noqa: BLE001 - raised again where Flask reads the body, and answered there
        return _Failed(error)


class _Failed:
    """A body stream whose every read raises the error met while reading the body."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def read(self, size: int | None = -1) -> bytes:
        """Raise the error."""
        raise self.error

    readline = read


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
