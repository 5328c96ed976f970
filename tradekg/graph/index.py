"""Index queries of the browsing pages: what the dataset holds per class, a class's instances, search by label.

Plain functions over a :class:`TradeStore`, returning small dataclasses; the server turns them into pages.
Vocabulary graphs (the ontology and the shapes) are left out: they are described by the ontology page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from tradekg.graph.describe import format_date
from tradekg.graph.load import DATA_GRAPHS_FILTER
from tradekg.graph.store import TradeStore
from tradekg.graph.vocabulary import local_name, vocabulary

_LABEL = "OPTIONAL { ?s rdfs:label ?label0 FILTER(LANGMATCHES(LANG(?label0), 'en') || LANG(?label0) = '') }"
SORTS = ("label", "date")


@dataclass(frozen=True)
class ClassCount:
    """A class and how many resources it types directly."""

    iri: str
    label: str
    count: int
    comment: str = ""

    @property
    def name(self) -> str:
        """The local name of the class (``Tariff``), used in its page's path."""
        return local_name(self.iri)


@dataclass(frozen=True)
class Item:
    """One resource in a list: its IRI, label and, when it has one, its main date."""

    iri: str
    label: str
    date: str = ""
    date_text: str = ""

    def to_json(self) -> dict[str, str]:
        """The item as JSON."""
        return {"iri": self.iri, "label": self.label, "date": self.date}


def class_counts(store: TradeStore) -> list[ClassCount]:
    """Every class with direct instances in the data graphs, most instances first."""
    vocab = vocabulary(store)
    answer = store.query(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} {DATA_GRAPHS_FILTER} }} GROUP BY ?c"
    )
    assert isinstance(answer, ox.QuerySolutions)
    counts = []
    for cls, number in answer:
        term = vocab.terms.get(cls.value)
        label = vocab.label(cls.value) or local_name(cls.value)
        counts.append(ClassCount(cls.value, label, int(number.value), term.comment if term else ""))
    return sorted(counts, key=lambda c: (-c.count, c.label.lower()))


def _date_values(store: TradeStore) -> str:
    dates = sorted(vocabulary(store).date_properties)
    return " ".join(f"<{iri}>" for iri in dates) or "<urn:tradekg:none>"


def instances(
    store: TradeStore,
    class_iri: str,
    *,
    sort: str = "label",
    offset: int = 0,
    limit: int = 50,
    direct: bool = False,
) -> tuple[int, list[Item]]:
    """The instances of a class (its subclasses' included), one page of them, and how many there are.

    Args:
        store: The store to read.
        class_iri: The class.
        sort: ``label`` (A to Z) or ``date`` (latest first, undated last).
        offset: The first instance to return.
        limit: How many to return.
        direct: Only the resources typed with the class itself, not with a subclass.

    Raises:
        ValueError: ``sort`` is not one of :data:`SORTS`, or ``class_iri`` is not an IRI.
    """
    if sort not in SORTS:
        raise ValueError(f"cannot sort by {sort!r}; use one of {', '.join(SORTS)}")
    order = "DESC(BOUND(?date)) DESC(STR(?date)) LCASE(STR(?label))" if sort == "date" else "LCASE(STR(?label)) ?s"
    path = "rdf:type" if direct else "rdf:type/rdfs:subClassOf*"
    where = f"?s {path} {ox.NamedNode(class_iri)} . FILTER(isIRI(?s))"
    total = store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}")
    assert isinstance(total, ox.QuerySolutions)
    count = int(next(iter(total))[0].value)
    answer = store.query(
        f"""SELECT ?s (SAMPLE(?label0) AS ?label) (MIN(?date0) AS ?date) WHERE {{
            {{ SELECT DISTINCT ?s WHERE {{ {where} }} }}
            {_LABEL}
            OPTIONAL {{ VALUES ?dp {{ {_date_values(store)} }} ?s ?dp ?date0 }}
        }} GROUP BY ?s ORDER BY {order} LIMIT {int(limit)} OFFSET {int(offset)}"""
    )
    return count, _items(answer)


def _items(answer: object) -> list[Item]:
    assert isinstance(answer, ox.QuerySolutions)
    items = []
    for solution in answer:
        subject, label, date = solution["s"], solution["label"], solution["date"]
        date_text = format_date(date.value, date.datatype.value) if isinstance(date, ox.Literal) else ""
        items.append(
            Item(
                subject.value,
                label.value if label is not None else local_name(subject.value),
                date.value if date is not None else "",
                date_text,
            )
        )
    return items


def examples(store: TradeStore, class_iri: str, *, limit: int = 3) -> list[Item]:
    """The resources typed with the class itself that the most facts point to, to show on the home page.

    With every ISO country in the graph, the first countries by label (Afghanistan, Åland...) say little; the
    ones most linked to (Japan, the United States) are where a reader starts.
    """
    answer = store.query(
        f"""SELECT ?s (SAMPLE(?label0) AS ?label) (SAMPLE(?none) AS ?date) (COUNT(?in) AS ?links) WHERE {{
            ?s a {ox.NamedNode(class_iri)} .
            OPTIONAL {{ ?in ?p ?s FILTER(?p != owl:sameAs) }}
            {_LABEL}
        }} GROUP BY ?s ORDER BY DESC(?links) LCASE(STR(?label)) ?s LIMIT {int(limit)}"""
    )
    return _items(answer)


def search(store: TradeStore, text: str, *, limit: int = 50) -> list[Item]:
    """Resources whose label (or title, notation, code) contains ``text``, ignoring case; shortest labels first."""
    needle = text.strip().lower()
    if not needle:
        return []
    answer = store.query(
        f"""SELECT ?s (SAMPLE(?text) AS ?label) (MIN(?date0) AS ?date) WHERE {{
            GRAPH ?g {{
                VALUES ?p {{ rdfs:label skos:prefLabel skos:altLabel dcterms:title skos:notation tkg:iso3166Alpha3 }}
                ?s ?p ?text .
            }}
            {DATA_GRAPHS_FILTER}
            FILTER(isIRI(?s) && CONTAINS(LCASE(STR(?text)), {ox.Literal(needle)}))
            OPTIONAL {{ VALUES ?dp {{ {_date_values(store)} }} ?s ?dp ?date0 }}
        }} GROUP BY ?s ORDER BY STRLEN(STR(?label)) LCASE(STR(?label)) LIMIT {int(limit)}"""
    )
    found = _items(answer)
    return [_with_label(store, item) for item in found]


def _with_label(store: TradeStore, item: Item) -> Item:
    """An item showing the resource's own label rather than the notation or code that matched."""
    labels = [
        q.object.value
        for q in store.quads_for_pattern(ox.NamedNode(item.iri), ox.NamedNode(_RDFS_LABEL), None, None)
    ]
    return Item(item.iri, sorted(labels)[0], item.date, item.date_text) if labels else item


_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
