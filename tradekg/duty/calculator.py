"""The duty calculator: which additional duties goods of one origin and HS code paid on a date, and why.

Every decision reads a fact of the graph (see :mod:`tradekg.duty.rules` and the ontology's "Duty rules" terms);
no country, measure or rate is named here. The steps, in order, for goods of origin C and code H on day D:

1. candidates: the importer's tariffs that hit C (by name, by customs union, or all countries) and cover H;
2. in force on D (a start known only to the month or year is not counted: no day is guessed);
3. not suspended by a suspension in force on D for C;
4. not exempted by an exemption in force on D from the measure or its programme (an exemption with a rate
   lowers the rate; a partial one keeps it and is named);
5. within a tariff-rate quota unless told the quota is filled;
6. not replaced: no measure left after steps 1-5 amends it, directly or along a chain of amendments;
7. not displaced by a stacking rule in force on D whose prevailing side holds a measure still paid, taken from
   the top of the hierarchy down;
8. all-in rates less the MFN rate of H (never below zero).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tradekg.duty.inputs import dotted
from tradekg.duty.matching import (
    covers_goods,
    exemption_matches,
    hits_origin,
    mfn_rate,
    on_side,
    unlisted_products,
)
from tradekg.duty.records import Exemption, Measure, RuleBook
from tradekg.ontology.vocab import country_iri


@dataclass(frozen=True)
class Goods:
    """What the calculator is asked about: origin (alpha-3), HS digits, day, and the importer's claims.

    ``hs=None`` stands for goods that no product-specific measure covers (the general case of the map).
    """

    origin: str
    hs: str | None
    day: date
    usmca: bool = False
    over_quota: bool = False

    @property
    def claims(self) -> frozenset[str]:
        """The qualifications claimed, as concept IRIs."""
        return frozenset({"https://w3id.org/tradekg/ontology#usmcaQualifying"} if self.usmca else set())


@dataclass
class DutyAnswer:
    """The calculator's answer: the duties paid and those that were not, each with its reason."""

    goods: Goods
    additional: Decimal = Decimal(0)
    mfn: Decimal | None = None
    mfn_source: str | None = None
    applied: list[dict[str, object]] = field(default_factory=list)
    not_applied: list[dict[str, object]] = field(default_factory=list)
    not_checked: list[dict[str, object]] = field(default_factory=list)  # exemptions whose products list no code

    def to_json(self) -> dict[str, object]:
        """The documented JSON answer."""
        return {
            "origin": self.goods.origin,
            "hs": dotted(self.goods.hs) if self.goods.hs else None,
            "date": self.goods.day.isoformat(),
            "usmca": self.goods.usmca,
            "over_quota": self.goods.over_quota,
            "additional_percent": _number(self.additional),
            "mfn_percent": None if self.mfn is None else _number(self.mfn),
            "mfn_source": self.mfn_source,
            "measures": self.applied,
            "not_applied": self.not_applied,
            "not_checked": self.not_checked,
        }


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _measure_json(book: RuleBook, measure: Measure, rate: Decimal, note: str | None) -> dict[str, object]:
    basis = [
        {
            "instrument": iri,
            "label": book.instrument_label(iri),
            "statutes": list(book.instruments[iri].statute_labels) if iri in book.instruments else [],
        }
        for iri in measure.legal_basis
    ]
    entry: dict[str, object] = {
        "measure": measure.iri,
        "label": measure.label,
        "rate_percent": _number(rate),
        "legal_basis": basis,
        "heading": measure.heading,
        "sources": list(measure.sources),
    }
    if note:
        entry["note"] = note
    if measure.reported:
        entry["certainty"] = "reported"
    return entry


def _skip(answer: DutyAnswer, measure: Measure, reason: str) -> None:
    answer.not_applied.append({"measure": measure.iri, "label": measure.label, "reason": reason})


