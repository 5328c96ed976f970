"""Every importer's own rule book read at once: a few set-wise queries instead of six per importer.

The first country page after a start needs the rule book of every country that taxes it (about 245 importers in
the generator's graph), and the first map the book of its importer. Read one by one
(:func:`tradekg.duty.rules.load_rules`), each book costs six queries, each finding the importer's measures
again through the class hierarchy. Here the measures' facts are read once for all importers (the triples of the
properties a book reads, then split by measure and importer in Python), and each book is built by the same code
(:func:`tradekg.duty.rules.book_of`), so it equals :func:`~tradekg.duty.rules.load_rules`'s. Each comes with the
dependencies :mod:`tradekg.views.rule_books` keeps it by.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from tradekg.duty.records import RuleBook
from tradekg.duty.rules import MEASURE_LINKS, MEASURE_SINGLES, MFN_RATES, QUOTAS, OwnFacts, book_of, special_kinds
from tradekg.duty.shared_rules import SharedRules
from tradekg.ontology.vocab import TKG, country_iri
from tradekg.store.interface import TradeStore, to_rdflib
from tradekg.views.facts import solutions
from tradekg.views.kept import BLANK_NODE, Dependency, link, node, predicate
from tradekg.views.whole_reads import read_whole

IMPOSED_BY = str(TKG.imposedBy)
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
SINGLES = {str(TKG[name]): name for name in MEASURE_SINGLES}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABELS = ("http://www.w3.org/2000/01/rdf-schema#label", "http://purl.org/dc/terms/title")


def own_dependencies(importer_iri: str, imposed: set[str], book: RuleBook) -> set[Dependency]:
    """What an importer's own part is kept by.

    Its measures (and any node it imposes), the sources of its MFN rates, a node becoming imposed by it, the
    class hierarchy, and any write touching a blank node when one of its quotas or MFN rates is one.
    """
    dependencies: set[Dependency] = {link(IMPOSED_BY, importer_iri), predicate(SUBCLASS_OF)}
    dependencies |= {node(iri) for iri in imposed}
    dependencies |= {node(rate.source) for rate in book.mfn if rate.source}
    if any(":" not in iri for iri in (*(r.iri for r in book.mfn), *(q.iri for q in book.quotas.values()))):
        dependencies.add(BLANK_NODE)  # a blank node's id (an IRI has a scheme): no node dependency names its facts
    return dependencies


def _text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """A term as ``str()`` of its rdflib form gives it (an IRI, a lexical form, a blank node's id)."""
    return term.value if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode) else str(term)


