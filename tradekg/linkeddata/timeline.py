"""The dated facts of the graph in order: announcements, entries into force, ends, meetings, conclusions.

Every property whose range is a date in the ontology (``tkg:DateOrPartialDate``, ``xsd:date``...) counts, so
the timeline follows the ontology without a list to keep in step. Partial dates keep their precision: a
month (``2025-07``) sorts before the days of that month.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from tradekg.graph.load import DATA_GRAPHS_FILTER
from tradekg.linkeddata.describe import format_date
from tradekg.linkeddata.vocabulary import local_name, vocabulary
from tradekg.store.interface import TradeStore


@dataclass(frozen=True)
class Entry:
    """One dated fact: what happened (the date property), to what, when."""

    date: str
    date_text: str
    precision: str  # "day", "month" or "year"
    property: str
    property_label: str
    iri: str
    label: str
    types: tuple[str, ...]
    type_labels: tuple[str, ...]

    @property
    def year(self) -> str:
        """The year of the date, to group entries by."""
        return self.date[:4]

    def to_json(self) -> dict[str, object]:
        """The entry as JSON."""
        return {
            "date": self.date,
            "precision": self.precision,
            "property": self.property,
            "what": self.property_label,
            "iri": self.iri,
            "label": self.label,
            "types": list(self.types),
        }


def _precision(datatype: str) -> str:
    if datatype.endswith("#gYear"):
        return "year"
    if datatype.endswith("#gYearMonth"):
        return "month"
    return "day"


def timeline(store: TradeStore, *, newest_first: bool = False, limit: int | None = None) -> list[Entry]:
    """Every dated fact of the data graphs, oldest first (or newest first), at most ``limit`` of them."""
    vocab = vocabulary(store)
    properties = " ".join(f"<{iri}>" for iri in sorted(vocab.date_properties))
    if not properties:
        return []
    answer = store.query(
        f"""SELECT DISTINCT ?s ?p ?date ?label ?type WHERE {{
            GRAPH ?g {{ VALUES ?p {{ {properties} }} ?s ?p ?date }}
            {DATA_GRAPHS_FILTER} FILTER(isLiteral(?date))
            OPTIONAL {{ ?s rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), 'en') || LANG(?label) = '') }}
            OPTIONAL {{ ?s a ?type }}
        }}"""
    )
    assert isinstance(answer, ox.QuerySolutions)
    datatypes: dict[tuple[str, str, str], str] = {}
    labels: dict[tuple[str, str, str], str] = {}
    types: dict[tuple[str, str, str], set[str]] = {}
    for solution in answer:
        subject, prop, date, label, rdf_type = (solution[name] for name in ("s", "p", "date", "label", "type"))
        key = (subject.value, prop.value, date.value)
        datatypes[key] = date.datatype.value
        if label is not None:
            labels.setdefault(key, label.value)
        types.setdefault(key, set())
        if rdf_type is not None:
            types[key].add(rdf_type.value)
    entries = []
    for key, datatype in datatypes.items():
        subject, prop, lexical = key
        kinds = tuple(sorted(types[key]))
        entries.append(
            Entry(
                date=lexical,
                date_text=format_date(lexical, datatype),
                precision=_precision(datatype),
                property=prop,
                property_label=vocab.label(prop) or local_name(prop),
                iri=subject,
                label=labels.get(key, local_name(subject)),
                types=kinds,
                type_labels=tuple(vocab.label(t) or local_name(t) for t in kinds),
            )
        )
    entries.sort(key=lambda e: (e.date, e.label.lower(), e.property_label), reverse=newest_first)
    return entries[:limit] if limit is not None else entries
