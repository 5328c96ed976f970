"""validate_change: the focus nodes a change can concern, found by walking the shapes' chains back."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import URIRef

from tradekg.gate.changes import AfterView, ChangeSet
from tradekg.gate.footprint import Step
from tradekg.gate.neighbourhood import DataReader, Targets, affected, validate_change

ID = "https://w3id.org/tradekg/id/"
TKG = "https://w3id.org/tradekg/ontology#"
G = ox.NamedNode(f"{ID}graph/test")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")


def tkg(name: str) -> ox.NamedNode:
    return ox.NamedNode(TKG + name)


def res(path: str) -> ox.NamedNode:
    return ox.NamedNode(ID + path)


def quad(subject: ox.NamedNode, predicate: ox.NamedNode, value: object) -> ox.Quad:
    return ox.Quad(subject, predicate, value, G)  # type: ignore[arg-type]


def resource(node: ox.NamedNode, cls: str) -> list[ox.Quad]:
    return [
        quad(node, RDF_TYPE, tkg(cls)),
        quad(node, LABEL, ox.Literal(node.value.rsplit("/", 1)[-1])),
        quad(node, DERIVED, res("source/s")),
    ]


def negotiation_store() -> ox.Store:
    """A source, two countries, an official, a negotiation with two numbered rounds: conforms."""
    store = ox.Store()
    store.extend([quad(res("source/s"), RDF_TYPE, tkg("Source")), quad(res("source/s"), _title(), ox.Literal("S"))])
    for code in ("AAA", "BBB"):
        store.extend(
            [
                *resource(res(f"country/{code}"), "Country"),
                quad(res(f"country/{code}"), tkg("iso3166Alpha3"), ox.Literal(code)),
            ]
        )
    talks = res("negotiation/talks")
    store.extend(
        [
            *resource(talks, "Negotiation"),
            quad(talks, tkg("party"), res("country/AAA")),
            quad(talks, tkg("party"), res("country/BBB")),
        ]
    )
    store.extend(resource(res("official/o"), "Official"))
    for number in (1, 2):
        round_ = res(f"event/round-{number}")
        store.extend([*resource(round_, "NegotiationRound"), quad(round_, tkg("partOf"), talks)])
        store.add(quad(round_, tkg("participant"), res("official/o")))
        store.add(
            quad(
                round_,
                tkg("roundNumber"),
                ox.Literal(str(number), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
            )
        )
    return store


def _title() -> ox.NamedNode:
    return ox.NamedNode("http://purl.org/dc/terms/title")


def check(store: ox.Store, *, added: set[ox.Quad] = frozenset(), removed: set[ox.Quad] = frozenset()):  # type: ignore[assignment]
    changes = ChangeSet(added=set(added), removed=set(removed))
    return validate_change(AfterView(store, changes, indexed=True), [*changes.added, *changes.removed])


def focus_of(store: ox.Store, changed: list[ox.Quad]) -> set[str]:
    reader = DataReader(store)
    found = affected(reader, Targets(reader), changed)
    return {
        f"{str(footprint.shape).rsplit('#', 1)[-1]} {node.value.rsplit('/', 1)[-1]}"
        for footprint, nodes in found.items()
        for node in nodes
    }


def test_the_store_built_here_conforms() -> None:
    store = negotiation_store()
    every = list(store)
    report, _, _ = validate_change(store, every)
    assert report.conforms, report.to_text()


def test_a_round_number_clash_is_found_from_the_other_round_through_the_inverse_path() -> None:
    store = negotiation_store()
    clash = quad(
        res("event/round-2"),
        tkg("roundNumber"),
        ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    )
    old = quad(
        res("event/round-2"),
        tkg("roundNumber"),
        ox.Literal("2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    )
    report, _, _ = check(store, added={clash}, removed={old})
    assert not report.conforms
    assert {violation.focus_node for violation in report.violations} == {f"<{ID}event/round-1>", f"<{ID}event/round-2>"}


def test_removing_a_type_re_validates_whoever_reads_it() -> None:
    store = negotiation_store()
    untyped = quad(res("country/AAA"), RDF_TYPE, tkg("Country"))
    assert "NegotiationShape talks" in focus_of(store, [untyped])  # sh:class tkg:Country on tkg:party
    report, _, _ = check(store, removed={untyped})
    assert not report.conforms
    assert any("tkg:party" in violation.path for violation in report.violations)


def test_removing_a_sources_type_re_validates_everything_derived_from_it() -> None:
    store = negotiation_store()
    untyped = quad(res("source/s"), RDF_TYPE, tkg("Source"))
    focus = focus_of(store, [untyped])
    assert {"ResourceShape AAA", "ResourceShape talks", "ResourceShape round-1"} <= focus
    report, _, _ = check(store, removed={untyped})
    assert not report.conforms


def test_nested_or_shapes_see_literal_values() -> None:
    store = negotiation_store()
    report, focus, _ = check(
        store,
        added={
            quad(
                res("country/AAA"),
                LABEL,
                ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
            )
        },
    )
    assert not report.conforms
    assert focus == 1


def test_a_write_no_shape_reads_validates_nothing() -> None:
    store = negotiation_store()
    report, focus, triples = check(
        store, added={quad(res("country/AAA"), ox.NamedNode("http://example.org/p"), ox.Literal("x"))}
    )
    assert report.conforms and (focus, triples) == (0, 0)


def test_odd_iri_schemes_and_blank_nodes_are_validated_not_crashed_on() -> None:
    store = negotiation_store()
    for subject in (
        ox.NamedNode("mailto:someone@example.org"),
        ox.NamedNode("tag:example.org,2025:x"),
        ox.NamedNode("did:example:1"),
        ox.BlankNode("b1"),
    ):
        untyped = {quad(subject, LABEL, ox.Literal("someone"))}  # type: ignore[arg-type]
        assert check(store, added=untyped)[0].conforms
        typed = {*untyped, quad(subject, RDF_TYPE, tkg("Official")), quad(subject, DERIVED, res("source/s"))}  # type: ignore[arg-type]
        report, focus, _ = check(store, added=typed)
        assert not report.conforms and focus == 1  # not named under https://w3id.org/tradekg/id/
        assert {violation.shape for violation in report.violations} >= {"tkgsh:ResourceShape"}


def test_reads_walk_repeated_steps_both_ways() -> None:
    store = ox.Store()
    chain = [ox.Quad(res(f"n{i}"), tkg("next"), res(f"n{i + 1}"), G) for i in range(4)]
    store.extend(chain)
    reader = DataReader(store)
    step = Step(URIRef(TKG + "next"), repeat=True)
    assert {node.value for node in reader.step({res("n1")}, step)} == {ID + f"n{i}" for i in range(1, 5)}
    assert {node.value for node in reader.step({res("n1")}, step, backwards=True)} == {ID + "n0", ID + "n1"}


def test_incoming_quads_are_read_in_one_scan_only_for_a_node_few_point_to() -> None:
    from tradekg.gate.reads import FEW_INCOMING
    from tradekg.store.embedded import OxigraphStore

    store = OxigraphStore()
    hub, quiet = res("country/HUB"), res("country/QUIET")
    with store.writing():
        store.apply([], [quad(res(f"measure/m{n}"), tkg("imposedBy"), hub) for n in range(FEW_INCOMING + 1)])
        store.apply([], [quad(res("measure/m0"), tkg("appliesTo"), quiet)])
    reader = DataReader(AfterView(store, ChangeSet(), indexed=True))
    assert reader.incoming(hub) is None  # too many: read by predicate
    assert len(reader.along(hub, Step(URIRef(TKG + "imposedBy"), inverse=True))) == FEW_INCOMING + 1
    assert [q.subject for q in reader.incoming(quiet) or []] == [res("measure/m0")]
    assert reader.along(quiet, Step(URIRef(TKG + "imposedBy"), inverse=True)) == []
    assert len(reader.along(quiet, Step(URIRef(TKG + "appliesTo"), inverse=True))) == 1
    assert DataReader(store._store).incoming(quiet) is None  # a bare engine store: not known to scan lazily


def test_a_predicates_quads_are_kept_between_writes_until_a_commit_changes_them() -> None:
    from tradekg.gate.changes import PendingView
    from tradekg.gate.reads import committed_reads
    from tradekg.store.embedded import OxigraphStore

    subclass = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    first, second = quad(tkg("A"), subclass, tkg("B")), quad(tkg("C"), subclass, tkg("B"))
    store = OxigraphStore()
    with store.writing():
        store.apply([], [first, quad(res("x"), LABEL, ox.Literal("x"))])
    cache = committed_reads(store)
    assert cache.quads(subclass) == [first]
    assert cache.quads(subclass) is cache.quads(subclass)  # kept
    with store.writing():
        store.apply([], [quad(res("y"), LABEL, ox.Literal("y"))])  # another predicate: still kept
    kept = cache.quads(subclass)
    assert kept == [first] and cache.quads(subclass) is kept
    with store.writing():
        store.apply([first], [second])
    assert cache.quads(subclass) == [second]  # a commit of the predicate: read again
    # A view of pending and uncommitted changes over the store: the kept quads with both layers applied, in order.
    pending = ChangeSet(added={first})
    view = AfterView(PendingView(store, pending), ChangeSet(removed={second}), indexed=True)
    assert list(DataReader(view).pattern(URIRef(subclass.value))) == [first]
    assert sorted(map(str, DataReader(PendingView(store, pending)).pattern(URIRef(subclass.value)))) == sorted(
        map(str, [first, second])
    )


def test_readers_sharing_scans_record_only_their_own_reads() -> None:
    from tradekg.gate.reads import SharedReads

    store = ox.Store()
    store.extend([quad(res("a"), LABEL, ox.Literal("a")), quad(res("b"), LABEL, ox.Literal("b"))])
    shared = SharedReads(store)
    first, second = DataReader(store, shared), DataReader(store, shared)
    step = Step(URIRef(LABEL.value))
    assert len(first.along(res("a"), step)) == 1
    assert second.along(res("a"), step) is first.along(res("a"), step)  # read once
    assert len(second.along(res("b"), step)) == 1
    assert set(first.reads) == {(res("a"), step.predicate, False)}
    assert set(second.reads) == {(res("a"), step.predicate, False), (res("b"), step.predicate, False)}
    assert list(first.pattern(URIRef(LABEL.value))) and first.scanned == {URIRef(LABEL.value)} and not second.scanned


def test_a_subjects_quads_are_kept_between_writes_until_a_commit_changes_them() -> None:
    from tradekg.gate.changes import PendingView
    from tradekg.gate.reads import committed_reads
    from tradekg.store.embedded import OxigraphStore

    country, other = res("country/JPN"), res("country/USA")
    named = quad(country, LABEL, ox.Literal("Japan"))
    store = OxigraphStore()
    with store.writing():
        store.apply([], [named, quad(other, LABEL, ox.Literal("United States"))])
    cache = committed_reads(store)
    kept = cache.outgoing(country)
    assert kept == [named] and cache.outgoing(country) is kept  # read once, kept
    with store.writing():
        store.apply([], [quad(other, tkg("note"), ox.Literal("x"))])  # another subject: still kept
    assert cache.outgoing(country) is kept
    renamed = quad(country, LABEL, ox.Literal("Nippon"))
    with store.writing():
        store.apply([named], [renamed])
    assert cache.outgoing(country) == [renamed]  # a commit of the subject: read again
    # Over uncommitted layers: the kept quads with each layer's removals and additions, nearest the store first.
    coded = quad(country, tkg("iso3"), ox.Literal("JPN"))
    view = AfterView(PendingView(store, ChangeSet(added={coded})), ChangeSet(removed={renamed}), indexed=True)
    assert DataReader(view).outgoing(country) == [coded]
    assert sorted(map(str, DataReader(PendingView(store, ChangeSet(added={coded}))).outgoing(country))) == sorted(
        map(str, [renamed, coded])
    )
    assert sorted(map(str, DataReader(view).outgoing(other))) == sorted(
        map(str, store.quads_for_pattern(other, None, None, None))
    )
