"""The measures the duty tables show, kept in memory once read and dropped by every write that touches them.

A country's page lists its duties from :mod:`tradekg.views.tariff_index` (which ranks them), and each row needs
the measure's rate, dates, legal basis, scope, exemptions, suspensions and amendments: a
:class:`~tradekg.views.measures.Measure`. Reading them costs a few batched queries (about a second for 277
measures at 10^6 quads); this summary keeps each measure read, so a page shown again reads only memory.

Freshness follows :class:`~tradekg.store.following.CommitFollower`: a committed change set names the resources it
touches (subjects of the facts a row shows, and measures that an exemption, suspension, amendment or stacking
rule points at), and every kept measure that mentions one of them is dropped, to be read again at its next use.
A measure being read while a write commits is not kept (its facts may predate the write).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from tradekg.store.following import CommitFollower
from tradekg.store.interface import TradeStore
from tradekg.views.kept import Dependency, depend, revisions
from tradekg.views.measures import INCOMING_PROPERTIES, MEASURE_PROPERTIES, RELATED_PROPERTIES, Measure, load_measures

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
WATCHED = frozenset((*MEASURE_PROPERTIES, *RELATED_PROPERTIES, *INCOMING_PROPERTIES, RDFS_LABEL))
"""The facts a row is made of: a measure's own, its exemptions' and suspensions', and every label it shows."""
KEPT = 20_000
"""The measures kept at most (the least recently shown are dropped first)."""
REREAD_LIMIT = 5000
ALL_ROWS: Dependency = ("measure rows",)
"""Changed when every kept row is dropped; a kept answer made from rows depends on it and on :func:`row`."""


def row(iri: str) -> Dependency:
    """The dependency of an answer made from the row of the measure ``iri``: changed when the row is dropped."""
    return ("measure row", iri)


def mentioned(measure: Measure) -> set[str]:
    """Every resource whose facts a measure's row shows: itself, the nodes it links and the nodes linking it."""
    refs = [
        measure.ref,
        *measure.types,
        *measure.targets,
        *measure.covers,
        *measure.legal_basis,
        *measure.sources,
        *measure.amends,
        *measure.amended_by,
        *measure.not_stacked_with,
        *measure.not_stacked_by,
        *measure.corresponds_to,
        *measure.programmes,
        *(r for r in (measure.imposer, measure.recorded_status, measure.certainty) if r is not None),
    ]
    for exemption in measure.exemptions:
        refs += [exemption.ref, *exemption.countries, *exemption.products]
    refs += [ref for ref, _ in measure.suspensions]
    return {ref.iri for ref in refs}


class MeasureRows(CommitFollower):
    """The measures read for the duty tables, by IRI; see the module."""

    def __init__(self, store: TradeStore) -> None:
        self._rows: OrderedDict[str, Measure] = OrderedDict()
        self._mentions: dict[str, set[str]] = {}  # a resource -> the kept measures whose rows show it
        self._epoch = 0  # bumped by every write that touches the rows' facts
        super().__init__(store, watched=WATCHED, reread_limit=REREAD_LIMIT, linking=INCOMING_PROPERTIES)

    def _is_built(self) -> bool:
        return True  # even with nothing kept, a write must stop a read under way from keeping what it read

    def _reread(self, store: TradeStore, touched: set[str]) -> None:
        """Drop the kept measures whose rows show a touched resource (read again at their next use)."""
        self._epoch += 1
        dropped = {
            measure for iri in touched for measure in self._mentions.get(iri, set()) | ({iri} & self._rows.keys())
        }
        for measure in dropped:
            self._drop(measure)
        kept_revisions = revisions(store)
        if kept_revisions is not None:  # after the drop: an answer made from a dropped row is not kept
            kept_revisions.bump({row(iri) for iri in touched | dropped})

    def invalidate(self) -> None:
        """Forget every measure kept."""
        with self._lock:
            self._epoch += 1
            self._rows.clear()
            self._mentions.clear()
            store = self._store()
            kept_revisions = revisions(store) if store is not None else None
            if kept_revisions is not None:
                kept_revisions.bump({ALL_ROWS})

    def _drop(self, iri: str) -> None:
        measure = self._rows.pop(iri, None)
        if measure is None:
            return
        for other in mentioned(measure):
            kept = self._mentions.get(other)
            if kept is not None:
                kept.discard(iri)
                if not kept:
                    del self._mentions[other]

    def _keep(self, measure: Measure) -> None:
        self._drop(measure.ref.iri)
        self._rows[measure.ref.iri] = measure
        for other in mentioned(measure):
            self._mentions.setdefault(other, set()).add(measure.ref.iri)
        while len(self._rows) > KEPT:
            self._drop(next(iter(self._rows)))

    def measures(self, iris: Iterable[str]) -> list[Measure]:
        """The measures ``iris`` in their order, from memory, those not kept read from the store (and kept)."""
        wanted = list(dict.fromkeys(iris))
        depend({ALL_ROWS, *(row(iri) for iri in wanted)})
        with self._lock:
            found = {iri: self._rows[iri] for iri in wanted if iri in self._rows}
            for iri in found:
                self._rows.move_to_end(iri)
            epoch = self._epoch
        missing = [iri for iri in wanted if iri not in found]
        if missing:
            store = self._store()
            if store is None:
                raise RuntimeError("the store of these rows is closed")
            loaded = load_measures(store, missing)
            with self._lock:
                if self._epoch == epoch:
                    for measure in loaded:
                        self._keep(measure)
                else:  # a write overtook the read: an answer made from these rows must not be kept either
                    kept_revisions = revisions(store)
                    if kept_revisions is not None:
                        kept_revisions.bump({row(iri) for iri in missing})
            found.update((m.ref.iri, m) for m in loaded)
        return [found[iri] for iri in wanted]


def measure_rows(store: TradeStore) -> MeasureRows:
    """The store's kept measures, made (and set to follow its writes) at the first use."""
    return MeasureRows.of(store)
