"""A country's page: its trade position on a day, then its agreements, negotiations, proposals and officials."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cached_property

import pyoxigraph as ox

from tradekg.store.interface import TradeStore
from tradekg.views.duties import CountryDuties, country_duties
from tradekg.views.facts import Day, Ref, classes_below, labels, solutions, tkg
from tradekg.views.kept import RDF_TYPE, depend, kept, link, predicate, rows_nodes


@dataclass(frozen=True)
class Dated:
    """A linked resource with a date and a short note (a role, a status, a round number)."""

    ref: Ref
    day: Day | None
    note: str = ""
    parent: Ref | None = None
    own_note: str = ""  # the node's own status (``tkg:status``), before any status period
    periods: tuple[tuple[Day, str], ...] = ()  # the status periods: (effective from, status), oldest first
    announced: Day | None = None  # when the graph says it was announced (``tkg:announcedOn``), if it says

    def as_of(self, day: dt.date, not_yet: str = "") -> Dated:
        """The entry as it stood on ``day``: its status then, never one recorded from a later day.

        Something announced after ``day`` reads so. Otherwise the status is the latest status period begun by
        ``day``. With none begun, the node's own status holds if a later period changed it (the own status is then
        the earlier one); an entry dated after ``day`` with no status known for that day reads ``not_yet`` (by
        default :data:`NOT_YET`), from its date.
        """
        first_known = self.announced.first_day() if self.announced else None
        if self.announced is not None and first_known is not None and first_known > day:
            return replace(self, note=f"announced {self.announced.text}, after this day")
        begun = [(start, status) for start, status in self.periods if (s := start.first_day()) and s <= day]
        if begun:
            return replace(self, note=begun[-1][1])
        later = {status for _, status in self.periods}
        if self.periods and self.own_note and self.own_note not in later:
            return replace(self, note=self.own_note)
        first = self.day.first_day() if self.day else None
        if first is not None and first > day:
            return replace(self, note=not_yet or NOT_YET)
        return self if not self.periods else replace(self, note="")

    def to_json(self) -> dict[str, object]:
        """The entry as JSON."""
        return {
            **self.ref.to_json(),
            "date": self.day.to_json() if self.day else None,
            "note": self.note,
            "part_of": self.parent.to_json() if self.parent else None,
        }


@dataclass(frozen=True)
class CountryView:
    """What a country's page leads with."""

    duties: CountryDuties
    agreements: list[Dated]
    negotiations: list[Dated]
    rounds: list[Dated]
    proposals: list[Dated]
    officials: list[Dated]

    @cached_property
    def rounds_by_negotiation(self) -> dict[str, list[Dated]]:
        """The rounds by the IRI of the negotiation they are part of, each list in the order of :attr:`rounds`.

        The page lists each negotiation's rounds under it: filtering every round for each negotiation cost half of
        Japan's page at 10^6 quads (57 negotiations, 166 rounds).
        """
        found: dict[str, list[Dated]] = {}
        for round_ in self.rounds:
            if round_.parent is not None:
                found.setdefault(round_.parent.iri, []).append(round_)
        return found

    def as_of(self, day: dt.date) -> CountryView:
        """The view with each agreement's, negotiation's and round's status as it stood on ``day`` (see Dated.as_of)."""
        return replace(
            self,
            agreements=[a.as_of(day, NOT_CONCLUDED) for a in self.agreements],
            negotiations=[n.as_of(day, NOT_CONCLUDED) for n in self.negotiations],
            rounds=[r.as_of(day) for r in self.rounds],
        )

    def to_json(self) -> dict[str, object]:
        """The view as JSON."""
        return {
            **self.duties.to_json(),
            "agreements": [a.to_json() for a in self.agreements],
            "negotiations": [n.to_json() for n in self.negotiations],
            "rounds": [r.to_json() for r in self.rounds],
            "proposals": [p.to_json() for p in self.proposals],
            "officials": [o.to_json() for o in self.officials],
        }


NOT_YET = "not yet held on this day"
"""The note of an event dated after the page's day whose status on that day the graph does not record."""
NOT_CONCLUDED = "not yet concluded on this day"
"""The note of an agreement or negotiation concluded after the page's day, with no status known for that day."""

AFFAIRS_PROPERTIES = (
    "party",
    "concludedOn",
    "announcedOn",
    "status",
    "partOf",
    "date",
    "proposedBy",
    "proposedTo",
    "holdsPost",
    "postIn",
    "statusOf",
)
AFFAIRS_CLASSES = ("TradeAgreement", "Negotiation", "Event", "Proposal")
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


def _status_periods(rows: list[dict[str, ox.Term]], names: dict[str, str]) -> dict[str, tuple[tuple[Day, str], ...]]:
    """The status periods (``?periodFrom``, ``?periodStatus``) of each ``?x``, oldest first."""
    found: dict[str, set[tuple[str, str, str]]] = {}
    for row in rows:
        start, status = row.get("periodFrom"), row.get("periodStatus")
        if isinstance(start, ox.Literal) and status is not None:
            text = names[status.value] if isinstance(status, ox.NamedNode) else status.value
            found.setdefault(row["x"].value, set()).add((start.value, start.datatype.value, text))
    return {x: tuple((Day(v, t), text) for v, t, text in sorted(periods)) for x, periods in found.items()}


