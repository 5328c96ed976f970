"""The engines compared in process, behind one small interface, and the queries they run.

* ``tradekg``: our :class:`~tradekg.store.interface.TradeStore`, loaded with :func:`tradekg.graph.load.load_files`
  (parse, then one transaction; validation is measured apart) and queried with ``TradeStore.query`` (the path
  the server serialises to the wire), every value of every row read.
* ``tradekg-select``: the same store through ``TradeStore.select`` (rows as rdflib terms), the path Python
  callers use.
* ``pyoxigraph``: a bare ``pyoxigraph.Store`` loaded with ``bulk_load``: the engine's own limit.
* ``rdflib``: rdflib's default Memory store (a ``Dataset`` with the union default graph), parsed by rdflib.

Every engine answers the same query texts, prefixed with the same ``PREFIX`` lines, over the union of the
named graphs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from tradekg.ontology.vocab import PREFIXES
from tradekg.store.interface import to_engine

QUERY_DIR = Path(__file__).resolve().parent / "queries"
ID = "https://w3id.org/tradekg/id/"


@dataclass(frozen=True)
class NamedQuery:
    """A query of the benchmark: its name, its text (with PREFIX lines) and the bindings of its parameters."""

    name: str
    text: str
    origin: str
    bindings: dict[str, Node] = field(default_factory=dict)


def prologue() -> str:
    """``PREFIX`` lines for the project's prefixes, so every engine reads the same text."""
    return "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())


def _with_prologue(text: str) -> str:
    declared = set(re.findall(r"(?im)^\s*PREFIX\s+([\w-]*):", text))
    missing = {prefix: ns for prefix, ns in PREFIXES.items() if prefix not in declared}
    return "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in missing.items()) + text


def catalog_queries() -> list[NamedQuery] | None:
    """The catalog's named queries with their example parameters, or ``None`` when there is no catalog."""
    try:
        from tradekg.queries.catalog import load_catalog
    except ImportError:
        return None
    found = []
    for name, query in sorted(load_catalog().items()):
        values = {param.name: param.example for param in query.params if param.example}
        found.append(NamedQuery(name, _with_prologue(query.sparql), "catalog", query.bind(values)))
    return found or None


def benchmark_queries() -> list[NamedQuery]:
    """The benchmark's own representative queries (``benchmarks/queries/*.rq``)."""
    return [
        NamedQuery(path.stem, _with_prologue(path.read_text(encoding="utf-8")), "benchmarks")
        for path in sorted(QUERY_DIR.glob("*.rq"))
    ]


def named_queries(origin: str = "catalog") -> list[NamedQuery]:
    """The catalog's queries (``origin="catalog"``, the benchmark's own when there is no catalog) or the benchmark's."""
    return (catalog_queries() if origin == "catalog" else None) or benchmark_queries()


HTTP_QUERIES = ("point-lookup", "tariffs-between-countries")
"""Queries the HTTP load may use: the point lookup (a resource page's first query, a dozen rows whatever the size:
the selective query of the targets) or the benchmark's ``tariffs-between-countries`` (every US measure on China,
sorted by rate: its work grows with the graph)."""


def http_query(name: str, measures: int) -> str:
    """The text of one of :data:`HTTP_QUERIES`."""
    if name == "point-lookup":
        return lookup_queries(measures)[0]
    return next(query.text for query in benchmark_queries() if query.name == name)


def lookup_query(number: int) -> str:
    """A resource page's first query for measure ``m{number}``: its triples, with labels of what they point to."""
    resource = f"<{ID}measure/m{number}>"
    return _with_prologue(
        f"SELECT DISTINCT ?p ?o ?label WHERE {{ {resource} ?p ?o OPTIONAL {{ ?o rdfs:label ?label }} }}"
    )


def lookup_queries(measures: int) -> list[str]:
    """What a resource page asks: a measure's own triples (with labels of what they point to), and its referrers."""
    resource = f"<{ID}measure/m{measures // 2}>"
    return [
        lookup_query(measures // 2),
        _with_prologue(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {resource} }} LIMIT 1000"),
    ]


