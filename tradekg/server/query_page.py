"""The query page at ``/query``: a SPARQL editor for browsers, running queries against ``/sparql``.

The editor starts with the project's prefixes filled in (``country:``, ``measure:``... for each kind of resource
are predeclared too); example queries (the built-in ones and the named queries of the catalog) can be picked, and a
named query with parameters asks for them. Results show as a table of labels linked to their pages, and download as
CSV or JSON; Ctrl+Enter runs; a run leaves its query in the address, which runs it again when opened; a syntax
error points at its line and column. Everything it needs is served from ``static/`` (no CDN, no inline script: the
page works under a strict Content-Security-Policy).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, request
from rdflib.term import Node

from tradekg.ontology.vocab import ID_PREFIXES, PREFIXES, QUERY_PREFIXES
from tradekg.queries.catalog import NamedQuery, ParamError
from tradekg.queries.choices import Choice, param_choices
from tradekg.server import current_store
from tradekg.server.api import catalog
from tradekg.server.pages import named_queries
from tradekg.server.web import dataset_base, page, site_url
from tradekg.store.sparql_text import tokens

bp = Blueprint("query_page", __name__)
EDITOR_PREFIXES = ("tkg", "id", "rdf", "rdfs", "owl", "xsd", "skos", "prov", "dcterms", "schema", "wd")

EXAMPLES: tuple[tuple[str, str, str], ...] = (
    (
        "tariffs",
        "Tariffs, who imposes them and their rates",
        """SELECT ?tariff ?label ?imposedBy ?rate WHERE {
  ?tariff a tkg:Tariff ;
          rdfs:label ?label ;
          tkg:imposedBy ?imposedBy .
  OPTIONAL { ?tariff tkg:ratePercent ?rate }
}
ORDER BY DESC(?rate) ?label""",
    ),
    (
        "exemptions",
        "Exemptions and the measures they are from",
        """SELECT ?exemption ?label ?measure ?country WHERE {
  ?exemption a tkg:Exemption ;
             rdfs:label ?label ;
             tkg:exemptionFrom ?measure .
  OPTIONAL { ?exemption tkg:exemptCountry ?country }
}
ORDER BY ?label""",
    ),
    (
        "dates",
        "Every dated fact, in order",
        """SELECT ?date ?what ?resource ?label WHERE {
  VALUES ?what { tkg:announcedOn tkg:effectiveFrom tkg:effectiveUntil tkg:date tkg:concludedOn }
  ?resource ?what ?date ;
            rdfs:label ?label .
}
ORDER BY ?date""",
    ),
    (
        "wikidata",
        "Resources linked to Wikidata",
        """SELECT ?resource ?label ?wikidata WHERE {
  ?resource owl:sameAs ?wikidata ;
            rdfs:label ?label .
  FILTER(STRSTARTS(STR(?wikidata), STR(wd:)))
}
ORDER BY ?label""",
    ),
    (
        "classes",
        "How many resources of each class",
        """SELECT ?class (COUNT(?resource) AS ?count) WHERE {
  ?resource a ?class .
  FILTER(STRSTARTS(STR(?class), STR(tkg:)))
}
GROUP BY ?class
ORDER BY DESC(?count)""",
    ),
)


def prefix_block() -> str:
    """The ``PREFIX`` lines the editor starts with."""
    return "\n".join(f"PREFIX {name}: <{PREFIXES[name]}>" for name in EDITOR_PREFIXES)


def with_prefixes(text: str) -> str:
    """A query text with the editor's prefix lines before it, unless it declares its own."""
    return text if text.lstrip().upper().startswith("PREFIX") else prefix_block() + "\n\n" + text


def examples() -> list[dict[str, object]]:
    """The example queries to pick from: the built-in ones, then the catalog's named queries (with parameters)."""
    found: list[dict[str, object]] = [{"name": name, "title": title, "query": text} for name, title, text in EXAMPLES]
    catalog = _catalog()
    for entry in named_queries():
        if entry["query"]:
            query = catalog.get(entry["name"])
            found.append({**entry, "params": [param.name for param in query.params] if query else []})
    return found


def _catalog() -> dict[str, NamedQuery]:
    try:
        return catalog()
    except KeyError:  # an application without the catalog's blueprint
        return {}


def bind_in_text(sparql: str, bindings: dict[str, Node]) -> str:
    """The query with its parameters bound by a ``VALUES`` block opening its outermost ``WHERE`` group.

    Patterns, ``OPTIONAL`` filters and ``EXISTS`` of that group see the values, as they see the catalog's bindings;
    the API still binds them as RDF terms, never through text. A trailing ``VALUES`` would join too late: the
    query's filters on a parameter would see it unbound.
    """
    if not bindings:
        return sparql
    opening = next((token for token in tokens(sparql) if token.text == "{"), None)
    if opening is None:
        return sparql
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(term.n3() for term in bindings.values())
    at = opening.start + 1
    return f"{sparql[:at]}\n  VALUES ({names}) {{ ({terms}) }}{sparql[at:]}"


@dataclass
class ParameterForm:
    """The parameters of a named query picked as an example: their values, the picker choices, an error."""

    query: NamedQuery
    values: dict[str, str]
    choices: dict[str, list[Choice]]
    error: str = ""


def _parameters(query: NamedQuery) -> tuple[ParameterForm, str, bool]:
    """The form of a named query's parameters, the query text with them bound, and whether they were given."""
    asked = any(param.name in request.args for param in query.params)
    if asked:
        values = {param.name: request.args.get(param.name, "") for param in query.params}
    else:  # first visit: the catalog's examples, so that the query answers something at once
        values = {param.name: param.example or param.default or "" for param in query.params}
    choices = {param.name: param_choices(current_store(), param) for param in query.params}
    form = ParameterForm(query, values, choices)
    try:
        bound = bind_in_text(query.sparql.strip(), query.bind(values))
    except ParamError as error:
        form.error = str(error)
        return form, with_prefixes(query.sparql.strip()), False
    return form, with_prefixes(bound), asked


@bp.get("/query")
def query_page() -> Response:
    """The SPARQL editor.

    ``?query=`` fills it in and runs it (the address a run leaves in the browser, so a result can be shared);
    ``?name=`` picks an example: a named query with parameters shows a form for them, filled with its examples, and
    runs once they are given (``?name=tariffs-in-force&date=2025-07-15&country=Japan``).
    """
    choices = examples()
    chosen = request.args.get("name", "")
    text = request.args.get("query", "")
    autorun = bool(text.strip())
    form: ParameterForm | None = None
    if not text:
        named = _catalog().get(chosen)
        if named is not None and named.params:
            form, text, autorun = _parameters(named)
        else:
            picked = next((e for e in choices if e["name"] == chosen), choices[0])
            chosen = str(picked["name"])
            text = with_prefixes(str(picked["query"]))
    data = {
        "endpoint": site_url("/sparql"),
        "prefixes": {name: PREFIXES[name] for name in EDITOR_PREFIXES},
        "predeclared": QUERY_PREFIXES,
        "examples": choices,
        "query": text,
    }
    return page(
        "query.html",
        data,
        endpoint=site_url("/sparql"),
        text=text,
        chosen=chosen,
        choices=choices,
        prefixes=prefix_block(),
        namespaces=QUERY_PREFIXES,
        id_prefixes=ID_PREFIXES,
        form=form,
        autorun=autorun,
        dataset_base=dataset_base(),
        page_base=site_url("/page/"),
    )
