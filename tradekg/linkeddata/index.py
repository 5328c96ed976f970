"""Index queries of the browsing pages: what the dataset holds per class and a class's instances.

Plain functions over a :class:`TradeStore`, returning small dataclasses; the server turns them into pages.
Vocabulary graphs (the ontology and the shapes) are left out: they are described by the ontology page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from tradekg.graph.load import DATA_GRAPHS_FILTER
from tradekg.linkeddata.class_index import class_index
from tradekg.linkeddata.describe import format_date
from tradekg.linkeddata.vocabulary import local_name, vocabulary
from tradekg.store.interface import TradeStore

# The aggregating SELECTs are wrapped in a SELECT * that orders them: SPARQL lets ORDER BY name an aggregate's alias
# (?label), but Virtuoso 7.2 refuses it ("used in the result set outside aggregate").
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


# The label order's key: the lower-cased label, else the IRI; ties broken by the IRI.
_LABEL_KEY = "LCASE(COALESCE(STR(MIN(?label0)), STR(?s)))"


def instances(
    store: TradeStore,
    class_iri: str,
    *,
    sort: str = "label",
    offset: int = 0,
    limit: int = 50,
    direct: bool = False,
    after: str | None = None,
) -> tuple[int, list[Item]]:
    """The instances of a class (its subclasses' included), one page of them, and how many there are.

    Args:
        store: The store to read.
        class_iri: The class.
        sort: ``label`` (A to Z) or ``date`` (latest first, undated last).
        offset: The first instance to return (the date order pages by offset).
        limit: How many to return.
        direct: Only the resources typed with the class itself, not with a subclass.
        after: The page starts after this resource (keyset paging: the page reads on from the order's key
            instead of skipping the rows before it); ``offset`` is then ignored. Not with ``direct`` and ``date``.

    Raises:
        ValueError: ``sort`` is not one of :data:`SORTS`, or ``class_iri`` is not an IRI.
    """
    if sort not in SORTS:
        raise ValueError(f"cannot sort by {sort!r}; use one of {', '.join(SORTS)}")
    if not direct:  # kept in both orders on write: a page is a lookup at any depth
        ordered = class_index(store)
        iri = str(ox.NamedNode(class_iri).value)
        chosen = ordered.page(iri, limit=int(limit), offset=int(offset), after=after, sort=sort)
        return ordered.count(class_iri), items_of(store, chosen)
    path = "rdf:type" if direct else "rdf:type/rdfs:subClassOf*"
    where = f"?s {path} {ox.NamedNode(class_iri)} . FILTER(isIRI(?s))"
    total = store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}")
    assert isinstance(total, ox.QuerySolutions)
    count = int(next(iter(total))[0].value)
    having, skip = "", f"OFFSET {int(offset)}"
    if sort == "date":
        order = f"DESC(BOUND(?date)) DESC(STR(?date)) {_LABEL_KEY} STR(?s)"
    else:
        order = f"{_LABEL_KEY} STR(?s)"
        if after:
            key = ox.Literal(_label_key(store, after))
            cursor = ox.Literal(after)
            having = f"HAVING ({_LABEL_KEY} > {key} || ({_LABEL_KEY} = {key} && STR(?s) > {cursor}))"
            skip = ""
    answer = store.query(
        f"""SELECT ?s (MIN(?label0) AS ?label) (MIN(?date0) AS ?date) WHERE {{
            {{ SELECT DISTINCT ?s WHERE {{ {where} }} }}
            {_LABEL}
            OPTIONAL {{ VALUES ?dp {{ {_date_values(store)} }} ?s ?dp ?date0 }}
        }} GROUP BY ?s {having} ORDER BY {order} LIMIT {int(limit)} {skip}"""
    )
    return count, _items(answer)


def items_of(store: TradeStore, iris: list[str]) -> list[Item]:
    """The resources ``iris`` as list items (label and main date), in the given order."""
    if not iris:
        return []
    values = " ".join(str(ox.NamedNode(iri)) for iri in dict.fromkeys(iris))
    answer = store.query(
        f"""SELECT ?s (MIN(?label0) AS ?label) (MIN(?date0) AS ?date) WHERE {{
            VALUES ?s {{ {values} }}
            {_LABEL}
            OPTIONAL {{ VALUES ?dp {{ {_date_values(store)} }} ?s ?dp ?date0 }}
        }} GROUP BY ?s"""
    )
    found = {item.iri: item for item in _items(answer)}
    return [found[iri] for iri in iris if iri in found]


def _label_key(store: TradeStore, iri: str) -> str:
    """The label order's key of one resource (its lower-cased least label, else its IRI)."""
    answer = store.query(f"SELECT (MIN(?label0) AS ?label) WHERE {{ BIND({ox.NamedNode(iri)} AS ?s) {_LABEL} }}")
    assert isinstance(answer, ox.QuerySolutions)
    label = next(iter(answer))[0]
    return (label.value if label is not None else iri).lower()


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
        f"""SELECT * WHERE {{
            SELECT ?s (SAMPLE(?label0) AS ?label) (SAMPLE(?none) AS ?date) (COUNT(?in) AS ?links) WHERE {{
            ?s a {ox.NamedNode(class_iri)} .
            OPTIONAL {{ ?in ?p ?s FILTER(?p != owl:sameAs) }}
            {_LABEL}
        }} GROUP BY ?s }} ORDER BY DESC(?links) LCASE(STR(?label)) ?s LIMIT {int(limit)}"""
    )
    return _items(answer)
