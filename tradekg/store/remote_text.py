"""The SPARQL text the remote store sends to read: prologues, bindings, lookups (the commit: :mod:`remote_commit`).

Terms are written in N-Triples syntax (``str`` of a pyoxigraph term), which SPARQL reads as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TypeVar

import pyoxigraph as ox

from tradekg.ontology.vocab import ID, PREFIXES
from tradekg.store.sparql_text import Token, split_prologue, tokens

REGISTRY_GRAPH = str(ID["graph/tradekg-store"])
"""The graph where tradekg lists its named graphs and keeps the store's version."""
UNION_GRAPH = str(ID["graph/tradekg-union"])
"""The graph holding each distinct triple of tradekg's named graphs once: the default graph of every query."""
NO_GRAPH = str(ID["graph/tradekg-none"])
"""Sent as the only named graph when tradekg has none (sending no ``named-graph-uri`` would mean all of them)."""
RESERVED_GRAPHS = frozenset({REGISTRY_GRAPH, UNION_GRAPH, NO_GRAPH})
STORE_NODE = ox.NamedNode(str(ID["store"]))
VERSION = ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")
SD_NAMED_GRAPH = ox.NamedNode("http://www.w3.org/ns/sparql-service-description#NamedGraph")
SKOLEM_PREFIX = "https://w3id.org/tradekg/.well-known/genid/"
"""Blank nodes are stored as IRIs under this prefix (RDF 1.1 Concepts, section 3.5: Skolem IRIs)."""

Item = TypeVar("Item")
ESCAPED = re.compile(r"\\(.)")
ESCAPED_NAME = re.compile(r"(?:[^\W\d][\w.\-]*)?:(?:[\w.\-%:]|\\.)*")
"""An escaped character in a prefixed name's local part."""
Term = ox.NamedNode | ox.BlankNode | ox.Literal


def chunks(items: Sequence[Item], size: int) -> Iterator[Sequence[Item]]:
    """The items in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def skolem_iri(node: ox.BlankNode) -> ox.NamedNode:
    """The Skolem IRI a blank node is stored as: its label under :data:`SKOLEM_PREFIX`.

    The same node gives the same IRI, and answers read the IRI back as the same node (the client respells it),
    so a blank node read from the store and passed back (in a binding, a pattern, a removed quad) finds what is
    stored, as in the embedded store. New blank nodes are fresh (random labels), so they name new resources.
    """
    return ox.NamedNode(SKOLEM_PREFIX + node.value)


def term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph) -> str:
    """A term in SPARQL syntax (N-Triples'), a blank node as its Skolem IRI."""
    return str(skolem_iri(term)) if isinstance(term, ox.BlankNode) else str(term)


def data_block(quads: Iterable[ox.Quad]) -> str:
    """Quads as the body of ``INSERT DATA``: one ``GRAPH`` block per graph, blank nodes as Skolem IRIs."""
    by_graph: dict[str, list[str]] = {}
    for quad in quads:
        by_graph.setdefault(term_text(quad.graph_name), []).append(
            f"{term_text(quad.subject)} {quad.predicate} {term_text(quad.object)} ."
        )
    return "\n".join(f"GRAPH {graph} {{\n" + "\n".join(lines) + "\n}" for graph, lines in by_graph.items())


def with_prefixes(sparql: str, base_iri: str | None = None) -> str:
    r"""The query text with the project's prefixes (those it does not declare itself) and ``BASE`` declared.

    The project's prefixes follow the text's own prologue, so that a ``BASE`` of the text stays before every
    ``PREFIX`` (Virtuoso refuses it after one).

    A prefixed name with an escaped character (``id:measure\\/usa``, SPARQL 1.1's ``PN_LOCAL_ESC``) is written as
    the full IRI it stands for: Virtuoso's parser refuses the backslash.
    """
    prologue, _ = split_prologue(sparql)
    prefixes = dict(PREFIXES)
    previous: list[Token] = []
    for token in tokens(prologue):
        if len(previous) == 2 and previous[0].is_keyword("PREFIX") and token.kind == "iri":
            prefixes[previous[1].text.rstrip(":")] = token.text[1:-1]
        previous = [*previous[-1:], token]
    declared = {
        token.text.rstrip(":") for token in tokens(prologue) if token.kind == "name" and token.text.endswith(":")
    }
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in PREFIXES.items() if name not in declared]
    base = ""
    if base_iri and not any(token.is_keyword("BASE") for token in tokens(prologue)):
        base = f"BASE <{base_iri}>\n"
    if "\\" in sparql:
        sparql = _expand_escaped_names(sparql, prefixes)
    prologue, body = split_prologue(sparql)  # the text's own BASE first: Virtuoso refuses a BASE after a PREFIX
    return base + prologue + "\n" + "\n".join(lines) + "\n" + body


