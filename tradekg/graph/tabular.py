"""Spreadsheet import: a CSV file and a declarative RML mapping become validated quads, loaded all or nothing.

A new column layout needs a new mapping file, not new code (see :mod:`tradekg.graph.rml`). Every problem is
reported by spreadsheet row (the header is row 1, the first data row is row 2) and column:

1. before mapping, each row is checked against what the mapping reads: the columns exist, each value fits
   the datatype the mapping gives it (``xsd:decimal``, ``xsd:date``, ...), each IRI it builds is valid;
2. after mapping, the new triples are validated with the SHACL shapes beside the store's data, and each
   violation is traced back to the rows that made its focus node and to the columns behind its property.

If any row has a problem, nothing is written.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from tradekg.gate.validate import Violation, short_name
from tradekg.graph.load import validate_new_quads
from tradekg.graph.rdf_files import LoadError, UnreadableFile, file_graph_iri
from tradekg.graph.rml import RDF_TYPE, MappingError, PredicateObject, TermMap, TriplesMap, expand, read_mapping
from tradekg.store.interface import TradeStore, to_rdflib

XSD = "http://www.w3.org/2001/XMLSchema#"
HEADER_ROW = 1
EXTRA = "\0extra"  # key of the cells beyond the header's columns


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


_LEXICAL: dict[str, tuple[Callable[[str], bool], str]] = {
    XSD + "decimal": (lambda text: bool(re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text)), "a decimal number"),
    XSD + "integer": (lambda text: bool(re.fullmatch(r"[+-]?\d+", text)), "a whole number"),
    XSD + "positiveInteger": (lambda text: bool(re.fullmatch(r"\+?0*[1-9]\d*", text)), "a whole number above 0"),
    XSD + "double": (lambda text: bool(re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text)), "a number"),
    XSD + "boolean": (lambda text: text in ("true", "false", "1", "0"), "true or false"),
    XSD + "date": (_is_date, "a date written YYYY-MM-DD"),
    XSD + "gYearMonth": (lambda text: bool(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text)), "a month written YYYY-MM"),
    XSD + "gYear": (lambda text: bool(re.fullmatch(r"\d{4}", text)), "a year written YYYY"),
}  # fmt: skip


@dataclass(frozen=True)
class RowProblem:
    """One problem of the spreadsheet, located by row number and column name."""

    row: int
    column: str
    problem: str

    def __str__(self) -> str:
        column = f", column {self.column}" if self.column else ""
        return f"row {self.row}{column}: {self.problem}"


class BadRows(LoadError):
    """Some rows cannot be imported; nothing was written. ``problems`` lists each by row and column."""

    def __init__(self, path: Path, problems: list[RowProblem]) -> None:
        self.path = path
        self.problems = tuple(sorted(problems, key=lambda item: (item.row, item.column, item.problem)))
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{path}: {len(self.problems)} problem(s), nothing was imported:\n{lines}")


class BadMapping(LoadError):
    """The mapping file cannot be used (wraps :class:`tradekg.graph.rml.MappingError`)."""


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote."""

    rows: int
    quads: int
    graphs: tuple[str, ...]


@dataclass
class _Mapped:
    """Quads made from the rows, and where each subject and property came from."""

    quads: list[ox.Quad]
    rows_of: dict[str, set[int]]
    columns_of: dict[tuple[str, str], set[str]]


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a CSV file (UTF-8, a byte-order mark allowed); cells are stripped."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [cell.strip() for cell in next(reader, [])]
            rows = [[cell.strip() for cell in row] for row in reader]
    except OSError as error:
        raise UnreadableFile(path, error.strerror or str(error)) from error
    except (UnicodeDecodeError, csv.Error) as error:
        raise UnreadableFile(path, f"not a readable UTF-8 CSV file: {error}") from error
    if not header or not any(header):
        raise UnreadableFile(path, "the file is empty: a header row naming the columns is needed")
    records = []
    for cells in rows:
        record = dict(zip(header, cells, strict=False))
        if len(cells) > len(header):
            record[EXTRA] = ",".join(cells[len(header) :])
        records.append(record)
    return header, records


