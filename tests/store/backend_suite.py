"""The backends of the suite run on every backend (tests/store/test_backends.py, test_backend_commands.py).

A :class:`Backend` is a store with the bundled graph installed (as ``tradekg load`` installs it: without the HS tree
the server adds): the embedded store in a directory, the Oxigraph server or Virtuoso 7, named by its ``--store``
arguments. The fixtures over them are in tests/store/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner
from flask import Flask

from tests.conftest import WRITE_TOKEN
from tradekg.cli import main
from tradekg.graph.load import open_store
from tradekg.server import create_app
from tradekg.store.backends import StoreLocation, open_backend, store_location
from tradekg.store.interface import TradeStore

BACKENDS = ("embedded", "oxigraph", "virtuoso")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AUTH = {"Authorization": f"Bearer {WRITE_TOKEN}"}
GATE = "http://example.org/gate"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
JAPAN_LABELS = "SELECT ?l WHERE { <https://w3id.org/tradekg/id/country/JPN> rdfs:label ?l }"


class Backend:
    """A store for the suite: its ``--store`` arguments and the matching application settings."""

    def __init__(self, name: str, arguments: list[str], config: dict[str, object], server: object = None) -> None:
        self.name = name
        self.arguments = arguments
        self.config = config
        self.server = server
        self.quads = (0, 0)
        """How many quads and distinct triples the store holds between tests: the bundled graph's."""
        self.graphs: list[str] = []
        """The named graphs it has between tests: the bundled graph's."""

    def app(self, **config: object) -> Flask:
        return create_app({"TESTING": True, "TRADEKG_TIMEOUT": 0, **self.config, **config})


def with_the_bundled_graph(backend: Backend) -> Backend:
    """The backend's store holding the bundled graph (whichever test runs first), its quads counted, graphs listed."""
    store = open_store(store_location_of(backend))
    try:
        backend.quads = (len(store), store.triple_count())
        backend.graphs = [str(graph) for graph in store.named_graphs()]
    finally:
        store.close()
    return backend


def holdings(backend: Backend) -> tuple[tuple[int, int], list[str]]:
    """What the backend's store holds now: (quads, distinct triples), and its named graphs."""
    store = open_backend(store_location_of(backend))
    try:
        return (len(store), store.triple_count()), [str(graph) for graph in store.named_graphs()]
    finally:
        store.close()


def dropped(store: TradeStore, *graphs: str) -> None:
    """Take back what a test wrote into graphs of its own: the graphs dropped, as if never written."""
    with store.writing():
        removed = [quad for graph in graphs for quad in store.quads(graph)]
        store.apply(removed, [], dropped_graphs=[ox.NamedNode(graph) for graph in graphs])


def dropped_from(backend: Backend, *graphs: str) -> None:
    """:func:`dropped`, through a store opened for it (no command or application holds the backend's store)."""
    store = open_backend(store_location_of(backend))
    try:
        dropped(store, *graphs)
    finally:
        store.close()


def store_location_of(backend: Backend) -> StoreLocation:
    arguments = dict(zip(backend.arguments[::2], backend.arguments[1::2], strict=True))
    return store_location(
        arguments["--store"],
        update_endpoint=arguments.get("--update-endpoint"),
        gsp_endpoint=arguments.get("--gsp-endpoint"),
    )


def run(backend: Backend, *arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*arguments, *backend.arguments])
    return result.exit_code, result.output


def exported(backend: Backend) -> set[ox.Quad]:
    code, output = run(backend, "export", "--format", "nq")
    assert code == 0, output
    return set(ox.parse(output.encode(), ox.RdfFormat.N_QUADS))
