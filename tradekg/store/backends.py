"""Which backend holds the dataset, chosen by where it is: a directory (or memory) or a SPARQL server's URL.

``--store DIR`` opens the embedded Oxigraph store in that directory; ``--store http(s)://…/sparql`` a store on a
SPARQL 1.1 server (:mod:`tradekg.store.remote`), with ``--update-endpoint`` and ``--gsp-endpoint`` where the server
takes updates and Graph Store requests elsewhere. Nothing else in tradekg asks which backend it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tradekg.store.interface import StoreError, TradeStore


@dataclass(frozen=True)
class ServerAddress:
    """Where a store on a SPARQL server answers.

    Attributes:
        query_endpoint: The SPARQL query endpoint (what ``--store`` names).
        update_endpoint: The update endpoint, if not the query endpoint (``--update-endpoint``).
        gsp_endpoint: The Graph Store Protocol endpoint, if the server has one (``--gsp-endpoint``).
        timeout: Seconds a request may take (0: no limit).
    """

    query_endpoint: str
    update_endpoint: str | None = None
    gsp_endpoint: str | None = None
    timeout: float = 30.0


StoreLocation = Path | ServerAddress | None
"""A directory, a server, or ``None`` for a store in memory."""


def is_server_url(text: str) -> bool:
    """Whether ``--store`` names a SPARQL server rather than a directory."""
    return text.lower().startswith(("http://", "https://"))


def store_location(
    text: str | Path | None,
    *,
    update_endpoint: str | None = None,
    gsp_endpoint: str | None = None,
    timeout: float = 30.0,
) -> StoreLocation:
    """What ``--store`` (with ``--update-endpoint`` and ``--gsp-endpoint``) names.

    Raises:
        StoreError: An endpoint option without a server URL in ``--store``.
    """
    if text is not None and is_server_url(str(text)):
        return ServerAddress(str(text), update_endpoint, gsp_endpoint, timeout)
    if update_endpoint or gsp_endpoint:
        raise StoreError("--update-endpoint and --gsp-endpoint go with --store http(s)://… (a SPARQL server)")
    return Path(text) if text is not None else None


def open_backend(location: StoreLocation) -> TradeStore:
    """The store at ``location``, as it is (nothing installed or loaded: see :func:`tradekg.graph.load.open_store`).

    Raises:
        StoreError: The directory cannot be opened, or the server cannot be reached or refuses the URL.
    """
    if isinstance(location, ServerAddress):
        from tradekg.store.remote import RemoteStore
        from tradekg.store.sparql_client import Endpoints

        try:
            endpoints = Endpoints(
                location.query_endpoint,
                location.update_endpoint or location.query_endpoint,
                location.gsp_endpoint,
            )
        except ValueError as error:
            raise StoreError(str(error)) from None
        return RemoteStore(endpoints, timeout=location.timeout or None)
    from tradekg.store.embedded import OxigraphStore

    return OxigraphStore(location)
