"""Which tariffs each country faces and imposes, kept in memory and followed on every write.

A country's page lists the tariffs it faces (naming it, ``tkg:appliesTo``, or all countries, ``tkg:appliesToAll``,
imposed by another country) and those it imposes, those in force on the day first, highest rate first. At 10^6
quads a country faces thousands of tariffs (every tariff on all countries among them), and asking the store for all
of them at each view costs seconds. This index holds, for every tariff, only what ranks it (rate, dates, whom it
names, who imposes it, whether it names products), by target and by imposer, each list kept sorted by rate.

Freshness follows the text index's design (:mod:`tradekg.search.text_search`): the index listens to
:meth:`TradeStore.on_commit`; each committed change set names the tariffs whose ranked facts it touches, and only
those are read again from the store (and only the lists of the countries they name, before or after, are sorted
again). A change to the class hierarchy, or a change set touching more than :data:`REREAD_LIMIT` resources, makes
the index read the whole store again at its next use. The index reads through the store's public query method
only, so it works over any backend.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from tradekg.store.following import CommitFollower
from tradekg.store.interface import TradeStore
from tradekg.views.facts import solutions, tkg
from tradekg.views.kept import Dependency, depend, revisions
from tradekg.views.whole_reads import read_whole

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RATE, FROM, UNTIL, COVERS = (tkg(n) for n in ("ratePercent", "effectiveFrom", "effectiveUntil", "covers"))
APPLIES_TO, APPLIES_TO_ALL, IMPOSED_BY = (tkg(n) for n in ("appliesTo", "appliesToAll", "imposedBy"))
WATCHED = frozenset({RDF_TYPE, RATE, FROM, UNTIL, COVERS, APPLIES_TO, APPLIES_TO_ALL, IMPOSED_BY})
"""The properties whose change changes a tariff's place in the lists."""
REREAD_LIMIT = 5000
"""A change set touching more tariffs than this (a bulk load) makes the index read the whole store again."""
EVERYONE = ""  # the key of the list of tariffs on all countries
WHOLE_INDEX: Dependency = ("tariff index",)
"""Changed when the index is read again whole (a kept answer read from it depends on this and on its lists)."""


def tariff_list(kind: str, country: str) -> Dependency:
    """The dependency of an answer read from one list of the index (``kind``: ``target`` or ``imposer``)."""
    return ("tariff list", kind, country)


@dataclass(frozen=True)
class Candidate:
    """A tariff with what ranks it: whom it names and who imposes it, whether its dates hold a day, its rate."""

    iri: str
    rate: Decimal
    starts: tuple[str, ...]
    ends: tuple[str, ...]
    specific: bool  # it names product categories
    targets: frozenset[str] = frozenset()
    imposers: frozenset[str] = frozenset()
    everyone: bool = False  # it applies to all countries

    def live_on(self, day: dt.date) -> bool:
        """Whether a start on or before ``day`` and no end before it are recorded (partial dates kept open)."""
        when = day.isoformat()
        return any(s <= when for s in self.starts) and all(e + "-99" >= when for e in self.ends)

    @property
    def rank(self) -> tuple[Decimal, str]:
        """The key of the lists: highest rate first, then by IRI."""
        return -self.rate, self.iri


def tariff_types(store: TradeStore) -> frozenset[str]:
    """The classes of tariffs: ``tkg:Tariff`` and its subclasses."""
    rows = solutions(store, "SELECT DISTINCT ?t WHERE { ?t rdfs:subClassOf* tkg:Tariff }")
    return frozenset(row["t"].value for row in rows) | {tkg("Tariff")}


def read_candidates(store: TradeStore, subjects: Collection[str] | None = None) -> dict[str, Candidate]:
    """The tariffs of the store (or those among ``subjects``) with what ranks them.

    Resources that are not tariffs (by their types) are left out.
    """
    kinds = tariff_types(store)
    facts: dict[str, dict[str, list[ox.Term]]] = {}
    if subjects is None:  # the tariffs, then each property read whole (see facts.pairs), kept for the tariffs
        tariffs = solutions(store, "SELECT DISTINCT ?m WHERE { ?m a ?type . ?type rdfs:subClassOf* tkg:Tariff }")
        facts = {row["m"].value: {} for row in tariffs if isinstance(row["m"], ox.NamedNode)}
        for p in sorted(WATCHED - {RDF_TYPE}):
            for subject, value in read_whole(store, p, keep=True):  # kept for the books' whole read
                own = facts.get(subject)
                if own is not None:
                    own.setdefault(p, []).append(value)
    else:  # subjects first: the engine then looks each one up
        watched = ", ".join(f"<{iri}>" for iri in sorted(WATCHED))
        values = " ".join(str(ox.NamedNode(iri)) for iri in sorted(subjects))
        rows = solutions(
            store,
            f"SELECT DISTINCT ?m ?p ?o WHERE {{ VALUES ?m {{ {values} }} ?m ?p ?o FILTER(?p IN ({watched}))"
            " FILTER(isIRI(?m)) }",
        )
        for row in rows:
            facts.setdefault(row["m"].value, {}).setdefault(row["p"].value, []).append(row["o"])
        facts = {iri: own for iri, own in facts.items() if any(t.value in kinds for t in own.get(RDF_TYPE, ()))}
    found = {}
    for iri, own in facts.items():
        rate = Decimal(0)
        for term in own.get(RATE, ()):
            try:
                rate = max(rate, Decimal(term.value))
            except InvalidOperation:
                pass
        found[iri] = Candidate(
            iri,
            rate,
            tuple(sorted({t.value for t in own.get(FROM, ()) if isinstance(t, ox.Literal)})),
            tuple(sorted({t.value for t in own.get(UNTIL, ()) if isinstance(t, ox.Literal)})),
            bool(own.get(COVERS)),
            frozenset(t.value for t in own.get(APPLIES_TO, ()) if isinstance(t, ox.NamedNode)),
            frozenset(t.value for t in own.get(IMPOSED_BY, ()) if isinstance(t, ox.NamedNode)),
            any(isinstance(t, ox.Literal) and t.value in ("true", "1") for t in own.get(APPLIES_TO_ALL, ())),
        )
    return found


