"""A client of the SPARQL 1.1 Protocol and Graph Store Protocol, for a store kept on a SPARQL server.

Only the standard library speaks HTTP here (``urllib``: basic and digest authentication, no new dependency), and
Oxigraph's parsers read the answers as they arrive, so a long answer is never held whole:

- SELECT and ASK answers are asked for as SPARQL Results JSON and read by :func:`pyoxigraph.parse_query_results`
  (which also reads Virtuoso's older ``typed-literal`` spelling). Not XML: that parser trims the whitespace around
  a literal's text, so ``"a "`` would come back as ``"a"`` and never match the stored term again;
- CONSTRUCT answers and Graph Store reads are asked for as N-Triples and read by :func:`pyoxigraph.parse`.

Credentials come from ``TRADEKG_STORE_USER`` and ``TRADEKG_STORE_PASSWORD`` only; a URL with a user or password in
it is refused, and no message names them.

Time limits: every request has a deadline on this side. No read of the socket waits longer than the limit, and
no read starts after the deadline, so an answer still streaming at the deadline is cut and raises
:class:`RemoteTimeout` (a server that sends a byte just before each wait ends can stretch that to twice the
limit). Virtuoso is also told the limit (its ``timeout`` parameter, in milliseconds, capped by its
``MaxQueryExecutionTime``); when Virtuoso stops a query early it still answers 200 with the rows found so far and
says so in ``X-SQL-State``, which is turned into :class:`RemoteTimeout` here rather than served as complete.
"""

from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http.client import HTTPResponse

import pyoxigraph as ox

from tradekg.store.interface import StoreConflict, StoreError

USER_VARIABLE = "TRADEKG_STORE_USER"
PASSWORD_VARIABLE = "TRADEKG_STORE_PASSWORD"
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
ERROR_BODY_CHARS = 600
VIRTUOSO_ASK = "__ASK_RETVAL"
ENGINE_SHARE = 0.4
"""The share of the time limit given to the engine: Virtuoso answers about twice its limit after the start."""


def boolean_answer(value: bool) -> ox.QueryBoolean:
    """An ASK answer holding ``value``, as Oxigraph's type."""
    answer = ox.parse_query_results(
        f'{{"head":{{}},"boolean":{"true" if value else "false"}}}', ox.QueryResultsFormat.JSON
    )
    assert isinstance(answer, ox.QueryBoolean)
    return answer


class RemoteError(StoreError, OSError):
    """The SPARQL server could not be reached, or answered with an error."""


VIRTUOSO_CANCELLED = re.compile(r"Virtuoso (HY008|S1T00) ")
"""Virtuoso's SQL states for a statement cancelled at its time limit, when it answers 500 instead of partial rows."""


class RemoteTimeout(RemoteError, TimeoutError):
    """The server did not finish answering within the time limit."""


class RemoteNotFound(RemoteError):
    """The server answered 404: no such endpoint, or, from a Graph Store endpoint, no such graph."""


class RemoteConflict(RemoteError, StoreConflict):
    """Someone else changed the store between the check of a write and its commit."""


class RemoteSyntaxError(SyntaxError):
    """The server refused the request text (HTTP 400)."""


@dataclass(frozen=True)
class Endpoints:
    """Where a SPARQL server answers.

    Attributes:
        query: The SPARQL query endpoint (what ``--store`` names).
        update: The SPARQL update endpoint (``--update-endpoint``; often the query endpoint itself).
        graph_store: The Graph Store Protocol endpoint (``--gsp-endpoint``), if the server has one.
    """

    query: str
    update: str
    graph_store: str | None = None

    def __post_init__(self) -> None:
        for url in (self.query, self.update, self.graph_store):
            if url is None:
                continue
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"a SPARQL endpoint must be an http(s) URL, not {redact(url)!r}")
            if parts.username or parts.password:
                raise ValueError(
                    f"put credentials in {USER_VARIABLE} and {PASSWORD_VARIABLE}, not in the URL {redact(url)}"
                )


