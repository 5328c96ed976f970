"""Loading a server with ``wrk`` (Debian package ``wrk``): one fixed URL, or a Lua script of many requests.

Two workloads use it (see :data:`WORKLOADS`): ``same-query`` asks one URL again and again (a server with an
answer cache answers from memory after the first request); ``distinct-resources`` asks the point lookup of a
different measure on every request, cycling through a table of pre-encoded queries written as a Lua script
(:func:`write_lua_script`), so that each request is evaluated until the table has been gone through once.
"""

from __future__ import annotations

import os
import re
import subprocess
import urllib.parse
from pathlib import Path

ACCEPT = "application/sparql-results+json"
WORKLOADS = {
    "same-query": "same query (answer cache hits)",
    "distinct-resources": "distinct resources (every request evaluated)",
}
"""The HTTP workloads by key (in ``results["http"]``), with the label the report gives them."""
THREADS = 2
"""wrk's threads at most (one per core here); a script interleaves its table over them."""
_ENCODED = re.compile(r"query=[A-Za-z0-9_.~%+-]*")

LUA_TEMPLATE = """\
-- Written by benchmarks/wrk.py: {count} SPARQL queries, URL-encoded, asked in turn; the text they all start with
-- (head) and end with (tail) is written once.
-- The query path is the URL's path given to wrk (/sparql, /query or /), so every server takes this script.
-- Thread i of n (n given after "--", 1 if not) asks entries i+1, i+1+n, i+1+2n, ...: about the first {count}
-- requests in all are distinct (exactly, when the threads keep pace).
wrk.headers["Accept"] = "{accept}"

local head, tail = "{head}", "{tail}"
local queries = {{
{entries}
}}

local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local requests = {{}}
local index, step = 0, 1
function init(args)
  step = tonumber(args[1]) or 1
  local base = wrk.path
  for position, query in ipairs(queries) do
    requests[position] = wrk.format("GET", base .. "?" .. head .. query .. tail)
  end
  index = (id or 0) % #requests
end

function request()
  local current = requests[index + 1]
  index = (index + step) % #requests
  return current
end
"""


def encoded_query(sparql: str) -> str:
    """The ``query=...`` part of a GET URL for a SPARQL query (form-encoded, as ``urlencode`` writes it)."""
    return urllib.parse.urlencode({"query": sparql})


def lua_script(queries: list[str]) -> str:
    """The text of a wrk script asking ``queries`` in turn (interleaved over wrk's threads), SPARQL JSON accepted."""
    if not queries:
        raise ValueError("a wrk script needs at least one query")
    # Distinct lookups differ in a few characters: written whole, 20,000 of them made a 25 MB script that wrk parsed
    # in each of its threads, and encoding each whole text in Python took longer than the rounds' requests, all
    # inside the measurement's lock. What they share is encoded and written once (form encoding maps each character
    # on its own, so the pieces' encodings joined are the whole text's).
    head = os.path.commonprefix(queries)
    tail = os.path.commonprefix([query[len(head) :][::-1] for query in queries])[::-1]
    middles = [urllib.parse.quote_plus(query[len(head) : len(query) - len(tail)]) for query in queries]
    head, tail = encoded_query(head), urllib.parse.quote_plus(tail)
    for piece in (head, tail, *middles):
        if not _ENCODED.fullmatch("query=" + piece.removeprefix("query=")):  # a Lua literal holds it as it is
            raise ValueError(f"unexpected characters in the encoded query {piece[:80]!r}")
    entries = "\n".join(f'  "{middle}",' for middle in middles)
    return LUA_TEMPLATE.format(count=len(queries), accept=ACCEPT, head=head, tail=tail, entries=entries)


def write_lua_script(path: Path, queries: list[str]) -> Path:
    """Write :func:`lua_script` to ``path`` (in the work directory); returns the path."""
    path.write_text(lua_script(queries), encoding="ascii")
    return path


def parse_wrk(output: str) -> dict[str, object]:
    """Requests per second, latency percentiles and error counts from ``wrk --latency`` output."""

    def milliseconds(value: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    result: dict[str, object] = {}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result["requests_per_s"] = float(match.group(1))
    for percent in ("50", "90", "99"):
        if match := re.search(rf"^\s+{percent}%\s+(\S+)", output, re.MULTILINE):
            result[f"p{percent}_ms"] = milliseconds(match.group(1))
    if match := re.search(r"(\d+) requests in", output):
        result["requests"] = int(match.group(1))
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(match.group(1)) if match else 0
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = sum(int(group) for group in match.groups()) if match else 0
    return result


def run_wrk(url: str, *, duration: float, connections: int, script: Path | None = None) -> dict[str, object]:
    """Load ``url`` with wrk for ``duration`` seconds over ``connections`` connections; the parsed figures.

    Args:
        url: The full URL to ask again and again, or (with ``script``) the base URL whose path the script uses.
        duration: Seconds of load.
        connections: Connections kept busy (over :data:`THREADS` threads at most).
        script: A script from :func:`write_lua_script`: its requests instead of ``url`` alone.
    """
    threads = min(THREADS, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency"]
    command += ["--timeout", "30s", "-H", f"Accept: {ACCEPT}"]
    command += ["-s", str(script), url, "--", str(threads)] if script else [url]
    run = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed: {(run.stderr or run.stdout).strip()[-300:]}")
    return parse_wrk(run.stdout)
