"""What each shape reads, derived from the shapes graph: paths, nested shapes, SPARQL patterns, the unbounded."""

from __future__ import annotations

from rdflib import RDF, Graph, URIRef

from tradekg.gate.footprint import Step, footprints, path_chains, shape_footprint

EX = "http://example.org/"
TKG = "https://w3id.org/tradekg/ontology#"
PREFIXES = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <{EX}> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def p(name: str, *, inverse: bool = False, repeat: bool = False) -> Step:
    return Step(URIRef(EX + name), inverse, repeat)


def footprint_of(shapes_text: str, shape: str = "S"):
    shapes = Graph().parse(data=PREFIXES + shapes_text, format="turtle")
    return shape_footprint(shapes, URIRef(EX + shape))


def test_property_paths_become_step_sequences() -> None:
    shapes = Graph().parse(
        data=PREFIXES
        + """
        ex:s1 sh:path ( ex:a [ sh:inversePath ex:b ] ) .
        ex:s2 sh:path [ sh:alternativePath ( ex:a ex:c ) ] .
        ex:s3 sh:path [ sh:zeroOrMorePath ex:d ] .
        """,
        format="turtle",
    )
    assert path_chains(shapes, shapes.value(URIRef(EX + "s1"), URIRef("http://www.w3.org/ns/shacl#path"))) == [
        (p("a"), p("b", inverse=True))
    ]
    path = URIRef("http://www.w3.org/ns/shacl#path")
    assert path_chains(shapes, shapes.value(URIRef(EX + "s2"), path)) == [(p("a"),), (p("c"),)]
    assert path_chains(shapes, shapes.value(URIRef(EX + "s3"), path)) == [(p("d", repeat=True),)]


def test_nested_shapes_continue_from_the_values_they_are_given() -> None:
    found = footprint_of(
        """
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:a ; sh:or ( [ sh:datatype xsd:string ] [ sh:node ex:T ] ) ] ;
            sh:property [ sh:path ex:b ; sh:not [ sh:class ex:D ] ] .
        ex:T sh:property [ sh:path ex:c ; sh:xone ( [ sh:class ex:E ] [ sh:hasValue 1 ] ) ] .
        """
    )
    assert found.target_classes == {URIRef(EX + "C")}
    type_ = Step(RDF.type)
    assert found.chains == {
        (type_,),
        (p("a"),),
        (p("a"), p("c")),
        (p("a"), p("c"), type_),
        (p("b"),),
        (p("b"), type_),
    }
    assert not found.global_predicates


def test_sparql_patterns_are_followed_from_this_including_not_exists() -> None:
    found = footprint_of(
        """
        ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:a ;
            sh:sparql [ sh:select '''SELECT $this WHERE { $this <http://example.org/a> ?x .
                FILTER NOT EXISTS { ?y <http://example.org/b> ?x ;
                    <http://example.org/c>/<http://example.org/d>* ?z } }''' ] .
        """
    )
    assert (p("a"), p("b", inverse=True), p("c"), p("d", repeat=True)) in found.chains
    assert not found.global_predicates


def test_patterns_not_connected_to_this_are_global_reads() -> None:
    found = footprint_of(
        """
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:sparql [ sh:select '''SELECT $this WHERE { $this <http://example.org/a> ?x .
                FILTER NOT EXISTS { ?other <http://example.org/b> ?y } }''' ] .
        """
    )
    assert found.global_predicates == {URIRef(EX + "b")}
    assert not found.unbounded


def test_what_is_not_followed_makes_the_shape_unbounded() -> None:
    recursive = footprint_of("ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:a ; sh:node ex:S ] .")
    assert recursive.unbounded
    subquery = footprint_of(
        """ex:S sh:targetClass ex:C ; sh:sparql [ sh:select
        '''SELECT $this WHERE { $this <http://example.org/a> ?x .
            { SELECT ?x WHERE { ?x <http://example.org/b> ?y } } }''' ] ."""
    )
    assert subquery.unbounded
    unknown = footprint_of("ex:S sh:targetClass ex:C ; sh:someFutureConstraint true .")
    assert unknown.unbounded


def test_the_projects_shapes_are_all_bounded_and_read_what_they_check() -> None:
    by_name = {str(found.shape).rsplit("#", 1)[-1]: found for found in footprints()}
    assert not any(found.unbounded or found.global_predicates for found in by_name.values())
    derived, type_ = Step(URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")), Step(RDF.type)
    assert (derived, type_) in by_name["ResourceShape"].chains  # the source's type, inside FILTER NOT EXISTS
    part_of, number = Step(URIRef(TKG + "partOf")), Step(URIRef(TKG + "roundNumber"))
    assert (part_of, part_of.flipped(), number) in by_name["NegotiationRoundShape"].chains  # the other rounds
    assert (Step(URIRef(TKG + "exemptionFrom")), type_) in by_name["ExemptionShape"].chains
    assert (derived, type_) in by_name["CustomsUnionShape"].chains  # through sh:node tkgsh:ResourceShape