def _in_force_reason(measure: Measure, day: date) -> str | None:
    """Why a measure is not in force on ``day``, or ``None`` when it is."""
    period = measure.period
    if period.start is None:
        if period.start_text:
            return f"start known only as {period.start_text}: no day is guessed, so not counted"
        return "no start date recorded: not counted"
    if day < period.start:
        return f"in force only from {period.start}"
    if period.end is not None and day > period.end:
        return f"ended {period.end_text or period.end}"
    return None


def _candidates(book: RuleBook, goods: Goods, answer: DutyAnswer) -> dict[str, Measure]:
    """Steps 1-2: the measures that hit the origin, cover the goods and are in force."""
    origin = str(country_iri(goods.origin))
    found = {}
    for measure in sorted(book.measures.values(), key=lambda m: m.iri):
        if measure.rate is None or not hits_origin(book, measure, origin):
            continue
        coverage = covers_goods(book, measure.covers, goods.hs, goods.claims)
        if coverage.partial:
            _skip(answer, measure, f"covers only part of {dotted(goods.hs or '')}: {coverage.partial}")
        if not coverage.matches:
            continue
        reason = _in_force_reason(measure, goods.day)
        if measure.contradicted_by:
            reason = f"contradicted by {', '.join(book.label(source) for source in measure.contradicted_by)}"
        if reason:
            _skip(answer, measure, reason)
            continue
        found[measure.iri] = measure
    return found


def _suspended(book: RuleBook, goods: Goods, candidates: dict[str, Measure], answer: DutyAnswer) -> None:
    """Step 3."""
    origin = str(country_iri(goods.origin))
    for suspension in book.suspensions:
        if not suspension.period.holds_on(goods.day) or not hits_origin(book, suspension, origin):
            continue
        for iri in sorted(suspension.suspends & set(candidates)):
            until = f" until {suspension.period.end}" if suspension.period.end else ""
            basis = book.basis_text(suspension.legal_basis) or suspension.label
            _skip(answer, candidates.pop(iri), f"suspended from {suspension.period.start}{until} ({basis})")


def _exempted(book: RuleBook, goods: Goods, candidates: dict[str, Measure], answer: DutyAnswer) -> dict[str, tuple]:
    """Step 4: drop exempted measures; return reduced rates and partial-exemption notes by measure."""
    origin = str(country_iri(goods.origin))
    changes: dict[str, tuple] = {}
    for exemption in book.exemptions:
        for iri in sorted(candidates):
            measure = candidates[iri]
            targets = exemption.measure == iri or (exemption.programme in measure.programmes)
            if not targets or exemption.contradicted_by or not exemption.period.holds_on(goods.day, open_start=True):
                continue
            if not exemption_matches(book, exemption, origin, goods.hs, goods.claims):
                _unchecked(book, goods, exemption, measure, answer)
                continue
            label = _exemption_label(book, exemption, measure)
            if exemption.partial:
                changes[iri] = (measure.rate, f"partly exempt: {label}")
            elif exemption.rate is not None:
                changes[iri] = (exemption.rate, f"reduced to {exemption.rate}%: {label}")
            else:
                _skip(answer, candidates.pop(iri), f"exempt: {label}")
    return changes


def _exemption_label(book: RuleBook, exemption: Exemption, measure: Measure) -> str:
    """The exemption's label with its legal basis (the measure's when it names none), as reasons quote it."""
    basis = book.basis_text(exemption.legal_basis or measure.legal_basis)
    return f"{exemption.label} ({basis})" if basis else exemption.label


