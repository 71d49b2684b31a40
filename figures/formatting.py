"""How an indicator number is written, the same on a dashboard, in a report and in a sentence."""

from __future__ import annotations

import polars as pl

from foundation.vocabulary import SUPPRESSED, UNITS


def n_column() -> pl.Expr:
    """`n`, what an indicator row's value rests on: its denominator, or for a count the count itself."""
    return (pl.when(pl.col("unit") == "count").then(pl.col("numerator"))
            .otherwise(pl.col("denominator")).alias("n"))


def format_n(n: int | None, small_n: int | None = None) -> str:
    """`n = 40`; `n = 3, small` under `small_n`; `n –` where it is withheld or unknown."""
    if n is None:
        return "n –"
    return f"n = {n:,}" + (", small" if small_n is not None and n < small_n else "")


def format_value(value: float | None, unit: str, suppressed: bool = False) -> str:
    """Counts `2,751`; ratios `73.2%`; means and medians `15.3`; the index `0.98` (decimals of `UNITS`)."""
    if suppressed:
        return SUPPRESSED
    if value is None:
        return "–"
    decimals = UNITS[unit].decimals
    if unit == "ratio":
        return f"{value * 100:.{decimals}f}%"
    return f"{value:,.{decimals}f}"


def format_integer(value: float | None, suppressed: bool = False) -> str:
    """Numerators and denominators."""
    if suppressed:
        return SUPPRESSED
    return "–" if value is None else f"{round(value):,}"


def format_change(delta: float | None, unit: str) -> str:
    """A change between two periods: ratios in percentage points `+3.1 pts`, counts `+12`, else `-0.4`."""
    if delta is None:
        return "–"
    decimals = UNITS[unit].decimals
    if unit == "ratio":
        return f"{delta * 100:+.{decimals}f} pts"
    return f"{delta:+,.{decimals}f}"
