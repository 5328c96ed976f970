"""The duty calculator's rule books for the views, kept across the writes that cannot change them.

A rule book (:class:`tradekg.duty.records.RuleBook`) is two parts: the rules every importer shares (labels,
legal instruments, exemptions, stacking rules, product categories, customs unions;
:func:`tradekg.duty.shared_rules.load_shared`) and one importer's own measures, suspensions, quotas and MFN rates.
At 10^6 quads the shared part costs seconds and a big importer's own part about as much, so each is kept
(:mod:`tradekg.views.kept`) with what it was read from:

* the shared part: the classes it reads (and their subclasses), the nodes it holds, labels and titles anywhere,
  and the properties it reads from nodes it may not hold yet (HS ranges, statutes);
* an importer's own part: every node ``tkg:imposedBy`` that importer (and the sources of its MFN rates), and
  ``tkg:imposedBy`` the importer itself (a measure of its coming or going).

So a write to one importer's measure reads again that measure for that importer's part (the part is patched:
:mod:`tradekg.views.own_updates`), and nothing else; a new exemption or a
relabelled node reads the shared part again (a relabelled measure, its importer's part too). A book is its
importer's own part with the current shared part put in: the same book :func:`tradekg.duty.rules.load_rules`
reads whole.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from tradekg.duty.records import Exemption, RuleBook
from tradekg.duty.shared_rules import LABELLED, SharedRules, load_shared
from tradekg.ontology.vocab import TKG, country_iri
from tradekg.store.interface import TradeStore
from tradekg.views.all_books import read_every_own_part, read_labels
from tradekg.views.facts import classes_below
from tradekg.views.kept import RDF_TYPE, Dependency, depend, keep_many, kept, link, node, predicate, untracked
from tradekg.views.on_disk import loaded, reuse
from tradekg.views.own_updates import patch_own_part
from tradekg.views.whole_reads import books_read, mark_books_read

SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
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
    reuse(store)
    return kept(store, "duty rules", ("shared",), lambda: _read_shared(store))


def _read_shared(store: TradeStore) -> SharedRules:
    kinds = classes_below(store, LABELLED)
    shared = load_shared(store, labels=read_labels(store, kinds))
    held: set[str] = {*shared.instruments, *shared.categories, *shared.unions}
    for instrument in shared.instruments.values():
        held.update(instrument.statutes)
    held.update(e.iri for e in shared.exemptions)
    held.update(r.iri for r in shared.rules)
    dependencies: set[Dependency] = {predicate(p) for p in SHARED_READS}
    dependencies |= {link(RDF_TYPE, kind) for kind in kinds}
    dependencies |= {node(iri) for iri in held}
    depend(dependencies)
    return shared


_READ_WHOLE_LOCK = threading.Lock()


def _own_part(store: TradeStore, importer: str) -> RuleBook:
    """One importer's book as :func:`load_rules` reads it, kept while no node it imposes changes.

    The first book asked of a store reads every importer's at once (:mod:`tradekg.views.all_books`: a few
    queries instead of six per importer); after that, a book a write made stale is patched from the nodes the
    write touched (:mod:`tradekg.views.own_updates`), or read again alone when it cannot be.
    """
    reuse(store)
    if loaded(store) and not books_read(store):  # all came from the file: one dropped by a write is read alone
        mark_books_read(store)
    if not books_read(store):
        with _READ_WHOLE_LOCK:  # the first page and the warm-up wait for one read
            if not books_read(store):
                with untracked():
                    shared = shared_rules(store)
                keep_many(
                    store,
                    "duty rules",
                    lambda: {("own", code): part for code, part in read_every_own_part(store, shared).items()},
                )
                mark_books_read(store)

    def read() -> RuleBook:
        with untracked():  # the labels of its own nodes are its own dependencies; the shared part's are not
            shared = shared_rules(store)
        book, dependencies = read_every_own_part(store, shared, importer=importer)[importer]
        depend(dependencies)
        return book

    def patch(book: RuleBook, dependencies: frozenset[Dependency], changes: frozenset[Dependency]) -> RuleBook | None:
        with untracked():
            shared = shared_rules(store)
        patched = patch_own_part(store, shared, importer, book, dependencies, changes)
        if patched is None:
            return None
        depend(patched[1])
        return patched[0]

    return kept(store, "duty rules", ("own", importer), read, patch=patch)


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


Signature = tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]
"""What an origin's duties depend on: the measures, suspensions, exemptions and stacking rules naming it."""


