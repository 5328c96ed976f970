"""Fixtures of the suite run on every backend (tests/store/test_backends.py and test_backend_commands.py).

Each backend gets the bundled graph at the start of every module that asks for it: installing it costs seconds of
CPU on Virtuoso, but a count of quads cannot tell that another module changed a value. A module asks for
``backend`` (module-scoped, one parameter per backend) and marks its tests with
``pytest.mark.usefixtures("leaves_the_store_as_it_found_it")``, so every test starts from the bundled graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.store.backend_suite import BACKENDS, Backend, holdings, with_the_bundled_graph
from tradekg.store.remote import RemoteStore
from tradekg.store.sparql_client import Endpoints


def _endpoints(backend: Backend) -> Endpoints:
    server = backend.server
    return Endpoints(server.query_endpoint, server.update_endpoint, server.gsp_endpoint)  # type: ignore[attr-defined]


def _installed(name: str, sparql_server: Callable, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    """A backend holding the bundled graph (a server's store emptied first)."""
    if name == "embedded":
        directory = str(tmp_path_factory.mktemp("store") / "db")
        return with_the_bundled_graph(Backend("embedded", ["--store", directory], {"TRADEKG_STORE": directory}))
    server = sparql_server(name)
    endpoints = Endpoints(server.query_endpoint, server.update_endpoint, server.gsp_endpoint)
    RemoteStore(endpoints).clear()
    arguments = ["--store", server.query_endpoint, "--update-endpoint", server.update_endpoint]
    arguments += ["--gsp-endpoint", server.gsp_endpoint]
    config = {
        "TRADEKG_STORE": server.query_endpoint,
        "TRADEKG_UPDATE_ENDPOINT": server.update_endpoint,
        "TRADEKG_GSP_ENDPOINT": server.gsp_endpoint,
    }
    return with_the_bundled_graph(Backend(name, arguments, config, server))


@pytest.fixture(scope="session")
def installed_backends(
    sparql_server: Callable, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Backend]]:
    """Each backend with the bundled graph, installed afresh for each module that asks.

    The servers are shared with other modules (the W3C suites, test_remote.py), which empty or change them.
    """
    installed: dict[str, Backend] = {}

    def get(name: str) -> Backend:
        # Installed again for every module: a module that shares the server may change a value and leave the
        # counts of quads and graphs as they were (one CI run saw highest-rates differ on Virtuoso when only the
        # counts were compared), and the other modules' tests must start from the bundled graph itself.
        installed[name] = _installed(name, sparql_server, tmp_path_factory)
        return installed[name]

    yield get
    for backend in installed.values():
        if backend.server is not None:
            RemoteStore(_endpoints(backend)).clear()


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest, installed_backends: Callable[[str], Backend]) -> Backend:
    """The store of one backend, holding the bundled graph."""
    return installed_backends(request.param)


@pytest.fixture()
def leaves_the_store_as_it_found_it(backend: Backend) -> Iterator[None]:
    """After each test (and its ``app``, torn down first): the store holds the bundled graph's quads and graphs."""
    yield
    left, graphs = holdings(backend)
    assert left == backend.quads, f"(quads, triples) were {backend.quads} before the test, {left} after"
    assert graphs == backend.graphs, f"the test left graphs {sorted(set(graphs) ^ set(backend.graphs))}"
