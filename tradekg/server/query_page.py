"""The query page at ``/query``: a SPARQL editor for browsers, running queries against ``/sparql``.

The editor starts with the project's prefixes filled in; example queries (the built-in ones and the named
queries of the catalog, when it is installed) can be picked; results show as a table whose IRIs link to their
pages, and download as CSV or JSON. Everything it needs is served from ``static/``: no CDN.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from tradekg.ontology.vocab import PREFIXES
from tradekg.server.pages import named_queries
from tradekg.server.web import dataset_base, page, site_url

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


def examples() -> list[dict[str, str]]:
    """The example queries to pick from: the built-in ones, then the catalog's named queries."""
    found = [{"name": name, "title": title, "query": text} for name, title, text in EXAMPLES]
    found += [entry for entry in named_queries() if entry["query"]]
    return found


@bp.get("/query")
def query_page() -> Response:
    """The SPARQL editor (``?query=`` fills it in, ``?name=`` picks an example)."""
    choices = examples()
    chosen = request.args.get("name", "")
    text = request.args.get("query", "")
    if not text:
        picked = next((e for e in choices if e["name"] == chosen), choices[0])
        chosen = picked["name"]
        text = prefix_block() + "\n\n" + picked["query"]
    data = {
        "endpoint": site_url("/sparql"),
        "prefixes": {name: PREFIXES[name] for name in EDITOR_PREFIXES},
        "examples": choices,
    }
    return page(
        "query.html",
        data,
        endpoint=site_url("/sparql"),
        text=text,
        chosen=chosen,
        choices=choices,
        prefixes=prefix_block(),
        dataset_base=dataset_base(),
        page_base=site_url("/page/"),
    )
