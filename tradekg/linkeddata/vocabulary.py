"""What the pages need to know about the ontology: labels, comments, domains, ranges and SHACL constraints.

Read once per store from the ontology and shapes graphs (they change only when the vocabulary is reinstalled)
and kept in a :class:`Vocabulary`, so that a resource page labels its properties without a query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from tradekg.ontology.vocab import ONTOLOGY_IRI, PREFIXES, SHAPES_GRAPH_IRI, TKG
from tradekg.store.interface import TradeStore
from tradekg.store.per_store import PerStore

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
OWL = PREFIXES["owl"]
XSD = PREFIXES["xsd"]
SKOS = PREFIXES["skos"]
SH = PREFIXES["sh"]
RDF_TYPE = RDF + "type"
RDFS_LABEL = RDFS + "label"
RDFS_COMMENT = RDFS + "comment"
DATE_TYPES = frozenset({XSD + "date", XSD + "gYearMonth", XSD + "gYear", XSD + "dateTime"})

# Labels of the common terms of other vocabularies the graph uses, so that no page shows a raw IRI for them.
_KNOWN_LABELS: dict[str, str] = {
    RDF_TYPE: "type",
    RDFS_LABEL: "label",
    RDFS_COMMENT: "comment",
    RDFS + "seeAlso": "see also",
    RDFS + "subClassOf": "subclass of",
    RDFS + "subPropertyOf": "subproperty of",
    RDFS + "domain": "domain",
    RDFS + "range": "range",
    OWL + "sameAs": "same as",
    OWL + "Class": "OWL class",
    OWL + "ObjectProperty": "object property",
    OWL + "DatatypeProperty": "datatype property",
    SKOS + "prefLabel": "preferred label",
    SKOS + "altLabel": "alternative label",
    SKOS + "notation": "notation",
    SKOS + "scopeNote": "scope note",
    SKOS + "inScheme": "in scheme",
    SKOS + "Concept": "concept",
    PREFIXES["prov"] + "wasDerivedFrom": "derived from",
    PREFIXES["dcterms"] + "title": "title",
    PREFIXES["dcterms"] + "description": "description",
    PREFIXES["dcterms"] + "publisher": "publisher",
    PREFIXES["dcterms"] + "issued": "issued",
    PREFIXES["dcterms"] + "source": "source",
    PREFIXES["schema"] + "Place": "place",
    PREFIXES["schema"] + "url": "URL",
    PREFIXES["schema"] + "legislationIdentifier": "legislation identifier",
    PREFIXES["schema"] + "legislationDate": "legislation date",
    PREFIXES["foaf"] + "name": "name",
}


@dataclass
class Term:
    """One class, property or other term the ontology defines."""

    iri: str
    label: str
    comment: str = ""
    kinds: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The fragment of the term in the ontology namespace (``Tariff`` for ``tkg:Tariff``)."""
        return self.iri.rsplit("#", 1)[-1] if "#" in self.iri else self.iri.rsplit("/", 1)[-1]


@dataclass
class Vocabulary:
    """The ontology's terms, by IRI, with their labels, and the constraints the shapes put on them."""

    terms: dict[str, Term]
    title: str = "tradekg ontology"
    description: str = ""
    date_properties: frozenset[str] = frozenset()

    def label(self, iri: str) -> str | None:
        """The label of a term the ontology (or a well-known vocabulary) defines, else ``None``."""
        term = self.terms.get(iri)
        if term is not None:
            return term.label
        return _KNOWN_LABELS.get(iri)

    def is_class(self, iri: str) -> bool:
        """Whether the ontology declares ``iri`` a class."""
        term = self.terms.get(iri)
        return term is not None and any(kind in (OWL + "Class", RDFS + "Class") for kind in term.kinds)

    def classes(self) -> list[Term]:
        """The ontology's classes, sorted by label."""
        return sorted((t for t in self.terms.values() if self.is_class(t.iri)), key=lambda t: t.label.lower())

    def properties(self) -> list[Term]:
        """The ontology's properties, sorted by label."""
        kinds = {OWL + "ObjectProperty", OWL + "DatatypeProperty", RDF + "Property", OWL + "AnnotationProperty"}
        return sorted((t for t in self.terms.values() if kinds & set(t.kinds)), key=lambda t: t.label.lower())

    def others(self) -> list[Term]:
        """Terms that are neither classes nor properties (datatypes, concepts), sorted by label."""
        shown = {t.iri for t in self.classes()} | {t.iri for t in self.properties()}
        return sorted((t for t in self.terms.values() if t.iri not in shown), key=lambda t: t.label.lower())


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``#`` or ``/``."""
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


