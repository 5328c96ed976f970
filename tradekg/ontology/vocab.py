"""Namespaces, paths and IRI helpers of the tradekg ontology.

Importing this module does no I/O: it only defines constants and small pure
functions that the store, the loader and the tests share.

IRI conventions:
    * Ontology terms live in ``https://w3id.org/tradekg/ontology#`` (``tkg:``).
    * Resources live under ``https://w3id.org/tradekg/id/{kind}/{key}``, for
      example ``id/country/JPN`` or ``id/official/ryosei-akazawa``.
    * Each source document ``id/source/{slug}`` has its own named graph
      ``id/graph/{slug}`` that holds every triple read from it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from rdflib import Namespace, URIRef

TKG: Final = Namespace("https://w3id.org/tradekg/ontology#")
"""Namespace of the ontology's classes, properties and concepts."""

ID: Final = Namespace("https://w3id.org/tradekg/id/")
"""Namespace of the resources the graph describes."""

WD: Final = Namespace("http://www.wikidata.org/entity/")
"""Namespace of Wikidata items, used as objects of ``owl:sameAs``."""

ONTOLOGY_IRI: Final = URIRef("https://w3id.org/tradekg/ontology")
"""IRI of the ``owl:Ontology`` header (no trailing ``#``)."""

SHAPES_GRAPH_IRI: Final = URIRef("https://w3id.org/tradekg/shapes")
"""IRI of the SHACL shapes graph."""

ONTOLOGY_DIR: Final = Path(__file__).resolve().parent
"""Directory holding the bundled Turtle files."""

ONTOLOGY_PATH: Final = ONTOLOGY_DIR / "trade.ttl"
"""Path of the OWL vocabulary in Turtle."""

SHAPES_PATH: Final = ONTOLOGY_DIR / "shapes.ttl"
"""Path of the SHACL shapes in Turtle."""

PREFIXES: Final[dict[str, str]] = {
    "tkg": str(TKG),
    "id": str(ID),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "time": "http://www.w3.org/2006/time#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": str(WD),
    "tkgsh": "https://w3id.org/tradekg/shapes#",
}
"""Prefixes the project binds when it reads or writes RDF."""

HS_SCHEME_IRI: Final = ID["hs"]
"""IRI of the SKOS concept scheme of Harmonized System codes."""

HS_PREFIX: Final = str(ID) + "hs/"
"""Start of every HS code IRI: ``https://w3id.org/tradekg/id/hs/{digits}``."""

ID_KINDS: Final = (
    "agreement",
    "company",
    "country",
    "customs-union",
    "event",
    "exemption",
    "graph",
    "hs",
    "instrument",
    "measure",
    "negotiation",
    "official",
    "place",
    "post",
    "product",
    "proposal",
    "result",
    "source",
)
"""The kinds of resource under ``id/`` (``id/country/JPN``): each is also a prefix of queries (``country:JPN``)."""

ID_PREFIXES: Final[dict[str, str]] = {kind: f"{ID}{kind}/" for kind in ID_KINDS}
"""One prefix per kind of resource, since a prefixed name cannot hold a slash (``id:country/JPN`` is not SPARQL)."""

QUERY_PREFIXES: Final[dict[str, str]] = {**PREFIXES, **ID_PREFIXES}
"""Prefixes predeclared for SPARQL queries and updates (a query's own ``PREFIX`` lines override them). Output keeps
:data:`PREFIXES`, so IRIs still print as ``id:country/JPN``."""

_ALPHA3: Final = re.compile(r"[A-Z]{3}")
_HS_CODE: Final = re.compile(r"[0-9]{4}(?:\.?[0-9]{2}){0,3}|[0-9]{2}")
_SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def country_iri(alpha3: str) -> URIRef:
    """Return the IRI of a country from its ISO 3166-1 alpha-3 code.

    Args:
        alpha3: Three-letter code such as ``"JPN"``; lower case is accepted.

    Returns:
        The IRI ``https://w3id.org/tradekg/id/country/{ALPHA3}``.

    Raises:
        ValueError: If ``alpha3`` is not three ASCII letters.
    """
    code = alpha3.strip().upper()
    if not _ALPHA3.fullmatch(code):
        raise ValueError(f"not an ISO 3166-1 alpha-3 code: {alpha3!r}")
    return ID[f"country/{code}"]


def _check_slug(slug: str) -> str:
    """Return ``slug`` if it is lower-case words joined by hyphens.

    Args:
        slug: Candidate slug such as ``"econotimes-japan-tariff-relief"``.

    Returns:
        The same slug.

    Raises:
        ValueError: If the slug holds other characters.
    """
    if not _SLUG.fullmatch(slug):
        raise ValueError(f"not a slug (a-z, 0-9 and single hyphens): {slug!r}")
    return slug


def source_iri(slug: str) -> URIRef:
    """Return the IRI of a source document.

    Args:
        slug: The source's slug, e.g. ``"econotimes-japan-tariff-relief"``.

    Returns:
        The IRI ``https://w3id.org/tradekg/id/source/{slug}``.

    Raises:
        ValueError: If ``slug`` is not a valid slug.
    """
    return ID[f"source/{_check_slug(slug)}"]


def source_graph_iri(slug: str) -> URIRef:
    """Return the IRI of the named graph that holds one source's triples.

    Args:
        slug: The source's slug, e.g. ``"econotimes-japan-tariff-relief"``.

    Returns:
        The IRI ``https://w3id.org/tradekg/id/graph/{slug}``.

    Raises:
        ValueError: If ``slug`` is not a valid slug.
    """
    return ID[f"graph/{_check_slug(slug)}"]


def slug_of_source(iri: str) -> str:
    """Return the slug of a source IRI or of its named graph IRI.

    Args:
        iri: A source IRI (``id/source/{slug}``) or graph IRI (``id/graph/{slug}``).

    Returns:
        The slug.

    Raises:
        ValueError: If ``iri`` is neither.
    """
    for kind in ("source/", "graph/"):
        prefix = str(ID) + kind
        if iri.startswith(prefix):
            return _check_slug(iri[len(prefix) :])
    raise ValueError(f"not a tradekg source or graph IRI: {iri!r}")


def hs_digits(code: str) -> str:
    """Return the digits of an HS or HTS code written with or without dots.

    Args:
        code: A chapter (``"87"``), heading (``"8703"``), subheading (``"8703.23"`` or ``"870323"``) or
            national tariff line (``"8703.23.01"``, ``"8703.23.01.45"``).

    Returns:
        The digits alone, e.g. ``"87032301"``.

    Raises:
        ValueError: If ``code`` is not 2, 4, 6, 8 or 10 digits, with dots only between pairs after the fourth.
    """
    text = code.strip()
    if not _HS_CODE.fullmatch(text):
        raise ValueError(f"not an HS code (2, 4, 6, 8 or 10 digits, e.g. 8703 or 8703.23.01): {code!r}")
    return text.replace(".", "")


def hs_iri(code: str) -> URIRef:
    """Return the IRI of an HS code: ``https://w3id.org/tradekg/id/hs/{digits}``.

    Args:
        code: The code with or without dots, e.g. ``"8703.23"``.

    Returns:
        The IRI, e.g. ``https://w3id.org/tradekg/id/hs/870323``.

    Raises:
        ValueError: If ``code`` is not an HS code (see :func:`hs_digits`).
    """
    return URIRef(HS_PREFIX + hs_digits(code))