def redact(url: str) -> str:
    """The URL without any user or password it carries, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _opener(endpoints: Endpoints) -> urllib.request.OpenerDirector:
    user, password = os.environ.get(USER_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    handlers: list[urllib.request.BaseHandler] = []
    if user is not None and password is not None:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        for url in (endpoints.query, endpoints.update, endpoints.graph_store):
            if url:
                passwords.add_password(None, url, user, password)
        handlers += [urllib.request.HTTPBasicAuthHandler(passwords), urllib.request.HTTPDigestAuthHandler(passwords)]
    return urllib.request.build_opener(*handlers)


Rewrite = tuple[re.Pattern[bytes], bytes]
"""A respelling applied to an answer's bytes as they stream in: ``pattern.sub(replacement, text)``."""
BOOLEAN_DIGITS: tuple[Rewrite, ...] = tuple(
    (re.compile(rb'("datatype":\s*"http://www\.w3\.org/2001/XMLSchema#boolean",\s*"value":\s*)"' + digit + b'"'), word)
    for digit, word in ((b"1", rb'\1"true"'), (b"0", rb'\1"false"'))
)
"""Virtuoso writes ``true`` as ``"1"^^xsd:boolean`` in JSON results (a valid spelling, but not the one stored)."""
LONGEST_LABEL = 200
"""Longest blank node label read back from a Skolem IRI (tradekg's are 32 characters)."""
HELD_BACK = 512
"""Bytes kept back between reads, so that a spelling split across two reads is still respelled."""


def skolem_rewrites(prefix: str) -> tuple[tuple[Rewrite, ...], tuple[Rewrite, ...]]:
    """How Skolem IRIs under ``prefix`` are read back as the blank nodes they stand for: in JSON results, in N-Triples.

    ``<prefix + label>`` becomes ``_:label`` (a ``"bnode"`` of value ``label`` in SPARQL Results JSON, whichever of
    ``"type"`` and ``"value"`` comes first).
    """
    iri = re.escape(prefix.encode())
    label = rb"([^\"\\<>\s]{1,%d})" % LONGEST_LABEL
    type_uri, value = rb'"type"\s*:\s*"uri"', rb'"value"\s*:\s*"'
    json = (
        (re.compile(type_uri + rb"\s*,\s*" + value + iri + label + b'"'), rb'"type":"bnode","value":"\1"'),
        (re.compile(value + iri + label + rb'"\s*,\s*' + type_uri), rb'"value":"\1","type":"bnode"'),
    )
    n_triples = ((re.compile(b"<" + iri + label + b">"), rb"_:\1"),)
    return json, n_triples


class Answer:
    """An HTTP answer being read: the response, closed when the reader is done, and its deadline.

    Reading applies ``rewrites`` to the bytes as they arrive: JSON results' ``"1"^^xsd:boolean`` becomes ``"true"``
    (and ``"0"`` ``"false"``), the form Oxigraph stores and every other term of tradekg uses, so that a boolean read
    back matches the one written; a Skolem IRI becomes its blank node (see :func:`skolem_rewrites`).
    """

    def __init__(
        self, response: HTTPResponse, deadline: float | None, url: str, rewrites: Sequence[Rewrite] = ()
    ) -> None:
        self.response = response
        self.deadline = deadline
        self.url = url
        self.rewrites = rewrites
        self._pending = b""
        self._ended = False

    def _raw(self, size: int) -> bytes:
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                raise RemoteTimeout(f"{self.url} did not finish answering in time")
        try:
            return self.response.read(size)
        except TimeoutError as error:
            self.close()
            raise RemoteTimeout(f"{self.url} did not finish answering in time") from error

    def read(self, size: int = -1) -> bytes:
        """Read like a file, refusing to go on past the deadline (for the streaming parsers).

        Returns ``b""`` only at the end: a respelling that shortens the text (a Skolem IRI read back as a blank
        node) never leaves a read with nothing to return while more is coming.
        """
        while True:
            if not self._ended:
                chunk = self._raw(size if size > 0 else -1)
                self._ended = not chunk or size <= 0
                self._pending += chunk
            text = self._pending
            for pattern, replacement in self.rewrites:
                text = pattern.sub(replacement, text)
            keep = 0 if self._ended or not self.rewrites else min(HELD_BACK, len(text))
            if keep < len(text) or self._ended:
                cut = len(text) - keep
                out, self._pending = text[:cut], text[cut:]
                return out
            self._pending = text

    def close(self) -> None:
        """Close the connection (an answer cut at --max-rows need not be read to its end)."""
        self.response.close()


