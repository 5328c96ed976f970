"""The SPARQL 1.1 Service Description, answered by a GET on ``/sparql`` with no query."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Response, current_app, request

from tradekg.server.http import GRAPH_MEDIA_TYPES, allow_cors, content_type, error_response, negotiate
from tradekg.store.answers import GRAPH_FORMATS
from tradekg.store.interface import DEFAULT_GRAPH_IRI

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RESULT_FORMAT_IRIS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "TriG",
    "N-Quads",
)
INPUT_FORMAT_IRIS = ("Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads")


RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
DEFAULT_GRAPH_NOTE = (
    "The set union (RDF merge) of the named graphs: each distinct triple once, however many graphs state it. "
    f"What SPARQL Update and the Graph Store Protocol call the default graph is the named graph <{DEFAULT_GRAPH_IRI}>."
)


def description(endpoint: str, *, writable: bool, named_graphs: list[str]) -> list[ox.Triple]:
    """The service description of the endpoint at ``endpoint``, as triples."""
    service = ox.BlankNode()
    dataset = ox.BlankNode()
    default_graph = ox.BlankNode()
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    triples = [
        ox.Triple(service, rdf_type, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("feature"), sd("BasicFederatedQuery"))
        if current_app.config["TRADEKG_ALLOW_FEDERATION"]
        else None,
        ox.Triple(service, sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, rdf_type, sd("Graph")),
        ox.Triple(default_graph, ox.NamedNode(RDFS_COMMENT), ox.Literal(DEFAULT_GRAPH_NOTE, language="en")),
    ]
    if writable:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + name)) for name in RESULT_FORMAT_IRIS]
    triples += [ox.Triple(service, sd("inputFormat"), ox.NamedNode(FORMATS + name)) for name in INPUT_FORMAT_IRIS]
    for iri in named_graphs:
        named = ox.BlankNode()
        triples += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, rdf_type, sd("NamedGraph")),
            ox.Triple(named, sd("name"), ox.NamedNode(iri)),
        ]
    return [triple for triple in triples if triple is not None]


def service_description_response() -> Response:
    """The description of the endpoint the request reached, in the negotiated RDF format."""
    from tradekg.server import current_store  # noqa: PLC0415 - the package imports this module's users

    format_name = negotiate(GRAPH_MEDIA_TYPES, format_parameter=request.args.get("format"))
    if format_name is None:
        return error_response(406, "the service description is RDF: ask for " + ", ".join(GRAPH_MEDIA_TYPES))
    triples = description(
        request.base_url,
        writable=bool(current_app.config.get("TRADEKG_WRITE_TOKEN")),
        named_graphs=[str(iri) for iri in current_store().named_graphs()],
    )
    rdf_format = GRAPH_FORMATS[format_name]
    items: list[ox.Triple] | list[ox.Quad] = triples
    if rdf_format in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        items = [ox.Quad(triple.subject, triple.predicate, triple.object) for triple in triples]
    prefixes = {"sd": SD, "formats": FORMATS} if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    body = ox.serialize(items, format=rdf_format, prefixes=prefixes) or b""
    response = Response(body, content_type=content_type(format_name))
    response.vary.add("Accept")
    return allow_cors(response)
