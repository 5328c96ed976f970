"""Writing SPARQL answers: result formats, RDF formats, and a plain-text table.

Shared by the CLI and the server, so that both answer the same way. Formats are named by a short name
(``json``, ``ttl``...) or a media type; SELECT/ASK answers take result formats, CONSTRUCT/DESCRIBE answers take
RDF formats.
"""

from __future__ import annotations

import pyoxigraph as ox

from tradekg.ontology.vocab import PREFIXES

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}

GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nq": ox.RdfFormat.N_QUADS,
}


class FormatError(ValueError):
    """The answer cannot be written in the format asked for."""


def is_graph_answer(answer: object) -> bool:
    """Whether an answer is a graph (CONSTRUCT/DESCRIBE) rather than solutions or a boolean."""
    return isinstance(answer, ox.QueryTriples)


def _with_prefixes(rdf_format: ox.RdfFormat) -> dict[str, object]:
    if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        return {"prefixes": PREFIXES}
    return {}


def serialize_answer(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, format_name: str) -> bytes:
    """Serialise a query answer in the named format.

    Args:
        answer: What :meth:`TradeStore.query` returned (consumed by this call).
        format_name: ``json``, ``xml``, ``csv``, ``tsv`` for solutions and booleans; ``ttl``, ``nt``,
            ``jsonld``, ``rdf``, ``trig``, ``nq`` for graphs.

    Raises:
        FormatError: The format does not fit the kind of answer.
    """
    if isinstance(answer, ox.QueryTriples):
        rdf_format = GRAPH_FORMATS.get(format_name)
        if rdf_format is None:
            raise FormatError(
                f"a graph answer cannot be written as {format_name!r}; use one of {sorted(GRAPH_FORMATS)}"
            )
        return answer.serialize(format=rdf_format, **_with_prefixes(rdf_format))  # type: ignore[arg-type]
    results_format = RESULT_FORMATS.get(format_name)
    if results_format is None:
        raise FormatError(f"solutions cannot be written as {format_name!r}; use one of {sorted(RESULT_FORMATS)}")
    if isinstance(answer, ox.QueryBoolean) and results_format in (
        ox.QueryResultsFormat.CSV,
        ox.QueryResultsFormat.TSV,
    ):
        return ("_askResult\n" + ("true" if bool(answer) else "false") + "\n").encode()
    return answer.serialize(format=results_format)  # type: ignore[return-value]


_NAMESPACES_LONGEST_FIRST = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    """A term as shown in a table: ``prefix:rest`` for known namespaces, a literal's lexical form.

    Unlike a CURIE, the rest may hold slashes (``id:country/JPN``): a table is read by people, not parsed.
    """
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in _NAMESPACES_LONGEST_FIRST:
            rest = term.value[len(namespace) :]
            if term.value.startswith(namespace) and rest and not any(char.isspace() for char in rest):
                return f"{prefix}:{rest}"
        return f"<{term.value}>"
    return str(term)


def answer_table(answer: ox.QuerySolutions | ox.QueryBoolean) -> str:
    """A plain-text table of solutions (or ``true``/``false`` for ASK), columns aligned."""
    if isinstance(answer, ox.QueryBoolean):
        return "true" if bool(answer) else "false"
    header = [variable.value for variable in answer.variables]
    rows = [[term_text(value) for value in solution] for solution in answer]
    widths = [max([len(name), *(len(row[index]) for row in rows)]) for index, name in enumerate(header)]
    lines = [
        "  ".join(name.ljust(width) for name, width in zip(header, widths, strict=True)).rstrip(),
        "  ".join("-" * width for width in widths),
    ]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def sparql_json_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict[str, object]:
    """A term as a binding of SPARQL 1.1 Query Results JSON (RDF-star triples as ``type: triple``)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        value: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            value["datatype"] = term.datatype.value
        return value
    assert isinstance(term, ox.Triple)
    return {
        "type": "triple",
        "value": {"subject": sparql_json_term(term.subject), "predicate": sparql_json_term(term.predicate),
                  "object": sparql_json_term(term.object)},
    }  # fmt: skip
