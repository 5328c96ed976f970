"""Describe one resource for people and for machines: its triples both ways, labelled, with their sources.

:func:`describe` gathers what a resource page shows (label, types, outgoing properties grouped and labelled
from the ontology, incoming links counted and paged, provenance, ``owl:sameAs`` links, blank nodes inline);
:func:`resource_triples` gathers what its RDF document holds. Both read the engine's indexes directly
(``quads_for_pattern``), not SPARQL, so that a page costs a few index lookups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from tradekg.linkeddata.incoming import incoming_counts, links_page, links_to
from tradekg.linkeddata.vocabulary import (
    DATE_TYPES,
    RDF_TYPE,
    RDFS_COMMENT,
    RDFS_LABEL,
    Vocabulary,
    local_name,
    vocabulary,
)
from tradekg.ontology.vocab import ID, PREFIXES, SHAPES_GRAPH_IRI
from tradekg.store.interface import TradeStore

OWL_SAME_AS = PREFIXES["owl"] + "sameAs"
DERIVED_FROM = PREFIXES["prov"] + "wasDerivedFrom"
DESCRIPTIONS = (RDFS_COMMENT, PREFIXES["dcterms"] + "description", PREFIXES["skos"] + "definition")
LABELS = (
    RDFS_LABEL,
    PREFIXES["skos"] + "prefLabel",
    PREFIXES["dcterms"] + "title",
    PREFIXES["foaf"] + "name",
    PREFIXES["schema"] + "name",
)
# Shown in the page's header or its own section rather than in the table of properties.
HEADER_PROPERTIES = frozenset({RDF_TYPE, RDFS_LABEL, OWL_SAME_AS, DERIVED_FROM, *DESCRIPTIONS})
INCOMING_PAGE_SIZE = 50
LABEL_ALL = 500
"""Up to this many links to a resource are all labelled and sorted by label; beyond, a page reads only its own."""
_PREPOSITIONS = ("by", "to", "from", "in", "of", "on", "for", "with", "at")
_MONTHS = "January February March April May June July August September October November December".split()


@dataclass
class Value:
    """One object (or incoming subject) ready to show: a link, a literal or an inline blank node."""

    kind: str  # "iri", "literal" or "bnode"
    value: str  # the IRI, the lexical form, or the blank node's id
    label: str  # what a person reads
    datatype: str = ""
    language: str = ""
    is_date: bool = False
    nested: Description | None = None

    def to_json(self) -> dict[str, object]:
        """The value as JSON (the ``?format=json`` view of a page)."""
        data: dict[str, object] = {"type": self.kind, "value": self.value, "label": self.label}
        if self.datatype:
            data["datatype"] = self.datatype
        if self.language:
            data["language"] = self.language
        if self.nested is not None:
            data["description"] = self.nested.to_json()
        return data


@dataclass
class PropertyGroup:
    """The values of one property, with the property's label (the inverse phrase for incoming links)."""

    property: str
    label: str
    values: list[Value]
    total: int = 0

    def to_json(self) -> dict[str, object]:
        """The group as JSON."""
        return {
            "property": self.property,
            "label": self.label,
            "total": self.total or len(self.values),
            "values": [v.to_json() for v in self.values],
        }


@dataclass
class Description:
    """Everything a resource page shows about one resource."""

    iri: str
    label: str
    types: list[Value] = field(default_factory=list)
    descriptions: list[Value] = field(default_factory=list)
    outgoing: list[PropertyGroup] = field(default_factory=list)
    incoming: list[PropertyGroup] = field(default_factory=list)
    incoming_total: int = 0
    incoming_offset: int = 0
    incoming_limit: int = INCOMING_PAGE_SIZE
    sources: list[Value] = field(default_factory=list)
    graphs: list[str] = field(default_factory=list)
    same_as: list[Value] = field(default_factory=list)
    labelled: set[str] = field(default_factory=set)
    """Every IRI whose label the description read (to show it or to order the links), not shown as JSON."""

    def to_json(self) -> dict[str, object]:
        """The description as JSON."""
        return {
            "iri": self.iri,
            "label": self.label,
            "types": [v.to_json() for v in self.types],
            "descriptions": [v.to_json() for v in self.descriptions],
            "properties": [g.to_json() for g in self.outgoing],
            "incoming": [g.to_json() for g in self.incoming],
            "incoming_total": self.incoming_total,
            "incoming_offset": self.incoming_offset,
            "sources": [v.to_json() for v in self.sources],
            "graphs": self.graphs,
            "same_as": [v.value for v in self.same_as],
        }


