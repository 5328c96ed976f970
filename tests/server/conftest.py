"""Fixtures of the server tests: a real ``tradekg serve`` subprocess for the HTTP tests and an app over a small
browsing graph. Chromium and the live server of the browser tests are in tests/conftest.py (one per session)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tradekg.graph.load import open_store
from tradekg.server import answer_cache, create_app
from tradekg.store.interface import TradeStore

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVED_TOKEN = "served-write-token"
START_TIMEOUT = 120.0
"""Seconds ``tradekg serve`` may take to listen: generous, as a machine running the suite in parallel is busy."""


@dataclass(frozen=True)
class Served:
    """A running server: where it listens and its write token."""

    host: str
    port: int
    token: str

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None):
        # Longer than any ``--timeout`` the tests give a server (30 s), so that its own answer (a 503) is what a slow
        # request gets on a busy machine, not a client-side TimeoutError.
        connection = http.client.HTTPConnection(self.host, self.port, timeout=90)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def update(self, text: str) -> int:
        status, _, _ = self.request(
            "POST",
            "/sparql",
            text.encode(),
            {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {self.token}"},
        )
        return status


def reserved_port() -> socket.socket:
    """A socket holding a free loopback port for a ``tradekg serve`` about to start on it (bound, not listening).

    Granian binds its listening socket with ``SO_REUSEPORT``: two servers given the same port both listen on it, and
    the kernel shares the connections between them (two ``tradekg serve --port P`` ran side by side, each with a
    listening socket on P). A port picked free and let go before the server binds it (seconds, on a busy machine)
    could be picked meanwhile by the other xdist worker for a server of its own, and each test would then talk to
    either server. While this socket holds the port, no other ``bind(0)`` gets it; it also asks for ``SO_REUSEPORT``,
    so the server (same user) can bind the port beside it. Close it once the server answers.
    """
    holder = socket.socket()
    if hasattr(socket, "SO_REUSEPORT"):
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind(("127.0.0.1", 0))
    return holder


def start_server(*options: str) -> tuple[subprocess.Popen[bytes], Served]:
    with reserved_port() as holder:  # let go once the server answers: it holds the port itself from then on
        port = holder.getsockname()[1]
        command = [sys.executable, "-m", "tradekg", "serve", "--port", str(port), *options]
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        served = Served("127.0.0.1", port, SERVED_TOKEN)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {process.stderr.read().decode() if process.stderr else ''}")
            if _answers(port, deadline):
                return process, served
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"the server did not answer within {START_TIMEOUT:.0f} s")


def _answers(port: int, deadline: float) -> bool:
    """Whether the server answers a request. Granian listens before its serving process has loaded the graph, so
    an accepted connection alone would let a test's first requests wait for the start-up and race each other."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=max(0.2, deadline - time.monotonic()))
        try:
            connection.request("GET", "/favicon.ico")
            connection.getresponse().read()
            return True
        finally:
            connection.close()
    except OSError:
        return False


def descendants_of(pid: int) -> set[int]:
    """The processes started by ``pid``, and by them, and so on (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def served_empty() -> Iterator[Served]:
    """``tradekg serve --empty --write-token ...`` (the W3C tests' server), one for the session."""
    process, served = start_server("--empty", "--write-token", SERVED_TOKEN, "--timeout", "5")
    yield served
    stop_server(process)


@pytest.fixture(scope="session")
def served_bundled() -> Iterator[Served]:
    """``tradekg serve`` over the bundled graph, read-only, for the real clients' reads."""
    process, served = start_server("--timeout", "5")
    yield served
    stop_server(process)


BROWSE_DATA = Path(__file__).resolve().parent / "data" / "browse.trig"


@pytest.fixture(scope="session")
def browse_store() -> TradeStore:
    """The bundled vocabulary with the browsing test graph (hostile labels, blank node, 60 incoming links)."""
    return open_store(data_files=[BROWSE_DATA], validate=False)


@pytest.fixture(scope="session")
def browse_app(browse_store: TradeStore) -> Flask:
    """The application over the browsing graph, once for the session (read-only, as ``app``)."""
    return create_app({"TESTING": True, "TRADEKG_STORE_INSTANCE": browse_store})


@pytest.fixture()
def browse_client(browse_app: Flask) -> FlaskClient:
    answer_cache(browse_app).clear()
    return browse_app.test_client()


def entity_bomb() -> bytes:
    """529 bytes of RDF/XML whose nested entities would expand into a 100,000,000-character literal."""
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 9))
    return (
        '<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY e0 "aaaaaaaaaa">' + entities + "]>"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
        '<rdf:Description rdf:about="http://example.org/s"><e:p>&e8;</e:p></rdf:Description></rdf:RDF>'
    ).encode()
