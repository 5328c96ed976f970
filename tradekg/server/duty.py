"""The duty calculator over HTTP: ``GET /api/duty`` (JSON) and the ``/duty`` page (a form and the breakdown).

Both call :func:`tradekg.duty.compute_duty`; this module only reads the request and renders the answer. Bad input
is a 400 whose message names the problem and, for a date, what the data covers.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask import Blueprint, Response, jsonify, request

from tradekg.duty import DutyAnswer, DutyInputError, compute_duty, coverage, duty_by_origin
from tradekg.duty.inputs import dotted, parse_day, parse_hs
from tradekg.duty.records import RuleBook
from tradekg.linkeddata.describe import format_date
from tradekg.ontology.vocab import country_iri
from tradekg.server import current_store
from tradekg.server.web import page
from tradekg.views.facts import labels
from tradekg.views.rule_books import rule_book

bp = Blueprint("duty", __name__)

BAR_WIDTH = 600
"""Width of the SVG bar, in user units; 100% (or the total, if larger) spans it."""

ISO_DAY_OR_MONTH = re.compile(r"\b(\d{4}-\d{2}-\d{2}|\d{4}-\d{2})\b")
XSD = "http://www.w3.org/2001/XMLSchema#"
TRUE_WORDS = {"1", "true", "yes", "on"}
MISSING_WORDS = {"origin": "a country of origin", "hs": "an HS code (8703 for cars)", "date": "a date of entry"}
FALSE_WORDS = {"", "0", "false", "no", "off"}


def _flag(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise DutyInputError(f"the parameter {name!r} must be true or false, not {raw!r}")


def _book() -> RuleBook:
    """The US rule book of the served store, kept across the writes that cannot change it (as the map's are)."""
    return rule_book(current_store(), "USA")


def _answer() -> DutyAnswer:
    """Compute from the request's parameters.

    Raises:
        DutyInputError: A parameter is missing or wrong.
    """
    missing = [name for name in ("origin", "hs", "date") if not request.args.get(name, "").strip()]
    if missing:
        raise DutyInputError(f"missing parameter{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    return compute_duty(
        current_store(),
        origin=request.args["origin"],
        hs=request.args["hs"],
        day=request.args["date"],
        usmca=_flag("usmca"),
        over_quota=_flag("over_quota"),
        book=_book(),
    )


@bp.get("/api/duty")
def api_duty() -> Response:
    """The additional duty goods of one origin and HS code paid on a date, each measure with its reason."""
    try:
        answer = _answer()
    except DutyInputError as error:
        response = jsonify({"error": str(error), "status": 400})
        response.status_code = 400
        return response
    return jsonify(answer.to_json())


@bp.get("/api/duty/origins")
def api_duty_by_origin() -> Response:
    """The additional duty goods of every origin paid on a date (the numbers a map of the world draws).

    For one HS code, or without ``hs`` for goods that no product-specific measure covers.
    """
    try:
        if not request.args.get("date", "").strip():
            raise DutyInputError("missing parameter: date")
        book = _book()
        day = parse_day(request.args["date"], book)
        hs = request.args.get("hs", "").strip()
        by_origin = duty_by_origin(current_store(), day, hs or None, book=book)
    except DutyInputError as error:
        response = jsonify({"error": str(error), "status": 400})
        response.status_code = 400
        return response
    return jsonify(
        {
            "date": day.isoformat(),
            "hs": dotted(parse_hs(hs)) if hs else None,
            "additional_percent": {origin: float(value) for origin, value in by_origin.items()},
        }
    )


def _country_label(code: str) -> str:
    """The graph's label of the country with the ISO 3166-1 alpha-3 ``code`` (the code when it has none)."""
    iri = str(country_iri(code))
    return labels(current_store(), [iri]).get(iri, code)


def bar_segments(answer: DutyAnswer) -> list[dict[str, object]]:
    """The MFN rate and the applied duties as segments of one horizontal bar: x, width, label and rate of each."""
    parts: list[tuple[str, object, str]] = []
    if answer.mfn:
        parts.append(("MFN (general) rate", answer.mfn, "mfn"))
    parts += [(str(e["label"]), e["rate_percent"], str(i % 4)) for i, e in enumerate(answer.applied)]
    total = sum(float(rate) for _, rate, _ in parts)  # type: ignore[arg-type]
    scale = BAR_WIDTH / max(total, 100.0)
    segments, x = [], 0.0
    for label, rate, tone in parts:
        if float(rate) <= 0:  # type: ignore[arg-type]
            continue
        width = float(rate) * scale  # type: ignore[arg-type]
        shown = format(Decimal(str(rate)).normalize(), "f")
        segments.append({"x": round(x, 2), "width": round(width, 2), "label": label, "rate": shown, "tone": tone})
        x += width
    return segments


@bp.app_template_filter("dates_in_words")
def dates_in_words(text: str) -> str:
    """ISO days and months in a calculator's reason as words: "from 2025-09-16" reads "from 16 September 2025"."""
    return ISO_DAY_OR_MONTH.sub(
        lambda m: format_date(m.group(1), XSD + ("date" if len(m.group(1)) == 10 else "gYearMonth")), text
    )


@bp.get("/duty")
def duty_page() -> Response:
    """A form (origin, HS code, date, USMCA, quota filled) filled from the query, and the breakdown when complete."""
    asked = any(request.args.get(name) for name in ("origin", "hs", "date"))
    covered = coverage(_book())
    form = {name: request.args.get(name, "") for name in ("origin", "hs", "date")}
    context: dict[str, object] = {
        "form": form,
        "usmca": request.args.get("usmca", "").lower() in TRUE_WORDS,
        "over_quota": request.args.get("over_quota", "").lower() in TRUE_WORDS,
        "covered": covered,
        "answer": None,
        "error": None,
    }
    missing = [name for name in ("origin", "hs", "date") if not form[name].strip()]
    if not asked or missing:  # a link from a country's page gives its origin and day; /api/duty answers 400
        hint = f"Give {' and '.join(MISSING_WORDS[name] for name in missing)} to compute." if asked else None
        data = {"coverage": [str(day) for day in covered or ()], **({"missing": missing, "hint": hint} if hint else {})}
        return page("duty.html", data, hint=hint, **context)
    try:
        answer = _answer()
    except DutyInputError as error:
        context["error"] = str(error)
        return page("duty.html", {"error": str(error), "status": 400}, status=400, **context)
    context.update(answer=answer.to_json(), segments=bar_segments(answer), bar_width=BAR_WIDTH)
    context["origin_label"] = _country_label(answer.goods.origin)
    if answer.mfn is not None:  # what the goods paid in all: the MFN (general) rate and the additional duty
        context["total_percent"] = format((answer.mfn + answer.additional).normalize(), "f")
    return page("duty.html", answer.to_json(), **context)