def _unchecked(book: RuleBook, goods: Goods, exemption: Exemption, measure: Measure, answer: DutyAnswer) -> None:
    """Note an exemption that could take the goods out but names products listing no HS code (once per exemption).

    Its countries (if any) hold the origin and it is in force: only its products were not tested, for want of codes.
    """
    unlisted = unlisted_products(book, exemption)
    if (
        goods.hs is None
        or not unlisted
        or (exemption.countries and str(country_iri(goods.origin)) not in exemption.countries)
    ):
        return
    for entry in answer.not_checked:
        if entry["exemption"] == exemption.iri:
            entry["measures"].append(measure.iri)  # type: ignore[attr-defined]
            return
    names = ", ".join(book.label(iri) for iri in unlisted)
    label = _exemption_label(book, exemption, measure)
    answer.not_checked.append(
        {
            "exemption": exemption.iri,
            "label": exemption.label,
            "legal_basis": book.basis_text(exemption.legal_basis or measure.legal_basis),
            "products": unlisted,
            "product_labels": [book.label(iri) for iri in unlisted],
            "measures": [measure.iri],
            "reason": f"not checked: {label}: {names} {'lists' if len(unlisted) == 1 else 'list'} no HS codes in this"
            " graph, so the goods were not tested against it",
        }
    )


def _outside_quota(book: RuleBook, goods: Goods, candidates: dict[str, Measure], answer: DutyAnswer) -> dict[str, str]:
    """Step 5: an in-quota tariff applies only while its quota is open; return notes for those kept."""
    notes = {}
    for iri in sorted(set(candidates) & set(book.quotas)):
        quota = book.quotas[iri]
        amount = f"{_number(quota.quantity):,} {quota.unit} {quota.period_text}".strip()
        basis = book.basis_text(quota.legal_basis or candidates[iri].legal_basis)
        where = f" ({basis})" if basis else ""
        if goods.over_quota:
            instead = f": {book.label(quota.over_quota)} applies" if quota.over_quota else ""
            _skip(answer, candidates.pop(iri), f"over the quota of {amount}{where}{instead}")
        else:
            notes[iri] = f"within the quota of {amount}{where}"
    return notes


def _amended(book: RuleBook, iri: str) -> dict[str, int]:
    """Every measure ``iri`` amends, directly or along a chain, with the length of the chain."""
    found: dict[str, int] = {}
    frontier, depth = [iri], 0
    while frontier:
        depth += 1
        following = []
        for node in frontier:
            measure = book.measures.get(node)
            for target in sorted(measure.amends if measure else ()):
                if target not in found and target != iri:
                    found[target] = depth
                    following.append(target)
        frontier = following
    return found


def _replaced(book: RuleBook, candidates: dict[str, Measure], answer: DutyAnswer) -> None:
    """Step 6: a measure amended (directly or along a chain) by another one still standing is replaced."""
    chains = {iri: _amended(book, iri) for iri in sorted(candidates)}
    replaced = {target for amended in chains.values() for target in amended}
    for target in sorted(replaced & set(candidates)):
        # Name the measure that is paid in the end (not itself replaced), the nearest first.
        ranked = sorted((iri in replaced, amended[target], iri) for iri, amended in chains.items() if target in amended)
        replacing = candidates[ranked[0][2]]
        basis = book.basis_text(replacing.legal_basis)
        _skip(answer, candidates.pop(target), f"replaced by {replacing.label}" + (f" ({basis})" if basis else ""))


def _displacements(book: RuleBook, goods: Goods, candidates: dict[str, Measure]) -> dict[str, dict[str, str]]:
    """Edges prevailing -> displaced among the candidates, each with the basis of the rule that draws it."""
    origin = str(country_iri(goods.origin))
    edges: dict[str, dict[str, str]] = {iri: {} for iri in candidates}
    for rule in book.rules:
        if not rule.period.holds_on(goods.day) or (rule.origins and origin not in rule.origins):
            continue
        basis = book.basis_text(rule.legal_basis) or rule.label
        for high in candidates.values():
            if on_side(book, high, rule.prevailing):
                for low in candidates.values():
                    if low.iri != high.iri and on_side(book, low, rule.displaced):
                        edges[high.iri].setdefault(low.iri, basis)
    for high in candidates.values():  # the undated tkg:notStackedWith, with the measure's own basis
        for low in sorted(high.not_stacked_with & set(candidates)):
            edges[high.iri].setdefault(low, book.basis_text(high.legal_basis) or high.label)
    return edges


