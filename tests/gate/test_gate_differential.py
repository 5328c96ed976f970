"""The write gate against full validation: it accepts a write exactly when the whole dataset after it conforms.

Random writes (hypothesis) on a part of the bundled graph: inserts of any predicate the shapes read with values of
every kind (wrong datatypes, out-of-range numbers, nodes of the wrong class, blank nodes, ``mailto:``/``tag:``/
``did:`` IRIs), deletions of triples, of whole nodes and of every ``rdf:type`` of a class, graph drops through the
Graph Store path, and new resources, alone or several in one request. For each, the gate's verdict
(:func:`tradekg.gate.writes.apply_update` / :func:`~tradekg.gate.writes.drop_graph`) is compared with pySHACL's
full validation (no focus nodes) of the dataset the write leads to, computed independently by Oxigraph on a copy.
An accepted write must also have committed exactly that dataset; a refused one must leave the store as it was.

Random writes seldom reach a node the rarer ways the gate walks (through a superclass, back along a chain from a
changed type, through the inverse step of the round-number check), so writes that make each of those decide the
verdict are tried first, and a group whose clash is reached only through the inverse path is queued
(tests/differential_cases.py). What the project's shapes never read (a global read, ``sh:targetSubjectsOf``) is
proved under shapes of its own in test_gate_extra_shapes.py.

Full validation costs about a millisecond per triple, so the data is a part of the bundled graph that conforms on
its own: every quad of the seed article's source graph (negotiations and rounds, proposals, officials, posts,
measures, exemptions, a company and its results), and of the nodes it reaches only what the reference graphs (ISO
3166, Wikidata) say of them. Verdicts are remembered by resulting dataset, so a dataset hypothesis reaches twice is
validated once; the store is reset from the kept base after each accepted write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox
import pytest
from differential_cases import EXPECTED, INTERACTING_GROUPS, ONE_WRITE
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyshacl import validate as pyshacl_validate
from queued_writes import queued_together
from rdflib import Graph

from tradekg.gate.commit_queue import commit_queue
from tradekg.gate.footprint import footprints, read_predicates
from tradekg.gate.neighbourhood import PROTECTED
from tradekg.gate.validate import quads_to_graph, shapes_graph, with_ontology
from tradekg.gate.writes import ProtectedGraph, ValidationRejected, apply_update, drop_graph
from tradekg.graph.load import open_store
from tradekg.store.interface import TradeStore

ID = "https://w3id.org/tradekg/id/"
TKG = "https://w3id.org/tradekg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SEED_GRAPHS = ("econotimes-japan-tariff-relief",)
REFERENCE_GRAPHS = ("iso-3166", "wikidata-countries")
EXAMPLES = 60


def _slice(bundled: TradeStore) -> list[ox.Quad]:
    """The seed graphs' quads, and what the reference graphs say of every node they reach."""
    seeds = {ox.NamedNode(f"{ID}graph/{name}") for name in SEED_GRAPHS}
    references = {ox.NamedNode(f"{ID}graph/{name}") for name in REFERENCE_GRAPHS}
    kept = [quad for graph in seeds for quad in bundled.quads_for_pattern(None, None, None, graph)]
    reached = {quad.subject for quad in kept} | {quad.object for quad in kept if isinstance(quad.object, ox.NamedNode)}
    pending = list(reached)
    while pending:
        node = pending.pop()
        for graph in references:
            for quad in bundled.quads_for_pattern(node, None, None, graph):
                kept.append(quad)
                if isinstance(quad.object, ox.NamedNode) and quad.object not in reached:
                    reached.add(quad.object)
                    pending.append(quad.object)
    return sorted(set(kept), key=str)


def _data(quads: object) -> frozenset[ox.Quad]:
    """The data quads (not the ontology's or shapes'), blank nodes named canonically: equal data compares equal."""
    dataset = ox.Dataset(quad for quad in quads if quad.graph_name not in PROTECTED)  # type: ignore[attr-defined]
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return frozenset(dataset)