def _expand_escaped_names(sparql: str, prefixes: Mapping[str, str]) -> str:
    parts, last = [], 0
    for token in tokens(sparql):
        if token.start < last or token.kind != "name" or ":" not in token.text or "\\" not in token.text:
            continue
        name = ESCAPED_NAME.match(sparql, token.start)  # the lexer stops at an escaped "/": read the whole name
        prefix, _, local = name.group().partition(":") if name else ("", "", "")
        if name and prefix in prefixes:
            iri = prefixes[prefix] + ESCAPED.sub(r"\1", local)
            parts += [sparql[last : token.start], f"<{iri}>"]
            last = name.end()
    return "".join(parts) + sparql[last:]


KEEPS_VARIABLES = ("SELECT", "VALUES", "GROUP", "ORDER", "DESCRIBE")
"""Keywords after which variables are named, not read, up to the next group or clause (projections, ``VALUES``
headers, ``GROUP BY``, ``ORDER BY``): there a bound variable stays a variable."""
CLAUSE_ENDS = ("WHERE", "HAVING", "LIMIT", "OFFSET", "ORDER", "GROUP")


def with_bindings(sparql: str, bindings: Mapping[str, Term]) -> str:
    """The query with variables bound as Oxigraph's substitutions bind them, before evaluation.

    A ``BIND (term AS ?var)`` opens the ``WHERE`` group: the patterns that name the variable, however deeply nested,
    are joined with it. Expressions read the term itself in place of the variable (a ``FILTER`` or ``BIND`` inside
    an ``OPTIONAL`` of a ``UNION`` branch, a projected expression of a subquery): by SPARQL's bottom-up evaluation
    they would not see a value bound outside their group (``tariffs-in-force`` lost the rows of its
    ``appliesToAll`` branch on Virtuoso that way). The patterns keep the variable: Virtuoso 7.2.5 answers some
    queries wrongly, or fails to compile them, with terms put in their place (``country-profile``,
    ``highest-rates``), and drops the rows of a ``UNION`` branch that does not name a variable of a ``VALUES``
    block opening the group. Where a variable is named rather than read (a projection, a ``VALUES`` header,
    ``GROUP BY``, ``ORDER BY``, after ``AS``) it stays.
    """
    opening = where_opening(sparql)
    if opening is None:
        raise ValueError("cannot bind parameters: the query has no WHERE group")
    texts = {f"?{name}": term_text(term) for name, term in bindings.items()}
    texts.update({f"${name}": text for name, text in list(texts.items()) for name in [name[1:]]})
    parts, last, naming, depth, previous = [], 0, False, 0, None
    brackets: list[str] = []
    for token in tokens(sparql):
        if token.start <= opening:
            continue
        if token.text in "({":
            brackets.append(token.text)
        elif token.text in ")}" and brackets:
            brackets.pop()
        depth += 1 if token.text == "(" else -1 if token.text == ")" else 0
        if token.kind == "name" and token.text.upper() in KEEPS_VARIABLES:
            naming, depth = True, 0
        elif naming and (token.text in "{}" or token.kind == "name" and token.text.upper() in CLAUSE_ENDS):
            naming = token.kind == "name" and token.text.upper() in ("GROUP", "ORDER")
        elif token.kind == "variable" and token.text in texts and brackets[-1:] == ["("]:
            if not (naming and depth == 0) and (previous is None or not previous.is_keyword("AS")):
                parts += [sparql[last : token.start], texts[token.text]]
                last = token.start + len(token.text)
        previous = token
    body = "".join(parts) + sparql[last:]
    binds = " ".join(f"BIND ({term_text(term)} AS ?{name})" for name, term in bindings.items())
    return f"{body[: opening + 1]} {binds} {body[opening + 1 :]}"