def _dated(store: TradeStore, sparql: str) -> list[Dated]:
    """Rows of ``?x ?date ?note ?parent`` as labelled entries, oldest first, undated last (kept: depends on them).

    The note is the status of the latest status period if there is one (a round planned by one article and held
    according to a later source is held, as the named queries say); :meth:`Dated.as_of` gives it on a chosen day.
    """
    rows = solutions(store, sparql)
    depend(rows_nodes(rows))
    names = labels(
        store,
        [
            row[k].value
            for row in rows
            for k in ("x", "parent", "note", "periodStatus")
            if isinstance(row.get(k), ox.NamedNode)
        ],
    )
    periods = _status_periods(rows, names)
    found: dict[tuple[str, str], Dated] = {}
    for row in sorted(rows, key=lambda r: tuple(str(r.get(k, "")) for k in ("x", "parent", "date", "note"))):
        date, note, parent, announced = row.get("date"), row.get("note"), row.get("parent"), row.get("announced")
        day = Day(date.value, date.datatype.value) if isinstance(date, ox.Literal) else None
        text = names[note.value] if isinstance(note, ox.NamedNode) else (note.value if note is not None else "")
        key = (row["x"].value, parent.value if parent is not None else "")
        own = periods.get(row["x"].value, ())
        if key not in found or (day and not found[key].day):
            found[key] = Dated(
                Ref(row["x"].value, names[row["x"].value]),
                day,
                own[-1][1] if own else text,
                Ref(parent.value, names[parent.value]) if isinstance(parent, ox.NamedNode) else None,
                text,
                own,
                Day(announced.value, announced.datatype.value) if isinstance(announced, ox.Literal) else None,
            )
    return sorted(found.values(), key=lambda d: (d.day is None, d.day.lexical if d.day else "", d.ref.label.lower()))


def _subclasses(store: TradeStore, name: str) -> str:
    """The ontology class ``tkg:name`` and the classes below it, for ``IN (...)``."""
    rows = solutions(store, f"SELECT DISTINCT ?t WHERE {{ ?t rdfs:subClassOf* tkg:{name} FILTER(isIRI(?t)) }}")
    return ", ".join(sorted({str(row["t"]) for row in rows} | {f"<{tkg(name)}>"}))


Affairs = tuple[list[Dated], list[Dated], list[Dated], list[Dated], list[Dated]]


def country_view(store: TradeStore, country: str, day: dt.date) -> CountryView:
    """The duties ``country`` faces and imposes on ``day``, then its agreements, talks, proposals and officials."""
    return CountryView(country_duties(store, country, day), *country_affairs(store, country)).as_of(day)


def country_affairs(store: TradeStore, country: str) -> Affairs:
    """A country's agreements, negotiations, rounds, proposals and officials, kept while nothing they show changes.

    Five small queries and their labels, which cost a country page more than its duty tables at 10^6 quads. They
    depend on the properties they follow, the classes they filter by and every node they show.
    """

    def read() -> Affairs:
        depend({predicate(tkg(name)) for name in AFFAIRS_PROPERTIES} | {predicate(SUBCLASS_OF)})
        depend({link(RDF_TYPE, kind) for kind in classes_below(store, AFFAIRS_CLASSES)})
        return _read_affairs(store, country)

    return kept(store, "country", ("affairs", country), read)


def _read_affairs(store: TradeStore, country: str) -> Affairs:
    c = str(ox.NamedNode(country))
    return (
        _dated(
            store,
            f"SELECT ?x ?date ?note ?announced WHERE {{ ?x tkg:party {c} ; a/rdfs:subClassOf* tkg:TradeAgreement ."
            " OPTIONAL { ?x tkg:concludedOn ?date } OPTIONAL { ?x tkg:status ?note }"
            " OPTIONAL { ?x tkg:announcedOn ?announced } }",
        ),
        _dated(
            store,
            f"SELECT ?x ?date ?note ?announced WHERE {{ ?x tkg:party {c} ; a tkg:Negotiation ."
            " OPTIONAL { ?x tkg:concludedOn ?date } OPTIONAL { ?x tkg:status ?note }"
            " OPTIONAL { ?x tkg:announcedOn ?announced } }",
        ),
        _dated(  # the classes of events are looked up first: a path per row costs ten times more
            store,
            "SELECT ?x ?date ?note ?parent ?period ?periodStatus ?periodFrom"
            f" WHERE {{ ?parent tkg:party {c} . ?parent a tkg:Negotiation ."
            f" ?x tkg:partOf ?parent . ?x a ?type FILTER(?type IN ({_subclasses(store, 'Event')}))"
            " OPTIONAL { ?x tkg:date ?date } OPTIONAL { ?x tkg:status ?note }"
            " OPTIONAL { ?period tkg:statusOf ?x ; tkg:status ?periodStatus ; tkg:effectiveFrom ?periodFrom } }",
        ),
        _dated(  # the type inside each branch: joined after the union, every proposal was read
            store,
            f"SELECT ?x ?note WHERE {{ {{ ?x tkg:proposedBy {c} . ?x a tkg:Proposal BIND('made' AS ?note) }}"
            f" UNION {{ ?x tkg:proposedTo {c} . ?x a tkg:Proposal BIND('received' AS ?note) }} }}",
        ),
        _dated(store, f"SELECT ?x ?note WHERE {{ ?x tkg:holdsPost ?note . ?note tkg:postIn {c} }}"),
    )
