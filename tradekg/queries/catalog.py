"""The named query catalog: one SPARQL file per question, described by a YAML header.

Each ``tradekg/queries/NAME.rq`` starts with lines beginning ``#+`` that hold a YAML mapping (keys as in grlc
where grlc has them)::

    #+ summary: Tariffs that no exemption softens
    #+ description: ...
    #+ tags: [tariffs, exemptions]
    #+ view: table            # table | timeline | map-of-countries
    #+ answer: In words, what the bundled graph answers.
    #+ params:
    #+   - name: country
    #+     type: country      # iri | string | date | decimal | integer | country
    #+     description: The country whose goods the tariff targets.
    #+     example: JPN       # and either `required: true` or an optional `default`
    #+   - name: measure
    #+     type: iri
    #+     class: tkg:TradeMeasure  # an iri parameter may name the class its values belong to (for pickers)

A parameter is the SPARQL variable of the same name. Values are checked against their type and bound to that
variable as an RDF term (Oxigraph substitutions: a final join, like ``VALUES``), never written into the query
text. An optional parameter left out leaves its variable free. :func:`load_catalog` checks every header and every
query (it must parse, be a SELECT, and project each parameter) and raises :class:`CatalogError` naming the file.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

import pycountry
import pyoxigraph as ox
import yaml
from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from tradekg.ontology.vocab import QUERY_PREFIXES, country_iri
from tradekg.queries.ordering import PythonOrder, python_order
from tradekg.store.embedded import OxigraphStore
from tradekg.store.interface import TradeStore

QUERIES_DIR: Final = Path(__file__).resolve().parent
"""Directory of the bundled named queries."""

PARAM_TYPES: Final = ("iri", "string", "date", "decimal", "integer", "country")
VIEWS: Final = ("table", "timeline", "map-of-countries")
RESERVED_NAMES: Final = frozenset({"limit", "offset", "format", "page"})
"""Query-string names the API keeps for itself; no parameter may take them."""

VIEW_NEEDS: Final = {"timeline": "date", "map-of-countries": "country"}
"""The variable each view draws from; the query must project it."""

HEADER_KEYS: Final = frozenset({"summary", "description", "tags", "params", "view", "answer", "method", "endpoint"})
PARAM_KEYS: Final = frozenset({"name", "type", "description", "required", "default", "example", "class"})
_NAME: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_VARIABLE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL: Final = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_INTEGER: Final = re.compile(r"[+-]?\d+")


class CatalogError(Exception):
    """A named query file is broken; the message starts with the file's path."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class ParamError(ValueError):
    """A parameter value is missing, unknown or not of its type; the message names the parameter."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"parameter {name!r}: {problem}")
        self.name = name
        self.problem = problem


@dataclass(frozen=True)
class Param:
    """One declared parameter of a named query."""

    name: str
    type: str
    description: str
    required: bool = False
    default: str | None = None
    example: str | None = None
    class_iri: str | None = None
    """For an ``iri`` parameter, the class of the resources it names (pages offer them to pick from)."""

    def to_term(self, value: str) -> Node:
        """Check a value given as text and return it as the RDF term bound to the variable.

        Raises:
            ParamError: The value is not of the parameter's type.
        """
        text = value.strip()
        if self.type == "string":
            return Literal(value)
        if self.type == "iri":
            return _iri(self.name, text)
        if self.type == "country":
            return country_iri(_alpha3(self.name, text))
        if self.type == "date":
            try:
                if not _DATE.fullmatch(text):
                    raise ValueError
                datetime.date.fromisoformat(text)
            except ValueError:
                raise ParamError(self.name, f"{value!r} is not a date written YYYY-MM-DD") from None
            return Literal(text, datatype=XSD.date)
        if self.type == "decimal":
            try:
                if not _DECIMAL.fullmatch(text):
                    raise InvalidOperation
                Decimal(text)
            except InvalidOperation:
                raise ParamError(self.name, f"{value!r} is not a decimal number such as 24 or 7.5") from None
            return Literal(text, datatype=XSD.decimal)
        if not _INTEGER.fullmatch(text):
            raise ParamError(self.name, f"{value!r} is not an integer")
        return Literal(text, datatype=XSD.integer)


def _alpha3(name: str, text: str) -> str:
    """The ISO 3166-1 alpha-3 code of a country given by code (alpha-3 or alpha-2) or by name, as pycountry knows it."""
    code = text.upper()
    if re.fullmatch(r"[A-Z]{3}", code) and pycountry.countries.get(alpha_3=code) is not None:
        return code
    try:
        return str(pycountry.countries.lookup(text).alpha_3)  # alpha-2, name, official or common name
    except LookupError:
        pass
    try:
        found = pycountry.countries.search_fuzzy(text) if len(text) >= 3 else []
    except LookupError:
        found = []
    if len(found) == 1:
        return str(found[0].alpha_3)
    raise ParamError(name, f"{text!r} is not an ISO 3166-1 code (JPN, JP) or a country's name (Japan)")


def _iri(name: str, text: str) -> URIRef:
    """An absolute IRI, or a prefixed name of one of the project's prefixes, as a checked IRI."""
    prefix, _, local = text.partition(":")
    if prefix in QUERY_PREFIXES and not local.startswith("//"):
        text = QUERY_PREFIXES[prefix] + local
    if not _SCHEME.match(text):
        raise ParamError(name, f"{text!r} is not an absolute IRI (e.g. https://w3id.org/tradekg/id/country/JPN)")
    try:
        ox.NamedNode(text)
    except ValueError as error:
        raise ParamError(name, f"{text!r} is not a valid IRI: {error}") from None
    return URIRef(text)