class SparqlClient:
    """Queries, updates and Graph Store requests to one server.

    Args:
        endpoints: The server's endpoints.
        timeout: Seconds a request may take, from sending it to the end of its answer; ``None`` waits.
        engine_timeout: Pass the time limit to the engine too (Virtuoso's ``timeout`` parameter).
        skolem_prefix: IRIs under this prefix are Skolem IRIs: answers give them back as blank nodes.
    """

    def __init__(
        self,
        endpoints: Endpoints,
        *,
        timeout: float | None = 30.0,
        engine_timeout: bool = False,
        skolem_prefix: str | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.timeout = timeout if timeout else None
        self.engine_timeout = engine_timeout
        self.server_software = ""
        self.dataset_in_text = False
        """Name a query's graphs in its text (Virtuoso's ``define input:…-graph-uri``), not in parameters."""
        self._opener = _opener(endpoints)
        json, n_triples = skolem_rewrites(skolem_prefix) if skolem_prefix else ((), ())
        self._rewrites: dict[str, tuple[Rewrite, ...]] = {RESULTS_JSON: (*BOOLEAN_DIGITS, *json), N_TRIPLES: n_triples}

    # -- plumbing ---------------------------------------------------------------------------------------------

    def _send(
        self, method: str, url: str, *, body: bytes | None, headers: dict[str, str], timeout: float | None
    ) -> Answer:
        """Send a request; the answer, unread, respelled as :attr:`_rewrites` says for the type it accepts."""
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        deadline = time.monotonic() + timeout if timeout else None
        try:
            response = self._opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            text = error.read(ERROR_BODY_CHARS * 4).decode("utf-8", "replace").strip()
            error.close()
            message = f"{redact(url)} answered {error.code}: {text[:ERROR_BODY_CHARS]}"
            if error.code == 400:
                raise RemoteSyntaxError(message) from None
            if error.code == 404:
                raise RemoteNotFound(message) from None
            if error.code == 409 or error.code == 412:
                raise RemoteConflict(message) from None
            if error.code >= 500 and VIRTUOSO_CANCELLED.match(text):  # its limit hit before any row was sent
                raise RemoteTimeout(f"{redact(url)} stopped the query early ({text[:ERROR_BODY_CHARS]})") from None
            raise RemoteError(message) from None
        except TimeoutError as error:
            raise RemoteTimeout(f"{redact(url)} did not answer within {timeout} s") from error
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RemoteError(f"cannot reach the SPARQL server at {redact(url)}: {reason}") from None
        self.server_software = response.headers.get("Server", "")
        state = response.headers.get("X-SQL-State")
        if state:  # Virtuoso's anytime answer: partial rows after hitting its limit, or an error mid-way
            message = response.headers.get("X-SQL-Message", "")
            response.close()
            raise RemoteTimeout(f"{redact(url)} stopped the query early ({state}: {message})")
        return Answer(response, deadline, redact(url), self._rewrites.get(headers.get("Accept", ""), ()))

    def _form(self, fields: Sequence[tuple[str, str]]) -> bytes:
        return urllib.parse.urlencode(fields).encode()

    # -- queries ---------------------------------------------------------------------------------------------

    def query_answer(
        self,
        sparql: str,
        *,
        accept: str,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        timeout: float | None = None,
    ) -> Answer:
        """Send a query (POST, form-encoded, so that long texts and many graph names fit); the answer, unread."""
        limit = timeout if timeout is not None else self.timeout
        if self.dataset_in_text and (default_graphs or named_graphs):
            # Virtuoso echoes each graph parameter as a response header: past some 95 graphs, more headers than
            # http.client reads (100). Its own pragmas name the same dataset without the echo.
            pragmas = [f"define input:default-graph-uri <{graph}>" for graph in default_graphs]
            pragmas += [f"define input:named-graph-uri <{graph}>" for graph in named_graphs]
            sparql, default_graphs, named_graphs = "\n".join([*pragmas, sparql]), (), ()
        fields = [("query", sparql)]
        fields += [("default-graph-uri", graph) for graph in default_graphs]
        fields += [("named-graph-uri", graph) for graph in named_graphs]
        if self.engine_timeout and limit:
            # A little less than the client's limit, so that the engine stops first and says so (and stops working).
            fields.append(("timeout", str(max(1, int(limit * ENGINE_SHARE * 1000)))))
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        return self._send("POST", self.endpoints.query, body=self._form(fields), headers=headers, timeout=limit)

    def solutions(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        timeout: float | None = None,
    ) -> tuple[ox.QuerySolutions | ox.QueryBoolean, Answer]:
        """A SELECT or ASK answer, parsed as it streams in; close the :class:`Answer` when done with it."""
        answer = self.query_answer(
            sparql, accept=RESULTS_JSON, default_graphs=default_graphs, named_graphs=named_graphs, timeout=timeout
        )
        try:
            parsed = ox.parse_query_results(answer, ox.QueryResultsFormat.JSON)
        except SyntaxError as error:
            answer.close()
            raise RemoteError(f"{answer.url} sent an unreadable answer: {error}") from None
        if isinstance(parsed, ox.QuerySolutions) and [v.value for v in parsed.variables] == [VIRTUOSO_ASK]:
            # Virtuoso may answer ASK as a table: one row holding 1 when true, no row when false.
            truth = any(solution[0] is not None and solution[0].value == "1" for solution in parsed)
            answer.close()
            return boolean_answer(truth), answer
        return parsed, answer

    def triples(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        timeout: float | None = None,
    ) -> Iterator[ox.Triple]:
        """A CONSTRUCT or DESCRIBE answer, parsed as it streams in (the connection closes at the end)."""
        answer = self.query_answer(
            sparql, accept=N_TRIPLES, default_graphs=default_graphs, named_graphs=named_graphs, timeout=timeout
        )
        return _read_triples(answer)

    # -- updates and the Graph Store --------------------------------------------------------------------------

    def update(self, sparql: str, *, timeout: float | None = None) -> None:
        """Send one update request (all its operations in one POST)."""
        limit = timeout if timeout is not None else self.timeout
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = self._send(
            "POST", self.endpoints.update, body=self._form([("update", sparql)]), headers=headers, timeout=limit
        )
        answer.response.read()
        answer.close()

    def graph_triples(self, graph: str, *, timeout: float | None = None) -> Iterator[ox.Triple]:
        """The triples of one named graph through the Graph Store Protocol (``GET ?graph=``)."""
        if self.endpoints.graph_store is None:
            raise RemoteError("this store has no Graph Store endpoint (--gsp-endpoint)")
        url = f"{self.endpoints.graph_store}?{urllib.parse.urlencode({'graph': graph})}"
        answer = self._send(
            "GET", url, body=None, headers={"Accept": N_TRIPLES}, timeout=timeout if timeout else self.timeout
        )
        return _read_triples(answer)


def _read_triples(answer: Answer) -> Iterator[ox.Triple]:
    try:
        for quad in ox.parse(answer, ox.RdfFormat.N_TRIPLES):
            yield quad.triple
    except SyntaxError as error:
        raise RemoteError(f"{answer.url} sent unreadable N-Triples: {error}") from None
    finally:
        answer.close()
