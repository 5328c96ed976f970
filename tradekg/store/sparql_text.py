"""Reading SPARQL text without evaluating it: keywords at the top level, dataset clauses, federation.

Oxigraph parses and evaluates queries but does not expose their syntax tree, and the protocol needs a few
facts before evaluation: does the text call ``SERVICE`` or ``LOAD`` (refused unless federation is allowed), does an
update carry ``USING``/``WITH`` (which conflict with ``using-graph-uri``), and where do the protocol's
``using-graph-uri`` graphs go. A small lexer that skips strings, IRIs and comments answers these exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<long_string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<variable>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<name>(?:[^\W\d][\w.\-]*)?:[\w.\-%:\\]*|[^\W\d][\w\-]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    """One significant token: its kind, text and offset in the source."""

    kind: str
    text: str
    start: int

    def is_keyword(self, word: str) -> bool:
        """Whether the token is the keyword ``word`` (case-insensitive, never a prefixed name)."""
        return self.kind == "name" and self.text.upper() == word


def tokens(text: str) -> Iterator[Token]:
    """The significant tokens of SPARQL text (whitespace and comments skipped)."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield Token(kind, match.group(), match.start())


def uses_keyword(text: str, *words: str) -> bool:
    """Whether any of the keywords occurs in the text as a keyword (not in a string, IRI or name)."""
    wanted = {word.upper() for word in words}
    return any(token.kind == "name" and token.text.upper() in wanted for token in tokens(text))


class DatasetConflict(ValueError):
    """The protocol names graphs (``using-graph-uri``) and the update names its own (``USING``/``WITH``)."""


def add_using_clauses(update: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    """Apply the protocol's ``using-graph-uri``/``using-named-graph-uri`` to every ``DELETE/INSERT ... WHERE``.

    Each such operation gets ``USING <g>`` and ``USING NAMED <g>`` clauses before its ``WHERE``, which is what
    the protocol says the parameters mean. ``DELETE WHERE`` (which allows no ``USING``) is left alone.

    Raises:
        DatasetConflict: The update already has ``USING`` or ``WITH`` (the protocol forbids both).
    """
    if not using and not using_named:
        return update
    clauses = " ".join([*(f"USING <{iri}>" for iri in using), *(f"USING NAMED <{iri}>" for iri in using_named)])
    insert_at: list[int] = []
    depth = 0
    previous: Token | None = None
    for token in tokens(update):
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and (token.is_keyword("USING") or token.is_keyword("WITH")):
            raise DatasetConflict(
                "the update has its own USING or WITH clause; do not also send using-graph-uri or using-named-graph-uri"
            )
        elif depth == 0 and token.is_keyword("WHERE") and previous is not None and previous.text == "}":
            insert_at.append(token.start)
        previous = token
    for offset in reversed(insert_at):
        update = f"{update[:offset]}{clauses} {update[offset:]}"
    return update


def ends_with_separator(text: str) -> bool:
    """Whether the last significant token of an update is ``;`` (so another operation may follow directly)."""
    last = None
    for last in tokens(text):  # noqa: B007 - only the last token matters
        pass
    return last is not None and last.text == ";"


def split_prologue(text: str) -> tuple[str, str]:
    """Split text into its leading ``PREFIX``/``BASE`` declarations and the rest."""
    end = 0
    expect = 0  # tokens still expected to complete the current declaration
    for token in tokens(text):
        if expect:
            expect -= 1
            end = token.start + len(token.text)
        elif token.is_keyword("PREFIX"):
            expect = 2
        elif token.is_keyword("BASE"):
            expect = 1
        else:
            return text[:end], text[end:]
    return text, ""


def is_empty(text: str) -> bool:
    """Whether the text holds no operation at all (only whitespace, comments and prologue)."""
    for token in tokens(text):
        prologue = token.is_keyword("PREFIX") or token.is_keyword("BASE") or token.kind == "iri"
        if not (prologue or (token.kind == "name" and token.text.endswith(":"))):
            return False
    return True


def _resolve(token: Token, prefixes: dict[str, str], base: str | None) -> str | None:
    """The IRI an IRI token or a prefixed name stands for (``None`` for an unknown prefix)."""
    if token.kind == "iri":
        return urljoin(base, token.text[1:-1]) if base else token.text[1:-1]
    prefix, _, local = token.text.partition(":")
    namespace = prefixes.get(prefix)
    return None if namespace is None else namespace + re.sub(r"\\(.)", r"\1", local)


def dataset_clauses(query: str, *, base_iri: str | None = None) -> tuple[list[str], list[str]]:
    """The IRIs a query's ``FROM`` and ``FROM NAMED`` clauses name, in order (prefixed names resolved).

    The project's prefixes (:data:`tradekg.ontology.vocab.PREFIXES`) are predeclared, as for evaluation.
    """
    from tradekg.ontology.vocab import QUERY_PREFIXES  # a leaf module: no cycle, the lexer stays free of vocabularies

    prefixes, base = dict(QUERY_PREFIXES), base_iri
    from_graphs: list[str] = []
    named_graphs: list[str] = []
    previous: list[Token] = []
    for token in tokens(query):
        if len(previous) >= 2 and previous[-2].is_keyword("PREFIX") and token.kind == "iri":
            prefixes[previous[-1].text[:-1]] = _resolve(token, prefixes, base) or ""
        elif previous and previous[-1].is_keyword("BASE") and token.kind == "iri":
            base = _resolve(token, prefixes, base)
        elif token.kind in ("iri", "name") and previous and not token.is_keyword("NAMED"):
            iri = _resolve(token, prefixes, base) if token.kind == "iri" or ":" in token.text else None
            if iri is not None and previous[-1].is_keyword("FROM"):
                from_graphs.append(iri)
            elif iri is not None and previous[-1].is_keyword("NAMED") and len(previous) >= 2:
                if previous[-2].is_keyword("FROM"):
                    named_graphs.append(iri)
        previous = [*previous[-1:], token]
    return from_graphs, named_graphs