@dataclass(frozen=True)
class NamedQuery:
    """A question of the catalog: its header and its SPARQL text."""

    name: str
    path: Path
    summary: str
    description: str
    sparql: str
    answer: str
    view: str = "table"
    tags: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    variables: tuple[str, ...] = field(default=())
    order: PythonOrder | None = None
    """The query's ORDER BY as Python can apply it to the rows of its text without the clause (see
    :mod:`tradekg.queries.ordering`), or ``None`` where only the engine can sort."""

    def param(self, name: str) -> Param | None:
        """The declared parameter of that name, if any."""
        return next((param for param in self.params if param.name == name), None)

    def bind(self, values: Mapping[str, str]) -> dict[str, Node]:
        """Check the values given for the parameters and return the bindings to run the query with.

        Args:
            values: Parameter name to value as text; empty values count as not given.

        Raises:
            ParamError: A value names no parameter, is not of its type, or a required one is missing.
        """
        for name in values:
            if self.param(name) is None:
                known = ", ".join(param.name for param in self.params) or "none"
                raise ParamError(name, f"{self.name} takes no such parameter (its parameters: {known})")
        bindings: dict[str, Node] = {}
        for param in self.params:
            value = values.get(param.name, "")
            if value == "" and param.default is not None:
                value = param.default
            if value == "":
                if param.required:
                    raise ParamError(param.name, f"required by {self.name} ({param.description})")
                continue
            bindings[param.name] = param.to_term(value)
        return bindings

    def run(self, store: TradeStore, values: Mapping[str, str] | None = None) -> ox.QuerySolutions:
        """Run the query on a store with checked parameter values (see :meth:`bind`)."""
        answer = store.query(self.sparql, bindings=self.bind(values or {}))
        assert isinstance(answer, ox.QuerySolutions)  # load_query admits SELECT queries only
        return answer


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, in C (libyaml) where the wheel has it: the headers are read whenever an app is built."""


def _header(path: Path, text: str) -> tuple[dict[str, object], str]:
    """Split a file into its ``#+`` YAML header (parsed) and the SPARQL text that follows."""
    lines = text.splitlines(keepends=True)
    header_lines: list[str] = []
    for line in lines:
        if not line.startswith("#+"):
            break
        header_lines.append(line[3:] if line.startswith("#+ ") else line[2:])
    if not header_lines:
        raise CatalogError(path, "no '#+' YAML header at the top of the file")
    try:
        header = yaml.load("".join(header_lines), Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise CatalogError(path, f"the '#+' header is not valid YAML: {error}") from None
    if not isinstance(header, dict):
        raise CatalogError(path, "the '#+' header must be a YAML mapping of keys to values")
    return header, "".join(lines[len(header_lines) :])


def _text(path: Path, header: Mapping[str, object], key: str, *, where: str = "") -> str:
    value = header.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(path, f"{where}'{key}' is missing or empty (a text is required)")
    return value.strip()


def _param(path: Path, raw: object, index: int) -> Param:
    if not isinstance(raw, dict):
        raise CatalogError(path, f"params[{index}] must be a mapping with name, type and description")
    name = raw.get("name")
    where = f"params[{index}] "
    if not isinstance(name, str) or not _VARIABLE.fullmatch(name):
        raise CatalogError(path, f"{where}needs a 'name' that is a SPARQL variable name (letters, digits, _)")
    where = f"parameter {name!r}: "
    unknown = sorted(set(raw) - PARAM_KEYS)
    if unknown:
        raise CatalogError(path, f"{where}unknown keys {unknown}; allowed: {sorted(PARAM_KEYS)}")
    if name in RESERVED_NAMES:
        raise CatalogError(path, f"{where}the name is reserved by the API ({sorted(RESERVED_NAMES)})")
    if raw.get("type") not in PARAM_TYPES:
        raise CatalogError(path, f"{where}'type' must be one of {list(PARAM_TYPES)}, not {raw.get('type')!r}")
    description = _text(path, raw, "description", where=where)
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise CatalogError(path, f"{where}'required' must be true or false")
    default, example = (None if raw.get(key) is None else str(raw[key]) for key in ("default", "example"))
    if required and default is not None:
        raise CatalogError(path, f"{where}a required parameter cannot have a default")
    class_iri = None
    if raw.get("class") is not None:
        if raw.get("type") != "iri":
            raise CatalogError(path, f"{where}'class' is for iri parameters only")
        try:
            class_iri = str(_iri(name, str(raw["class"])))
        except ParamError as error:
            raise CatalogError(path, f"{where}'class' is not an IRI: {error.problem}") from None
    param = Param(name, str(raw["type"]), description, required, default, example, class_iri)
    for key, value in (("default", default), ("example", example)):
        if value is not None:
            try:
                param.to_term(value)
            except ParamError as error:
                raise CatalogError(path, f"{where}its {key} is not valid: {error.problem}") from None
    return param


def load_query(path: Path) -> NamedQuery:
    """Read and check one named query file.

    Raises:
        CatalogError: The header or the query is broken; the message names the file and the problem.
    """
    name = path.stem
    if not _NAME.fullmatch(name):
        raise CatalogError(path, "the file name must be lower-case words joined by hyphens, ending in .rq")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogError(path, f"cannot read the file: {error}") from None
    return _parsed_and_checked(path, text)


@functools.lru_cache(maxsize=512)
def _parsed_and_checked(path: Path, text: str) -> NamedQuery:
    """One query file's entry, from its path and text: remembered, as every application loads the catalog again.

    The entry depends on nothing else (the file's text is read each time, so an edited file is parsed and checked
    anew). A broken file raises :class:`CatalogError` each time, as errors are never remembered.
    """
    name = path.stem
    header, sparql = _header(path, text)
    unknown = sorted(set(header) - HEADER_KEYS)
    if unknown:
        raise CatalogError(path, f"unknown header keys {unknown}; allowed: {sorted(HEADER_KEYS)}")
    tags = header.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) and tag for tag in tags):
        raise CatalogError(path, "'tags' must be a list of words")
    view = header.get("view", "table")
    if view not in VIEWS:
        raise CatalogError(path, f"'view' must be one of {list(VIEWS)}, not {view!r}")
    raw_params = header.get("params", [])
    if not isinstance(raw_params, list):
        raise CatalogError(path, "'params' must be a list of parameters")
    params = tuple(_param(path, raw, index) for index, raw in enumerate(raw_params))
    names = [param.name for param in params]
    if len(set(names)) != len(names):
        raise CatalogError(path, f"a parameter is declared twice: {names}")
    query = NamedQuery(
        name=name,
        path=path,
        summary=_text(path, header, "summary"),
        description=_text(path, header, "description"),
        sparql=sparql,
        answer=_text(path, header, "answer"),
        view=str(view),
        tags=tuple(tags),
        params=params,
    )
    return _checked(query)


