"""The ontology dereferences: ``/ontology`` is its documentation page, or its Turtle, JSON-LD... by ``Accept``.

The ontology uses hash IRIs (``https://w3id.org/tradekg/ontology#Tariff``), so one document serves every term
and each term is an anchor of the page. ``/ontology.ttl`` (``.jsonld``, ``.nt``, ``.rdf``) names a format.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request

from tradekg.linkeddata.vocabulary import Term, vocabulary
from tradekg.ontology.vocab import ONTOLOGY_IRI, PREFIXES
from tradekg.server import current_store
from tradekg.server.web import HTML, JSON, RDF_FORMATS, RDF_MEDIA_TYPES, open_to_all, page, site_url

bp = Blueprint("ontology_page", __name__)


def _alternates() -> str:
    links = [f'<{site_url("/ontology")}>; rel="alternate"; type="text/html"']
    links.append(f'<{site_url("/ontology.json")}>; rel="alternate"; type="application/json"')
    links += [
        f'<{site_url("/ontology." + ext)}>; rel="alternate"; type="{media}"' for ext, media in RDF_MEDIA_TYPES.items()
    ]
    return ", ".join(links)


def _term_json(term: Term) -> dict[str, object]:
    return {
        "iri": term.iri,
        "label": term.label,
        "comment": term.comment,
        "types": term.kinds,
        "domains": term.domains,
        "ranges": term.ranges,
        "parents": term.parents,
        "constraints": term.constraints,
    }


def _by_domain(properties: list[Term]) -> dict[str, list[Term]]:
    """The properties whose domain is each class."""
    found: dict[str, list[Term]] = {}
    for prop in properties:
        for domain in prop.domains:
            found.setdefault(domain, []).append(prop)
    return found


def _shared_constraints(terms: list[Term], *, at_least: int = 4) -> list[str]:
    """The constraints that hold for many terms alike (a label, a source...): shown once, not under each term."""
    counts: dict[str, int] = {}
    for term in terms:
        for constraint in dict.fromkeys(term.constraints):
            counts[constraint] = counts.get(constraint, 0) + 1
    return sorted((c for c, n in counts.items() if n >= at_least), key=lambda c: (-counts[c], c))


def _rdf(ext: str) -> Response:
    quads = current_store().quads(str(ONTOLOGY_IRI))
    triples = [quad.triple for quad in quads]
    options: dict[str, object] = {"prefixes": PREFIXES} if ext in ("ttl", "rdf") else {}
    response = Response(ox.serialize(triples, format=RDF_FORMATS[ext], **options), mimetype=RDF_MEDIA_TYPES[ext])
    response.vary.add("Accept")
    response.headers["Link"] = _alternates()
    return open_to_all(response)


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:
    """The vocabulary: classes, properties, domains, ranges, comments and the SHACL constraints that apply."""
    if ext is not None and ext not in RDF_FORMATS and ext != "json":
        return Response(f"No format {ext!r}; use one of json, {', '.join(RDF_FORMATS)}.\n", 404, mimetype="text/plain")
    if ext in RDF_FORMATS:
        return _rdf(ext)
    if ext is None and request.args.get("format") != "json":
        best = request.accept_mimetypes.best_match([HTML, JSON, *RDF_MEDIA_TYPES.values()], default=HTML)
        for extension, media in RDF_MEDIA_TYPES.items():
            if best == media:
                return _rdf(extension)
    vocab = vocabulary(current_store())
    data = {
        "iri": str(ONTOLOGY_IRI),
        "title": vocab.title,
        "description": vocab.description,
        "classes": [_term_json(t) for t in vocab.classes()],
        "properties": [_term_json(t) for t in vocab.properties()],
        "other_terms": [_term_json(t) for t in vocab.others()],
    }
    response = page(
        "ontology.html",
        data,
        vocab=vocab,
        classes=vocab.classes(),
        properties=vocab.properties(),
        others=vocab.others(),
        ontology_iri=str(ONTOLOGY_IRI),
        by_domain=_by_domain(vocab.properties()),
        shared_constraints=_shared_constraints([*vocab.classes(), *vocab.properties(), *vocab.others()]),
    )
    response.headers["Link"] = _alternates()
    return response
