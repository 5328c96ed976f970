"""The duty calculator's rule books for the views, kept across the writes that cannot change them.

A rule book (:class:`tradekg.duty.records.RuleBook`) is two parts: the rules every importer shares (labels,
legal instruments, exemptions, stacking rules, product categories, customs unions; :func:`~tradekg.duty.shared_rules.
load_shared`) and one importer's own measures, suspensions, quotas and MFN rates. At 10^6 quads the shared part
costs seconds and a big importer's own part about as much, so each is kept (:mod:`tradekg.views.kept`) with what
it was read from:

* the shared part: the classes it reads (and their subclasses), the nodes it holds, labels and titles anywhere,
  and the properties it reads from nodes it may not hold yet (HS ranges, statutes);
* an importer's own part: every node ``tkg:imposedBy`` that importer (and the sources of its MFN rates), and
  ``tkg:imposedBy`` the importer itself (a measure of its coming or going).

So a write to one importer's measure reads that importer's part again, and nothing else; a new exemption or a
relabelled node reads the shared part again, and no importer's own part. A book is its importer's own part with
the current shared part put in: the same book :func:`tradekg.duty.rules.load_rules` reads whole.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass

from tradekg.duty.records import RuleBook
from tradekg.duty.rules import load_rules
from tradekg.duty.shared_rules import SharedRules, load_shared
from tradekg.ontology.vocab import TKG, country_iri
from tradekg.store.interface import TradeStore
from tradekg.views.facts import classes_below, solutions
from tradekg.views.kept import RDF_TYPE, Dependency, depend, kept, link, node, predicate, untracked

SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
LABELLED = (
    "TradeMeasure", "Exemption", "StackingRule", "Programme", "LegalInstrument", "ProductCategory", "Country",
    "CustomsUnion", "Source", "MFNRate",
)  # fmt: skip
"""The classes whose members' labels the shared part holds (as :func:`tradekg.duty.shared_rules.load_shared` reads)."""
SHARED_READS = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    SUBCLASS_OF,
    str(TKG.includesHSRange),
    str(TKG.hsFrom),
    str(TKG.hsTo),
    str(TKG.statutoryBasis),
)
"""Properties the shared part reads of nodes it may not hold yet (blank HS ranges, untyped categories, statutes)."""


def shared_rules(store: TradeStore) -> SharedRules:
    """The rules every importer shares, kept while nothing they were read from changes (see the module)."""
    return kept(store, "duty rules", ("shared",), lambda: _read_shared(store))


def _read_shared(store: TradeStore) -> SharedRules:
    shared = load_shared(store)
    held: set[str] = {*shared.instruments, *shared.categories, *shared.unions}
    for instrument in shared.instruments.values():
        held.update(instrument.statutes)
    held.update(e.iri for e in shared.exemptions)
    held.update(r.iri for r in shared.rules)
    dependencies: set[Dependency] = {predicate(p) for p in SHARED_READS}
    dependencies |= {link(RDF_TYPE, kind) for kind in classes_below(store, LABELLED)}
    dependencies |= {node(iri) for iri in held}
    depend(dependencies)
    return shared


def _own_part(store: TradeStore, importer: str) -> RuleBook:
    """One importer's book as :func:`load_rules` reads it, kept while no node it imposes changes."""

    def read() -> RuleBook:
        with untracked():  # the labels of its own nodes are its own dependencies; the shared part's are not
            shared = shared_rules(store)
        iri = str(country_iri(importer))
        imposed = solutions(store, f"SELECT DISTINCT ?n WHERE {{ ?n tkg:imposedBy <{iri}> }}")
        book = load_rules(store, importer=importer, shared=shared)
        dependencies = {link(str(TKG.imposedBy), iri), predicate(SUBCLASS_OF)}
        dependencies |= {node(row["n"].value) for row in imposed}
        dependencies |= {node(rate.source) for rate in book.mfn if rate.source}
        depend(dependencies)
        return book

    return kept(store, "duty rules", ("own", importer), read)


def rule_book(store: TradeStore, importer: str) -> RuleBook:
    """The rule book of ``importer`` (ISO alpha-3), equal to ``load_rules(store, importer=importer)``.

    A kept answer computed with it depends on both its parts.
    """

    def combine() -> RuleBook:
        own = _own_part(store, importer)
        shared = shared_rules(store)
        return dataclasses.replace(
            own,
            exemptions=shared.exemptions,
            rules=shared.rules,
            categories=shared.categories,
            instruments=shared.instruments,
            unions=shared.unions,
            labels=shared.labels,
        )

    return kept(store, "duty rules", ("book", importer), combine)


@dataclass(frozen=True)
class OriginIndex:
    """An importer's rule book with its measures by the origins they name (by name or through a customs union)."""

    book: RuleBook
    named: dict[str, frozenset[str]]  # origin IRI -> the measures naming it
    everyone: frozenset[str]  # the measures on all countries

    def book_for(self, origin: str) -> RuleBook:
        """The book with only the measures that can hit goods of ``origin`` (an IRI), and those they amend.

        The calculator gives the same duties with it as with the whole book: a measure that does not hit the
        origin is never a candidate, and is read only when a candidate's chain of amendments passes through it
        (so every measure a kept one amends, directly or along a chain, is kept too).
        """
        measures = self.book.measures
        wanted = set(self.named.get(origin, ())) | self.everyone
        frontier = list(wanted)
        while frontier:
            measure = measures.get(frontier.pop())
            for target in measure.amends if measure else ():
                if target in measures and target not in wanted:
                    wanted.add(target)
                    frontier.append(target)
        return dataclasses.replace(self.book, measures={iri: measures[iri] for iri in sorted(wanted)})


def origin_index(store: TradeStore, importer: str) -> OriginIndex:
    """The rule book of ``importer`` by origin, kept as the book is (a map asks it for every country)."""

    def build() -> OriginIndex:
        book = rule_book(store, importer)
        named: dict[str, set[str]] = defaultdict(set)
        for measure in book.measures.values():
            for origin in measure.applies_to:
                named[origin].add(measure.iri)
            for union in measure.applies_to_unions:
                for origin in book.unions.get(union, ()):
                    named[origin].add(measure.iri)
        everyone = frozenset(m.iri for m in book.measures.values() if m.applies_to_all)
        return OriginIndex(book, {origin: frozenset(iris) for origin, iris in named.items()}, everyone)

    return kept(store, "duty rules", ("by origin", importer), build)