class Oracle:
    """Full validation (every target of every shape, no focus nodes) of a dataset, remembered by its content.

    pySHACL is called as :func:`tradekg.gate.validate.validate_graph` calls it, with ``abort_on_first``: the
    verdict is the same, and a dataset that does not conform is known at its first failing shape.
    """

    def __init__(self) -> None:
        self.verdicts: dict[str, bool] = {}
        self.runs = 0

    def conforms(self, data: frozenset[ox.Quad]) -> bool:
        key = hashlib.sha256("\n".join(sorted(map(str, data))).encode()).hexdigest()
        if key not in self.verdicts:
            self.runs += 1
            graph = quads_to_graph(data, into=with_ontology(Graph()))
            conforms, _, _ = pyshacl_validate(
                graph,
                shacl_graph=shapes_graph(),
                inference="none",
                advanced=True,
                inplace=True,
                allow_warnings=True,
                abort_on_first=True,
            )
            self.verdicts[key] = bool(conforms)
        return self.verdicts[key]


@pytest.fixture(scope="module")
def base(bundled_store: TradeStore) -> frozenset[ox.Quad]:
    return _data(_slice(bundled_store))


@pytest.fixture(scope="module")
def oracle(base: frozenset[ox.Quad]) -> Oracle:
    found = Oracle()
    assert found.conforms(base), "the part of the bundled graph the test writes on must conform on its own"
    return found


@pytest.fixture(scope="module")
def store(base: frozenset[ox.Quad]) -> Iterator[TradeStore]:
    opened = open_store(empty=True)
    opened.add_quads(base)
    yield opened
    opened.close()


def _reset(store: TradeStore, base: frozenset[ox.Quad]) -> None:
    """Put the data back as it was (after an accepted write), through the store's own transaction."""
    with store.writing():
        if _data(store.quads_for_pattern()) != base:
            store.apply([quad for quad in store.quads_for_pattern() if quad.graph_name not in PROTECTED], base)


# -- writes --------------------------------------------------------------------------------------------------------


def _terms(base: frozenset[ox.Quad]) -> dict[str, list[str]]:
    """The vocabulary writes draw from, in SPARQL syntax: nodes, classes, predicates, literals, graphs."""
    nodes = sorted({str(quad.subject) for quad in base if isinstance(quad.subject, ox.NamedNode)})
    objects = sorted({str(quad.object) for quad in base if isinstance(quad.object, ox.NamedNode)} - set(nodes))
    classes = sorted(
        {f"<{cls}>" for footprint in footprints() for cls in footprint.target_classes}
        | {f"<{TKG}{name}>" for name in ("Source", "Tariff", "Meeting", "NegotiationRound", "Truce")}
        | {"<https://schema.org/Place>", "<http://example.org/Thing>"}
    )
    predicates = sorted({f"<{p}>" for p in read_predicates(footprints()) if p is not None} | {"<http://example.org/p>"})
    new_nodes = [
        f"<{ID}measure/new-measure>",
        f"<{ID}country/XXA>",
        "<mailto:someone@example.org>",
        "<tag:example.org,2025:thing>",
        "<did:example:123456>",
        "<https://example.org/foreign>",
        "_:fresh",
    ]
    literals = [
        '"text"',
        '"text"@en',
        "7",
        "24.5",
        "-3",
        "2000",
        "true",
        f'"2025-05-01"^^<{XSD}date>',
        f'"2024-01-01"^^<{XSD}date>',
        f'"2025-05"^^<{XSD}gYearMonth>',
        f'"2026"^^<{XSD}gYear>',
        '"JPN"',
        '"JP"',
        '"004"',
        '"9903.01.25"',
        '"1005"',
        f"<{TKG}inForce>",
        f"<{TKG}stated>",
        f"<{TKG}netProfit>",
    ]
    graphs = sorted({str(quad.graph_name) for quad in base}) + ["<http://example.org/new-graph>"]
    return {
        "nodes": nodes,
        "objects": objects,
        "classes": classes,
        "predicates": predicates,
        "new": new_nodes,
        "literals": literals,
        "graphs": graphs,
    }