_CACHE: PerStore[Vocabulary] = PerStore(lambda store: read_vocabulary(store))  # defined below


def vocabulary(store: TradeStore) -> Vocabulary:
    """The store's vocabulary, read from its ontology and shapes graphs on first use and then kept."""
    return _CACHE(store)


def _values(quads: list[ox.Quad], subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list[ox.Term]:
    return [q.object for q in quads if q.subject == subject and q.predicate.value == predicate]


def read_vocabulary(store: TradeStore) -> Vocabulary:
    """Read the ontology's terms and the shapes' constraints from the store (uncached)."""
    quads = list(store.quads(str(ONTOLOGY_IRI)))
    by_subject: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        if isinstance(quad.subject, ox.NamedNode):
            by_subject.setdefault(quad.subject.value, []).append(quad)
    terms: dict[str, Term] = {}
    title, description = "tradekg ontology", ""
    for iri, own in by_subject.items():
        texts = {p: [o.value for o in _values(own, own[0].subject, p) if isinstance(o, ox.Literal)] for p in _TEXTS}
        if iri == str(ONTOLOGY_IRI):
            title = next(iter(texts[PREFIXES["dcterms"] + "title"]), title)
            description = next(iter(texts[PREFIXES["dcterms"] + "description"]), "")
            continue
        if not iri.startswith(str(TKG)):
            continue
        label = next(iter(texts[RDFS_LABEL] or texts[SKOS + "prefLabel"]), local_name(iri))

        def names(predicate: str, own: list[ox.Quad] = own) -> list[str]:
            return [o.value for o in _values(own, own[0].subject, predicate) if isinstance(o, ox.NamedNode)]

        terms[iri] = Term(
            iri=iri,
            label=label,
            comment=next(iter(texts[RDFS_COMMENT]), ""),
            kinds=names(RDF_TYPE),
            domains=names(RDFS + "domain") or _union_members(quads, own, RDFS + "domain"),
            ranges=names(RDFS + "range"),
            parents=names(RDFS + "subClassOf") + names(RDFS + "subPropertyOf"),
        )
    _add_constraints(store, terms)
    dates = frozenset(
        t.iri for t in terms.values() if str(TKG.DateOrPartialDate) in t.ranges or set(t.ranges) & DATE_TYPES
    )
    return Vocabulary(terms=terms, title=title, description=description, date_properties=dates)


_TEXTS = (
    RDFS_LABEL,
    RDFS_COMMENT,
    SKOS + "prefLabel",
    PREFIXES["dcterms"] + "title",
    PREFIXES["dcterms"] + "description",
)


def _union_members(quads: list[ox.Quad], own: list[ox.Quad], predicate: str) -> list[str]:
    """The named classes of an ``owl:unionOf`` list that a blank node domain stands for."""
    members: list[str] = []
    for node in _values(own, own[0].subject, predicate):
        if not isinstance(node, ox.BlankNode):
            continue
        for head in _values(quads, node, OWL + "unionOf"):
            while isinstance(head, ox.BlankNode):
                members += [o.value for o in _values(quads, head, RDF + "first") if isinstance(o, ox.NamedNode)]
                head = next(iter(_values(quads, head, RDF + "rest")), None)
    return members


_CONSTRAINTS_QUERY = """
SELECT ?kind ?term ?message WHERE {
  GRAPH <%s> {
    { VALUES ?kind { "class" }
      ?shape sh:targetClass ?term . ?shape (sh:property|sh:sparql)? ?part . ?part sh:message ?message . }
    UNION
    { VALUES ?kind { "property" } ?shape sh:path ?term ; sh:message ?message . FILTER(isIRI(?term)) }
  }
}
"""
# VALUES, not BIND, names each branch: Virtuoso 7.2's compiler fails on a BIND beside a FILTER in a UNION branch
# ("sparp_gp_deprecate(): equiv replaces filter but under deprecation"); the answers are the same.


def _add_constraints(store: TradeStore, terms: dict[str, Term]) -> None:
    """Attach to each class and property the messages of the shapes that constrain it."""
    answer = store.query(
        _CONSTRAINTS_QUERY % SHAPES_GRAPH_IRI,
        named_graph_uris=[str(SHAPES_GRAPH_IRI)],
    )
    assert isinstance(answer, ox.QuerySolutions)
    for kind, term, message in answer:
        target = terms.get(term.value)
        if target is not None and message.value not in target.constraints and kind is not None:
            target.constraints.append(message.value)
    for target in terms.values():
        target.constraints.sort()