def format_date(lexical: str, datatype: str) -> str:
    """A date as a person reads it, at the precision its datatype gives (``2 April 2025``, ``July 2025``)."""
    try:
        if datatype.endswith("#gYear"):
            return str(int(lexical[:4]))
        if datatype.endswith("#gYearMonth"):
            year, month = lexical[:7].split("-")
            return f"{_MONTHS[int(month) - 1]} {int(year)}"
        day = dt.date.fromisoformat(lexical[:10])
        text = f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
        return text + (" " + lexical[11:16] if datatype.endswith("#dateTime") and len(lexical) > 15 else "")
    except (ValueError, IndexError):
        return lexical


def inverse_label(label: str) -> str:
    """How an incoming link reads from its object: ``imposed by`` stays, ``party`` becomes ``has party``."""
    words = label.split()
    verb_like = words and (words[-1] in _PREPOSITIONS or words[0].endswith(("s", "ed")) and len(words[0]) > 3)
    return label if verb_like else f"has {label}"


class Labeller:
    """Labels of IRIs: the vocabulary's first, then the store's label properties, memoised per page."""

    def __init__(self, store: TradeStore, vocab: Vocabulary) -> None:
        self.store = store
        self.vocab = vocab
        self.seen: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        """The label of ``iri``: its ontology label, its ``rdfs:label`` (English first), else its local name."""
        known = self.seen.get(iri)
        if known is not None:
            return known
        label = self.vocab.label(iri) or self._from_store(iri) or _curie(iri)
        self.seen[iri] = label
        return label

    def _from_store(self, iri: str) -> str | None:
        node = ox.NamedNode(iri)
        for predicate in LABELS:
            found = [
                q.object
                for q in self.store.quads_for_pattern(node, ox.NamedNode(predicate), None, None)
                if isinstance(q.object, ox.Literal)
            ]
            if found:
                return _chosen(found)
        return None

    def prefetch(self, iris: Iterable[str]) -> None:
        """Read the labels of many IRIs in one query (the same choice as one by one: a page's links, say)."""
        wanted = sorted({iri for iri in iris if iri not in self.seen and not self.vocab.label(iri)})
        if not wanted:
            return
        values = " ".join(str(ox.NamedNode(iri)) for iri in wanted)
        properties = ", ".join(f"<{p}>" for p in LABELS)
        answer = self.store.query(
            f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?l"
            f" FILTER(?p IN ({properties}) && isLiteral(?l)) }}"
        )
        found: dict[str, dict[str, list[ox.Literal]]] = {}
        for s, p, literal in answer:  # type: ignore[misc,union-attr]
            found.setdefault(s.value, {}).setdefault(p.value, []).append(literal)
        for iri in wanted:
            own = found.get(iri, {})
            label = next((_chosen(own[p]) for p in LABELS if own.get(p)), None)
            self.seen[iri] = label or _curie(iri)


def _chosen(literals: list[ox.Literal]) -> str:
    """The label among one property's values: the least English one, else the least of all."""
    english = [lit for lit in literals if (lit.language or "").startswith("en")]
    return sorted(lit.value for lit in english or literals)[0]