def _check_term(term_map: TermMap, row: dict[str, str], number: int, where: str) -> list[RowProblem]:
    problems = []
    if term_map.term_type == "literal" and term_map.datatype in _LEXICAL and term_map.kind == "reference":
        value = row.get(term_map.value, "")
        test, wanted = _LEXICAL[term_map.datatype]
        if value and not test(value):
            problems.append(RowProblem(number, term_map.value, f"{value!r} is not {wanted} ({where})"))
    if term_map.term_type == "iri" and not problems:
        try:
            expand(term_map, row)
        except ValueError as error:
            columns = ", ".join(term_map.columns)
            values = ", ".join(repr(row.get(column, "")) for column in term_map.columns)
            problems.append(RowProblem(number, columns, f"{values} does not make a valid IRI ({where}): {error}"))
    return problems


def check_rows(maps: list[TriplesMap], header: list[str], rows: list[dict[str, str]]) -> list[RowProblem]:
    """Check every row against what the mapping reads, before anything is mapped."""
    read: dict[str, str] = {}
    for triples_map in maps:
        for term_map, where in _term_maps(triples_map):
            for column in term_map.columns:
                read.setdefault(column, where)
    missing = [RowProblem(HEADER_ROW, column, f"missing: the mapping reads it ({read[column]})") for column in read]
    missing = [problem for problem in missing if problem.column not in header]
    if missing:
        return missing
    users: dict[str, set[str]] = defaultdict(set)
    for triples_map in maps:
        for term_map, _ in _term_maps(triples_map):
            for column in term_map.columns:
                users[column].add(triples_map.name)
    problems = []
    for number, row in enumerate(rows, start=HEADER_ROW + 1):
        if EXTRA in row:
            problems.append(RowProblem(number, "", f"more cells than the header has columns: {row[EXTRA]!r}"))
        for triples_map in maps:
            subject = triples_map.subject
            if subject.kind != "constant" and any(row.get(column, "") == "" for column in subject.columns):
                # RML makes nothing of a row whose subject is empty; that is an error only when the row has
                # values that nothing else would use, which would then be dropped without a word.
                orphans = sorted(
                    column
                    for term_map, _ in _term_maps(triples_map)
                    for column in term_map.columns
                    if row.get(column, "") and users[column] == {triples_map.name}
                )
                if orphans:
                    empty = ", ".join(column for column in subject.columns if not row.get(column, ""))
                    kept = ", ".join(dict.fromkeys(orphans))
                    problems.append(RowProblem(number, empty, f"empty, so the values in {kept} would be lost"))
                continue
            for term_map, where in _term_maps(triples_map):
                problems += _check_term(term_map, row, number, where)
    return problems


def _term_maps(triples_map: TriplesMap) -> list[tuple[TermMap, str]]:
    found = [(triples_map.subject, f"subject of {triples_map.name}")]
    found += [(graph, f"graph of {triples_map.name}") for graph in triples_map.graphs]
    for pom in triples_map.predicate_objects:
        where = f"{short_name(to_rdflib(ox.NamedNode(pom.predicate.value)))} of {triples_map.name}"
        if pom.predicate.kind != "constant":
            where = f"a predicate of {triples_map.name}"
        found.append((pom.predicate, where))
        if pom.obj is not None:
            found.append((pom.obj, where))
        found += [(graph, where) for graph in pom.graphs]
    return found


def map_rows(maps: list[TriplesMap], rows: list[dict[str, str]], default_graph: str) -> _Mapped:
    """Expand the mapping over the rows (rows already checked by :func:`check_rows`)."""
    mapped = _Mapped([], defaultdict(set), defaultdict(set))
    by_name = {triples_map.name: triples_map for triples_map in maps}
    for number, row in enumerate(rows, start=HEADER_ROW + 1):
        for triples_map in maps:
            subject = expand(triples_map.subject, row)
            if subject is None or isinstance(subject, ox.Literal):
                continue
            key = short_name(to_rdflib(subject))
            mapped.rows_of[key].add(number)
            graphs = _graphs(triples_map.graphs, row, default_graph)
            for cls in triples_map.classes:
                mapped.quads += [ox.Quad(subject, RDF_TYPE_OX, ox.NamedNode(cls), graph) for graph in graphs]
            for pom in triples_map.predicate_objects:
                _map_pom(mapped, pom, row, subject, key, by_name, graphs, default_graph)
    return mapped