@st.composite
def _operation(draw: st.DrawFn, terms: dict[str, list[str]], base: list[ox.Quad]) -> str:
    """One SPARQL Update operation (every pattern inside ``GRAPH``, so the copy needs no default-graph rule)."""
    kind = draw(st.sampled_from(["insert", "insert", "insert", "delete", "type", "node", "referrers", "new"]))
    subject = st.sampled_from(terms["nodes"] + terms["new"])
    graph = draw(st.sampled_from(terms["graphs"]))
    if kind == "insert":
        triples = []
        for _ in range(draw(st.integers(1, 3))):
            predicate = draw(st.sampled_from(terms["predicates"] + [f"<{RDF_TYPE}>"] * 3))
            pool = terms["classes"] if predicate == f"<{RDF_TYPE}>" else terms["nodes"] + terms["objects"]
            value = draw(st.sampled_from(pool + terms["literals"] + terms["new"]))
            triples.append(f"{draw(subject)} {predicate} {value} .")
        return f"INSERT DATA {{ GRAPH {graph} {{ {' '.join(triples)} }} }}"
    if kind == "delete":
        quads = draw(st.lists(st.sampled_from(base), min_size=1, max_size=3, unique=True))
        blocks = " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
        return f"DELETE DATA {{ {blocks} }}"
    if kind == "type":
        cls = draw(st.sampled_from(terms["classes"]))
        return f"DELETE {{ GRAPH ?g {{ ?s a {cls} }} }} WHERE {{ GRAPH ?g {{ ?s a {cls} }} }}"
    if kind == "node":
        node = draw(st.sampled_from(terms["nodes"]))
        return f"DELETE {{ GRAPH ?g {{ {node} ?p ?o }} }} WHERE {{ GRAPH ?g {{ {node} ?p ?o }} }}"
    if kind == "referrers":
        node = draw(st.sampled_from(terms["nodes"] + terms["objects"]))
        return f"DELETE {{ GRAPH ?g {{ ?s ?p {node} }} }} WHERE {{ GRAPH ?g {{ ?s ?p {node} }} }}"
    cls = draw(st.sampled_from(terms["classes"]))
    node = draw(st.sampled_from(terms["new"]))
    source = f"<{ID}source/{SEED_GRAPHS[0]}>"
    extra = ""
    if draw(st.booleans()):
        predicate = draw(st.sampled_from(terms["predicates"]))
        extra = f"; {predicate} {draw(st.sampled_from(terms['literals'] + terms['nodes']))} "
    return (
        f'INSERT DATA {{ GRAPH {graph} {{ {node} a {cls} ; <http://www.w3.org/2000/01/rdf-schema#label> "new" ; '
        f"<http://www.w3.org/ns/prov#wasDerivedFrom> {source} {extra}. }} }}"
    )


@st.composite
def _write(draw: st.DrawFn, terms: dict[str, list[str]], base: list[ox.Quad]) -> tuple[str, str]:
    """A write: ``("drop", graph IRI)`` or ``("update", text)`` of one to three operations."""
    if draw(st.integers(0, 9)) == 0:
        return "drop", draw(st.sampled_from(terms["graphs"][:-1]))[1:-1]
    operations = draw(st.lists(_operation(terms, base), min_size=1, max_size=3))
    # A blank node label names one node per operation: each operation gets its own (SPARQL forbids sharing it).
    return "update", " ;\n".join(text.replace("_:fresh", f"_:fresh{index}") for index, text in enumerate(operations))


def _expected(base: frozenset[ox.Quad], kind: str, text: str) -> frozenset[ox.Quad]:
    """The dataset after the write, as Oxigraph alone computes it on a copy of the data."""
    copy = ox.Store()
    copy.extend(base)
    copy.update(f"DROP SILENT GRAPH <{text}>" if kind == "drop" else text)
    return _data(copy)