def _curie(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and prefix != "id":
            return f"{prefix}:{iri[len(namespace) :]}"
    return local_name(iri) or iri


def _value(term: ox.Term, labeller: Labeller, *, depth: int = 0) -> Value:
    if isinstance(term, ox.NamedNode):
        return Value("iri", term.value, labeller(term.value))
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        is_date = datatype in DATE_TYPES
        return Value(
            "literal",
            term.value,
            format_date(term.value, datatype) if is_date else term.value,
            datatype="" if term.language else datatype,
            language=term.language or "",
            is_date=is_date,
        )
    if isinstance(term, ox.BlankNode):
        nested = None
        if depth < 3:
            nested = _describe_node(
                labeller, term, list(labeller.store.quads_for_pattern(term, None, None)), depth=depth + 1
            )
        return Value("bnode", term.value, "(anonymous)", nested=nested)
    return Value("literal", str(term), str(term))


def _groups(pairs: list[tuple[str, ox.Term]], labeller: Labeller, *, depth: int) -> list[PropertyGroup]:
    grouped: dict[str, list[ox.Term]] = {}
    for predicate, obj in pairs:
        values = grouped.setdefault(predicate, [])
        if obj not in values:
            values.append(obj)
    groups = []
    for predicate, objects in grouped.items():
        values = [_value(obj, labeller, depth=depth) for obj in objects]
        values.sort(key=lambda v: (v.kind != "iri", v.value if v.is_date else v.label.lower()))
        groups.append(PropertyGroup(predicate, labeller(predicate), values, len(values)))
    groups.sort(key=lambda g: g.label.lower())
    return groups


def _describe_node(
    labeller: Labeller, node: ox.NamedNode | ox.BlankNode, quads: list[ox.Quad], *, depth: int
) -> Description:
    """The outgoing part of a description (also used for blank nodes shown inline)."""
    iri = node.value
    # A triple stated by two sources sits in two graphs: show it once (its sources are listed apart).
    pairs = list(dict.fromkeys((q.predicate.value, q.object) for q in quads if q.graph_name != _SHAPES))
    label = labeller(iri) if isinstance(node, ox.NamedNode) else "(anonymous)"
    description = Description(iri=iri, label=label)
    types = [o for p, o in pairs if p == RDF_TYPE]
    # Each list in an order of its own (by label), not the store's: a copy of the store, or the same store after a
    # write, may hand the same triples over in another order.
    description.types = _ordered(_value(t, labeller) for t in dict.fromkeys(types))
    description.descriptions = _ordered(_value(o, labeller) for p, o in pairs if p in DESCRIPTIONS)
    description.same_as = _ordered(_value(o, labeller) for p, o in pairs if p == OWL_SAME_AS)
    description.sources = _ordered(_value(o, labeller) for o in dict.fromkeys(o for p, o in pairs if p == DERIVED_FROM))
    hidden = HEADER_PROPERTIES if isinstance(node, ox.NamedNode) else {RDF_TYPE}  # a blank node shows it all
    body = [(p, o) for p, o in pairs if p not in hidden]
    description.outgoing = _groups(body, labeller, depth=depth)
    return description


def _ordered(values: Iterable[Value]) -> list[Value]:
    """Values by what a person reads, then by value (the same order whatever order the store gives)."""
    return sorted(values, key=lambda v: (v.label.lower(), v.value, v.language, v.datatype))


_SHAPES = ox.NamedNode(str(SHAPES_GRAPH_IRI))


def describe(
    store: TradeStore, iri: str, *, incoming_offset: int = 0, incoming_limit: int = INCOMING_PAGE_SIZE
) -> Description | None:
    """Describe the resource ``iri``; ``None`` when the store holds no triple about it.

    Args:
        store: The store to read.
        iri: The resource's IRI.
        incoming_offset: The first incoming link to show (links are sorted by property, then subject label; past
            :data:`LABEL_ALL` links, by property then in the store's order, only the shown ones being read).
        incoming_limit: How many incoming links to show.
    """
    node = ox.NamedNode(iri)
    labeller = Labeller(store, vocabulary(store))
    outgoing = list(store.quads_for_pattern(node, None, None, None))
    counts = incoming_counts(store, iri)
    if not outgoing and not counts:
        return None
    description = _describe_node(labeller, node, outgoing, depth=0)
    graphs = {q.graph_name.value for q in outgoing if isinstance(q.graph_name, ox.NamedNode)}
    description.graphs = sorted(graphs - {str(SHAPES_GRAPH_IRI)})
    if not description.sources:
        description.sources = [
            Value("iri", source, labeller(source)) for source in _sources_of_graphs(store, description.graphs)
        ]
    description.incoming_total = sum(counts.values())
    description.incoming_offset = incoming_offset
    description.incoming_limit = incoming_limit
    if description.incoming_total <= LABEL_ALL:
        shown = _page_by_label(store, iri, labeller, incoming_offset, incoming_limit)
    else:
        shown = _page_in_store_order(store, iri, counts, labeller, incoming_offset, incoming_limit)
    labeller.prefetch(subject.value for _, subject in shown if isinstance(subject, ox.NamedNode))
    page: dict[str, list[Value]] = {}
    for predicate, subject in shown:
        page.setdefault(predicate, []).append(_value(subject, labeller, depth=2))
    description.incoming = [
        PropertyGroup(predicate, inverse_label(labeller(predicate)), values, counts.get(predicate, len(values)))
        for predicate, values in page.items()
    ]
    description.labelled = set(labeller.seen)
    return description


def _page_by_label(
    store: TradeStore, iri: str, labeller: Labeller, offset: int, limit: int
) -> list[tuple[str, ox.Term]]:
    """One page of the links to ``iri``, by property label then subject label (every link labelled: few links)."""
    every = list(links_to(store, iri))
    labeller.prefetch(subject.value for _, subject in every if isinstance(subject, ox.NamedNode))  # one query
    links = sorted(every, key=lambda link: (labeller(link[0]).lower(), link[0], _subject_key(link[1], labeller)))
    return links[offset : offset + limit]


def _page_in_store_order(
    store: TradeStore, iri: str, counts: dict[str, int], labeller: Labeller, offset: int, limit: int
) -> list[tuple[str, ox.Term]]:
    """One page of the many links to ``iri``: by property label, then in the store's order within a property.

    Only the properties and the links shown are read and labelled: the counts say which properties the page
    starts in and how many links of the first one to skip.
    """
    shown: list[tuple[str, ox.Term]] = []
    skip = offset
    for predicate in sorted(counts, key=lambda p: (labeller(p).lower(), p)):
        if skip >= counts[predicate]:
            skip -= counts[predicate]
            continue
        shown += links_page(store, iri, predicate, offset=skip, limit=limit - len(shown))
        skip = 0
        if len(shown) >= limit:
            break
    return shown


def _subject_key(subject: ox.Term, labeller: Labeller) -> str:
    return labeller(subject.value).lower() if isinstance(subject, ox.NamedNode) else subject.value


def _sources_of_graphs(store: TradeStore, graphs: list[str]) -> list[str]:
    """The sources whose named graphs (``id/graph/{slug}``) hold a resource's triples."""
    found = []
    for graph in graphs:
        if graph.startswith(str(ID) + "graph/"):
            source = str(ID) + "source/" + graph[len(str(ID) + "graph/") :]
            if next(store.quads_for_pattern(ox.NamedNode(source), None, None, None), None) is not None:
                found.append(source)
    return found


def resource_triples(store: TradeStore, iri: str) -> list[ox.Triple]:
    """The RDF document of a resource: its outgoing triples (blank nodes followed), then its incoming ones."""
    node = ox.NamedNode(iri)
    seen: set[ox.Triple] = set()
    triples: list[ox.Triple] = []
    pending: list[ox.NamedNode | ox.BlankNode] = [node]
    visited: set[ox.Term] = set()
    while pending:
        subject = pending.pop()
        if subject in visited:
            continue
        visited.add(subject)
        for quad in store.quads_for_pattern(subject, None, None, None):
            if quad.graph_name == _SHAPES:
                continue
            if quad.triple not in seen:
                seen.add(quad.triple)
                triples.append(quad.triple)
            if isinstance(quad.object, ox.BlankNode):
                pending.append(quad.object)
    for quad in store.quads_for_pattern(None, None, node, None):
        if quad.graph_name != _SHAPES and quad.triple not in seen:
            seen.add(quad.triple)
            triples.append(quad.triple)
    return triples
