"""A real ``python -m tradekg serve`` subprocess on a free port, shared by the HTTP tests of this folder."""

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

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVED_TOKEN = "served-write-token"


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
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(*options: str) -> tuple[subprocess.Popen[bytes], Served]:
    port = free_port()
    command = [sys.executable, "-m", "tradekg", "serve", "--port", str(port), *options]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    served = Served("127.0.0.1", port, SERVED_TOKEN)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, served
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the server did not start listening within 30 s")


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
