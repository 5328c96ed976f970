"""What a named query's parameter can be given: the values pages offer in a picker (an HTML ``datalist``).

A ``country`` parameter offers the graph's countries (code, with the name as the label); an ``iri`` parameter
whose header names a ``class`` offers the resources of that class (and of its subclasses), each as a compact
name the parameter accepts (``measure:usa-blanket-tariff``) with its label. Other parameters offer nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradekg.ontology.vocab import QUERY_PREFIXES
from tradekg.queries.catalog import Param
from tradekg.store.interface import TradeStore

MAX_CHOICES = 1000
"""A picker lists at most this many resources (the field still accepts any other)."""
_NAMESPACES_LONGEST_FIRST = sorted(QUERY_PREFIXES.items(), key=lambda item: -len(item[1]))


@dataclass(frozen=True)
class Choice:
    """One value to pick: what the parameter is given, and what a reader sees."""

    value: str
    label: str


def compact(iri: str) -> str:
    """An IRI as the shortest prefixed name the parameters accept (``country:JPN``), or the IRI itself."""
    for prefix, namespace in _NAMESPACES_LONGEST_FIRST:
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and local and "/" not in local and "#" not in local:
            return f"{prefix}:{local}"
    return iri


def param_choices(store: TradeStore, param: Param) -> list[Choice]:
    """The values a picker offers for ``param``, sorted by label (none for free-text parameters)."""
    if param.type == "country":
        rows = store.select(
            """SELECT ?code (SAMPLE(?name) AS ?label) WHERE {
                ?country a tkg:Country ; tkg:iso3166Alpha3 ?code .
                OPTIONAL { ?country rdfs:label ?name FILTER(LANGMATCHES(LANG(?name), "en") || LANG(?name) = "") }
            } GROUP BY ?code"""
        )
        found = [Choice(str(row["code"]), str(row.get("label", row["code"]))) for row in rows]
    elif param.type == "iri" and param.class_iri:
        rows = store.select(
            f"""SELECT ?s (SAMPLE(?name) AS ?label) WHERE {{
                ?s rdf:type/rdfs:subClassOf* <{param.class_iri}> . FILTER(isIRI(?s))
                OPTIONAL {{ ?s rdfs:label ?name FILTER(LANGMATCHES(LANG(?name), "en") || LANG(?name) = "") }}
            }} GROUP BY ?s LIMIT {MAX_CHOICES}"""
        )
        found = [Choice(compact(str(row["s"])), str(row.get("label", compact(str(row["s"]))))) for row in rows]
    else:
        return []
    return sorted(set(found), key=lambda choice: (choice.label.lower(), choice.value))