@dataclass(frozen=True)
class OriginIndex:
    """An importer's rule book with its measures by the origins they name (by name or through a customs union).

    The calculator reads an origin only through four tests: whether a measure or a suspension hits it (by name,
    customs union or all countries), whether an exemption names it among its countries, and whether a stacking
    rule names it among the goods it is for. Two origins that every one of these rules names alike (the same
    :meth:`signature`) therefore get the same duties, so a map of 249 countries computes one answer per signature.
    """

    book: RuleBook
    named: dict[str, frozenset[str]]  # origin IRI -> the measures naming it
    everyone: frozenset[str]  # the measures on all countries
    exemptions: tuple[Exemption, ...] = ()  # those from one of the book's measures or their programmes, in order
    exempting: dict[str, frozenset[str]] = field(default_factory=dict)  # origin IRI -> the exemptions naming it
    stacking: dict[str, frozenset[str]] = field(default_factory=dict)  # origin IRI -> the stacking rules naming it
    suspending: dict[str, frozenset[str]] = field(default_factory=dict)  # origin IRI -> the suspensions naming it

    def signature(self, origin: str) -> Signature:
        """The rules naming ``origin`` (an IRI): origins of equal signatures get equal duties (see the class)."""
        empty: frozenset[str] = frozenset()
        return (
            self.named.get(origin, empty),
            self.suspending.get(origin, empty),
            self.exempting.get(origin, empty),
            self.stacking.get(origin, empty),
        )

    def signature_dependencies(self, origin: str) -> set[Dependency]:
        """What the signature of ``origin`` (an IRI) depends on, besides the shared rules.

        A rule naming the origin names its node (``node(origin)``: a new measure, exemption, suspension or stacking
        rule naming it, or one no longer naming it); the rules it names now; a measure coming to or going from the
        importer; and the properties by which a measure names every country or a customs union.
        """
        found = {node(origin), link(str(TKG.imposedBy), str(country_iri(self.book.importer))), *ORIGIN_WIDE}
        return found | {node(iri) for part in self.signature(origin) for iri in part}

    def book_for(self, origin: str) -> RuleBook:
        """The book with only the measures that can hit goods of ``origin`` (an IRI), what they amend, their exemptions.

        The calculator gives the same duties with it as with the whole book: a measure that does not hit the
        origin is never a candidate, and is read only when a candidate's chain of amendments passes through it
        (so every measure a kept one amends, directly or along a chain, is kept too); an exemption from none of
        the kept measures (nor from a programme of theirs) exempts no candidate.
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
        programmes = {programme for iri in wanted for programme in measures[iri].programmes}
        exemptions = tuple(e for e in self.exemptions if e.measure in wanted or e.programme in programmes)
        return dataclasses.replace(
            self.book, measures={iri: measures[iri] for iri in sorted(wanted)}, exemptions=exemptions
        )


ORIGIN_WIDE = (predicate(str(TKG.appliesToAll)), predicate(str(TKG.appliesToUnion)), predicate(SUBCLASS_OF))
"""Changes that may bring any measure to any origin (a measure on all countries or on a customs union)."""


def book_dependencies(book: RuleBook) -> set[Dependency]:
    """What a calculation with ``book`` (one origin's, see :meth:`OriginIndex.book_for`) depends on.

    Besides the shared rules: its own measures, exemptions, suspensions and quotas, the importer's measures coming
    or going, and :data:`ORIGIN_WIDE`.
    """
    found = {link(str(TKG.imposedBy), str(country_iri(book.importer))), *ORIGIN_WIDE}
    found |= {node(iri) for iri in book.measures}
    found |= {node(e.iri) for e in book.exemptions} | {node(s.iri) for s in book.suspensions}
    return found | {node(q.iri) for q in book.quotas.values()}


def _naming(pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """``(origin, rule)`` pairs as the rules naming each origin."""
    found: dict[str, set[str]] = defaultdict(set)
    for origin, rule in pairs:
        found[origin].add(rule)
    return {origin: frozenset(rules) for origin, rules in found.items()}


def origin_index(store: TradeStore, importer: str) -> OriginIndex:
    """The rule book of ``importer`` by origin, kept as the book is (a map asks it for every country)."""

    def build() -> OriginIndex:
        book = rule_book(store, importer)
        unions = book.unions
        named: dict[str, set[str]] = defaultdict(set)
        for measure in book.measures.values():
            for origin in measure.applies_to:
                named[origin].add(measure.iri)
            for union in measure.applies_to_unions:
                for origin in unions.get(union, ()):
                    named[origin].add(measure.iri)
        everyone = frozenset(m.iri for m in book.measures.values() if m.applies_to_all)
        programmes = {programme for measure in book.measures.values() for programme in measure.programmes}
        exemptions = tuple(e for e in book.exemptions if e.measure in book.measures or e.programme in programmes)
        suspended = [
            (origin, s.iri)
            for s in book.suspensions
            for origin in {*s.applies_to, *(o for union in s.applies_to_unions for o in unions.get(union, ()))}
        ]
        return OriginIndex(
            book,
            {origin: frozenset(iris) for origin, iris in named.items()},
            everyone,
            exemptions,
            _naming((origin, e.iri) for e in exemptions for origin in e.countries),
            _naming((origin, r.iri) for r in book.rules for origin in r.origins),
            _naming(suspended),
        )

    return kept(store, "duty rules", ("by origin", importer), build)
