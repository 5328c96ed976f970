"""An importer's own rule book brought up to date after writes, by reading again only the nodes they touched.

An importer's own part (:mod:`tradekg.views.rule_books`) is built from the facts of each node it imposes
(``tkg:imposedBy`` the importer): a measure's record from that measure's own triples, its label and its classes;
its quotas and MFN rates from their own nodes and the labels of their sources. At 10^6 quads a big importer holds
4,000 measures, and reading them all again after a write to one took 1.7 s of CPU. So a stale part is patched
(:func:`tradekg.views.kept.kept`'s ``patch``) from what the committed change sets touched since it was current:

* the touched nodes are the IRIs of those change sets (their subjects and IRI objects: ``node`` dependencies);
* a touched node the part held (it was imposed by the importer, or is the source of one of its MFN rates), or one
  imposed by the importer now, is read again; every other measure's record is kept as it was, since nothing it
  was built from changed (a record is built from triples whose subject is the measure);
* the quotas and MFN rates are read again (with the importer's own queries) only when one of them, or one of their
  sources, was touched, when a touched node imposed by the importer is a quota or an MFN rate now, or when a
  change set touched a blank node (its facts have no IRI to name them by);
* a change to the class hierarchy (which nodes are measures, which labels the shared part holds), or more than
  :data:`PATCH_LIMIT` touched nodes, gives ``None``: the part is read again whole.

The part patched equals the part read whole (:func:`tradekg.views.all_books.read_every_own_part`), which the
differential test of the views checks after random writes.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from tradekg.duty.records import RuleBook
from tradekg.duty.rules import MEASURE_LINKS, MEASURE_SINGLES, MFN_RATES, QUOTAS, OwnFacts, book_of
from tradekg.duty.shared_rules import SharedRules
from tradekg.ontology.vocab import TKG, country_iri
from tradekg.store.interface import TradeStore, to_rdflib
from tradekg.views.all_books import SUBCLASS_OF, own_dependencies
from tradekg.views.facts import solutions
from tradekg.views.kept import BLANK_NODE, RDF_TYPE, Dependency, predicate

PATCH_LIMIT = 2000
"""Past this many touched nodes (a bulk load), the part is read again whole."""
IMPOSED_BY = str(TKG.imposedBy)
SINGLES = {str(TKG[name]): name for name in MEASURE_SINGLES}
SUSPENSION, QUOTA, MFN_RATE = (str(TKG[name]) for name in ("Suspension", "TariffRateQuota", "MFNRate"))


def touched_nodes(changes: frozenset[Dependency]) -> set[str]:
    """The IRIs the changes name (subjects and IRI objects of the change sets)."""
    return {dependency[1] for dependency in changes if dependency[0] == "node"}


def _facts_of(store: TradeStore, nodes: set[str]) -> dict[str, list[tuple[str, ox.Term]]]:
    """The triples a book reads of each of ``nodes`` (its links, single values and classes), by subject."""
    listed = ", ".join(f"<{p}>" for p in sorted({*MEASURE_LINKS, *SINGLES, RDF_TYPE}))
    values = " ".join(str(ox.NamedNode(iri)) for iri in sorted(nodes))
    rows = store.query(f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o FILTER(?p IN ({listed})) }}")
    assert isinstance(rows, ox.QuerySolutions)
    found: dict[str, list[tuple[str, ox.Term]]] = defaultdict(list)
    for row in rows:
        found[row[0].value].append((row[1].value, row[2]))  # type: ignore[union-attr]
    return found


def _measures_among(store: TradeStore, nodes: set[str]) -> set[str]:
    """Those of ``nodes`` that are trade measures (by their classes, as the whole read finds them)."""
    if not nodes:
        return set()
    values = " ".join(str(ox.NamedNode(iri)) for iri in sorted(nodes))
    rows = solutions(
        store,
        f"SELECT DISTINCT ?node WHERE {{ VALUES ?node {{ {values} }}"
        " ?node a/rdfs:subClassOf* tkg:TradeMeasure FILTER(isIRI(?node)) }",
    )
    return {row["node"].value for row in rows}


def _text(term: ox.Term) -> str:
    """A term as the whole read keeps a link's value (an IRI, a lexical form, a blank node's id)."""
    return term.value if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode) else str(term)


def _own_facts(facts: dict[str, list[tuple[str, ox.Term]]], measures: set[str]) -> OwnFacts:
    """The links and least single values of ``measures``, as the whole read makes them (no quotas, no MFN rates)."""
    links: dict[str, dict[str, set[str]]] = {iri: defaultdict(set) for iri in measures}
    singles: dict[str, dict[str, Node]] = {iri: {} for iri in measures}
    for iri in measures:
        for p, value in facts.get(iri, ()):
            name = SINGLES.get(p)
            if name is not None:
                term = to_rdflib(value)  # type: ignore[arg-type]
                own = singles[iri]
                if name not in own or str(term) < str(own[name]):
                    own[name] = term
            if p in MEASURE_LINKS:
                links[iri][p].add(_text(value))
    return OwnFacts({iri: {p: sorted(v) for p, v in own.items()} for iri, own in links.items()}, singles, [], [])


def patch_own_part(
    store: TradeStore,
    shared: SharedRules,
    importer: str,
    book: RuleBook,
    dependencies: frozenset[Dependency],
    changes: frozenset[Dependency],
) -> tuple[RuleBook, set[Dependency]] | None:
    """``book`` (``importer``'s own part, kept by ``dependencies``) after ``changes``, or ``None``: see the module."""
    if predicate(SUBCLASS_OF) in changes:
        return None
    touched = touched_nodes(changes)
    if len(touched) > PATCH_LIMIT:
        return None
    importer_iri = str(country_iri(importer))
    held = {dependency[1] for dependency in dependencies if dependency[0] == "node"}
    facts = _facts_of(store, touched) if touched else {}
    types = {iri: {v.value for p, v in own if p == RDF_TYPE} for iri, own in facts.items()}
    imposed_now = {iri for iri, own in facts.items() if (IMPOSED_BY, ox.NamedNode(importer_iri)) in own}
    relevant = (touched & held) | imposed_now
    measures = _measures_among(store, imposed_now)
    kinds = (
        {iri for iri in measures if SUSPENSION in types[iri]},
        {iri for iri in measures if QUOTA in types[iri]},
    )
    partial = book_of(importer, shared, _own_facts(facts, measures), kinds)
    patched = dataclasses.replace(
        partial,
        measures={**{iri: m for iri, m in book.measures.items() if iri not in relevant}, **partial.measures},
        suspensions=tuple(
            sorted([*(s for s in book.suspensions if s.iri not in relevant), *partial.suspensions], key=lambda s: s.iri)
        ),
        quotas=book.quotas,
        mfn=book.mfn,
    )
    held_rows = {q.iri for q in book.quotas.values()} | {r.iri for r in book.mfn} | {r.source for r in book.mfn}
    if BLANK_NODE in changes or touched & held_rows or any(types[iri] & {QUOTA, MFN_RATE} for iri in imposed_now):
        bindings = {"importer": URIRef(importer_iri)}
        rows = OwnFacts({}, {}, store.select(QUOTAS, bindings=bindings), store.select(MFN_RATES, bindings=bindings))
        rates = book_of(importer, shared, rows, kinds)
        patched = dataclasses.replace(patched, quotas=rates.quotas, mfn=rates.mfn)
    imposed = (held - (touched - imposed_now)) | imposed_now
    return patched, own_dependencies(importer_iri, imposed, patched)
