"""What a search hit shows: the label to show, and the part of its text around the words searched for.

Both are computed in Python from what the index holds (one pass over a text), not by FTS5's ``snippet()``, which
costs a search per hit. Words are compared as the index's tokenizer compares them: lower-cased, without
diacritics, and a word matches when one is a prefix of the other (``tariffs`` holds ``tariff``). In an ASCII text
(nearly every one), one regular expression finds the words searched for, in C: comparing word by word in Python
was half the CPU time of a search for a common word (50 hits, two texts each).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from tradekg.search.text_documents import NAME_PROPERTIES, WORD, fold

Snippet = tuple[tuple[str, bool], ...]
"""A text in pieces, each with whether it is a word searched for."""
_RANK = {predicate: place for place, predicate in enumerate(NAME_PROPERTIES)}


def label(names: list[tuple[str, str, str]]) -> str:
    """The label to show from (predicate, value, language) names.

    The first name property with a value, English or untagged first, then the shortest.
    """
    candidates = [
        (_RANK[predicate], lang not in ("en", ""), len(value), value)
        for predicate, value, lang in names
        if predicate in _RANK
    ]
    return min(candidates)[3] if candidates else ""


def _matches(folded: str, words: list[str]) -> bool:
    """Whether a folded word of a text is one searched for: the same, or one a prefix of the other (tariffs)."""
    return any(folded.startswith(word) or (len(folded) > 2 and word.startswith(folded)) for word in words)


@lru_cache(maxsize=256)
def searched_words(words: tuple[str, ...]) -> re.Pattern[str]:
    """A whole word of an ASCII text that :func:`_matches` one of ``words``.

    That is one of them followed by more letters, or a prefix of one of them of 3 letters or more (in ASCII,
    ignoring case is lower-casing).
    """
    alternatives = [re.escape(word) + r"\w*" for word in words]
    alternatives += [re.escape(word[:length]) for word in words for length in range(len(word) - 1, 2, -1)]
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


def snippet(text: str, words: list[str], *, around: int = 12) -> Snippet:
    """The part of ``text`` around its first word searched for, in (text, matched) pieces; empty if none is in it.

    ``words`` are folded (:func:`fold`). Marks what the stemmed match found closely enough (the same word or a
    prefix of it).
    """
    if not text or not words:
        return ()
    if not text.isascii() or not all(word.isascii() for word in words):
        return _snippet_word_by_word(text, words, around=around)
    pattern = searched_words(tuple(words))
    first_found = pattern.search(text)
    if first_found is None:
        return ()
    spans = [match.span() for match in WORD.finditer(text)]
    hit = bisect_left(spans, (first_found.start(), 0))
    first, last = max(0, hit - around), min(len(spans), hit + around + 1)
    starts = {match.start() for match in pattern.finditer(text, spans[hit][0], spans[last - 1][1])}
    return _pieces(text, spans, [i for i in range(hit, last) if spans[i][0] in starts], first, last)


def _snippet_word_by_word(text: str, words: list[str], *, around: int) -> Snippet:
    """:func:`snippet` for any text: each word folded and compared in Python."""
    spans = [match.span() for match in WORD.finditer(text)]
    lowered = text.lower() if text.isascii() else None  # no folding word by word

    def searched(i: int) -> bool:
        start, end = spans[i]
        return _matches(lowered[start:end] if lowered is not None else fold(text[start:end]), words)

    hit = next((i for i in range(len(spans)) if searched(i)), None)
    if hit is None:
        return ()
    first, last = max(0, hit - around), min(len(spans), hit + around + 1)
    return _pieces(text, spans, [i for i in range(hit, last) if i == hit or searched(i)], first, last)


def _pieces(text: str, spans: list[tuple[int, int]], found: list[int], first: int, last: int) -> Snippet:
    """The words ``first`` to ``last`` (excluded) of ``text`` in pieces, those ``found`` marked."""
    begin, finish = (0 if first == 0 else spans[first][0]), (len(text) if last == len(spans) else spans[last - 1][1])
    pieces: list[tuple[str, bool]] = [("…", False)] if begin > 0 else []
    position = begin
    for i in found:
        start, end = spans[i]
        if start < begin or end > finish:
            continue
        if start > position:
            pieces.append((text[position:start], False))
        pieces.append((text[start:end], True))
        position = end
    if finish > position:
        pieces.append((text[position:finish], False))
    if finish < len(text):
        pieces.append(("…", False))
    return tuple(pieces)