def _not_stacked(book: RuleBook, goods: Goods, candidates: dict[str, Measure], answer: DutyAnswer) -> None:
    """Step 7: take displaced measures out, from the top of the hierarchy down (a displaced one displaces none)."""
    edges = _displacements(book, goods, candidates)
    above = {iri: {high for high, lows in edges.items() if iri in lows} for iri in candidates}
    settled: dict[str, bool] = {}  # iri -> still paid
    while len(settled) < len(candidates):
        ready = [iri for iri in sorted(candidates) if iri not in settled and above[iri] <= set(settled)]
        if not ready:  # a cycle: the highest rate among the unsettled is paid first
            ready = [max((i for i in candidates if i not in settled), key=lambda i: (candidates[i].rate, i))]
            above[ready[0]] = {high for high in above[ready[0]] if high in settled}
        for iri in ready:
            winners = sorted(high for high in above[iri] if settled.get(high))
            settled[iri] = not winners
            if winners:
                high = candidates[winners[0]]
                _skip(answer, candidates[iri], f"not stacked with {high.label} ({edges[high.iri][iri]})")
    for iri, paid in settled.items():
        if not paid:
            del candidates[iri]


def calculate(book: RuleBook, goods: Goods) -> DutyAnswer:
    """The additional duties ``goods`` paid, with a reason for every measure that hit the origin but did not apply.

    Args:
        book: The rules read from the graph (:func:`tradekg.duty.rules.load_rules`).
        goods: Origin, HS code, day and claims, already checked (:mod:`tradekg.duty.inputs`).

    Returns:
        The :class:`DutyAnswer`; its ``to_json()`` is the documented JSON form.
    """
    answer = DutyAnswer(goods)
    candidates = _candidates(book, goods, answer)
    _suspended(book, goods, candidates, answer)
    changes = _exempted(book, goods, candidates, answer)
    quota_notes = _outside_quota(book, goods, candidates, answer)
    _replaced(book, candidates, answer)
    _not_stacked(book, goods, candidates, answer)
    mfn = mfn_rate(book, goods.hs) if goods.hs else None
    if mfn is not None:
        answer.mfn, answer.mfn_source = mfn.rate, mfn.source
    for iri in sorted(candidates):
        measure = candidates[iri]
        rate, note = changes.get(iri, (measure.rate, None))
        notes = [text for text in (note, quota_notes.get(iri)) if text]
        if measure.all_in and rate is not None:
            if answer.mfn is None:
                notes.append(f"all-in {_number(rate)}%: no MFN rate in the data for this code, counted in full")
            else:
                notes.append(f"all-in {_number(rate)}% less MFN {_number(answer.mfn)}%")
                rate = max(Decimal(0), rate - answer.mfn)
        answer.applied.append(_measure_json(book, measure, rate or Decimal(0), "; ".join(notes) or None))
        answer.additional += rate or Decimal(0)
    # An exemption not checked matters only if a measure it would take out is still paid: one replaced, not
    # stacked or suspended would change nothing.
    answer.not_checked = [e for e in answer.not_checked if set(e["measures"]) & set(candidates)]  # type: ignore[arg-type]
    return answer


def additional_duty_by_origin(book: RuleBook, day: date, hs: str | None = None) -> dict[str, Decimal]:
    """The additional duty goods of every origin paid on ``day``, for one HS code or for the general case.

    For the map of the world. ``hs=None`` stands for goods no product-specific measure covers; no claim (USMCA)
    is made.

    Args:
        book: The rules read from the graph.
        day: The day.
        hs: HS digits, or ``None`` for the general case.

    Returns:
        Alpha-3 code -> additional duty in percent, for every country the graph holds besides the importer.
    """
    origins = {iri.rsplit("/", 1)[-1] for iri in book.labels if "/id/country/" in iri}
    return {
        origin: calculate(book, Goods(origin=origin, hs=hs, day=day)).additional
        for origin in sorted(origins - {book.importer})
    }
