"""What a search answers and how its hits are ranked: the FTS5 expression, facets, ranking and hits.

The searching side of :mod:`tradekg.search.text_search` (which keeps the index itself open and current): plain
functions over the index's SQLite database, whose tables :mod:`tradekg.search.text_documents` describes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import cached_property

from tradekg.search.text_documents import NAME_PROPERTIES, WORD, fold, in_list
from tradekg.search.text_snippets import Snippet, label, snippet

MAX_WORDS = 16
EXPANDED = 64
"""A prefix is replaced by the words it begins when they are at most this many (see :func:`prefix_expression`)."""


@dataclass(frozen=True)
class Hit:
    """One resource found: its IRI, label, classes and the matched text with the words marked."""

    iri: str
    label: str
    types: tuple[str, ...]
    snippet: Snippet
    """The best-matching text in pieces, each with whether it is a matched word."""

    @cached_property
    def snippet_text(self) -> str:
        """The snippet as plain text."""
        return "".join(text for text, _ in self.snippet)

    def to_json(self) -> dict[str, object]:
        """The hit as JSON."""
        return {"iri": self.iri, "label": self.label, "types": list(self.types), "snippet": self.snippet_text}


@dataclass(frozen=True)
class Facet:
    """A class and how many of the matching resources it types."""

    iri: str
    count: int


@dataclass(frozen=True)
class SearchAnswer:
    """What a search found: how many resources match, one page of them, and the classes among the matches."""

    total: int
    hits: list[Hit]
    facets: list[Facet]
    window: int | None = None
    """Set when more resources match than the ranking and facets cover: they cover the first ``window``."""
    total_is_lower_bound: bool = False
    """Whether more than ``total`` resources match (they are counted up to the index's ``count_limit``)."""
    building: bool = False
    """Set when the index is still being built (:meth:`TextIndex.build_in_background`): nothing was searched."""

    @property
    def reachable(self) -> int:
        """How many hits the pages can show: the ranked ones (all matches, or the first ``window``)."""
        return min(self.total, self.window) if self.window else self.total


def match_expression(text: str, *, prefixes: bool = False) -> str:
    """The FTS5 query for what a user typed: every word, stemmed; with ``prefixes``, each also as a prefix.

    Words may be in the names, the prose or the class (``exemption``). Words written together with punctuation
    (``9903.01.25``) must follow each other. Punctuation and FTS5 operators are dropped, so no input is a syntax
    error. Returns ``""`` when no word is left. One-letter words are never prefixes.
    """
    phrases = [_phrase(words, prefix=prefixes) for words in _phrases(text)]
    columns = "names texts" if prefixes else "names texts kinds"  # a class's words match whole, never as prefixes
    return f"{{{columns}}} : ({' '.join(phrases)})" if phrases else ""


def _phrases(text: str) -> list[list[str]]:
    """The words of what a user typed, lower-cased, grouped as written together (``9903.01.25``, ``usa-jpn``)."""
    phrases, count = [], 0
    for chunk in text.lower().split():
        words = WORD.findall(chunk)[: MAX_WORDS - count]
        count += len(words)
        if words:
            phrases.append(words)
    return phrases


def _phrase(words: list[str], *, prefix: bool) -> str:
    phrase = " ".join(words)
    return f'"{phrase}"*' if prefix and len(words[-1]) > 1 else f'"{phrase}"'


def prefix_expression(database: sqlite3.Connection, text: str) -> str:
    """:func:`match_expression` with prefixes, each long prefix replaced by the words of the index it begins.

    ``tarif`` becomes ``("tariff" OR "tariffs")``, which FTS5 reads lazily, as it reads one word; a prefix of 2 or
    3 letters is in FTS5's own prefix index; a prefix beginning more than :data:`EXPANDED` words, or the last
    word of a phrase, stays a prefix for FTS5. Returns ``""`` when a word begins no word of the index.
    """
    groups = []
    for words in _phrases(text):
        if len(words) > 1 or len(words[0]) <= 3:
            groups.append(_phrase(words, prefix=True))
            continue
        start = fold(words[0])
        found = [
            row[0]
            for row in database.execute(
                "SELECT word FROM words WHERE word >= ? AND word < ? LIMIT ?",
                (start, start + "\U0010ffff", EXPANDED + 1),
            )
        ]
        if not found:
            return ""
        expanded = " OR ".join(f'"{word}"' for word in found)
        groups.append(f"({expanded})" if len(found) <= EXPANDED else _phrase(words, prefix=True))
    return f"{{names texts}} : ({' AND '.join(groups)})" if groups else ""


def class_facets(database: sqlite3.Connection, numbers: list[int]) -> list[Facet]:
    """The classes of these rows, each with how many of them it types, commonest first."""
    if not numbers:
        return []
    marks = ",".join("?" * len(numbers))
    return [
        Facet(iri, count)
        for iri, count in database.execute(
            f"SELECT class, count(*) FROM types WHERE resource IN ({marks})"  # noqa: S608 - marks only
            " GROUP BY class ORDER BY count(*) DESC, class",
            numbers,
        )
    ]


def ranked_rows(
    database: sqlite3.Connection, numbers: list[int], words: list[str], *, limit: int, offset: int
) -> list[int]:
    """One page of matching rows, best first: most words in the names, then the shortest names.

    BM25 would weigh the same evidence, but FTS5 computes it by reading the whole list of documents of each
    word, which for a common word costs more than everything else a search does. Words are compared by their
    first letters (``tariffs`` holds ``tariff``).
    """
    if not numbers:
        return []
    stems = [word[: max(3, len(word) - 2)] for word in words]
    in_names = " + ".join("(instr(lower(coalesce(names, '')), ?) > 0)" for _ in stems) or "0"
    marks = ",".join("?" * len(numbers))
    return [
        row[0]
        for row in database.execute(
            f"SELECT id FROM documents WHERE id IN ({marks})"  # noqa: S608 - marks and constants
            f" ORDER BY {in_names} DESC, length(coalesce(names, '')), id LIMIT ? OFFSET ?",
            [*numbers, *stems, int(limit), int(offset)],
        )
    ]


def hits_of(database: sqlite3.Connection, numbers: list[int], words: list[str]) -> list[Hit]:
    """The hits of these rows, in order: IRI, label, classes and the words found (4 statements in all)."""
    if not numbers:
        return []
    marks = ",".join("?" * len(numbers))
    iris = dict(database.execute(f"SELECT id, iri FROM resources WHERE id IN ({marks})", numbers))  # noqa: S608
    names: dict[int, list[tuple[str, str, str]]] = {number: [] for number in numbers}
    for number, predicate, value, lang in database.execute(
        f"SELECT resource, predicate, value, lang FROM texts WHERE resource IN ({marks})"  # noqa: S608
        f" AND predicate IN ({in_list(NAME_PROPERTIES)})",
        numbers,
    ):
        names[number].append((predicate, value, lang))
    types: dict[int, list[str]] = {number: [] for number in numbers}
    for number, class_iri in database.execute(
        f"SELECT resource, class FROM types WHERE resource IN ({marks}) ORDER BY class",  # noqa: S608
        numbers,
    ):
        types[number].append(class_iri)
    snippets = {
        number: snippet(prose or "", words) or snippet(found_in_names or "", words)  # prose first, else a name
        for number, found_in_names, prose in database.execute(
            f"SELECT id, names, texts FROM documents WHERE id IN ({marks})",  # noqa: S608
            numbers,
        )
    }
    return [Hit(iris[n], label(names[n]) or iris[n], tuple(types[n]), snippets.get(n, ())) for n in numbers]
