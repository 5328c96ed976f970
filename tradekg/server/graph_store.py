"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/rdf-graph-store`` (indirect identification).

``?graph=IRI`` names a graph and ``?default`` the default graph. The default graph here is the one SPARQL Update
writes to outside ``GRAPH``: it is kept in the named graph :data:`tradekg.gate.writes.DEFAULT_GRAPH_IRI`, so a
query's default graph (the union of the named graphs) includes it, and ``GET ?default`` returns just it. Every
write (PUT, POST, DELETE) goes through the write gate: validated against the shapes, all or nothing.
"""

from __future__ import annotations

import uuid

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from tradekg.gate.writes import (
    DEFAULT_GRAPH_IRI,
    ProtectedGraph,
    UpdateFailed,
    UpdateSyntaxError,
    ValidationRejected,
    WriteResult,
    add_to_graph,
    drop_graph,
    replace_graph,
)
from tradekg.graph.rdf_files import RdfSyntaxError, parse_rdf
from tradekg.ontology.vocab import ID
from tradekg.server import current_store
from tradekg.server.guard import request_iri
from tradekg.server.http import GRAPH_MEDIA_TYPES, allow_cors, content_type, error_response, negotiate, write_refusal
from tradekg.store.answers import GRAPH_FORMATS
from tradekg.store.interface import StoreConflict, StoreError
from tradekg.store.nesting import EntityDeclared, TooDeep, check_nesting, check_xml

bp = Blueprint("graph_store", __name__)


class GraphStoreError(Exception):
    """A request the protocol does not allow, with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


def _target() -> str | None:
    """The graph the request names: an IRI, or ``None`` for the default graph."""
    graphs = request.args.getlist("graph")
    if "default" in request.args:
        if graphs:
            raise GraphStoreError(400, "send either ?default or ?graph=IRI, not both")
        return None
    if len(graphs) != 1:
        raise GraphStoreError(400, "name one graph: ?graph=IRI (percent-encoded) or ?default")
    iri = request_iri(graphs[0], "the graph parameter")
    return None if iri == DEFAULT_GRAPH_IRI else iri


def _exists(graph: str | None) -> bool:
    return graph is None or current_store().contains_named_graph(graph)


def _parse_part(data: bytes, media_type: str, graph: str | None) -> list[ox.Quad]:
    format_name = GRAPH_MEDIA_TYPES.get(media_type.split(";")[0].strip().lower())
    if format_name is None:
        known = ", ".join(dict.fromkeys(GRAPH_MEDIA_TYPES))
        raise GraphStoreError(415, f"unsupported Content-Type {media_type!r}; send one of: {known}")
    target = graph or DEFAULT_GRAPH_IRI
    limit = int(current_app.config["TRADEKG_MAX_NESTING"])
    try:
        if format_name == "rdf":
            check_xml(data, limit)
        else:
            syntax = "json" if format_name == "jsonld" else "sparql"
            check_nesting(data.decode("utf-8", "replace"), limit, syntax=syntax)
    except (TooDeep, EntityDeclared) as error:
        raise GraphStoreError(400, f"the body is refused: {error}") from None
    try:
        quads = parse_rdf(data, GRAPH_FORMATS[format_name], graph=target, origin="request body", base_iri=target)
    except RdfSyntaxError as error:
        raise GraphStoreError(400, f"the body does not parse: {error}") from None
    if any(quad.graph_name != ox.NamedNode(target) for quad in quads):
        raise GraphStoreError(400, "the body names other graphs; a Graph Store request writes only the graph it names")
    return quads


def _body_quads(graph: str | None) -> list[ox.Quad]:
    """The RDF sent: one document in the body, or several files of a multipart/form-data POST."""
    if request.mimetype == "multipart/form-data":
        quads: list[ox.Quad] = []
        for part in request.files.values():
            quads += _parse_part(part.read(), part.mimetype or "text/turtle", graph)
        return quads
    if not request.mimetype:
        raise GraphStoreError(415, "send the graph with a Content-Type (for example text/turtle)")
    return _parse_part(request.get_data(), request.mimetype, graph)


def _written(result: WriteResult, status: int) -> Response:
    response = Response(status=status)
    response.headers["Server-Timing"] = f"write;dur={result.seconds * 1000:.1f}"
    return response


def _write(method: str, graph: str | None) -> Response:
    store = current_store()
    existed = _exists(graph)
    try:
        if method == "DELETE":
            if not existed:
                raise GraphStoreError(404, f"no graph named <{graph}>")
            return _written(drop_graph(store, graph), 204)
        if method == "PUT":
            return _written(replace_graph(store, graph, _body_quads(graph)), 204 if existed else 201)
        if "graph" not in request.args and "default" not in request.args:  # POST to the store: a new graph
            graph = str(ID[f"graph/{uuid.uuid4().hex}"])
            response = _written(add_to_graph(store, graph, _body_quads(graph)), 201)
            response.headers["Location"] = graph
            return response
        return _written(add_to_graph(store, graph, _body_quads(graph)), 204 if existed else 201)
    except ValidationRejected as error:
        return error_response(
            422, "the write would break the shapes; nothing was changed", report=error.report.to_text(),
            validation=error.report.to_json(),
        )  # fmt: skip
    except ProtectedGraph as error:
        raise GraphStoreError(403, str(error)) from None
    except (UpdateSyntaxError, UpdateFailed) as error:
        raise GraphStoreError(400, str(error)) from None
    except StoreConflict as error:
        raise GraphStoreError(409, f"{error}; send the request again") from None
    except StoreError as error:
        raise GraphStoreError(503, f"the store could not be written: {error}") from None


def _read(graph: str | None) -> Response:
    if not _exists(graph):
        raise GraphStoreError(404, f"no graph named <{graph}>")
    format_name = negotiate(GRAPH_MEDIA_TYPES, format_parameter=request.args.get("format"))
    if format_name is None:
        raise GraphStoreError(406, "cannot answer in the requested format; offered: " + ", ".join(GRAPH_MEDIA_TYPES))
    quads = current_store().quads(graph or DEFAULT_GRAPH_IRI)
    rdf_format = GRAPH_FORMATS[format_name]
    items: list[ox.Triple] | list[ox.Quad]
    if rdf_format in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        items = list(quads)
    else:
        items = [quad.triple for quad in quads]
    body = ox.serialize(items, format=rdf_format) or b""
    response = Response(body, content_type=content_type(format_name))  # werkzeug sends no body to HEAD
    response.vary.add("Accept")
    return allow_cors(response)


@bp.route("/rdf-graph-store", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store() -> Response:
    """Read or write one graph."""
    try:
        if request.method in ("GET", "HEAD"):
            return _read(_target())
        refusal = write_refusal()
        if refusal is not None:
            return refusal
        if request.method == "POST" and "graph" not in request.args and "default" not in request.args:
            return _write("POST", None)
        return _write(request.method, _target())
    except GraphStoreError as error:
        return error_response(error.status, str(error))