def test_the_gate_accepts_a_write_exactly_when_full_validation_of_the_result_conforms(
    store: TradeStore, base: frozenset[ox.Quad], oracle: Oracle
) -> None:
    terms = _terms(base)
    ordered = sorted(base, key=str)
    verdicts = {"accepted": 0, "rejected": 0}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(write=_write(terms, ordered))
    @_examples(ONE_WRITE.values())
    def check(write: tuple[str, str]) -> None:
        kind, text = write
        after = _expected(base, kind, text)
        try:
            if kind == "drop":
                drop_graph(store, text)
            else:
                apply_update(store, text)
            accepted = True
        except ValidationRejected:
            accepted = False
        except ProtectedGraph:
            return
        stored = _data(store.quads_for_pattern())
        try:
            conforms = oracle.conforms(after)
            assert accepted == conforms, f"gate {'accepted' if accepted else 'refused'}, full validation {conforms}"
            assert stored == (after if accepted else base), "the store does not hold what was validated"
        finally:
            _reset(store, base)
        verdicts["accepted" if accepted else "rejected"] += 1

    check()
    # Both verdicts must be exercised, or the comparison proves little.
    assert verdicts["accepted"] >= EXAMPLES // 5 and verdicts["rejected"] >= EXAMPLES // 5, verdicts


def _examples(writes: Iterable[tuple[str, str]]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Hypothesis's explicit examples, tried before the random writes (see ``differential_cases``)."""

    def decorate(test: Callable[..., None]) -> Callable[..., None]:
        for write in reversed(list(writes)):
            test = example(write=write)(test)
        return test

    return decorate


# -- the same writes queued together (group commit) ----------------------------------------------------------------

BATCH_EXAMPLES = 10


def test_writes_queued_together_get_the_verdicts_and_the_dataset_of_one_by_one_with_full_validation(
    store: TradeStore, base: frozenset[ox.Quad], oracle: Oracle
) -> None:
    terms = _terms(base)
    ordered = sorted(base, key=str)
    seen = {"accepted": 0, "rejected": 0, "batches with two accepted": 0}

    @settings(
        max_examples=BATCH_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(writes=st.lists(_write(terms, ordered), min_size=3, max_size=4))
    def check(writes: list[tuple[str, str]]) -> None:
        outcomes = _queued_as_one_by_one(store, base, oracle, writes, seen)
        seen["batches with two accepted"] += outcomes[1:].count("accepted") >= 2

    settled = dict(commit_queue(store).settled)
    check()
    together = commit_queue(store).settled["together"] - settled["together"]
    assert seen["accepted"] and seen["rejected"] and seen["batches with two accepted"] and together, (seen, together)


def _queued_as_one_by_one(
    store: TradeStore, base: frozenset[ox.Quad], oracle: Oracle, writes: list[tuple[str, str]], seen: dict[str, int]
) -> list[str]:
    """Queue the writes (the first alone, the rest in one group); each must get full validation's one-by-one verdict."""
    try:
        outcomes = queued_together(store, writes)
        state = base
        for (kind, text), outcome in zip(writes, outcomes, strict=True):
            if outcome == "ProtectedGraph":
                continue  # refused before anything is computed, as alone
            try:
                after = _expected(state, kind, text)
            except (OSError, RuntimeError, SyntaxError, ValueError):
                assert outcome == "UpdateFailed", f"{text!r}: Oxigraph fails it, the queue answered {outcome}"
                continue
            verdict = "accepted" if oracle.conforms(after) else "rejected"
            assert outcome == verdict, f"{text!r}: one by one {verdict}, queued {outcome}"
            state = after if verdict == "accepted" else state
            seen[verdict] += 1
        assert _data(store.quads_for_pattern()) == state, "the store does not hold the one-by-one dataset"
        return outcomes
    finally:
        _reset(store, base)


@pytest.mark.parametrize("name", sorted(INTERACTING_GROUPS))
def test_groups_whose_writes_interact_get_the_verdicts_of_one_by_one_with_full_validation(
    name: str, store: TradeStore, base: frozenset[ox.Quad], oracle: Oracle
) -> None:
    seen = {"accepted": 0, "rejected": 0}
    assert _queued_as_one_by_one(store, base, oracle, INTERACTING_GROUPS[name], seen) == EXPECTED[name]
