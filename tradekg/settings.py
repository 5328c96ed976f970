"""The server's settings, as data: one table of name, default and help.

``tradekg serve`` builds its options from this table, ``create_app`` reads its configuration from it, and a
test checks that every setting is documented in the README. Add a setting here, not as an ad-hoc option.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One server setting.

    Attributes:
        name: The setting's name; the CLI option is ``--name-with-dashes`` and the Flask config key
            ``TRADEKG_NAME_IN_CAPITALS``.
        default: The value when none is given.
        help: One sentence a person understands.
        kind: The Python type of the value (``bool`` settings are flags).
        env: An environment variable that may give the value.
        multiple: The option may repeat (a tuple of values).
    """

    name: str
    default: object
    help: str
    kind: type = str
    env: str | None = None
    multiple: bool = False

    @property
    def option(self) -> str:
        """The command-line option, e.g. ``--max-rows``."""
        return "--" + self.name.replace("_", "-")

    @property
    def config_key(self) -> str:
        """The key in ``app.config``, e.g. ``TRADEKG_MAX_ROWS``."""
        return "TRADEKG_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "127.0.0.1", "Address to listen on; the default answers this machine only."),
    Setting("port", 8080, "TCP port to listen on.", kind=int),
    Setting(
        "store",
        None,
        "Directory of a persistent store, or the http(s) URL of a SPARQL server's query endpoint to keep the data "
        "there; without it the store lives in memory.",
    ),
    Setting(
        "update_endpoint",
        None,
        "With --store URL: the server's SPARQL update endpoint, when it is not the query endpoint "
        "(the Oxigraph server: http://HOST:PORT/update).",
    ),
    Setting(
        "gsp_endpoint",
        None,
        "With --store URL: the server's Graph Store Protocol endpoint, read graph by graph for exports "
        "(Virtuoso: http://HOST:PORT/sparql-graph-crud; the Oxigraph server: http://HOST:PORT/store).",
    ),
    Setting(
        "data",
        (),
        "RDF file to serve instead of the bundled graph (repeat for several); validated before serving.",
        kind=Path,
        multiple=True,
    ),
    Setting("empty", False, "Start with an empty store (the ontology and shapes are still installed).", kind=bool),
    Setting(
        "write_token",
        None,
        "Bearer token that enables writes (SPARQL Update, Graph Store); writes are refused without one.",
        env="TRADEKG_WRITE_TOKEN",
    ),
    Setting(
        "timeout",
        30.0,
        "Seconds a query, or the WHERE of an update, may run before its worker process is killed and it is "
        "answered 503; 0 runs them in the server's own process, unstoppable and without workers.",
        kind=float,
    ),
    Setting(
        "query_workers",
        3,
        "Worker processes answering queries when --timeout is set (one per core and one more, which evaluates while "
        "the others' answers and next queries cross the pipe); a query waits for a free one.",
        kind=int,
    ),
    Setting(
        "query_memory",
        4096,
        "Memory a query worker may take beyond its size at start, in MiB (its address space, Linux); a query "
        "needing more is stopped and answered 503, and the worker replaced; 0 sets no limit.",
        kind=int,
    ),
    Setting("max_rows", 10000, "Most result rows a query returns; longer answers are cut and say so.", kind=int),
    Setting(
        "allow_federation",
        False,
        "Allow SERVICE calls to remote endpoints and LOAD of remote URLs (refused by default).",
        kind=bool,
    ),
    Setting("max_body_bytes", 10_000_000, "Largest request body accepted, in bytes; larger is answered 413.", kind=int),
    Setting(
        "max_query_length",
        100_000,
        "Longest query text accepted, in characters (an update is bounded by --max-body-bytes).",
        kind=int,
    ),
    Setting(
        "max_nesting",
        100,
        "Deepest nesting of brackets in a query, update or request body (and of elements in RDF/XML); deeper is "
        "answered 400 before any parser sees it.",
        kind=int,
    ),
    Setting(
        "answer_cache_mb",
        64,
        "Memory for answers of repeated read queries, in MiB; every write empties it; 0 turns it off.",
        kind=int,
    ),
    Setting(
        "max_unfinished_bodies",
        4,
        "Most requests reading their bodies at once (one client may have half); more are answered 503 at once, so "
        "slow clients never hold every thread. Keep it below --threads.",
        kind=int,
    ),
    Setting(
        "body_read_timeout",
        10.0,
        "Seconds a request body has to arrive once the server starts reading it; a late one is answered 408 and "
        "its connection closed, so a slow client never holds a thread longer (Linux); 0 waits for as long as it takes.",
        kind=float,
    ),
    Setting("threads", 8, "Threads of the HTTP server running the application (requests answered at once).", kind=int),
    Setting(
        "dataset_base",
        "https://w3id.org/tradekg/id/",
        "IRI prefix of the dataset's resources; an IRI under it is served at /id/, /page/ and /data/ plus the rest.",
    ),
    Setting(
        "web_base",
        "",
        "Public address of this server used in links and redirects (e.g. https://trade.example.org/); "
        "empty means the host of each request.",
    ),
    Setting(
        "class_index_wait",
        5.0,
        "Seconds a class page waits for the class index being built (minutes at 10^6 instances) before answering "
        "503 with Retry-After; the build goes on in the background.",
        kind=float,
    ),
)

SETTINGS_BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}


def default_config() -> dict[str, object]:
    """Every setting at its default, keyed by Flask config key."""
    return {setting.config_key: setting.default for setting in SETTINGS}
