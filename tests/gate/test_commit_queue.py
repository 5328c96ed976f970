"""Group commit: writes queued together get the answers and the dataset they would have had one by one."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator

import pyoxigraph as ox
import pytest
from queued_writes import queued_together, wait_for
from sparql_servers import RunningServer

from tradekg.gate import commit_queue as queue_module
from tradekg.gate.changes import ChangeSet, PendingView
from tradekg.gate.commit_queue import commit_queue, merge
from tradekg.gate.neighbourhood import PROTECTED
from tradekg.gate.writes import ValidationRejected, apply_update
from tradekg.graph.load import open_store
from tradekg.store.interface import TradeStore
from tradekg.store.remote import RemoteStore
from tradekg.store.sparql_client import Endpoints

PREFIXES = (
    "PREFIX country: <https://w3id.org/tradekg/id/country/> PREFIX m: <https://w3id.org/tradekg/id/measure/> "
    "PREFIX src: <https://w3id.org/tradekg/id/source/> PREFIX g: <https://w3id.org/tradekg/id/graph/>\n"
)
GRAPH = "g:econotimes-japan-tariff-relief"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SOURCE = "src:econotimes-japan-tariff-relief"


def measure(name: str, *, applies_to: str | None = "country:JPN") -> str:
    """An ``INSERT DATA`` of a new tariff; without ``applies_to`` it breaks TradeMeasureShape."""
    hits = f"; tkg:appliesTo {applies_to} " if applies_to else ""
    return (
        f'{PREFIXES}INSERT DATA {{ GRAPH {GRAPH} {{ m:{name} a tkg:Tariff ; rdfs:label "{name}"@en ; '
        f"prov:wasDerivedFrom {SOURCE} ; tkg:imposedBy country:USA {hits}}} }}"
    )


def adds(name: str, predicate: str, value: str) -> str:
    return f"{PREFIXES}INSERT DATA {{ GRAPH {GRAPH} {{ m:{name} {predicate} {value} }} }}"


@pytest.fixture(scope="module")
def base() -> list[ox.Quad]:
    """The bundled graph's data (without the HS tree the server adds), read once."""
    bundled = open_store()
    try:
        return [quad for quad in bundled.quads_for_pattern() if quad.graph_name not in PROTECTED]
    finally:
        bundled.close()


def fresh(base: list[ox.Quad]) -> TradeStore:
    opened = open_store(empty=True)
    opened.add_quads(base)
    return opened


@pytest.fixture()
def store(base: list[ox.Quad]) -> Iterator[TradeStore]:
    """A store of its own holding the bundled data."""
    opened = fresh(base)
    yield opened
    opened.close()


def data(store: TradeStore) -> set[ox.Quad]:
    """The data quads (the vocabulary graphs left out)."""
    return {quad for quad in store.quads_for_pattern() if quad.graph_name not in PROTECTED}


def one_by_one(base: list[ox.Quad], writes: list[str]) -> tuple[list[str], set[ox.Quad]]:
    """Each write alone, in order, on a fresh copy: the answers and the dataset group commit must give."""
    alone = fresh(base)
    outcomes = []
    for text in writes:
        try:
            apply_update(alone, text)
            outcomes.append("accepted")
        except ValidationRejected:
            outcomes.append("rejected")
    try:
        return outcomes, data(alone)
    finally:
        alone.close()


def test_good_writes_queued_together_are_validated_at_once_and_committed_in_one_transaction(
    store: TradeStore, base: list[ox.Quad]
) -> None:
    commits: list[tuple[Collection[ox.Quad], Collection[ox.Quad]]] = []
    store.on_commit(lambda removed, added: commits.append((removed, added)))
    writes = [measure("first")] + [measure(f"queued-{number}") for number in range(5)]
    before = data(store)
    settled = dict(commit_queue(store).settled)
    outcomes = queued_together(store, [("update", text) for text in writes])
    assert outcomes == ["accepted"] * 6
    assert commit_queue(store).settled["together"] - settled["together"] == 5  # the five queued behind the first
    assert len(commits) == 2, "the first write alone, then the five in one transaction"
    assert not commits[1][0] and set(commits[1][1]) == data(store) - before - set(commits[0][1])
    assert one_by_one(base, writes) == (outcomes, data(store))


def test_a_bad_write_in_a_batch_gets_its_own_report_and_blocks_none_of_the_good_ones(
    store: TradeStore, base: list[ox.Quad]
) -> None:
    writes = [measure("first"), measure("good-1"), measure("bad", applies_to=None), measure("good-2")]
    outcomes = queued_together(store, [("update", text) for text in writes])
    assert outcomes == ["accepted", "accepted", "rejected", "accepted"]
    assert one_by_one(base, writes) == (outcomes, data(store))
    with pytest.raises(ValidationRejected) as alone:
        apply_update(store, measure("bad", applies_to=None))
    assert "must say whom it hits" in str(alone.value)


def test_a_write_that_completes_an_earlier_rejected_one_does_not_rescue_it(
    store: TradeStore, base: list[ox.Quad]
) -> None:
    # Together the two conform; one by one the first is refused (it names no country it hits), and the second
    # then adds a property to an untyped node. The queue must see that the second changes what the first reads.
    writes = [measure("first"), measure("half", applies_to=None), adds("half", "tkg:appliesTo", "country:JPN")]
    outcomes = queued_together(store, [("update", text) for text in writes])
    assert outcomes == ["accepted", "rejected", "accepted"]
    assert one_by_one(base, writes) == (outcomes, data(store))


