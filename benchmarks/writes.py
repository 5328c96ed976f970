"""Validating a small write (about 10 and 100 triples) against a big graph.

Two paths are timed on the same store and the same writes:

* ``neighbourhood``: validation alone, as the write gate does it
  (:func:`tradekg.gate.neighbourhood.validate_change` over the store as it would be after the write): the focus
  nodes whose verdict the new triples can change, over what their shapes read. Its time grows with the write, not
  with the store.
* ``write_gate``: :func:`tradekg.gate.writes.add_to_graph`, the server's write gate (SPARQL Update and Graph
  Store writes): the whole write, timed end to end, a new batch of measures each run (writing the same quads
  again would change nothing and validate nothing).
* ``load_quads``: :func:`tradekg.graph.load.load_quads`, the path ``tradekg load`` takes: it copies every
  quad of the store into rdflib beside the new ones before validating the new subjects, so its time grows with
  the store. Timed once, for the smaller write, with a time limit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from benchmarks.generate import write_batch

WRITE_SIZES = {"10 triples": 1, "100 triples": 7}
"""Writes timed: name and number of new measures (a measure is about 14 triples)."""


def write_quads(base_measures: int, count: int, *, seed: int, first: int | None = None) -> list[ox.Quad]:
    """New measures in an existing source graph of the generated data (so no new source is needed)."""
    text = write_batch(
        base_measures, count, seed=seed, graph_slug="synthetic-schedule-0", with_source=False, first=first
    )
    return list(ox.parse(text, format=ox.RdfFormat.N_QUADS))


def validate_neighbourhood(store: object, quads: list[ox.Quad]) -> bool:
    """Validate a write as the write gate does (nothing committed): what it can change, over what shapes read."""
    from tradekg.gate.changes import AfterView, ChangeSet
    from tradekg.gate.neighbourhood import validate_change

    added = {quad for quad in quads if quad not in store}  # type: ignore[operator]
    report, _, _ = validate_change(AfterView(store, ChangeSet(added=added), indexed=True), added)  # type: ignore[arg-type]
    return report.conforms


def measure_writes(
    data: Path, base_measures: int, *, seed: int, runs: int, budget: float, limit: float
) -> dict[str, object]:
    """Load ``data`` into tradekg's store, then time each write path for each write size."""
    from benchmarks.worker import TimeLimit, time_limit, timed_runs
    from tradekg.gate.writes import add_to_graph
    from tradekg.graph.load import ValidationFailed, load_files, load_quads, open_store

    store = open_store(empty=True)
    load_files(store, [data], validate=False)
    result: dict[str, object] = {"quads": len(store)}
    # What a process derives once (the shapes' footprints, pySHACL's and rdflib's parsers) is not a write's cost:
    # one validation, untimed, before the first timed one.
    validate_neighbourhood(store, write_quads(base_measures, 1, seed=seed))
    for name, count in WRITE_SIZES.items():
        quads = write_quads(base_measures, count, seed=seed)
        entry: dict[str, object] = {"triples": len(quads)}

        def by_neighbourhood(quads: list[ox.Quad] = quads) -> int:
            if not validate_neighbourhood(store, quads):
                raise AssertionError("a generated write does not conform")
            return len(quads)

        # A new write every run (new measures, made before the clock starts): the same quads again change nothing.
        firsts = range(base_measures + 1000, base_measures + 1000 * (runs + 3), 1000)
        batches = iter([write_quads(base_measures, count, seed=seed, first=first) for first in firsts])

        def by_gate(batches: Iterator[list[ox.Quad]] = batches) -> int:
            fresh = next(batches)
            result = add_to_graph(store, fresh[0].graph_name.value, fresh)  # type: ignore[union-attr]
            if not result.added:
                raise AssertionError("the write gate added nothing: the write was not new")
            return len(fresh)

        entry["neighbourhood"] = timed_runs(by_neighbourhood, runs=runs, budget=budget, limit=limit)
        entry["write_gate"] = timed_runs(by_gate, runs=runs, budget=budget, limit=limit)
        if name == "10 triples":
            start = time.perf_counter()
            try:
                with time_limit(limit):
                    load_quads(store, quads, validate=True)
                entry["load_quads"] = {"median_ms": (time.perf_counter() - start) * 1000, "runs": 1}
            except TimeLimit as stopped:
                entry["load_quads"] = {"error": str(stopped), "runs": 0}
            except ValidationFailed as failed:
                entry["load_quads"] = {"error": f"does not conform: {failed.report.to_text()[:300]}", "runs": 0}
        result[name] = entry
    return result
