"""SPARQL 1.1 servers for the remote-store tests: Virtuoso 7 and the Oxigraph server, on loopback ports.

Each server runs in a temporary directory on free ``127.0.0.1`` ports and is stopped (its process, by id) when the
test session ends. Virtuoso comes from Debian (``virtuoso-opensource-7-bin``, installed by ``.ci/run``); the Oxigraph
server from PyPI (``oxigraph``, in the ``test`` extra).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 180.0
"""Seconds a server may take to answer its first query (Virtuoso builds its database on first start)."""

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DirsAllowed = {dir}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
ThreadsPerQuery = 2
MaxQueryMem = 500M
CheckpointInterval = 60

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 8
MaxClientConnections = 8

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""

VIRTUOSO_GRANTS = (
    'GRANT SPARQL_UPDATE TO "SPARQL"; '
    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7); "
    'GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL"; '
    'GRANT EXECUTE ON DB.DBA.SPARQL_DELETE_DICT_CONTENT TO "SPARQL";'
)
"""What lets the anonymous SPARQL user update over HTTP (Virtuoso refuses updates from it by default)."""


class ServerUnavailable(Exception):
    """A server could not be started (its program is missing, or it did not answer in time)."""


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def refusing_port() -> socket.socket:
    """A loopback socket bound and never listening: a connection to its port is refused for as long as it is open.

    A port from :func:`free_port` is free only when it is picked: a server of the other xdist worker may listen on it
    by the time a test expects a refusal there. Close it (``with``) when done.
    """
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    return holder


@dataclass
class RunningServer:
    """A SPARQL server started for tests: its endpoints, and the process to stop."""

    name: str
    query_endpoint: str
    update_endpoint: str
    gsp_endpoint: str | None
    process: subprocess.Popen[bytes]
    directory: Path
    keep: bool = False
    """Keep the directory (the server's data) when stopped: a benchmark's store, loaded once."""
    sql_port: int | None = None
    """Virtuoso's SQL port (for ``isql-vt``)."""

    @property
    def url(self) -> str:
        """What ``--store`` takes for this server."""
        return self.query_endpoint

    def stop(self) -> None:
        """Stop the server's process (by its id) and remove its directory (unless :attr:`keep`)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if not self.keep:
            shutil.rmtree(self.directory, ignore_errors=True)


def holds_listener(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds a TCP socket listening on ``port`` (read from /proc; true where it cannot be).

    A port is picked free and given to the server, which binds it seconds later: meanwhile the other xdist worker
    may pick it for a server of its own. Then the server that binds second exits ("Failed HTTP listen"), but until
    it does, the first one answers on the port, and a test would use the other worker's server (and its data).
    """
    try:
        inodes = {
            fields[9]
            for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A"  # 0A: LISTEN
        }
        links = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                links.add(fd.readlink().name)
            except OSError:
                continue
    except OSError:
        return True
    return any(f"socket:[{inode}]" in links for inode in inodes)


def _wait_until_answering(endpoint: str, process: subprocess.Popen[bytes], log: Path) -> None:
    probe = endpoint + "?query=" + urllib.request.quote("ASK {}")
    port = urllib.parse.urlsplit(endpoint).port or 80
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerUnavailable(f"the server exited with {process.returncode}: {_tail(log)}")
        try:
            with urllib.request.urlopen(probe, timeout=5) as response:
                if response.status == 200 and holds_listener(process.pid, port):  # its answer, not another's
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    process.terminate()
    raise ServerUnavailable(f"the server did not answer at {endpoint} within {START_TIMEOUT:.0f} s: {_tail(log)}")


def _tail(log: Path) -> str:
    try:
        return " | ".join(log.read_text(errors="replace").splitlines()[-5:])
    except OSError:
        return "(no log)"


def start_virtuoso(directory: Path, *, buffers: int = 20000, keep: bool = False) -> RunningServer:
    """Start Virtuoso 7 in ``directory`` on free loopback ports, with SPARQL updates granted to its HTTP user.

    Args:
        directory: Where its database lives (made if missing; a database already there is opened).
        buffers: Its page cache, in 8 KiB pages (``NumberOfBuffers``).
        keep: Keep the directory when the server is stopped.
    """
    program, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if program is None or isql is None:
        raise ServerUnavailable("virtuoso-t or isql-vt is not installed (Debian: virtuoso-opensource-7-bin)")
    directory.mkdir(parents=True, exist_ok=True)
    fresh = not (directory / "virtuoso.db").exists()
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    settings = {"dir": directory, "sql_port": sql_port, "http_port": http_port}
    ini.write_text(VIRTUOSO_INI.format(**settings, buffers=buffers, dirty_buffers=buffers * 3 // 4))
    log = directory / "virtuoso.log"
    process = subprocess.Popen(
        [program, "+foreground", "+configfile", str(ini)],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{http_port}/sparql"
    server = RunningServer(
        "virtuoso", endpoint, endpoint, f"http://127.0.0.1:{http_port}/sparql-graph-crud", process, directory, keep
    )
    server.sql_port = sql_port
    try:
        _wait_until_answering(endpoint, process, log)
        if not fresh:
            return server  # granted when the database was made
        granted = subprocess.run(
            [isql, str(sql_port), "dba", "dba", f"exec={VIRTUOSO_GRANTS}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if granted.returncode != 0 or "Error" in granted.stdout + granted.stderr:
            raise ServerUnavailable(f"isql-vt could not grant SPARQL updates: {granted.stdout} {granted.stderr}")
    except BaseException:
        server.stop()
        raise
    return server


def start_oxigraph(directory: Path, *, keep: bool = False) -> RunningServer:
    """Start the Oxigraph server (``oxigraph serve``) with its store in ``directory``, on a free loopback port."""
    program = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if program is None:
        raise ServerUnavailable("the oxigraph command is not installed (PyPI: oxigraph, in the test extra)")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = directory / "oxigraph.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [program, "serve", "--location", str(directory / "store"), "--bind", f"127.0.0.1:{port}"],
            cwd=directory,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    server = RunningServer("oxigraph", f"{base}/query", f"{base}/update", f"{base}/store", process, directory, keep)
    try:
        _wait_until_answering(server.query_endpoint, process, log)
    except BaseException:
        server.stop()
        raise
    return server


STARTERS = {"virtuoso": start_virtuoso, "oxigraph": start_oxigraph}
