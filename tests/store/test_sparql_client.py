"""The SPARQL protocol client: answers streamed and typed, server quirks, time limits, credentials kept secret."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from tradekg.store.sparql_client import (
    Endpoints,
    RemoteError,
    RemoteSyntaxError,
    RemoteTimeout,
    SparqlClient,
)

SERVERS = ["virtuoso", "oxigraph"]
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(params=SERVERS)
def client(request: pytest.FixtureRequest, sparql_server: Callable) -> Iterator[SparqlClient]:
    server = sparql_server(request.param)
    client = SparqlClient(
        Endpoints(server.query_endpoint, server.update_endpoint, server.gsp_endpoint),
        engine_timeout=server.name == "virtuoso",
    )
    client.update("DROP SILENT GRAPH <http://example.org/client-test>")
    yield client
    client.update("DROP SILENT GRAPH <http://example.org/client-test>")


def test_select_answers_stream_typed_terms(client: SparqlClient) -> None:
    rows = "\n".join(f"<http://example.org/s{i}> <http://example.org/p> {i} ." for i in range(3000))
    client.update(f"INSERT DATA {{ GRAPH <http://example.org/client-test> {{ {rows} }} }}")
    solutions, answer = client.solutions(
        "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }", default_graphs=["http://example.org/client-test"]
    )
    assert isinstance(solutions, ox.QuerySolutions)
    first = next(iter(solutions))
    assert isinstance(first["o"], ox.Literal) and first["o"].datatype == ox.NamedNode(XSD + "integer")
    answer.close()  # the rest is never read: a long answer is not held whole


@pytest.mark.parametrize(("pattern", "expected"), [("?s ?p ?o", True), ("?s ?p 42", False)])
def test_ask_is_a_boolean_on_every_server(client: SparqlClient, pattern: str, expected: bool) -> None:
    client.update(
        "INSERT DATA { GRAPH <http://example.org/client-test> { <http://example.org/a> <http://example.org/p> 1 } }"
    )
    answer, _ = client.solutions(f"ASK {{ {pattern} }}", default_graphs=["http://example.org/client-test"])
    assert isinstance(answer, ox.QueryBoolean)
    assert bool(answer) is expected


def test_construct_and_graph_store_read_give_triples(client: SparqlClient) -> None:
    client.update(
        "INSERT DATA { GRAPH <http://example.org/client-test> "
        '{ <http://example.org/a> <http://example.org/p> "é"@fr } }'
    )
    constructed = list(
        client.triples("CONSTRUCT WHERE { ?s ?p ?o }", default_graphs=["http://example.org/client-test"])
    )
    read = list(client.graph_triples("http://example.org/client-test"))
    expected = ox.Triple(
        ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("é", language="fr")
    )
    assert constructed == [expected] == read


def test_a_refused_query_is_a_syntax_error_naming_the_server(client: SparqlClient) -> None:
    with pytest.raises(RemoteSyntaxError, match="answered 400"):
        client.solutions("SELECT nonsense")


# -- a scripted server, for what the real ones cannot be made to do on demand ---------------------------------


NONCE = "5ccc069c403ebaf9f0171e9517f40e41"
USER, PASSWORD = "analyst", "s3cret-pw"


def digest_is_right(header: str, method: str, path: str) -> bool:
    """Whether an ``Authorization: Digest …`` header answers the challenge with USER and PASSWORD (RFC 7616, MD5)."""
    if not header.startswith("Digest "):
        return False
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header[len("Digest ") :]))

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - the protocol's hash

    first, second = md5(f"{USER}:sparql:{PASSWORD}"), md5(f"{method}:{path}")
    expected = md5(f"{first}:{NONCE}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{second}")
    return fields.get("username") == USER and fields.get("response") == expected


class Scripted(BaseHTTPRequestHandler):
    """Answers by the test's script: slow answers, authentication challenges, errors."""

    script: dict[str, object] = {}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        expected = self.script.get("authorization")
        if expected == "digest":
            if not digest_is_right(self.headers.get("Authorization", ""), "POST", self.path):
                self.send_response(401)
                self.send_header("WWW-Authenticate", f'Digest realm="sparql", nonce="{NONCE}", qop="auth"')
                self.end_headers()
                return
        elif expected is not None and self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="sparql"')
            self.end_headers()
            return
        self.send_response(int(self.script.get("status", 200)))  # type: ignore[call-overload]
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(b'{"head": {"vars": ["x"]}, "results": {"bindings": [')
        for row in range(int(self.script.get("rows", 1))):  # type: ignore[call-overload]
            self.wfile.write(b'%s{"x": {"type": "literal", "value": "1"}}' % (b"," if row else b""))
            self.wfile.flush()
            time.sleep(float(self.script.get("pause", 0)))  # type: ignore[arg-type]
        self.wfile.write(b"]}}")