RDF_TYPE_OX = ox.NamedNode(str(RDF_TYPE))


def _map_pom(
    mapped: _Mapped,
    pom: PredicateObject,
    row: dict[str, str],
    subject: ox.NamedNode | ox.BlankNode,
    key: str,
    by_name: dict[str, TriplesMap],
    graphs: list[ox.NamedNode],
    default_graph: str,
) -> None:
    predicate = expand(pom.predicate, row)
    obj = expand(by_name[pom.parent].subject, row) if pom.parent else expand(pom.obj, row)  # type: ignore[arg-type]
    if not isinstance(predicate, ox.NamedNode) or obj is None:
        return
    columns = set(pom.obj.columns if pom.obj is not None else by_name[pom.parent].subject.columns)  # type: ignore[index]
    mapped.columns_of[(key, short_name(to_rdflib(predicate)))] |= columns
    targets = _graphs(pom.graphs, row, default_graph) if pom.graphs else graphs
    mapped.quads += [ox.Quad(subject, predicate, obj, graph) for graph in targets]


def _graphs(graph_maps: tuple[TermMap, ...], row: dict[str, str], default_graph: str) -> list[ox.NamedNode]:
    graphs = [expand(graph_map, row) for graph_map in graph_maps]
    named = [graph for graph in graphs if isinstance(graph, ox.NamedNode)]
    return named or [ox.NamedNode(default_graph)]


def import_csv(
    store: TradeStore,
    csv_path: Path,
    mapping_path: Path,
    *,
    graph: str | None = None,
    validate: bool = True,
) -> ImportSummary:
    """Map a CSV file with an RML/YARRRML mapping, validate the result beside the store's data, load it.

    Args:
        store: The store to write to.
        csv_path: The spreadsheet, saved as UTF-8 CSV with a header row.
        mapping_path: The mapping: RML in Turtle (``.ttl``) or YARRRML (``.yml``/``.yaml``). The mapping's
            own ``rml:source`` is ignored: every CSV logical source reads ``csv_path``.
        graph: Graph IRI for triples whose mapping names no graph; by default one named after the file.
        validate: Check the new triples against the shapes before writing.

    Raises:
        UnreadableFile: The CSV file cannot be read.
        BadMapping: The mapping cannot be read or uses an unsupported feature.
        BadRows: Some rows cannot be imported; nothing was written.
    """
    try:
        maps = read_mapping(mapping_path)
    except MappingError as error:
        raise BadMapping(str(error)) from error
    header, rows = read_rows(csv_path)
    problems = check_rows(maps, header, rows)
    if problems:
        raise BadRows(csv_path, problems)
    mapped = map_rows(maps, rows, graph or file_graph_iri(csv_path))
    mapped.quads = list(dict.fromkeys(mapped.quads))  # rows naming the same source or product repeat quads
    with store.writing():
        if validate:
            report = validate_new_quads(store, mapped.quads)
            if not report.conforms:
                raise BadRows(csv_path, _violation_problems(report.violations, mapped))
        present = store.stored(mapped.quads)
        store.apply((), [quad for quad in mapped.quads if quad not in present])
    graphs = sorted({quad.graph_name.value for quad in mapped.quads if isinstance(quad.graph_name, ox.NamedNode)})
    return ImportSummary(rows=len(rows), quads=len(mapped.quads), graphs=tuple(graphs))


def _violation_problems(violations: tuple[Violation, ...], mapped: _Mapped) -> list[RowProblem]:
    problems = set()
    for violation in violations:
        if violation.severity != "Violation":
            continue
        rows = mapped.rows_of.get(violation.focus_node, set())
        columns = mapped.columns_of.get((violation.focus_node, violation.path), set())
        value = f" (value: {violation.value})" if violation.value else ""
        text = f"{violation.message}{value} [{violation.focus_node}]"
        for row in rows or {HEADER_ROW}:
            problems.add(RowProblem(row, ", ".join(sorted(columns)), text))
    return list(problems)