class TariffIndex(CommitFollower):
    """The tariffs by the countries they name and by their imposers, each list sorted by rate; see the module."""

    def __init__(self, store: TradeStore) -> None:
        self._tariffs: dict[str, Candidate] | None = None  # None: to be read at the next use
        self._by_target: dict[str, set[str]] = {}
        self._by_imposer: dict[str, set[str]] = {}
        self._ranked: dict[tuple[str, str], list[Candidate]] = {}  # ("target"/"imposer", country) -> sorted
        self._general: set[str] = set()  # the tariffs naming no product category
        self._changed_lists: set[Dependency] = set()  # told to the kept answers once the index is updated
        super().__init__(store, watched=WATCHED, reread_limit=REREAD_LIMIT)

    # -- following the store -----------------------------------------------------------------------

    def _is_built(self) -> bool:
        return self._tariffs is not None

    def _reread(self, store: TradeStore, touched: set[str]) -> None:
        """Read again the tariffs whose ranked facts a commit touched."""
        fresh = read_candidates(store, touched)
        for iri in touched:
            self._remove(iri)
            if iri in fresh:
                self._add(fresh[iri])
        self._tell_kept(store)

    def _tell_kept(self, store: TradeStore) -> None:
        """Tell the kept answers which lists changed since the last call (call holding the lock)."""
        changed, self._changed_lists = self._changed_lists, set()
        kept_revisions = revisions(store)
        if changed and kept_revisions is not None:
            kept_revisions.bump(changed)

    def invalidate(self) -> None:
        """Forget everything: the whole store is read again at the next use."""
        with self._lock:
            self._tariffs = None
            self._by_target, self._by_imposer, self._ranked, self._general = {}, {}, {}, set()
            self._changed_lists = {WHOLE_INDEX}
            store = self._store()
            if store is not None:
                self._tell_kept(store)

    def _remove(self, iri: str) -> None:
        assert self._tariffs is not None
        old = self._tariffs.pop(iri, None)
        self._general.discard(iri)
        if old is not None:
            self._index(old, add=False)

    def _add(self, tariff: Candidate) -> None:
        assert self._tariffs is not None
        self._tariffs[tariff.iri] = tariff
        if not tariff.specific:
            self._general.add(tariff.iri)
        self._index(tariff, add=True)

    def _index(self, tariff: Candidate, *, add: bool) -> None:
        keys = [("target", t) for t in tariff.targets] + [("imposer", i) for i in tariff.imposers]
        if tariff.everyone:
            keys.append(("target", EVERYONE))
        for kind, country in keys:
            lists = self._by_target if kind == "target" else self._by_imposer
            members = lists.setdefault(country, set())
            if add:
                members.add(tariff.iri)
            else:
                members.discard(tariff.iri)
            self._ranked.pop((kind, country), None)
            self._changed_lists.add(tariff_list(kind, country))

    def _ready(self) -> dict[str, Candidate]:
        """The tariffs, read from the store first if needed (call holding the lock)."""
        if self._tariffs is None:
            store = self._store()
            if store is None:
                raise RuntimeError("the store of this index is closed")
            self._tariffs = {}
            for tariff in read_candidates(store).values():
                self._add(tariff)
            self._changed_lists = set()  # read whole: nothing was kept from it
        return self._tariffs

    def _sorted(self, kind: str, country: str) -> list[Candidate]:
        """One list, sorted by rate (kept until a change touches it; call holding the lock)."""
        found = self._ranked.get((kind, country))
        if found is None:
            tariffs = self._ready()
            members = (self._by_target if kind == "target" else self._by_imposer).get(country, set())
            found = sorted((tariffs[iri] for iri in members), key=lambda c: c.rank)
            self._ranked[(kind, country)] = found
        return found

    # -- kept on disk (tradekg.views.on_disk) ------------------------------------------------------

    def tariffs_at(self, stamp: str) -> dict[str, Candidate] | None:
        """Every tariff as held now, if the index is built and the store is at ``stamp`` (else ``None``)."""
        with self._lock:
            store = self._store()
            if self._tariffs is None or store is None or store.stamp != stamp:
                return None
            return dict(self._tariffs)

    def seed(self, tariffs: dict[str, Candidate], stamp: str) -> bool:
        """Take ``tariffs`` as read at ``stamp``, if the index is not built and the store is still at ``stamp``.

        A commit's change set reaches the index under its lock after the store's stamp has moved on, so tariffs
        seeded here are either refused (the stamp moved) or followed by that commit (read again where it touched).
        """
        with self._lock:
            store = self._store()
            if self._tariffs is not None or store is None or store.stamp != stamp:
                return False
            self._tariffs = {}
            for tariff in tariffs.values():
                self._add(tariff)
            self._changed_lists = set()
            return True

    # -- reading -----------------------------------------------------------------------------------

    def facing(self, country: str) -> Iterator[Candidate]:
        """The tariffs naming ``country`` or all countries and imposed by another, highest rate first (lazily)."""
        self._depend_facing(country)
        with self._lock:
            named, everyone = self._sorted("target", country), self._sorted("target", EVERYONE)
        merged = heapq.merge(named, everyone, key=lambda c: c.rank)
        return _distinct(c for c in merged if country not in c.imposers)

    def facing_count(self, country: str) -> int:
        """How many tariffs :meth:`facing` gives."""
        self._depend_facing(country)
        with self._lock:
            self._ready()
            named = self._by_target.get(country, set()) | self._by_target.get(EVERYONE, set())
            return len(named - self._by_imposer.get(country, set()))

    def facing_all_goods(self, country: str) -> list[str]:
        """The tariffs :meth:`facing` gives that name no product category (so cover all goods)."""
        return sorted(c.iri for c in self._facing_general(country))

    def all_goods_imposers(self, country: str) -> set[str]:
        """The imposers of the tariffs of :meth:`facing_all_goods`."""
        return {imposer for c in self._facing_general(country) for imposer in c.imposers}

    def _facing_general(self, country: str) -> list[Candidate]:
        self._depend_facing(country)
        with self._lock:
            tariffs = self._ready()
            named = self._by_target.get(country, set()) | self._by_target.get(EVERYONE, set())
            return [tariffs[iri] for iri in named if iri in self._general and country not in tariffs[iri].imposers]

    def get(self, iri: str) -> Candidate | None:
        """The tariff ``iri`` as the index holds it, if it is one."""
        depend((WHOLE_INDEX, ("node", iri)))
        with self._lock:
            return self._ready().get(iri)

    def imposed(self, country: str) -> list[Candidate]:
        """The tariffs ``country`` imposes, highest rate first."""
        depend((WHOLE_INDEX, tariff_list("imposer", country)))
        with self._lock:
            return list(self._sorted("imposer", country))

    @staticmethod
    def _depend_facing(country: str) -> None:
        """What an answer read from the tariffs ``country`` faces depends on (see :mod:`tradekg.views.kept`)."""
        lists = (tariff_list("target", country), tariff_list("target", EVERYONE), tariff_list("imposer", country))
        depend((WHOLE_INDEX, *lists))


