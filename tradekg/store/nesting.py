"""How deep a text nests, measured before any parser sees it.

Oxigraph's SPARQL and JSON-LD parsers recurse once per level of ``{ }``, ``( )`` or ``[ ]``: about a thousand
levels overflow the stack of the thread that parses and kill the whole process (a segfault, not an exception).
Deeply nested RDF/XML and Turtle also parse in time that grows with the square of the depth. Every text a client
sends (query, update, request body) is measured here first, by a scan that skips strings, IRIs and comments and
counts only brackets, and refused past a limit (``--max-nesting``).

An RDF/XML body may also declare XML entities, which expand: 529 bytes of nested entities become a
100,000,000-character literal. RDF/XML needs no entities, so a body declaring any is refused before parsing.
"""

from __future__ import annotations

import re
import xml.parsers.expat

_SPARQL_OR_TURTLE = re.compile(
    r"""
    '''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
  | '(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"
  | <[^<>"{}|^`\\\x00-\x20]*>
  | \#[^\n]*
  | (?P<open>[\[({])
  | (?P<close>[\])}])
    """,
    re.VERBOSE | re.DOTALL,
)
"""Strings, IRIs and comments (skipped) and brackets (counted), in SPARQL, Turtle, TriG, N-Triples and N-Quads."""

_JSON = re.compile(r'"(?:[^"\\]|\\.)*"|(?P<open>[\[{])|(?P<close>[\]}])', re.DOTALL)
"""Strings (skipped) and brackets (counted) in JSON."""


class TooDeep(ValueError):
    """A text nests deeper than the limit; the message says where."""


class EntityDeclared(ValueError):
    """An XML body declares entities, which RDF/XML does not need and which can expand without bound."""


def check_nesting(text: str, limit: int, *, syntax: str = "sparql") -> None:
    """Refuse ``text`` when its brackets nest deeper than ``limit``.

    Args:
        text: SPARQL, Turtle-family or JSON text.
        limit: The deepest nesting allowed.
        syntax: ``"sparql"`` (also Turtle, TriG, N-Triples, N-Quads) or ``"json"``.

    Raises:
        TooDeep: Nested deeper than ``limit``; the message names the line.
    """
    if sum(text.count(bracket) for bracket in "{([") <= limit:
        return  # cannot nest deeper than it has brackets: no scan needed
    pattern = _JSON if syntax == "json" else _SPARQL_OR_TURTLE
    depth = 0
    for match in pattern.finditer(text):
        if match.lastgroup == "open":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, match.start()) + 1
                raise TooDeep(f"the text nests brackets more than {limit} deep (line {line})")
        elif match.lastgroup == "close":
            depth -= 1


def check_xml(data: bytes, limit: int) -> None:
    """Refuse an XML document that declares entities or nests elements deeper than ``limit``.

    The document is read by expat, which stops at the first entity declaration, before anything expands.

    Raises:
        EntityDeclared: The document declares an entity.
        TooDeep: Elements nest deeper than ``limit``.
    """
    parser = xml.parsers.expat.ParserCreate()
    depth = 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > limit:
            raise TooDeep(f"the XML nests elements more than {limit} deep (line {parser.CurrentLineNumber})")

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    def entity(name: str, *rest: object) -> None:
        line = parser.CurrentLineNumber
        raise EntityDeclared(f"the XML declares the entity {name!r} (line {line}); RDF/XML needs none")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = entity
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError:
        if b"<!ENTITY" in data:  # whatever expat could not read, no entity gets past
            raise EntityDeclared("the XML declares entities; RDF/XML needs none") from None
        # otherwise not well-formed: the RDF/XML parser reports it with its own message
