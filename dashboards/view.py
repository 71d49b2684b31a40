"""The view a URL describes (grain, period range, mechanism kind, mechanism, indicator, breakdown),
and the indicator rows it selects. The query string is the whole state: a link reproduces the view
(the browser writes it back as the filters change: see `dashboards.components`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from dashboards.data import GRAINS, Published
from warehouse.contract import MECHANISM_KINDS

DEFAULT_GRAIN = "quarter"
#: periods a trend shows when the URL does not say
DEFAULT_SPAN = 8


@dataclass(frozen=True)
class View:
    grain: str = DEFAULT_GRAIN
    start: str | None = None
    end: str | None = None
    kind: str | None = None
    mechanism: str | None = None
    indicator: str | None = None
    breakdown: str | None = None
    search: str = ""

    @property
    def scope(self) -> tuple[str, str]:
        """The (breakdown, breakdown_value) cell the mechanism filters select; the total without them."""
        if self.mechanism:
            return "mechanism_id", self.mechanism
        if self.kind:
            return "mechanism_kind", self.kind
        return "total", "all"


def resolve_view(published: Published | None, query: dict) -> View:
    """The view a query asks for, with anything unknown or missing replaced by the default."""
    grain = query.get("grain") if query.get("grain") in GRAINS else DEFAULT_GRAIN
    periods = published.periods(grain) if published else []
    end = query.get("end") if query.get("end") in periods else (periods[-1] if periods else None)
    start = query.get("start") if query.get("start") in periods else None
    if end is not None and (start is None or start > end):
        start = periods[max(0, periods.index(end) - DEFAULT_SPAN + 1)]
    kind = query.get("kind") if query.get("kind") in MECHANISM_KINDS else None
    mechanism = query.get("mechanism")
    if published is None or mechanism not in set(mechanism_options(published, kind)):
        mechanism = None
    indicator = query.get("indicator")
    if published is None or indicator not in set(published.catalogue["indicator_id"].to_list()):
        indicator = None
    return View(grain=grain, start=start, end=end, kind=kind, mechanism=mechanism, indicator=indicator,
                breakdown=query.get("breakdown") or None, search=query.get("search") or "")


def view_from_controls(values: dict) -> View:
    """The view the filter controls currently hold (their values are already valid choices)."""
    known = {k: v for k, v in values.items() if k in View.__dataclass_fields__}
    return replace(View(), **{k: v for k, v in known.items() if v not in (None, "")})


def mechanism_options(published: Published, kind: str | None) -> dict[str, str]:
    """Mechanism id -> label, restricted to one kind when a kind is chosen."""
    mechanisms = published.mechanisms
    if kind:
        mechanisms = mechanisms.filter(pl.col("kind") == kind)
    return {m: f"{name} ({m})" for m, name in mechanisms.select("mechanism_id", "name").iter_rows()}


def previous_period(period: str) -> str:
    """The period just before: 2026 -> 2025, 2026-Q1 -> 2025-Q4, 2026-01 -> 2025-12."""
    year, _, part = period.partition("-")
    if not part:
        return str(int(year) - 1)
    if part.startswith("Q"):
        quarter = int(part[1:])
        return f"{int(year) - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}"
    month = int(part)
    return f"{int(year) - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def in_range(rows: pl.DataFrame, view: View) -> pl.DataFrame:
    """Rows whose period lies in the view's range (period labels of one grain sort in time order)."""
    if view.start is None or view.end is None:
        return rows.clear()
    return rows.filter(pl.col("period").is_between(pl.lit(view.start), pl.lit(view.end)))


def scope_rows(published: Published, indicator_id: str, view: View) -> pl.DataFrame:
    """The indicator's rows for the view's mechanism scope, every period of the grain, period order."""
    breakdown, value = view.scope
    return (published.rows(indicator_id, view.grain)
            .filter((pl.col("breakdown") == breakdown) & (pl.col("breakdown_value") == value))
            .sort("period"))


def breakdown_rows(published: Published, indicator_id: str, view: View, breakdown: str) -> pl.DataFrame:
    """The indicator's rows of one breakdown in the view's range; a chosen mechanism kind narrows
    a breakdown by mechanism to that kind's mechanisms (breakdowns are single-dimension)."""
    rows = in_range(published.rows(indicator_id, view.grain).filter(pl.col("breakdown") == breakdown), view)
    if breakdown == "mechanism_id" and view.kind:
        rows = rows.filter(pl.col("breakdown_value").is_in(list(mechanism_options(published, view.kind))))
    if breakdown == "mechanism_kind" and view.kind:
        rows = rows.filter(pl.col("breakdown_value") == view.kind)
    return rows.sort("period", "breakdown_value")


def breakdowns_of(published: Published, indicator_id: str) -> list[str]:
    """The breakdowns the catalogue gives an indicator, `total` first."""
    listed = published.catalogue_entry(indicator_id)["breakdowns"]
    return ["total"] + [b for b in listed if b != "total"]
