"""The concurrent-writes benchmark's writes: each a whole new measure, valid through the write gate, one at a time."""

from __future__ import annotations

import pyoxigraph as ox

from benchmarks.concurrent_writes import measure_bodies
from benchmarks.generate import write_nquads
from tradekg.gate.writes import apply_update
from tradekg.graph.load import load_files, open_store


def test_each_body_is_one_new_measure_with_what_hangs_on_it_and_the_gate_accepts_it(tmp_path) -> None:
    data = tmp_path / "data.nq"
    write_nquads(40, data, seed=1)
    store = open_store(empty=True)
    try:
        load_files(store, [data], validate=False)
        bodies = measure_bodies(40, 12, first=1000, seed=1)
        assert len(bodies) == 12
        for body in bodies:
            quads = list(ox.parse(body.removeprefix("INSERT DATA {").removesuffix("}").encode(), ox.RdfFormat.TRIG))
            names = {quad.subject.value.rsplit("/", 1)[-1] for quad in quads}  # type: ignore[union-attr]
            assert len(names) == 1 and 10 <= len(quads) <= 30, (names, len(quads))
            assert apply_update(store, body).added == len(quads)
    finally:
        store.close()
