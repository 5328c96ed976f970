"""Evaluating one query into the bytes of its answer, cut at a row limit (run in the query worker).

Oxigraph serialises whole answers, in native code. Solutions are first written that way into a buffer bounded
so that it cannot hold more than ``--max-rows`` rows (every row takes at least a few bytes in each format); an
answer that outgrows the buffer is evaluated again and written here, row by row, cut at the limit. Graphs are
cut here and written through :func:`pyoxigraph.serialize`.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from tradekg.ontology.vocab import PREFIXES
from tradekg.store.answers import GRAPH_FORMATS, RESULT_FORMATS, serialize_answer, sparql_json_term
from tradekg.store.interface import TradeStore

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None

MIN_ROW_BYTES: dict[str, int] = {"json": 2, "xml": 17, "csv": 2, "tsv": 1}
"""The fewest bytes Oxigraph writes for one row (of unbound values): ``{}``, ``<result></result>``, a line end."""


class _Overflow(Exception):
    """The bounded buffer is full."""


class _BoundedBuffer:
    """A binary file object for :meth:`pyoxigraph.QuerySolutions.serialize` that refuses to grow past a size."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _Overflow
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the bytes stay in memory."""


@dataclass(frozen=True)
class Answer:
    """A serialised answer: its bytes, whether rows were cut, and the evaluation time."""

    body: bytes
    truncated: bool
    seconds: float


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _csv_term(term: Term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def serialize_rows(variables: Sequence[str], rows: Sequence[Sequence[Term]], format_name: str) -> bytes:
    """Write solutions in a SPARQL results format (``json``, ``xml``, ``csv``, ``tsv``)."""
    if format_name == "json":
        bindings = [
            {name: sparql_json_term(value) for name, value in zip(variables, row, strict=True) if value is not None}
            for row in rows
        ]
        return json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": bindings}}).encode()
    if format_name == "xml":
        head = "".join(f"<variable name={quoteattr(name)}/>" for name in variables)
        results = "".join(
            "<result>"
            + "".join(
                f"<binding name={quoteattr(name)}>{_xml_term(value)}</binding>"
                for name, value in zip(variables, row, strict=True)
                if value is not None
            )
            + "</result>"
            for row in rows
        )
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{head}</head><results>{results}</results></sparql>\n"
        ).encode()
    if format_name == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_term(value) for value in row] for row in rows)
        return out.getvalue().encode()
    lines = ["\t".join(f"?{name}" for name in variables)]
    lines += ["\t".join("" if value is None else str(value) for value in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def evaluate(
    store: TradeStore,
    query: str,
    *,
    format_name: str,
    max_rows: int,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    base_iri: str | None = None,
) -> Answer:
    """Run a query and serialise its answer, keeping at most ``max_rows`` solutions or triples.

    Raises:
        SyntaxError: The query does not parse.
        answers.FormatError: The format does not fit the kind of answer.
    """
    started = time.perf_counter()
    options = {"default_graph_uris": default_graph_uris, "named_graph_uris": named_graph_uris, "base_iri": base_iri}
    answer = store.query(query, **options)  # type: ignore[arg-type]
    if isinstance(answer, ox.QueryBoolean):
        return Answer(serialize_answer(answer, format_name), False, time.perf_counter() - started)
    if isinstance(answer, ox.QuerySolutions) and format_name in MIN_ROW_BYTES:
        buffer = _BoundedBuffer(max_rows * MIN_ROW_BYTES[format_name])
        try:
            answer.serialize(buffer, format=RESULT_FORMATS[format_name])
            return Answer(b"".join(buffer.parts), False, time.perf_counter() - started)
        except (_Overflow, OSError, ValueError):
            if buffer.size <= buffer.limit:
                raise
        answer = store.query(query, **options)  # type: ignore[arg-type]  # too long to be sure: count the rows
    if isinstance(answer, ox.QuerySolutions):
        variables = [variable.value for variable in answer.variables]
        rows = [list(solution) for solution in islice(answer, max_rows + 1)]
        truncated = len(rows) > max_rows
        if format_name not in ("json", "xml", "csv", "tsv"):
            serialize_answer(answer, format_name)  # raises the FormatError that names the formats
        body = serialize_rows(variables, rows[:max_rows], format_name)
        return Answer(body, truncated, time.perf_counter() - started)
    rdf_format = GRAPH_FORMATS.get(format_name)
    if rdf_format is None:
        serialize_answer(answer, format_name)  # raises the FormatError
    triples = list(islice(answer, max_rows + 1))
    truncated = len(triples) > max_rows
    items: list[ox.Triple] | list[ox.Quad] = triples[:max_rows]
    if rdf_format in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        items = [ox.Quad(triple.subject, triple.predicate, triple.object) for triple in items]
    prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
    body = ox.serialize(items, format=rdf_format, prefixes=prefixes)
    return Answer(body or b"", truncated, time.perf_counter() - started)
