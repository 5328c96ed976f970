"""An acknowledged commit survives the process being killed before the store flushes its memory tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from tradekg.store.embedded import OxigraphStore

QUAD = ox.Quad(
    ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"),
    ox.NamedNode("http://example.org/g"),
)  # fmt: skip
WRITER = """
import os, sys
from pathlib import Path
import pyoxigraph as ox
from tradekg.store.embedded import OxigraphStore
store = OxigraphStore(Path(sys.argv[1]), flush_delay=3600)
quad = ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"),
               ox.NamedNode("http://example.org/g"))
with store.writing():
    store.apply([], [quad])
print("committed", flush=True)
os.kill(os.getpid(), 9)
"""


def test_a_commit_survives_a_killed_process_without_a_flush(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", WRITER, str(tmp_path / "db")], capture_output=True, text=True)
    assert done.returncode == -9 and "committed" in done.stdout, done.stderr
    store = OxigraphStore(tmp_path / "db")
    try:
        assert QUAD in store
    finally:
        store.close()


def test_a_commit_is_flushed_after_the_delay(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "db", flush_delay=0.05)
    flushed = []
    store.flush = lambda: flushed.append(True)  # type: ignore[method-assign]
    with store.writing():
        store.apply([], [QUAD])
    assert store._flush_timer is not None
    store._flush_timer.join(5)
    assert flushed == [True] and store._flush_timer is None
    del store.flush
    store.close()
