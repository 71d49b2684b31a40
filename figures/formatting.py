"""How an indicator number is written, the same on a dashboard, in a report and in a sentence."""

from __future__ import annotations

SUPPRESSED = "suppressed"


def format_value(value: float | None, unit: str, suppressed: bool = False) -> str:
    """Counts `2,751`; ratios `73.2%`; means and medians `15.3`; the index `0.98`."""
    if suppressed:
        return SUPPRESSED
    if value is None:
        return "–"
    if unit == "count":
        return f"{round(value):,}"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "index":
        return f"{value:.2f}"
    return f"{value:,.1f}"


def format_integer(value: float | None, suppressed: bool = False) -> str:
    """Numerators and denominators."""
    if suppressed:
        return SUPPRESSED
    return "–" if value is None else f"{round(value):,}"


def format_change(delta: float | None, unit: str) -> str:
    """A change between two periods: ratios in percentage points `+3.1 pts`, counts `+12`, else `-0.4`."""
    if delta is None:
        return "–"
    if unit == "ratio":
        return f"{delta * 100:+.1f} pts"
    if unit == "count":
        return f"{round(delta):+,}"
    if unit == "index":
        return f"{delta:+.2f}"
    return f"{delta:+,.1f}"