def distinct_lookups(measures: int, count: int) -> list[str]:
    """:func:`lookup_query` for ``min(count, measures)`` distinct measures spread evenly over the generated graph.

    The generator names its measures ``m0`` to ``m{measures - 1}``; measure ``i * measures // count`` is taken for
    each ``i``, so the numbers are distinct and the same for a size whatever the run.
    """
    count = min(count, measures)
    return [lookup_query(position * measures // count) for position in range(count)]


class Engine:
    """One engine under test: load a file, answer a SELECT by reading every row."""

    name = ""

    def load(self, path: Path) -> None:
        """Read an N-Quads file into the engine."""
        raise NotImplementedError

    def run(self, sparql: str, bindings: dict[str, Node] | None = None) -> int:
        """Answer a SELECT query with variables bound; returns the number of rows (every value of every row read)."""
        raise NotImplementedError

    def size(self) -> int:
        """The number of quads held."""
        raise NotImplementedError


def _read_solutions(answer: object) -> int:
    assert isinstance(answer, ox.QuerySolutions), "benchmark queries are SELECT queries"
    rows = 0
    for solution in answer:
        for value in solution:
            if value is not None:
                value.value  # noqa: B018 (reading the value is the point)
        rows += 1
    return rows


class TradekgEngine(Engine):
    """Our store, loaded and queried through tradekg's own functions."""

    name = "tradekg"

    def __init__(self) -> None:
        from tradekg.graph.load import open_store

        self.store = open_store(empty=True)

    def load(self, path: Path) -> None:  # noqa: D102
        from tradekg.graph.load import load_files

        load_files(self.store, [path], validate=False)

    def run(self, sparql: str, bindings: dict[str, Node] | None = None) -> int:  # noqa: D102
        return _read_solutions(self.store.query(sparql, bindings=bindings))

    def size(self) -> int:  # noqa: D102
        return len(self.store)


class TradekgSelectEngine(TradekgEngine):
    """Our store, queried through ``TradeStore.select`` (rows of rdflib terms)."""

    name = "tradekg-select"

    @classmethod
    def sharing(cls, other: TradekgEngine) -> TradekgSelectEngine:
        """A select engine over the store ``other`` has loaded."""
        engine = cls.__new__(cls)
        engine.store = other.store
        return engine

    def run(self, sparql: str, bindings: dict[str, Node] | None = None) -> int:  # noqa: D102
        return len(self.store.select(sparql, bindings=bindings))


class PyoxigraphEngine(Engine):
    """A bare pyoxigraph store: the engine limit."""

    name = "pyoxigraph"

    def __init__(self) -> None:
        self.store = ox.Store()

    def load(self, path: Path) -> None:  # noqa: D102
        self.store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)

    def run(self, sparql: str, bindings: dict[str, Node] | None = None) -> int:  # noqa: D102
        substitutions = {ox.Variable(name): to_engine(term) for name, term in (bindings or {}).items()}
        answer = self.store.query(sparql, use_default_graph_as_union=True, substitutions=substitutions)
        return _read_solutions(answer)

    def size(self) -> int:  # noqa: D102
        return len(self.store)


class RdflibEngine(Engine):
    """rdflib's default Memory store."""

    name = "rdflib"

    def __init__(self) -> None:
        self.dataset = rdflib.Dataset(default_union=True)

    def load(self, path: Path) -> None:  # noqa: D102
        self.dataset.parse(str(path), format="nquads")

    def run(self, sparql: str, bindings: dict[str, Node] | None = None) -> int:  # noqa: D102
        rows = 0
        for row in self.dataset.query(sparql, initBindings=bindings or {}):
            tuple(row)  # type: ignore[arg-type]
            rows += 1
        return rows

    def size(self) -> int:  # noqa: D102
        return sum(1 for _ in self.dataset.quads((None, None, None, None)))


ENGINES: dict[str, Callable[[], Engine]] = {
    "tradekg": TradekgEngine,
    "tradekg-select": TradekgSelectEngine,
    "pyoxigraph": PyoxigraphEngine,
    "rdflib": RdflibEngine,
}