@pytest.fixture()
def scripted() -> Iterator[tuple[str, dict[str, object]]]:
    script: dict[str, object] = {}
    handler = type("Handler", (Scripted,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", script
    server.shutdown()
    server.server_close()


def test_an_answer_still_streaming_at_the_deadline_is_cut(scripted: tuple[str, dict[str, object]]) -> None:
    url, script = scripted
    script.update(rows=50, pause=0.05)
    solutions, _ = SparqlClient(Endpoints(url, url), timeout=0.5).solutions("SELECT ?x {}")
    with pytest.raises(RemoteTimeout):
        for _ in solutions:
            pass


def test_credentials_come_from_the_environment_and_never_show(
    scripted: tuple[str, dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, script = scripted
    script["authorization"] = "Basic " + base64.b64encode(b"analyst:s3cret-pw").decode()
    with pytest.raises(RemoteError, match="401") as refused:
        SparqlClient(Endpoints(url, url)).solutions("SELECT ?x {}")
    monkeypatch.setenv("TRADEKG_STORE_USER", "analyst")
    monkeypatch.setenv("TRADEKG_STORE_PASSWORD", "s3cret-pw")
    solutions, _ = SparqlClient(Endpoints(url, url)).solutions("SELECT ?x {}")
    assert len(list(solutions)) == 1
    script["status"] = 500
    with pytest.raises(RemoteError) as failed:
        SparqlClient(Endpoints(url, url)).solutions("SELECT ?x {}")
    assert "s3cret-pw" not in str(failed.value) + str(refused.value)


def test_digest_authentication_answers_the_challenge_and_logs_nothing(
    scripted: tuple[str, dict[str, object]], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    url, script = scripted
    script["authorization"] = "digest"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RemoteError, match="401") as refused:
        SparqlClient(Endpoints(url, url)).solutions("SELECT ?x {}")
    monkeypatch.setenv("TRADEKG_STORE_USER", USER)
    monkeypatch.setenv("TRADEKG_STORE_PASSWORD", "wrong")
    with pytest.raises(RemoteError, match="401"):
        SparqlClient(Endpoints(url, url)).solutions("SELECT ?x {}")
    monkeypatch.setenv("TRADEKG_STORE_PASSWORD", PASSWORD)
    solutions, _ = SparqlClient(Endpoints(url, url)).solutions("SELECT ?x {}")
    assert len(list(solutions)) == 1
    assert PASSWORD not in str(refused.value) + caplog.text


def test_no_command_takes_credentials_on_its_command_line() -> None:
    from click.testing import CliRunner

    from tradekg.cli import main

    for command in ("serve", "query", "load", "import-csv", "validate", "export", "stats", "duty"):
        usage = CliRunner().invoke(main, [command, "--help"]).output
        assert "--store" in usage, command
        assert not re.search(r"--(user|password|credentials?|auth)\b", usage), command


def test_a_url_carrying_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(ValueError, match="TRADEKG_STORE_USER") as refused:
        Endpoints("http://analyst:s3cret-pw@127.0.0.1:1/sparql", "http://127.0.0.1:1/sparql")
    assert "s3cret-pw" not in str(refused.value)


def test_an_unreachable_server_is_a_remote_error() -> None:
    from sparql_servers import refusing_port

    with refusing_port() as refusing:
        url = f"http://127.0.0.1:{refusing.getsockname()[1]}/sparql"
        with pytest.raises(RemoteError, match="cannot reach"):
            SparqlClient(Endpoints(url, url), timeout=2).solutions("ASK {}")


def test_virtuoso_is_told_the_limit_and_its_partial_answer_is_refused(sparql_server: Callable) -> None:
    server = sparql_server("virtuoso")
    client = SparqlClient(Endpoints(server.query_endpoint, server.update_endpoint), timeout=4, engine_timeout=True)
    # Virtuoso's own system graphs (some 2,500 triples) cubed: far longer than the limit.
    with pytest.raises(RemoteTimeout, match="stopped the query early"):
        client.solutions("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")


def test_skolem_iris_are_read_back_as_blank_nodes_whatever_the_read_sizes() -> None:
    import io

    from tradekg.store.sparql_client import Answer, skolem_rewrites

    prefix = "https://example.org/.well-known/genid/"
    json, _ = skolem_rewrites(prefix)
    rows = ",".join(f'{{"b":{{"type":"uri","value":"{prefix}n{i}"}}}}' for i in range(40))
    body = f'{{"head":{{"vars":["b"]}},"results":{{"bindings":[{rows}]}}}}'.encode()

    class Chunked(io.BytesIO):
        """A response whose reads return ``size`` bytes at most."""

        def __init__(self, data: bytes, size: int) -> None:
            super().__init__(data)
            self.size = size

        def read(self, _: int | None = -1) -> bytes:
            return super().read(self.size)

    for size in (1, 7, 100, 600, 4096):  # a respelling shortens the text: no read may come back empty before the end
        answer = Answer(Chunked(body, size), None, "test", json)  # type: ignore[arg-type]
        solutions = ox.parse_query_results(answer, ox.QueryResultsFormat.JSON)
        assert [solution["b"] for solution in solutions] == [ox.BlankNode(f"n{i}") for i in range(40)]