def _distinct(ranked: Iterable[Candidate]) -> Iterator[Candidate]:
    """The candidates once each (a tariff naming a country and all countries comes in both lists, side by side)."""
    last = None
    for candidate in ranked:
        if candidate.iri != last:
            yield candidate
        last = candidate.iri


Cursor = tuple[int, Decimal, str]
"""Where a row stands in a duty list on a day: 0 in force (by its dates) or 1 not, minus its rate, its IRI."""


def order_key(candidate: Candidate, day: dt.date) -> Cursor:
    """A tariff's place in the lists of ``day``: those whose dates hold the day first, each part by rate."""
    return (0 if candidate.live_on(day) else 1, -candidate.rate, candidate.iri)


def page_of(
    ranked: Iterable[Candidate], day: dt.date, limit: int, after: Cursor | None = None
) -> tuple[list[Candidate], bool]:
    """The ``limit`` tariffs after ``after`` in the order of :func:`order_key`, and whether more follow.

    ``ranked`` is in the lists' order (highest rate first): those in force on ``day`` come out in that order, the
    others are held back until the walk ends (it stops once ``limit`` tariffs in force after the cursor are found).
    """
    live: list[Candidate] = []
    others: list[Candidate] = []
    for candidate in ranked:
        key = order_key(candidate, day)
        if after is not None and key <= after:
            continue
        if key[0] == 0:
            live.append(candidate)
            if len(live) > limit:
                break
        elif len(others) <= limit:
            others.append(candidate)
    found = live + others
    return found[:limit], len(found) > limit


def tariff_index(store: TradeStore) -> TariffIndex:
    """The store's index, made (and set to follow its writes) at the first use; read at the first question.

    A store on disk first offers what its file of summaries holds (:mod:`tradekg.views.on_disk`).
    """
    from tradekg.views.on_disk import reuse  # noqa: PLC0415 - on_disk imports this module

    reuse(store)
    return TariffIndex.of(store)
