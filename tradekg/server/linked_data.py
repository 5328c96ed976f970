"""Dereferenceable IRIs: ``/id/{path}`` answers 303 to ``/page/{path}`` (HTML) or ``/data/{path}`` (RDF).

Follows "Cool URIs for the Semantic Web" (the 303 recipe): the IRI names the thing, the page and the data
document describe it. ``/data/{path}`` serves Turtle, JSON-LD, N-Triples or RDF/XML by ``Accept`` or by
extension; every answer says ``Vary: Accept`` and names the other formats in ``Link: rel="alternate"``.
A resource the store knows nothing about is a 404.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request

from tradekg.linkeddata.describe import INCOMING_PAGE_SIZE, Description, describe, resource_triples
from tradekg.linkeddata.incoming import counted
from tradekg.ontology.vocab import ID, PREFIXES, TKG
from tradekg.server import current_store
from tradekg.server.guard import request_iri
from tradekg.server.views import resource_view, resource_view_html
from tradekg.server.web import (
    HTML,
    JSON,
    RDF_FORMATS,
    RDF_MEDIA_TYPES,
    bad_request,
    href,
    int_arg,
    iri_of,
    not_found,
    open_to_all,
    page,
    path_of,
    quote_path,
    site_url,
    wants_json,
)
from tradekg.store.interface import TradeStore
from tradekg.views.kept import ANY, Dependency, depend, kept, node

bp = Blueprint("linked_data", __name__)
# What a reader looks for first in the table of all facts (a measure's rate, then whom it applies to).
LEADING_PROPERTIES = tuple(str(TKG) + name for name in ("ratePercent", "appliesTo", "appliesToAll", "effectiveFrom"))


def _split_extension(path: str, extensions: tuple[str, ...]) -> tuple[str, str | None]:
    """A path without a known extension, and that extension (``country/JPN.ttl`` → ``country/JPN``, ``ttl``)."""
    stem, dot, ext = path.rpartition(".")
    if dot and ext in extensions and "/" not in ext:
        return stem, ext
    return path, None


def _exists(iri: str) -> bool:
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return False
    store = current_store()
    return (
        next(store.quads_for_pattern(node, None, None, None), None) is not None
        or next(store.quads_for_pattern(None, None, node, None), None) is not None
    )


def _alternates(path: str) -> str:
    quoted = quote_path(path)
    links = [f'<{site_url("/page/" + quoted)}>; rel="alternate"; type="text/html"']
    links.append(f'<{site_url("/page/" + quoted + ".json")}>; rel="alternate"; type="application/json"')
    links += [
        f'<{site_url(f"/data/{quoted}.{ext}")}>; rel="alternate"; type="{media}"'
        for ext, media in RDF_MEDIA_TYPES.items()
    ]
    return ", ".join(links)


@bp.get("/id/<path:path>")
def identifier(path: str) -> Response:
    """303 See Other to the page or to the data about the resource, by ``Accept``."""
    iri = iri_of(path)
    if not _exists(iri):
        return not_found(f"The dataset has nothing about {iri}.", iri=iri)
    offered = [HTML, JSON, *RDF_MEDIA_TYPES.values()]
    best = request.accept_mimetypes.best_match(offered, default=HTML)
    quoted = quote_path(path)
    if best == HTML:
        target = f"/page/{quoted}"
    elif best == JSON:
        target = f"/page/{quoted}.json"
    else:
        target = f"/data/{quoted}"
    response = redirect(site_url(target, absolute=True), code=303)
    response.vary.add("Accept")
    response.headers["Link"] = _alternates(path)
    return response


@bp.get("/data/<path:path>")
def data(path: str) -> Response:
    """The resource's RDF document, in the format of its extension or of ``Accept`` (Turtle by default)."""
    stem, ext = _split_extension(path, tuple(RDF_FORMATS))
    if ext is not None and not _exists(iri_of(path)):
        path = stem
    else:
        ext = None
    iri = iri_of(path)
    if not _exists(iri):
        return not_found(f"The dataset has nothing about {iri}.", iri=iri)
    if ext is None:
        if request.accept_mimetypes and not any(request.accept_mimetypes[media] for media in RDF_MEDIA_TYPES.values()):
            return Response(
                "Not Acceptable: this document is available as " + ", ".join(RDF_MEDIA_TYPES.values()) + ".\n",
                status=406,
                mimetype="text/plain",
                headers={"Link": _alternates(path), "Vary": "Accept"},
            )
        best = request.accept_mimetypes.best_match(list(RDF_MEDIA_TYPES.values()), default="text/turtle")
        ext = next(e for e, media in RDF_MEDIA_TYPES.items() if media == best)
    rdf_format = RDF_FORMATS[ext]
    options: dict[str, object] = {}
    if ext in ("ttl", "rdf"):
        options["prefixes"] = PREFIXES
    body = ox.serialize(resource_triples(current_store(), iri), format=rdf_format, **options)
    response = Response(body, mimetype=RDF_MEDIA_TYPES[ext])
    if ext in ("ttl", "nt"):
        response.charset = "utf-8"
    response.vary.add("Accept")
    response.headers["Link"] = _alternates(path)
    response.headers["Content-Location"] = site_url(f"/data/{quote_path(path)}.{ext}")
    return open_to_all(response)


