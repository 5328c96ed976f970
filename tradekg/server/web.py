"""What the browsing blueprints share: IRIs mapped to paths, links, content negotiation and JSON alternates.

Dataset base and web base work as in Pubby: a resource IRI ``{dataset_base}{path}`` is served at
``{web_base}id/{path}`` (and its page and data at ``page/{path}`` and ``data/{path}``). An empty web base means
the host of each request, so the same server answers under any name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Response, current_app, render_template, request

from tradekg.ontology.vocab import ONTOLOGY_IRI, PREFIXES, TKG
from tradekg.server import current_store
from tradekg.server.guard import is_linkable, request_iri

RDF_MEDIA_TYPES: dict[str, str] = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdf": ox.RdfFormat.RDF_XML,
}
EXTENSION_BY_MEDIA_TYPE = {media: ext for ext, media in RDF_MEDIA_TYPES.items()}
HTML = "text/html"
JSON = "application/json"
EXTERNAL_BROWSERS = {PREFIXES["wd"]: "Wikidata"}


def dataset_base() -> str:
    """The IRI prefix of the dataset's resources (the ``dataset_base`` setting)."""
    return str(current_app.config["TRADEKG_DATASET_BASE"])


def site_url(path: str, *, absolute: bool = False) -> str:
    """The address of a path of this site (``/page/country/JPN``), under the web base when one is set.

    Args:
        path: A path starting with ``/``.
        absolute: Give a full URL even without a web base (redirects, RDF), using the request's host.
    """
    base = str(current_app.config["TRADEKG_WEB_BASE"] or "")
    if base:
        return base.rstrip("/") + path
    return request.host_url.rstrip("/") + path if absolute else path


def path_of(iri: str) -> str | None:
    """The path of a dataset IRI below the dataset base (``country/JPN``), or ``None`` for other IRIs."""
    base = dataset_base()
    if iri.startswith(base) and len(iri) > len(base):
        return iri[len(base) :]
    return None


def iri_of(path: str) -> str:
    """The dataset IRI a path stands for (``country/JPN`` → ``https://w3id.org/tradekg/id/country/JPN``).

    Raises:
        InvalidInput: The path makes no valid IRI (a space, ``<>``, ``%zz``...); answered 400.
    """
    return request_iri(dataset_base() + path, "the resource path")


def quote_path(path: str) -> str:
    """A resource path made safe for a URL, keeping its slashes."""
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def href(iri: str) -> str:
    """Where a link to ``iri`` goes: its page here, the ontology's anchor, a page by IRI, or the IRI itself.

    Only http(s) IRIs are linked: for any other (``javascript:``, ``data:``, ``urn:``...) the answer is ``""``, and
    pages show the IRI as text.
    """
    path = path_of(iri)
    if path is not None:
        return site_url("/page/" + quote_path(path))
    if iri == str(ONTOLOGY_IRI):
        return site_url("/ontology")
    if iri.startswith(str(TKG)):
        return site_url("/ontology#" + iri[len(str(TKG)) :])
    if iri.startswith(("http://", "https://")) and _has_subject(iri):
        return site_url("/page?" + urlencode({"iri": iri}))
    return iri if is_linkable(iri) else ""


def _has_subject(iri: str) -> bool:
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return False
    return next(current_store().quads_for_pattern(node, None, None, None), None) is not None


def wants_json() -> bool:
    """Whether the request asks for the JSON view of a page (``?format=json``, ``.json``, or ``Accept``)."""
    if request.args.get("format") == "json" or request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match([HTML, JSON])
    return best == JSON and request.accept_mimetypes[JSON] > request.accept_mimetypes[HTML]


def json_url() -> str:
    """The address of the JSON view of the current page."""
    args = request.args.to_dict(flat=True)
    args["format"] = "json"
    return quote_path(request.path) + "?" + urlencode(args)  # quoted: it goes into a Link header


def html_url() -> str:
    """The address of the HTML view of the current page (the JSON view's ``Link: rel="alternate"``)."""
    path = quote_path(request.path.removesuffix(".json"))  # quoted: it goes into a Link header
    path = "/" if path == "/index" else path
    args = {name: value for name, value in request.args.items() if name != "format"}
    return path + ("?" + urlencode(args) if args else "")


def open_to_all(response: Response) -> Response:
    """Let scripts of any origin read a public document (CORS), as linked-data clients in browsers need."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def page(
    template: str,
    data: Mapping[str, object] | Callable[[], Mapping[str, object]],
    *,
    status: int = 200,
    **context: object,
) -> Response:
    """Answer with a page in HTML, or its data as JSON when asked; both name each other in ``Link``."""
    if wants_json():
        payload = data() if callable(data) else data
        response = Response(json.dumps(payload, ensure_ascii=False, indent=1), status=status, mimetype=JSON)
        response.headers["Link"] = f'<{html_url()}>; rel="alternate"; type="text/html"'
        open_to_all(response)
    else:
        response = Response(render_template(template, **context), status=status, mimetype=HTML)
        response.headers["Link"] = f'<{json_url()}>; rel="alternate"; type="application/json"'
    response.vary.add("Accept")
    return response


def not_found(message: str, **data: object) -> Response:
    """A 404 page (or JSON) that says what was not found."""
    return page("not_found.html", {"error": message, **data}, status=404, message=message)


def bad_request(message: str) -> Response:
    """A 400 page (or JSON) that names the problem."""
    return page("not_found.html", {"error": message}, status=400, message=message, title="Bad request")


def int_arg(name: str, default: int, *, low: int = 0, high: int = 10_000) -> int:
    """A whole-number query parameter, clamped to ``[low, high]``.

    Raises:
        ValueError: The parameter is present but not a whole number; the message names it.
    """
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"the parameter {name!r} must be a whole number, not {raw!r}") from None
    return max(low, min(high, value))
