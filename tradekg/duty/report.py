"""The duty answer as plain text, for the command line."""

from __future__ import annotations

from tradekg.duty.calculator import DutyAnswer


def _basis(entry: dict[str, object]) -> str:
    basis = entry.get("legal_basis") or []
    return ", ".join(str(item["label"]) for item in basis if isinstance(item, dict))  # type: ignore[index]


def answer_table(answer: DutyAnswer) -> str:
    """A readable breakdown: the goods, each duty paid with its basis, the total, then what did not apply and why."""
    data = answer.to_json()
    mfn = "not in the data" if data["mfn_percent"] is None else f"{data['mfn_percent']}%"
    claims = [name for name in ("usmca", "over_quota") if data[name]]
    lines = [
        f"Goods of {data['origin']}, HS {data['hs']}, entered {data['date']}"
        + (f" (claims: {', '.join(claims)})" if claims else ""),
        f"MFN (general) rate: {mfn}",
        "",
        f"{'rate %':>8}  {'heading':<11} {'legal basis':<20} measure",
    ]
    for entry in answer.applied:
        lines.append(
            f"{entry['rate_percent']!s:>8}  {entry.get('heading') or '-':<11} {_basis(entry):<20} {entry['label']}"
        )
        if entry.get("note"):
            lines.append(f"{'':>8}  {'':<11} {'':<20} ({entry['note']})")
    lines += [f"{data['additional_percent']!s:>8}  additional duty in all", ""]
    if answer.not_checked:
        lines.append("Exemptions not checked:")
        lines += [f"  - {entry['reason']}" for entry in answer.not_checked]
    if answer.not_applied:
        lines.append("Not applied:")
        lines += [f"  - {entry['label']}: {entry['reason']}" for entry in answer.not_applied]
    return "\n".join(lines)
