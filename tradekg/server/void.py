"""``/void`` and ``/.well-known/void``: the dataset's VoID description; ``/dump.trig`` and ``/dump.nq``: the data.

The description is Turtle by default, or JSON-LD, N-Triples, RDF/XML by ``Accept`` or extension. The dumps hold
every named graph of the store (the ontology and shapes included), as ``tradekg export`` writes them.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from tradekg.linkeddata.void import VOID_PREFIXES, Addresses, void_triples
from tradekg.ontology.vocab import PREFIXES, TKG
from tradekg.server import current_store
from tradekg.server.web import (
    HTML,
    JSON,
    RDF_FORMATS,
    RDF_MEDIA_TYPES,
    dataset_base,
    href,
    iri_of,
    open_to_all,
    site_url,
)
from tradekg.views.facts import labels

bp = Blueprint("void", __name__)
DUMPS = {"trig": (ox.RdfFormat.TRIG, "application/trig"), "nq": (ox.RdfFormat.N_QUADS, "application/n-quads")}
EXAMPLES = ("country/JPN", "country/USA", "measure/usa-auto-tariff")


VOID = "http://rdfs.org/ns/void#"
COUNTS = {"triples": "triples", "entities": "resources", "distinctSubjects": "distinct subjects",
          "properties": "properties", "classes": "classes"}  # fmt: skip


def void_summary(triples: list[ox.Triple], dataset: str) -> dict[str, object]:
    """What a browser shows of the description: the dataset's counts, and its classes and properties by size."""
    facts: dict[object, dict[str, list[ox.Term]]] = {}
    for t in triples:
        facts.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
    own = facts.get(ox.NamedNode(dataset), {})
    counts = [(words, own[VOID + name][0].value) for name, words in COUNTS.items() if own.get(VOID + name)]

    def partitions(kind: str, key: str) -> list[tuple[str, int]]:
        found = []
        for part in own.get(VOID + kind, []):
            of, size = facts.get(part, {}).get(VOID + key), facts.get(part, {}).get(VOID + "entities")
            size = size or facts.get(part, {}).get(VOID + "triples")
            if of and size:
                found.append((of[0].value, int(size[0].value)))
        return sorted(found, key=lambda item: (-item[1], item[0]))

    return {
        "counts": counts,
        "classes": partitions("classPartition", "class"),
        "properties": partitions("propertyPartition", "property"),
    }


def _examples() -> list[str]:
    store = current_store()
    found = []
    for path in EXAMPLES:
        iri = iri_of(path)
        if next(store.quads_for_pattern(ox.NamedNode(iri), None, None, None), None) is not None:
            found.append(iri)
    return found


@bp.get("/void")
@bp.get("/void.<ext>")
@bp.get("/.well-known/void")
def void(ext: str | None = None) -> Response:
    """The VoID description: statistics, vocabularies, example resources, SPARQL endpoint and dumps."""
    as_html = False
    if ext is None:
        offered = list(RDF_MEDIA_TYPES.values()) + [JSON, HTML]
        best = request.accept_mimetypes.best_match(offered, default="text/turtle")
        as_html = best == HTML  # a browser; Turtle stays the answer to */* and to RDF clients
        ext = "jsonld" if best == JSON else next((e for e, m in RDF_MEDIA_TYPES.items() if m == best), "ttl")
    if ext not in RDF_FORMATS:
        return Response(f"No format {ext!r}; use one of {', '.join(RDF_FORMATS)}.\n", 404, mimetype="text/plain")
    addresses = Addresses(
        dataset=site_url("/void", absolute=True) + "#tradekg",
        sparql_endpoint=site_url("/sparql", absolute=True),
        dumps=[site_url(f"/dump.{name}", absolute=True) for name in DUMPS],
        uri_space=dataset_base(),
        examples=_examples(),
    )
    options: dict[str, object] = {"prefixes": VOID_PREFIXES} if ext in ("ttl", "rdf") else {}
    triples = void_triples(current_store(), addresses)
    body = ox.serialize(triples, format=RDF_FORMATS[ext], **options)
    if as_html:
        summary = void_summary(triples, addresses.dataset)
        html = render_template(
            "void.html",
            summary=summary,
            class_names=labels(current_store(), [iri for iri, _ in summary["classes"]]),  # type: ignore[attr-defined]
            class_pages={  # the class's resources, page by page; another vocabulary's class: its page or IRI
                iri: site_url("/class/" + iri[len(str(TKG)) :]) if iri.startswith(str(TKG)) else href(iri)
                for iri, _ in summary["classes"]  # type: ignore[attr-defined]
            },
            turtle=body.decode("utf-8"),
            addresses=addresses,
            formats={e: site_url("/void." + e) for e in RDF_MEDIA_TYPES},
        )
        response = Response(html, mimetype=HTML)
    else:
        response = open_to_all(Response(body, mimetype=RDF_MEDIA_TYPES[ext]))
    response.vary.add("Accept")
    response.headers["Link"] = ", ".join(  # the HTML page's too: its JSON alternate is the JSON-LD
        f'<{site_url("/void." + e)}>; rel="alternate"; type="{media}"' for e, media in RDF_MEDIA_TYPES.items()
    )
    return response


@bp.get("/dump.<name>")
def dump(name: str) -> Response:
    """The whole dataset with its named graphs, in TriG or N-Quads."""
    if name not in DUMPS:
        return Response(f"No dump {name!r}; use dump.trig or dump.nq.\n", 404, mimetype="text/plain")
    rdf_format, media_type = DUMPS[name]
    store = current_store()
    body = store.dump(rdf_format, prefixes=PREFIXES if name == "trig" else None)
    response = Response(body, mimetype=media_type)
    response.headers["Content-Disposition"] = f'inline; filename="tradekg.{name}"'
    return open_to_all(response)
