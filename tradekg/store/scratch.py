"""Scratch engines: SPARQL Update text read by Oxigraph on a throwaway in-memory store, never the project's store.

The write gate (tradekg/gate/) asks these what an update says before anything is validated or committed: whether it
parses, the quads of a data block, the IRI a prefixed name stands for, a template instantiated for rows, the
document a ``LOAD`` names. Each builds its own empty engine, so nothing here reads or writes a dataset.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyoxigraph as ox

from tradekg.ontology.vocab import QUERY_PREFIXES
from tradekg.store.interface import Term

TERM_FUNCTION = ox.NamedNode("urn:tradekg:change-term")
"""A function an update calls to read terms given as values (stored blank nodes cannot be written as text)."""

ABSENT_GRAPH = "urn:tradekg:absent-graph"
_POSITION = re.compile(r"at (\d+):(\d+)")


def check_update_syntax(update: str, *, prologue_end: int, base_iri: str | None) -> None:
    """Parse an update with Oxigraph without running any of it (no ``LOAD`` fetched, no ``SERVICE`` called).

    A first operation that always fails (dropping a graph that does not exist) is put after the prologue, so Oxigraph
    parses the whole text and stops before evaluating anything; positions in the message are those of ``update``.

    Raises:
        SyntaxError: The text does not parse; the message names the line and column.
    """
    line = update.count("\n", 0, prologue_end) + 1
    column = prologue_end - (update.rfind("\n", 0, prologue_end) + 1)
    guarded = f"{update[:prologue_end]}\nDROP GRAPH <{ABSENT_GRAPH}> ;\n{' ' * column}{update[prologue_end:]}"
    try:
        ox.Store().update(guarded, base_iri=base_iri, prefixes=QUERY_PREFIXES)
    except SyntaxError as error:

        def original(match: re.Match[str]) -> str:
            found = int(match.group(1))
            return f"at {found - 2 if found > line + 1 else found}:{match.group(2)}"

        raise SyntaxError(_POSITION.sub(original, str(error), count=1)) from None
    except (OSError, RuntimeError, ValueError):
        return  # the guard failed: the text parsed
    raise AssertionError("the guard operation did not fail")


def update_quads(prologue: str, operation: str, *, base_iri: str | None) -> list[ox.Quad]:
    """The quads of an ``INSERT DATA``/``DELETE DATA`` block as Oxigraph reads them (blank nodes new ones).

    ``operation`` is the text from the block's opening brace; triples outside ``GRAPH`` come back in ``DefaultGraph``.
    """
    scratch = ox.Store()
    scratch.update(f"{prologue}\nINSERT DATA {operation}", base_iri=base_iri, prefixes=QUERY_PREFIXES)
    return list(scratch)


def resolve_iri(prologue: str, iri: str, *, base_iri: str | None) -> ox.NamedNode:
    """The IRI an IRI reference or prefixed name of the text stands for (resolved by Oxigraph)."""
    answer = ox.Store().query(f"{prologue}\nSELECT ({iri} AS ?iri) {{}}", base_iri=base_iri, prefixes=QUERY_PREFIXES)
    value = next(iter(answer))[0]  # type: ignore[index, arg-type]
    if not isinstance(value, ox.NamedNode):
        raise ValueError(f"{iri} is not an IRI")
    return value


def instantiate(
    prologue: str,
    template: str,
    variables: Sequence[str],
    rows: Sequence[Sequence[Term | None]],
    *,
    base_iri: str | None,
) -> list[ox.Quad]:
    """A quad template instantiated for each row, as SPARQL Update does it (by Oxigraph, on an empty scratch store).

    Blank nodes of the template are new for each row; a triple with an unbound variable, or with a literal where
    an IRI is needed, is left out. Row values may be stored blank nodes: they are passed as terms, never as text.

    Args:
        prologue: The update's ``PREFIX``/``BASE`` declarations.
        template: The template block, braces included (``{ ... GRAPH ?g { ... } }``).
        variables: The names of the row values.
        rows: One value (or ``None``, unbound) per variable in each row.
        base_iri: The base against which relative IRIs resolve.
    """
    if not rows:
        return []
    binds = " ".join(f"BIND({TERM_FUNCTION}(?tradekg_row, {k}) AS ?{name})" for k, name in enumerate(variables))
    numbers = " ".join(map(str, range(len(rows))))
    update = f"{prologue}\nINSERT {template} WHERE {{ VALUES ?tradekg_row {{ {numbers} }} {binds} }}"

    def term(row: ox.Literal, position: ox.Literal) -> Term | None:
        return rows[int(row.value)][int(position.value)]

    scratch = ox.Store()
    scratch.update(update, base_iri=base_iri, prefixes=QUERY_PREFIXES, custom_functions={TERM_FUNCTION: term})  # type: ignore[dict-item]
    return list(scratch)


def fetch_rdf(prologue: str, iri: str, *, base_iri: str | None) -> list[ox.Quad]:
    """The quads of an RDF document fetched once by Oxigraph's ``LOAD`` (its triples in ``DefaultGraph``).

    Raises:
        OSError, RuntimeError, SyntaxError, ValueError: The document cannot be fetched or read.
    """
    scratch = ox.Store()
    scratch.update(f"{prologue}\nLOAD {iri}", base_iri=base_iri, prefixes=QUERY_PREFIXES)
    return list(scratch)