def test_writes_after_a_rejected_one_are_computed_again_without_it(store: TradeStore, base: list[ox.Quad]) -> None:
    # The third write deletes what the rejected second would have added: alone, after the refusal, it deletes
    # nothing, and its answer must say so.
    delete = f"{PREFIXES}DELETE DATA {{ GRAPH {GRAPH} {{ m:ghost tkg:imposedBy country:USA }} }}"
    writes = [measure("first"), measure("ghost", applies_to=None), delete, measure("after")]
    outcomes = queued_together(store, [("update", text) for text in writes])
    assert outcomes == ["accepted", "rejected", "accepted", "accepted"]
    assert one_by_one(base, writes) == (outcomes, data(store))


def test_an_update_that_must_query_waits_for_the_writes_before_it_to_commit(
    store: TradeStore, base: list[ox.Quad]
) -> None:
    # The DELETE ... WHERE reads what the write queued before it adds: it runs over the store once that committed.
    relabel = (
        f"{PREFIXES}DELETE {{ GRAPH ?g {{ m:seen rdfs:label ?l }} }} "
        'INSERT { GRAPH ?g { m:seen rdfs:label "seen"@en } } WHERE { GRAPH ?g { m:seen rdfs:label ?l } }'
    )
    writes = [measure("first"), measure("seen"), relabel, measure("last")]
    outcomes = queued_together(store, [("update", text) for text in writes])
    assert outcomes == ["accepted"] * 4
    assert one_by_one(base, writes) == (outcomes, data(store))
    label = ox.Quad(ox.NamedNode("https://w3id.org/tradekg/id/measure/seen"),
                    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("seen", language="en"),
                    ox.NamedNode("https://w3id.org/tradekg/id/graph/econotimes-japan-tariff-relief"))  # fmt: skip
    assert label in store


def test_many_writers_at_once_get_what_they_would_have_alone(store: TradeStore) -> None:
    # Real concurrency, in whatever order the threads arrive: every good write committed, every bad one refused.
    results: dict[str, str] = {}

    def write(name: str, good: bool) -> None:
        try:
            apply_update(store, measure(name, applies_to="country:JPN" if good else None))
            results[name] = "accepted"
        except ValidationRejected:
            results[name] = "rejected"

    threads = [threading.Thread(target=write, args=(f"w{n}", n % 4 != 0)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {f"w{n}": "rejected" if n % 4 == 0 else "accepted" for n in range(12)}
    subjects = {quad.subject.value.rsplit("/", 1)[-1] for quad in store.quads_for_pattern()}  # type: ignore[union-attr]
    assert {name for name, outcome in results.items() if outcome == "accepted"} <= subjects
    assert not {name for name, outcome in results.items() if outcome == "rejected"} & subjects


def test_a_new_leader_waits_for_the_writers_preparing_a_request(
    store: TradeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_module, "GATHER_SECONDS", 600.0)  # the wait ends when the announced writers arrive
    queue = commit_queue(store)
    groups, together = queue.groups, queue.settled["together"]
    announced = queue.expect()  # a writer still parsing its request
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda name=name: results.append(apply_update(store, measure(name)) and name))
        for name in ("leader", "second")
    ]
    threads[0].start()
    wait_for(lambda: queue.gathering)  # the leader waits for the announced writer...
    threads[1].start()
    wait_for(lambda: queue.waiting == 2)  # ...and the second queues behind it
    assert queue.gathering and not results
    announced.cancel()  # the announced writer gives up (its request was refused): the leader takes the two
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == ["leader", "second"]
    assert queue.groups - groups == 1 and queue.settled["together"] - together == 2
    announced.cancel()  # used up: nothing more to do
    assert queue._expected == 0


def test_a_pending_view_reads_the_store_as_the_earlier_writes_leave_it(store: TradeStore) -> None:
    graph = ox.NamedNode("https://w3id.org/tradekg/id/graph/new")
    quad = ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("x"), graph)
    pending = ChangeSet()
    view = PendingView(store, pending)
    assert quad not in view and not view.contains_named_graph(graph.value)
    merge(pending, ChangeSet(added={quad}))
    assert quad in view and view.stored([quad]) == {quad} and view.contains_named_graph(graph.value)
    assert list(view.quads_for_pattern(quad.subject)) == [quad]
    merge(pending, ChangeSet(removed={quad}, dropped={graph}))
    assert not pending.added and quad not in view and not view.contains_named_graph(graph.value)


def test_group_commit_on_a_remote_store(base: list[ox.Quad], sparql_server: Callable[[str], RunningServer]) -> None:
    server = sparql_server("oxigraph")
    remote = RemoteStore(Endpoints(server.query_endpoint, server.update_endpoint, server.gsp_endpoint))
    remote.clear()
    vocabulary = open_store(empty=True)
    try:
        remote.add_quads([*vocabulary.quads_for_pattern(), *base])
        writes = [measure("first"), measure("good-1"), measure("bad", applies_to=None), measure("good-2")]
        outcomes = queued_together(remote, [("update", text) for text in writes])
        assert outcomes == ["accepted", "accepted", "rejected", "accepted"]
        measures = {quad.subject.value.rsplit("/", 1)[-1] for quad in remote.quads_for_pattern(None, RDF_TYPE)}  # type: ignore[union-attr]
        assert {"first", "good-1", "good-2"} <= measures and "bad" not in measures
    finally:
        vocabulary.close()
        remote.clear()