def _described(store: TradeStore, iri: str, offset: int) -> Description | None:
    """The resource's description, with what a reader looks for first leading its table of facts."""
    description = describe(store, iri, incoming_offset=offset)
    if description is not None:
        description.outgoing.sort(
            key=lambda g: (
                LEADING_PROPERTIES.index(g.property) if g.property in LEADING_PROPERTIES else len(LEADING_PROPERTIES)
            )
        )
    return description


def _kept_description(store: TradeStore, iri: str, offset: int) -> Description | None:
    """The resource's description, kept until a write changes what it shows (its labelled links cost most).

    It depends on the resource (any triple from or to it, and the counts of its links), on every IRI whose label
    it read (shown, or ordering the links), and on the sources its graphs may name. A description showing a blank
    node depends on every write: a blank node's triples name no IRI a write could be told by.
    """

    def compute() -> Description | None:
        description = _described(store, iri, offset)
        depend(_dependencies(iri, description))
        return description

    return kept(store, "describe", (iri, offset), compute)


def _dependencies(iri: str, description: Description | None) -> set[Dependency]:
    found: set[Dependency] = {node(iri), counted(iri)}
    if description is None:
        return found
    found |= {node(labelled) for labelled in description.labelled}
    graphs = str(ID) + "graph/"
    found |= {node(str(ID) + "source/" + g[len(graphs) :]) for g in description.graphs if g.startswith(graphs)}
    if _shows_blank_node(description):
        found.add(ANY)
    return found


def _shows_blank_node(description: Description) -> bool:
    values = [*description.types, *description.descriptions, *description.sources, *description.same_as]
    values += [value for group in (*description.outgoing, *description.incoming) for value in group.values]
    return any(value.kind == "bnode" for value in values)


def _resource_page(iri: str, path: str | None) -> Response:
    try:
        offset = int_arg("in_offset", 0, high=10_000_000)
    except ValueError as error:
        return bad_request(str(error))
    store = current_store()
    description = _kept_description(store, iri, offset)
    if description is None:
        return not_found(f"The dataset has nothing about {iri}.", iri=iri)
    types = [t.value for t in description.types]
    try:  # a browser gets the rendered view, kept until the next write; JSON the view's data
        as_json = wants_json()
        view = resource_view(iri, types) if as_json else None
        view_html = None if as_json else resource_view_html(iri, types)
    except ValueError as error:
        return bad_request(str(error))
    view_template, view_data, view_context = view if view else (None, None, {})

    def data() -> dict[str, object]:
        found = description.to_json()
        if view_data is not None:
            found["view"] = view_data.to_json()  # type: ignore[attr-defined]
        return found

    response = page(
        "resource.html",
        data,
        d=description,
        view_template=view_template,
        view=view_data,
        view_html=view_html,
        **view_context,
        path=path,
        data_links={ext: site_url(f"/data/{quote_path(path)}.{ext}") for ext in RDF_MEDIA_TYPES} if path else {},
        incoming_page=INCOMING_PAGE_SIZE,
    )
    if path is not None:
        response.headers["Link"] += ", " + _alternates(path)
    return response


@bp.get("/page/<path:path>")
def resource_page(path: str) -> Response:
    """The resource's page (``.json`` or ``?format=json`` for its data as JSON)."""
    if path.endswith(".json") and not _exists(iri_of(path)):
        path = path[: -len(".json")]
    return _resource_page(iri_of(path), path)


@bp.get("/page")
def page_by_iri() -> Response:
    """The page of any IRI the store describes, given as ``?iri=``; dataset IRIs redirect to their own page."""
    iri = request.args.get("iri", "").strip()
    if not iri:
        return bad_request("Give the IRI of a resource as ?iri=.")
    request_iri(iri, "the iri parameter")
    path = path_of(iri)
    if path is not None:
        return redirect(href(iri), code=301)
    return _resource_page(iri, None)