def _checked(query: NamedQuery) -> NamedQuery:
    """Run the query once on an empty store, with every parameter bound to its example or default."""
    examples = {param.name: param.example or param.default or "" for param in query.params}
    missing = [name for name, value in examples.items() if not value]
    if missing:
        raise CatalogError(query.path, f"parameters {missing} need an 'example' (used to check the query)")
    bindings = query.bind(examples)
    try:
        answer = OxigraphStore().query(query.sparql, bindings=bindings)
    except SyntaxError as error:
        raise CatalogError(query.path, f"the SPARQL does not parse: {error}") from None
    except (OSError, RuntimeError, ValueError) as error:
        raise CatalogError(query.path, f"the query cannot run: {error}") from None
    if not isinstance(answer, ox.QuerySolutions):
        raise CatalogError(query.path, "a named query must be a SELECT query")
    variables = tuple(variable.value for variable in answer.variables)
    needed = VIEW_NEEDS.get(query.view)
    if needed and needed not in variables:
        raise CatalogError(query.path, f"the {query.view} view needs the query to project ?{needed}")
    order = python_order(query.sparql, variables)
    if order is not None:
        unsorted = OxigraphStore().query(order.unsorted_sparql, bindings=bindings)
        if not isinstance(unsorted, ox.QuerySolutions) or [v.value for v in unsorted.variables] != list(variables):
            order = None
    return replace(query, variables=variables, order=order)


def load_catalog(directory: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    """Load and check every ``*.rq`` file of a directory, by name in file-name order.

    Raises:
        CatalogError: One of the files is broken (the first found, in file-name order).
    """
    return {query.name: query for query in (load_query(path) for path in sorted(directory.glob("*.rq")))}


def catalog_markdown(catalog: Mapping[str, NamedQuery]) -> str:
    """The catalog as a Markdown table (README's "Named queries" section is this text)."""
    lines = ["| name | question | parameters | view |", "| --- | --- | --- | --- |"]
    for query in catalog.values():
        params = ", ".join(
            f"`{param.name}` ({param.type}{', required' if param.required else ''})" for param in query.params
        )
        lines.append(f"| `{query.name}` | {query.summary} | {params or 'none'} | {query.view} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m tradekg.queries.catalog prints README's "Named queries" table
    print(catalog_markdown(load_catalog()), end="")
