"""The neighbourhood a change is validated over: what shapes can read, and no more."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Literal, URIRef

from tradekg.graph.neighbourhood import neighbourhood, touched_nodes

EX = "http://example.org/"
G = ox.NamedNode(f"{EX}g")
TKG = "https://w3id.org/tradekg/ontology#"


def node(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


def test_a_focus_node_reached_first_as_a_value_still_has_its_values_read() -> None:
    store = ox.Store()
    store.extend(
        [
            ox.Quad(node("a"), node("p"), node("b"), G),
            ox.Quad(node("b"), node("p"), node("c"), G),
            ox.Quad(node("c"), node("p"), node("d"), G),
        ]
    )
    graph = neighbourhood(store, [node("a"), node("b")])
    assert (URIRef(f"{EX}c"), URIRef(f"{EX}p"), URIRef(f"{EX}d")) in graph


def test_hubs_are_read_backwards_only_along_predicates_the_shapes_walk_backwards() -> None:
    store = ox.Store()
    hub, negotiation = node("hub"), node("negotiation")
    store.extend(ox.Quad(node(f"m{i}"), node("appliesTo"), hub, G) for i in range(50))
    part_of, number = ox.NamedNode(f"{TKG}partOf"), ox.NamedNode(f"{TKG}roundNumber")
    store.extend([ox.Quad(node("r1"), part_of, negotiation, G), ox.Quad(node("r1"), number, ox.Literal("1"), G)])
    new = [ox.Quad(node("m0"), node("appliesTo"), hub, G), ox.Quad(node("r2"), part_of, negotiation, G)]
    focus = touched_nodes(new)
    assert focus == {node("m0"), node("r2"), negotiation}  # the hub is not a focus node, the negotiation is
    graph = neighbourhood(store, focus)
    assert (URIRef(f"{EX}m1"), URIRef(f"{EX}appliesTo"), URIRef(f"{EX}hub")) not in graph
    assert (URIRef(f"{EX}r1"), URIRef(f"{TKG}roundNumber"), Literal("1")) in graph  # the other round's number


def test_a_typed_node_is_walked_backwards_only_along_predicates_whose_range_it_is_in() -> None:
    store = ox.Store()
    rdf_type, part_of = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(f"{TKG}partOf")
    country, negotiation = node("country"), node("negotiation")
    store.extend(
        [
            ox.Quad(country, rdf_type, ox.NamedNode(f"{TKG}Country"), G),
            ox.Quad(negotiation, rdf_type, ox.NamedNode(f"{TKG}Negotiation"), G),
            ox.Quad(node("wrong"), part_of, country, G),  # not a value tkg:partOf can have
            ox.Quad(node("r1"), part_of, negotiation, G),
            ox.Quad(node("m"), node("appliesTo"), country, G),
            ox.Quad(node("m"), node("talks"), negotiation, G),
        ]
    )
    graph = neighbourhood(store, [node("m")])
    assert (URIRef(f"{EX}r1"), URIRef(f"{TKG}partOf"), URIRef(f"{EX}negotiation")) in graph
    assert (URIRef(f"{EX}wrong"), URIRef(f"{TKG}partOf"), URIRef(f"{EX}country")) not in graph