def where_opening(sparql: str) -> int | None:
    """Where the ``{`` opening the query's ``WHERE`` group is (after a ``CONSTRUCT`` template, if any)."""
    prologue, _ = split_prologue(sparql)
    template, depth, in_template = False, 0, False
    for token in tokens(sparql):
        if token.start < len(prologue):
            continue
        if token.is_keyword("CONSTRUCT"):
            template = True
            continue
        if token.text == "{":
            if template and depth == 0 and not in_template:
                in_template, template = True, False
            elif not in_template:
                return token.start
            depth += 1
        elif token.text == "}":
            depth -= 1
            if in_template and depth == 0:
                in_template = False
        elif template and token.kind == "name" and token.is_keyword("WHERE"):
            template = False
    return None


def query_form(sparql: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the query's first keyword after its prologue."""
    _, body = split_prologue(sparql)
    for token in islice(tokens(body), 200):
        word = token.text.upper()
        if token.kind == "name" and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word
    return "SELECT"


def pattern_query(subject: Term | None, predicate: ox.NamedNode | None, object_: Term | None, *, union: bool) -> str:
    """A SELECT of the quads (or, with ``union``, the default graph's triples) matching a pattern."""
    pattern = " ".join(
        term_text(term) if term is not None else f"?{name}"
        for term, name in ((subject, "s"), (predicate, "p"), (object_, "o"))
    )
    return f"SELECT * WHERE {{ {pattern} }}" if union else f"SELECT * WHERE {{ GRAPH ?g {{ {pattern} }} }}"


def around_query(nodes: Sequence[Term], *, outgoing: bool, limit: int) -> str:
    """A SELECT of the quads with any of the nodes as subject (``outgoing``) or as object, at most ``limit``."""
    variable = "?s" if outgoing else "?o"
    values = " ".join(term_text(node) for node in nodes)
    return f"SELECT * WHERE {{ VALUES {variable} {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} LIMIT {limit}"


def lookup_query(quads: Sequence[ox.Quad]) -> str:
    """A SELECT of the indexes ``?i`` of the quads that are stored.

    Each row carries its index, so that a server answering with its own spelling of a value (Virtuoso gives
    ``"01"^^xsd:integer`` back as ``"1"``) still says which of the asked-for quads it holds.
    """
    rows = " ".join(
        f"({index} {term_text(quad.subject)} {quad.predicate} {term_text(quad.object)} {quad.graph_name})"
        for index, quad in enumerate(quads)
    )
    return f"SELECT ?i WHERE {{ VALUES (?i ?s ?p ?o ?g) {{ {rows} }} GRAPH ?g {{ ?s ?p ?o }} }}"


def lookup_union_query(quads: Sequence[ox.Quad]) -> str:
    """:func:`lookup_query` without a ``VALUES`` table: one ``UNION`` branch per quad, each binding its index ``?i``.

    For Virtuoso, which matches a language-tagged or numeric literal in a ``VALUES`` table of several rows to
    nothing (:func:`~tradekg.store.virtuoso.matched_in_values_tables`) but finds it written in a triple pattern.
    """
    return _indexed_union("?i", ((quad.graph_name, quad.subject, quad.predicate, quad.object) for quad in quads))


def holders_union_query(triples: Sequence[ox.Triple]) -> str:
    """:func:`holders_query` as :func:`lookup_union_query` asks: the graphs ``?g`` holding each triple ``?i``."""
    return _indexed_union("?i ?g", (("?g", triple.subject, triple.predicate, triple.object) for triple in triples))


_Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _indexed_union(selected: str, patterns: Iterable[tuple[object, _Term, ox.NamedNode, _Term]]) -> str:
    """``SELECT selected`` over one ``UNION`` branch per ``(graph, subject, predicate, object)``, binding its index."""
    branches = (
        f"{{ GRAPH {graph} {{ {term_text(subject)} {predicate} {term_text(obj)} }} BIND({index} AS ?i) }}"
        for index, (graph, subject, predicate, obj) in enumerate(patterns)
    )
    return f"SELECT {selected} WHERE {{ " + " UNION ".join(branches) + " }"


def holders_query(triples: Sequence[ox.Triple]) -> str:
    """A SELECT of the graphs that hold each of the triples."""
    rows = " ".join(
        f"({term_text(triple.subject)} {triple.predicate} {term_text(triple.object)})" for triple in triples
    )
    return f"SELECT * WHERE {{ VALUES (?s ?p ?o) {{ {rows} }} GRAPH ?g {{ ?s ?p ?o }} }}"
