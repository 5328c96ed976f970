"""Virtuoso 7's quirks that tradekg works around in the text it sends.

**Booleans.** Virtuoso has no boolean values of its own: the value of a boolean expression bound to a variable
(``BIND (EXISTS { … } AS ?x)``, ``(?a = ?b AS ?same)``, even ``BIND (true AS ?x)``) comes back as
``"1"^^xsd:integer``. Cast to ``xsd:boolean`` it comes back typed (``"1"^^xsd:boolean``, which the client
respells ``"true"``). :func:`with_typed_booleans` wraps every ``( expression AS ?var )`` whose expression is
boolean by its syntax (a comparison or logical operator at its top level, ``!``, ``IN``, ``EXISTS``, a boolean
function such as ``BOUND`` or ``REGEX``, ``true``, ``false``) in that cast.

**Transitive paths in sorted queries** (:func:`with_isolated_paths`): rows lost unless the path's pattern is a
subquery of its own.

**Language tags of ``GROUP_CONCAT``** (:func:`with_tagged_concatenations`): Oxigraph tags the concatenation of
values that all have one language tag with that tag (``"a, b"@en``); Virtuoso always answers a plain string.

**Literals in ``VALUES`` tables** (:func:`matched_in_values_tables`): in a table of several rows, a language-tagged
or numeric literal matches nothing (in a table of one row it matches); such lookups are asked in ``UNION`` queries,
each literal in a triple pattern of its own (:func:`tradekg.store.remote_text.lookup_union_query`).

**The crash** it refuses to send is recognised by :mod:`tradekg.store.virtuoso_crash`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from tradekg.store.sparql_text import Token, tokens

MATCHED_DATATYPES = frozenset({"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/2001/XMLSchema#date"})
"""Datatypes of literals that Virtuoso 7.2.5 matches in a ``VALUES`` table of several rows (tried: a language-tagged
string and an ``xsd:decimal`` match nothing there; other datatypes untried are taken as failing)."""


def matched_in_values_tables(term: object) -> bool:
    """Whether Virtuoso matches the term given in a ``VALUES`` table of several rows: an IRI, a plain or dated literal.

    Virtuoso 7.2.5 answers ``VALUES (?s ?p ?o) { (<c> <label> "A"@en) (<c> <p> <o>) } GRAPH ?g { ?s ?p ?o }`` with the
    second row only, although it holds both (each row alone is found). A lookup of such rows is made by ``UNION``.
    """
    if not isinstance(term, ox.Literal):
        return True
    return term.language is None and term.datatype.value in MATCHED_DATATYPES


BOOLEAN_OPERATORS = frozenset("=<>&|!")
"""Characters of the comparison and logical operators (``=``, ``!=``, ``<=``, ``&&``, ``||``, ``!``...)."""
BOOLEAN_FUNCTIONS = frozenset(
    {"EXISTS", "NOT", "BOUND", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "REGEX", "CONTAINS",
     "STRSTARTS", "STRENDS", "LANGMATCHES", "SAMETERM", "TRUE", "FALSE", "IN"}
)  # fmt: skip
"""Keywords whose value is a boolean when they open an expression (``NOT`` of ``NOT EXISTS`` or ``NOT IN``)."""
ARITHMETIC = frozenset("+-*/")
XSD_BOOLEAN = "<http://www.w3.org/2001/XMLSchema#boolean>"


def _is_boolean(expression: list[Token]) -> bool:
    """Whether an expression's value is a boolean by its syntax alone (see the module's description)."""
    depth, top = 0, []
    for token in expression:
        if token.text in "({":
            depth += 1
        elif token.text in ")}":
            depth -= 1
        elif depth == 0:
            top.append(token)
    if any(token.kind == "other" and token.text in BOOLEAN_OPERATORS for token in top):
        return True
    if any(token.is_keyword("IN") for token in top):
        return True
    first = top[0] if top else None
    arithmetic = any(token.kind == "other" and token.text in ARITHMETIC for token in top)
    return first is not None and first.kind == "name" and first.text.upper() in BOOLEAN_FUNCTIONS and not arithmetic


def with_typed_booleans(sparql: str) -> str:
    """The query with each boolean ``( expression AS ?var )`` cast to ``xsd:boolean`` (see the module's description)."""
    if "AS" not in sparql.upper():
        return sparql
    found = list(tokens(sparql))
    opened: list[int] = []
    edits: list[tuple[int, str]] = []
    for index, token in enumerate(found):
        if token.text in "({":
            opened.append(index)
        elif token.text in ")}":
            if opened:
                opened.pop()
        elif token.is_keyword("AS") and opened and found[opened[-1]].text == "(" and opened[-1] + 1 < index:
            expression = found[opened[-1] + 1 : index]
            if _is_boolean(expression):
                edits += [(expression[0].start, f"{XSD_BOOLEAN}("), (token.start, ") ")]
    for offset, text in sorted(edits, reverse=True):
        sparql = sparql[:offset] + text + sparql[offset:]
    return sparql


def _matching(found: list[Token], start: int, *, forward: bool = True) -> int:
    """The index of the bracket matching the one at ``start``, looking forward (or back); the end if none does."""
    opening, closing = ("({", ")}") if forward else (")}", "({")
    step, end = (1, len(found)) if forward else (-1, -1)
    depth = 0
    for index in range(start, end, step):
        if found[index].text in opening:
            depth += 1
        elif found[index].text in closing:
            depth -= 1
            if depth == 0:
                return index
    return end - step


def _closing(found: list[Token], opening: int) -> int:
    """The index of the token closing the bracket at ``opening`` (the last token if it is never closed)."""
    return _matching(found, opening)


def _opening(found: list[Token], closing: int) -> int:
    """The index of the token opening the bracket closed at ``closing`` (the first token if it is never opened)."""
    return _matching(found, closing, forward=False)


@dataclass
class _Select:
    """Where a ``SELECT`` (a query or subquery) lies in the token list."""

    start: int
    """The ``SELECT`` keyword."""
    where_open: int
    """The ``{`` opening its ``WHERE`` group."""
    where_close: int
    """The ``}`` closing it."""
    modifiers_end: int
    """One past its last solution modifier (``GROUP BY`` … ``OFFSET``): a closing ``}``, ``VALUES`` or the end."""


def _selects(found: list[Token]) -> list[_Select]:
    """Every ``SELECT`` of the text with its ``WHERE`` group and solution modifiers."""
    selects = []
    for start, token in enumerate(found):
        if not token.is_keyword("SELECT"):
            continue
        index, depth = start + 1, 0
        while index < len(found) and not (depth == 0 and found[index].text == "{"):
            depth += {"(": 1, ")": -1}.get(found[index].text, 0)
            index += 1
        if index >= len(found):
            continue
        close = _closing(found, index)
        end = close + 1
        depth = 0
        while end < len(found):
            text = found[end].text
            if depth == 0 and (text == "}" or found[end].is_keyword("VALUES") or text == "{"):
                break
            depth += {"(": 1, ")": -1}.get(text, 0)
            end += 1
        selects.append(_Select(start, index, close, end))
    return selects


PATH_STEPS = frozenset({"iri", "name"})
"""Kinds of token after which ``*`` or ``+`` is a path operator (an IRI, a prefixed name, ``a``), not arithmetic."""
TERMS = frozenset({"iri", "name", "variable"})
"""Kinds of token that are a whole subject or object by themselves."""
BLOCK_ENDS = frozenset({";", ".", "}"})
HUGE_LIMIT = 10**15
"""A ``LIMIT`` no answer reaches: it only changes how Virtuoso plans the subquery (see :func:`with_isolated_paths`)."""


def _is_term(token: Token) -> bool:
    return token.kind in TERMS and not (token.kind == "name" and ":" not in token.text and token.text != "a")


def _path_start(found: list[Token], element_end: int) -> int:
    """The first token of the path whose element ends at ``element_end`` (walking back over ``/`` and ``|``)."""
    index = element_end
    while True:
        if found[index].text == ")":
            index = _opening(found, index)
        while index > 0 and found[index - 1].text in ("^", "!"):
            index -= 1
        if index > 1 and found[index - 1].text in ("/", "|"):
            index -= 2
            while index > 0 and found[index].kind == "other" and found[index].text in "*+?":
                index -= 1
            continue
        return index


def _path_end(found: list[Token], after: int) -> int:
    """One past the last token of the path that goes on at ``after`` (after a ``*`` or ``+``)."""
    index = after
    while index + 1 < len(found) and found[index].text in ("/", "|"):
        index += 1
        while index < len(found) and found[index].text in ("^", "!"):
            index += 1
        if index < len(found) and found[index].text == "(":
            index = _closing(found, index)
        index += 1
        while index < len(found) and found[index].kind == "other" and found[index].text in "*+?":
            index += 1
    return index


def _block_subject(found: list[Token], before: int) -> int | None:
    """The subject of the triples block holding the ``;`` at ``before`` (``None`` if it is not one simple term)."""
    index = before
    while index > 0:
        token = found[index]
        if token.text in ")]}":
            if token.text == "}":
                return None
            index = _opening(found, index)
        elif token.text in ("{", ".") or token.kind == "name" and token.text.upper() in BLOCK_KEYWORDS:
            subject = index + 1
            return subject if _is_term(found[subject]) else None
        index -= 1
    return None


BLOCK_KEYWORDS = frozenset({"WHERE", "OPTIONAL", "MINUS", "GRAPH", "FILTER", "BIND", "VALUES", "SERVICE", "UNION"})


def with_isolated_paths(sparql: str) -> str:
    """The query with each triple pattern of a ``*`` or ``+`` property path evaluated in a subquery of its own.

    Virtuoso 7.2.5 loses rows of a transitive property path joined with other patterns when the query sorts
    (``ORDER BY``, ``DISTINCT``, even in a sibling subquery): ``?a a/rdfs:subClassOf* tkg:TradeAgreement ;
    tkg:party ?c`` ordered by ``?a`` gives one party of one agreement, not six (the named queries ``agreements`` and
    ``negotiation-timeline``; its issue 127 looks alike). The path's pattern alone as a subquery with a ``LIMIT``,
    ``{ SELECT * WHERE { ?a a/rdfs:subClassOf* tkg:TradeAgreement } LIMIT 10^15 }``, joined where the pattern was,
    gives every row; the answer is the same by SPARQL's definition (a join is commutative within its group). A
    pattern whose subject or object is not a single term (a blank node's ``[ … ]``, a collection, a literal), or
    that shares its path's objects with ``,``, is sent as it is.
    """
    if "*" not in sparql and "+" not in sparql:
        return sparql
    found = list(tokens(sparql))
    edits: list[tuple[int, int, str]] = []
    for index in range(2, len(found) - 1):
        token, previous = found[index], found[index - 1]
        if token.kind != "other" or token.text not in "*+" or previous.is_keyword("SELECT"):
            continue
        if not (previous.kind in PATH_STEPS or previous.text == ")"):
            continue
        start, end = _path_start(found, index - 1), _path_end(found, index + 1)
        if end + 1 >= len(found) or not _is_term(found[end]) or found[end + 1].text not in BLOCK_ENDS:
            continue
        before = found[start - 1]
        if _is_term(before):
            subject, cut_from = start - 1, start - 1
        elif before.text == ";":
            block = _block_subject(found, start - 2)
            if block is None:
                continue
            subject, cut_from = block, start - 1
        else:
            continue
        path = sparql[found[start].start : _end(found[end - 1])]
        pattern = f"{{ SELECT * WHERE {{ {found[subject].text} {path} {found[end].text} }} LIMIT {HUGE_LIMIT} }} "
        if cut_from == subject:  # the block's first pattern
            if found[end + 1].text == ";":  # the rest of the block keeps the subject
                edits += [
                    (found[start].start, found[end + 2].start, ""),
                    (found[subject].start, found[subject].start, pattern),
                ]
            else:
                edits.append((found[subject].start, _end(found[end]), pattern))
        else:
            edits += [
                (found[cut_from].start, _end(found[end]), ""),
                (found[subject].start, found[subject].start, pattern),
            ]
    for start, end, text in sorted(edits, key=lambda edit: (edit[0], edit[1]), reverse=True):
        sparql = sparql[:start] + text + sparql[end:]
    return sparql


def _concatenation(found: list[Token], opening: int, closing: int) -> tuple[Token, Token, Token, Token] | None:
    """The first and last tokens of a projection item's aggregate and of its E, if it is ``(GROUP_CONCAT(E) AS ?v)``.

    The item lies between the tokens ``opening`` and ``closing``; ``None`` for any other item.
    """
    inner = found[opening + 1 : closing]
    if len(inner) < 5 or not inner[0].is_keyword("GROUP_CONCAT") or inner[1].text != "(":
        return None
    call_end = _closing(found, opening + 2) - opening - 1
    if call_end + 2 >= len(inner) or not inner[call_end + 1].is_keyword("AS") or inner[call_end + 2].kind != "variable":
        return None
    first = 3 if inner[2].is_keyword("DISTINCT") else 2
    last, depth = first, 0
    while last < call_end and not (depth == 0 and inner[last].text == ";"):
        depth += {"(": 1, ")": -1, "{": 1, "}": -1}.get(inner[last].text, 0)
        last += 1
    return inner[0], inner[call_end], inner[first], inner[last - 1]


def _end(token: Token) -> int:
    return token.start + len(token.text)


def with_tagged_concatenations(sparql: str) -> str:
    """The query with each ``GROUP_CONCAT`` of a projection tagged as Oxigraph tags it.

    Oxigraph gives the concatenation of literals that all have one language tag that tag (``"a, b"@en``); Virtuoso
    always answers a plain string. So ``SELECT … (GROUP_CONCAT(E) AS ?v) … WHERE {…} GROUP BY …`` becomes a
    subquery that also counts E's distinct tags and samples one, inside a ``SELECT`` that tags the text when
    there is one tag (``STRLANG``) and keeps the sort and slice of the original::

        SELECT … ?v … WHERE { { SELECT … (GROUP_CONCAT(E) AS ?v_text) (SAMPLE(LANG(E)) AS ?v_tag)
            (COUNT(DISTINCT LANG(E)) AS ?v_tags) … WHERE {…} GROUP BY … }
          BIND (IF(?v_tags = 1 && STRLEN(COALESCE(?v_tag, "")) > 0, STRLANG(STR(?v_text), ?v_tag), ?v_text) AS ?v) }
        ORDER BY … LIMIT …

    Written in one ``SELECT`` (the ``IF`` over the aggregates), Virtuoso's compiler fails on the named query
    ``proposals-by-country`` (``SQ156: Internal Optimized compiler error: Bad dfe in sqlo_place_exp``).
    """
    if "GROUP_CONCAT" not in sparql.upper():
        return sparql
    found = list(tokens(sparql))
    edits: list[tuple[int, int, str]] = []
    for select in _selects(found):
        names, binds, depth, index = [], [], 0, select.start + 1
        modifier = found[index]
        distinct = modifier.text.upper() if modifier.is_keyword("DISTINCT") or modifier.is_keyword("REDUCED") else ""
        while index < select.where_open:
            token = found[index]
            if token.text == "(":
                closing = _closing(found, index)
                concatenation = _concatenation(found, index, closing)
                names.append(found[closing - 1].text)
                if concatenation is not None:
                    call_start, call_end, first, last = concatenation
                    name, expression = found[closing - 1].text[1:], sparql[first.start : _end(last)]
                    aggregate = sparql[call_start.start : _end(call_end)]
                    edits.append((found[index].start, found[closing].start + 1,
                                  f"({aggregate} AS ?{name}_text) (SAMPLE(LANG({expression})) AS ?{name}_tag) "
                                  f"(COUNT(DISTINCT LANG({expression})) AS ?{name}_tags)"))  # fmt: skip
                    binds.append(
                        f'BIND (IF(?{name}_tags = 1 && STRLEN(COALESCE(?{name}_tag, "")) > 0, '
                        f"STRLANG(STR(?{name}_text), ?{name}_tag), ?{name}_text) AS ?{name})"
                    )
                index = closing + 1
                continue
            if token.kind == "variable" and depth == 0:
                names.append(token.text)
            index += 1
        if not binds:
            continue
        modifiers = range(select.where_close + 1, select.modifiers_end)
        split = next((i for i in modifiers if found[i].is_keyword("ORDER") or found[i].is_keyword("LIMIT")
                      or found[i].is_keyword("OFFSET")), None)  # fmt: skip
        if split is not None:
            at = found[split].start
        else:
            at = _end(found[select.modifiers_end - 1])
        edits.append((found[select.start].start, found[select.start].start,
                      f"SELECT {distinct} {' '.join(names)} WHERE {{ {{ "))  # fmt: skip
        edits.append((at, at, f" }} {' '.join(binds)} }} "))
    for start, end, text in sorted(edits, reverse=True):
        sparql = sparql[:start] + text + sparql[end:]
    return sparql


def with_virtuoso_answers(sparql: str) -> str:
    """The query rewritten so that Virtuoso answers with the terms and rows Oxigraph would (see the module)."""
    return with_typed_booleans(with_tagged_concatenations(with_isolated_paths(sparql)))
