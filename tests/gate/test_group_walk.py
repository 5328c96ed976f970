"""One walk for a group: each request's focus nodes, reads and quads are exactly those of its own walk."""

from __future__ import annotations

import pyoxigraph as ox

from tradekg.gate.changes import AfterView, ChangeSet
from tradekg.gate.commit_queue import merge
from tradekg.gate.group_walk import walk_group
from tradekg.gate.neighbourhood import DataReader, Targets, affected, footprint_quads
from tradekg.store.interface import TradeStore

ID = "https://w3id.org/tradekg/id/"
TKG = "https://w3id.org/tradekg/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SEED = f"<{ID}graph/econotimes-japan-tariff-relief>"


def quads(text: str) -> list[ox.Quad]:
    return list(ox.parse(text, format=ox.RdfFormat.N_QUADS))


def new_measure(name: str, country: str) -> list[ox.Quad]:
    measure = f"<{ID}measure/{name}>"
    return quads(
        f"{measure} {RDF_TYPE} <{TKG}Tariff> {SEED} .\n"
        f"{measure} <{TKG}imposedBy> <{ID}country/USA> {SEED} .\n"
        f"{measure} <{TKG}appliesTo> <{ID}country/{country}> {SEED} .\n"
        f"{measure} <{TKG}covers> <{ID}product/steel> {SEED} .\n"
        f"{measure} <http://www.w3.org/ns/prov#wasDerivedFrom> <{ID}source/econotimes-japan-tariff-relief> {SEED} .\n"
    )


def test_one_walk_gives_each_request_what_its_own_walk_reads(bundled_store: TradeStore) -> None:
    # New measures reaching the same countries and product, a rate added to an existing tariff, a country's type
    # removed (every measure imposed by it is concerned), and a measure pointing to one added after it.
    usa_type = quads(f"<{ID}country/USA> {RDF_TYPE} <{TKG}Country> {SEED} .\n")
    decimal = "<http://www.w3.org/2001/XMLSchema#decimal>"
    rate = quads(f'<{ID}measure/usa-steel-tariff> <{TKG}ratePercent> "10"^^{decimal} {SEED} .\n')
    amends = quads(f"<{ID}measure/walked-3> <{TKG}amends> <{ID}measure/walked-4> {SEED} .\n")
    group = [
        ChangeSet(added=set(new_measure("walked-1", "JPN"))),
        ChangeSet(added=set(rate)),
        ChangeSet(added=set(new_measure("walked-2", "CHN"))),
        ChangeSet(removed=set(usa_type)),
        ChangeSet(added={*new_measure("walked-3", "JPN"), *amends}),
        ChangeSet(added=set(new_measure("walked-4", "CAN"))),
    ]
    assert all(quad in bundled_store for quad in usa_type)
    pending = ChangeSet()
    for changes in group:
        merge(pending, changes)
    view = AfterView(bundled_store, pending, indexed=True)
    changed = [[*changes.added, *changes.removed] for changes in group]
    walk = walk_group(view, changed)
    assert walk is not None
    for index, quads_changed in enumerate(changed):
        alone = DataReader(view)
        focus = affected(alone, Targets(alone), quads_changed)
        bit = 1 << index
        labelled = {
            footprint: {node for node, requests in nodes.items() if requests & bit}
            for footprint, nodes in walk.focus.items()
        }
        assert {footprint: nodes for footprint, nodes in labelled.items() if nodes} == focus
        read = footprint_quads(alone, focus) if focus else set()
        assert {quad for quad, requests in walk.quads.items() if requests & bit} == read
        assert walk.triples(index) == len({quad.triple for quad in read})
        assert {key for key, requests in walk.reader.read_by.items() if requests & bit} == set(alone.reads)
        assert {key for key, requests in walk.reader.scanned_by.items() if requests & bit} == alone.scanned
    # the removed type concerns the measures imposed by that country, of the requests before it too
    assert not walk.independent(changed)
    assert walk.independent(changed[:3])
