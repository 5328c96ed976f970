"""Reading RDF text and files into quads, and the errors that say why input could not be loaded.

A file's format comes from its extension (:data:`FORMATS_BY_EXTENSION`). Triples outside a named graph go into the
graph named after their file, ``https://w3id.org/tradekg/id/graph/{file stem}`` (:func:`file_graph_iri`), unless a
graph is given; each document's blank nodes are its own. A file that does not parse raises
:class:`RdfSyntaxError` naming the file, line and column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from tradekg.ontology.vocab import source_graph_iri
from tradekg.store.staging import StagedQuads

FORMATS_BY_EXTENSION: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}


class LoadError(Exception):
    """Input could not be loaded; nothing was written."""


class UnreadableFile(LoadError):
    """The file is missing, unreadable, or of a format we do not know."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class RdfSyntaxError(LoadError):
    """The file does not parse; names the file, line and column (1-based)."""

    def __init__(self, path: Path | str, line: int | None, column: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.problem = problem
        where = f"{path}:{line}:{column}" if line is not None else f"{path}"
        super().__init__(f"{where}: {problem}")


def file_graph_iri(path: Path) -> str:
    """The graph IRI for the triples of a file that names no graph."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "file"
    return str(source_graph_iri(slug))


def rdf_format_for(path: Path) -> ox.RdfFormat:
    """The RDF format of a file, by its extension."""
    try:
        return FORMATS_BY_EXTENSION[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS_BY_EXTENSION))
        raise UnreadableFile(path, f"unknown RDF file extension {path.suffix!r} (known: {known})") from None


def _syntax_error(origin: Path | str, error: SyntaxError) -> RdfSyntaxError:
    message = str(error.msg if error.msg else error)
    problem = re.sub(r"^Parser error at line \d+ column \d+: ", "", message)
    column = error.offset + 1 if error.offset is not None else None
    return RdfSyntaxError(origin, error.lineno, column, problem)


def parse_rdf(
    data: bytes | str,
    rdf_format: ox.RdfFormat,
    *,
    graph: str,
    origin: Path | str = "<input>",
    base_iri: str | None = None,
) -> list[ox.Quad]:
    """Parse RDF text into quads; triples outside a named graph go into ``graph``.

    Blank nodes are the document's own: each label becomes a new blank node, distinct from every node stored and
    from those of any other document (as when a store loads a file).

    Raises:
        RdfSyntaxError: The text does not parse; the error names ``origin``, line and column.
    """
    target = ox.NamedNode(graph)
    fresh: dict[ox.BlankNode, ox.BlankNode] = {}

    def own(term: Any) -> Any:
        if isinstance(term, ox.BlankNode):
            return fresh.setdefault(term, ox.BlankNode())
        return term

    try:
        quads = []
        for quad in ox.parse(data, format=rdf_format, base_iri=base_iri):
            graph_name = target if isinstance(quad.graph_name, ox.DefaultGraph) else own(quad.graph_name)
            quads.append(ox.Quad(own(quad.subject), quad.predicate, own(quad.object), graph_name))
        return quads
    except SyntaxError as error:
        raise _syntax_error(origin, error) from error
    except ValueError as error:
        raise RdfSyntaxError(origin, None, None, str(error)) from error


def parse_file(path: Path, *, graph: str | None = None) -> list[ox.Quad]:
    """Parse one RDF file into quads (see :func:`parse_rdf`)."""
    rdf_format = rdf_format_for(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableFile(path, error.strerror or str(error)) from error
    return parse_rdf(
        data, rdf_format, graph=graph or file_graph_iri(path), origin=path, base_iri=path.resolve().as_uri()
    )


def stage_file(staged: StagedQuads, path: Path, *, graph: str | None = None) -> None:
    """Parse one RDF file into staged quads, as :func:`parse_file` reads it (the engine parses; see :func:`parse_rdf`).

    Raises:
        UnreadableFile: The file is missing, unreadable or of an unknown format.
        RdfSyntaxError: The file does not parse; the error names the file, line and column.
    """
    rdf_format = rdf_format_for(path)
    try:
        staged.add_file(path, rdf_format, graph=graph or file_graph_iri(path), base_iri=path.resolve().as_uri())
    except SyntaxError as error:
        raise _syntax_error(path, error) from error
    except ValueError as error:
        raise RdfSyntaxError(path, None, None, str(error)) from error
    except OSError as error:
        raise UnreadableFile(path, error.strerror or str(error)) from error