def read_every_own_part(
    store: TradeStore, shared: SharedRules, *, importer: str | None = None
) -> dict[str, tuple[RuleBook, set[Dependency]]]:
    """Every importer's own book (by ISO alpha-3 code), with what it depends on; see the module.

    With ``importer`` (ISO alpha-3), that importer's book only (always given, empty or not), read from its own
    nodes: what a write to one of its measures reads again.
    """
    if importer is None:
        scope, bound = "", None
        triples = (
            (p, subject, value)
            for p in sorted({*MEASURE_LINKS, *SINGLES})
            for subject, value in read_whole(store, p, keep=False)
        )  # each property read whole (facts.pairs; taken if the tariff index just read it), kept for measures
    else:
        bound = str(country_iri(importer))
        scope = f"?node <{IMPOSED_BY}> <{bound}> ."
        listed = ", ".join(f"<{p}>" for p in sorted({*MEASURE_LINKS, *SINGLES}))
        subjects = [row["s"] for row in solutions(store, f"SELECT DISTINCT ?s WHERE {{ ?s <{IMPOSED_BY}> <{bound}> }}")]
        values = " ".join(str(term) for term in subjects if isinstance(term, ox.NamedNode))
        # The subjects by VALUES, then their facts: joined in one pattern, the engine scanned every triple.
        rows = store.query(f"SELECT ?p ?s ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o FILTER(?p IN ({listed})) }}")
        assert isinstance(rows, ox.QuerySolutions)
        triples = ((row[0].value, row[1].value, row[2]) for row in rows)  # type: ignore[union-attr,misc]
    found = f"SELECT DISTINCT ?node WHERE {{ {scope} ?node a/rdfs:subClassOf* tkg:TradeMeasure FILTER(isIRI(?node)) }}"
    measures = {row["node"].value for row in solutions(store, found)}
    links: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    singles: dict[str, dict[str, Node]] = {iri: {} for iri in measures}
    imposed: dict[str, set[str]] = defaultdict(set)  # importer IRI -> every node imposed by it
    converted: dict[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, Node] = {}
    for p, subject, value in triples:
        if p == IMPOSED_BY and isinstance(value, ox.NamedNode):
            imposed[value.value].add(subject)
        if subject not in measures:
            continue
        name = SINGLES.get(p)
        if name is not None:
            term = converted.get(value)
            if term is None:  # dates and rates repeat: each distinct one converted once
                term = converted[value] = to_rdflib(value)  # type: ignore[arg-type]
            own = singles[subject]
            if name not in own or str(term) < str(own[name]):
                own[name] = term
        if p in MEASURE_LINKS:
            links[subject][p].add(_text(value))
    bindings = {"importer": URIRef(bound)} if bound else None
    quota_rows: dict[str, list[dict[str, Node]]] = defaultdict(list)
    for row in store.select(QUOTAS, bindings=bindings):
        quota_rows[str(row["importer"])].append(row)
    mfn_rows: dict[str, list[dict[str, Node]]] = defaultdict(list)
    for row in store.select(MFN_RATES, bindings=bindings):
        mfn_rows[str(row["importer"])].append(row)
    kinds = special_kinds(store)
    by_importer: dict[str, list[str]] = defaultdict(list)
    for iri in measures:
        for importer_iri in links.get(iri, {}).get(IMPOSED_BY, ()):
            by_importer[importer_iri].append(iri)
    books: dict[str, tuple[RuleBook, set[Dependency]]] = {}
    for importer_iri in {bound} if bound else {*by_importer, *quota_rows, *mfn_rows}:
        code = importer if importer is not None else importer_iri.rsplit("/", 1)[-1]
        if str(country_iri(code)) != importer_iri:
            continue  # not a country's IRI: no code names its book
        own = by_importer.get(importer_iri, [])
        facts = OwnFacts(
            {iri: {p: sorted(values) for p, values in links[iri].items()} for iri in own},
            {iri: singles[iri] for iri in own},
            quota_rows.get(importer_iri, []),
            mfn_rows.get(importer_iri, []),
        )
        book = book_of(code, shared, facts, kinds)
        books[code] = (book, own_dependencies(importer_iri, imposed.get(importer_iri, set()), book))
    return books


def read_labels(store: TradeStore, kinds: set[str]) -> dict[str, str]:
    """The least English or plain ``rdfs:label`` or ``dcterms:title`` of every node of ``kinds`` (class IRIs).

    The labels the shared rules hold (as :func:`tradekg.duty.shared_rules.load_shared` reads them by a path from
    each node to its class, one node at a time): here the members of the classes and the two properties are read
    whole and matched in Python.
    """
    members: set[str] = set()
    answer = store.query(f"SELECT ?s ?t WHERE {{ ?s <{RDF_TYPE}> ?t }}")
    assert isinstance(answer, ox.QuerySolutions)
    for row in answer:
        if row[1].value in kinds:  # type: ignore[union-attr]
            members.add(row[0].value)  # type: ignore[union-attr]
    labels: dict[str, str] = {}
    for p in LABELS:
        answer = store.query(f"SELECT ?s ?l WHERE {{ ?s <{p}> ?l }}")
        assert isinstance(answer, ox.QuerySolutions)
        for row in answer:
            node, label = row[0].value, row[1]  # type: ignore[union-attr]
            if node not in members or not isinstance(label, ox.Literal):
                continue
            language = (label.language or "").lower()
            if language and language != "en" and not language.startswith("en-"):
                continue
            text = label.value
            if node not in labels or text < labels[node]:
                labels[node] = text
    return labels
