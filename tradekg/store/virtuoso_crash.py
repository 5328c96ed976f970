"""The query shape Virtuoso 7.2.5 crashes on, recognised in the text so that it is refused before it is sent.

Virtuoso 7.2.5 (Debian's ``virtuoso-opensource-7-bin``) dies (SIGSEGV, while compiling: an empty store dies too) on
a query where, inside ``EXISTS``, ``NOT EXISTS`` or ``MINUS``, a group joins a ``UNION`` with another pattern and
is filtered by a nested ``EXISTS`` or ``NOT EXISTS``. The smallest query found (bisected on a throwaway server)::

    PREFIX : <http://example.org/>
    SELECT * WHERE { ?c :x ?y .
      FILTER NOT EXISTS { ?r a :S . { ?a :q ?o } UNION { ?a :w ?o } FILTER NOT EXISTS { ?b :p ?c } } }

Without the ``?r a :S`` beside the union, with the inner filter referring only to variables of its own group, or
with the filter moved into a group of its own that holds no union, Virtuoso answers; rewritten those ways the
named query ``duties-in-force-on-date`` no longer crashes it but never finishes either (it holds the server past
its own time limit). So a query of that shape is refused before it is sent (:class:`UnanswerableQuery`), the
server keeps running, and the error says why. The test is syntactic and errs on the side of refusing: it does not
check which variables the nested filter uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tradekg.store.interface import StoreError
from tradekg.store.sparql_text import Token, split_prologue, tokens


class UnanswerableQuery(StoreError):
    """The server is known to fail on this query (it would crash or hang), so it was not sent."""


@dataclass
class Group:
    """A ``{ … }`` group: its elements (triples, groups, unions, optional parts) and the groups of its filters."""

    elements: list[tuple[str, list[Group]]] = field(default_factory=list)
    filter_groups: list[Group] = field(default_factory=list)
    exists_groups: list[Group] = field(default_factory=list)
    """Groups evaluated as existence tests: in ``FILTER`` expressions and ``MINUS``."""


class _Reader:
    def __init__(self, text: str) -> None:
        self.tokens = list(tokens(text))
        self.position = 0

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.position + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def group(self) -> Group:
        """Read a group whose ``{`` is the current token."""
        self.position += 1
        found = Group()
        in_triples = False
        while (token := self.peek()) is not None:
            if token.text == "}":
                self.position += 1
                return found
            if token.text == "{":
                inner = self.group()
                if found.elements and found.elements[-1][0] == "union-open":
                    found.elements[-1] = ("union", [*found.elements[-1][1], inner])
                else:
                    found.elements.append(("group", [inner]))
                in_triples = False
            elif token.is_keyword("UNION"):
                self.position += 1
                kind, branches = found.elements.pop() if found.elements else ("group", [])
                found.elements.append(("union-open", branches))
            elif token.is_keyword("FILTER"):
                self.position += 1
                groups = self.expression()
                found.filter_groups += groups
                in_triples = False
            elif token.is_keyword("MINUS"):
                self.position += 1
                if (following := self.peek()) is not None and following.text == "{":
                    found.exists_groups.append(self.group())
                in_triples = False
            elif token.is_keyword("OPTIONAL") or token.is_keyword("GRAPH") or token.is_keyword("SERVICE"):
                self.position += 1
                while (following := self.peek()) is not None and following.text != "{":
                    self.position += 1
                if following is not None:
                    found.elements.append(("optional", [self.group()]))
                in_triples = False
            elif token.is_keyword("BIND") or token.is_keyword("VALUES"):
                self.position += 1
                self.skip_balanced()
                found.elements.append(("other", []))
                in_triples = False
            else:
                self.position += 1
                if found.elements and found.elements[-1][0] == "union-open":
                    continue
                if not in_triples:
                    found.elements.append(("triples", []))
                    in_triples = True
                if token.text == ".":
                    in_triples = False
        return found

    def skip_balanced(self) -> None:
        """Skip a ``( … )`` or ``{ … }`` block (a BIND's expression, a VALUES table) and what leads to it."""
        while (token := self.peek()) is not None and token.text not in "({":
            self.position += 1
        depth = 0
        while (token := self.peek()) is not None:
            self.position += 1
            if token.text in "({":
                depth += 1
            elif token.text in ")}":
                depth -= 1
                if depth == 0:
                    return

    def expression(self) -> list[Group]:
        """Read a FILTER's constraint; the groups of its ``EXISTS`` and ``NOT EXISTS``."""
        groups: list[Group] = []
        depth = 0
        while (token := self.peek()) is not None:
            if token.text == "{":
                groups.append(self.group())
                if depth == 0:
                    return groups
                continue
            self.position += 1
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
                if depth == 0:
                    return groups
        return groups


def _joins_a_union(group: Group) -> bool:
    """Whether the group's pattern (seen through groups of one element and union branches) joins a union."""
    elements = [element for element in group.elements if element[0] != "union-open"] + [
        ("union", branches) for kind, branches in group.elements if kind == "union-open"
    ]
    if len(elements) >= 2 and any(kind == "union" for kind, _ in elements):
        return True
    if len(elements) == 1 and elements[0][0] in ("group", "union"):
        return any(_joins_a_union(inner) for inner in elements[0][1])
    return False


def _crashes(group: Group, *, inside_exists: bool) -> bool:
    if inside_exists and group.filter_groups and _joins_a_union(group):
        return True
    for _, inner in group.elements:
        if any(_crashes(child, inside_exists=inside_exists) for child in inner):
            return True
    return any(_crashes(child, inside_exists=True) for child in (*group.filter_groups, *group.exists_groups))


def crashes_virtuoso(sparql: str) -> bool:
    """Whether the query has the shape Virtuoso 7.2.5 crashes on (see the module's description)."""
    _, body = split_prologue(sparql)
    upper = body.upper()
    if "UNION" not in upper or "EXISTS" not in upper and "MINUS" not in upper:
        return False
    reader = _Reader(body)
    while (token := reader.peek()) is not None and token.text != "{":
        reader.position += 1
    if reader.peek() is None:
        return False
    return _crashes(reader.group(), inside_exists=False)
