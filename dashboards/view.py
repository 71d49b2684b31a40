"""The view a URL describes (grain, period range, mechanism kind, mechanism, indicator, breakdown),
and the indicator rows it selects. The query string is the whole state: a link reproduces the view
(the browser writes it back as the filters change: see `dashboards.components`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from dashboards.data import GRAINS, Published
from foundation.vocabulary import CROSS, Period
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
    #: the From and To asked for were the wrong way round and have been swapped
    swapped: bool = False

    @property
    def scope(self) -> tuple[str, str]:
        """The (breakdown, breakdown_value) cell the mechanism filters select; the total without them."""
        if self.mechanism:
            return "mechanism_id", self.mechanism
        if self.kind:
            return "mechanism_kind", self.kind
        return "total", "all"


def default_end(published: Published | None, grain: str) -> str | None:
    """The last complete period of a grain (a partial one only when no other has rows): by default
    the dashboard never sets a period that is not over beside finished ones."""
    if published is None:
        return None
    complete, periods = published.complete_periods(grain), published.periods(grain)
    return (complete or periods or [None])[-1]


def resolve_view(published: Published | None, query: dict) -> View:
    """The view a query asks for, with anything unknown or missing replaced by the default, and a
    From after its To swapped (the view says so)."""
    grain = query.get("grain") if query.get("grain") in GRAINS else DEFAULT_GRAIN
    periods = published.periods(grain) if published else []
    end = query.get("end") if query.get("end") in periods else default_end(published, grain)
    start = query.get("start") if query.get("start") in periods else None
    swapped = start is not None and end is not None and start > end
    if swapped:
        start, end = end, start
    if end is not None and start is None:
        start = periods[max(0, periods.index(end) - DEFAULT_SPAN + 1)]
    kind = query.get("kind") if query.get("kind") in MECHANISM_KINDS else None
    mechanism = query.get("mechanism")
    if published is None or mechanism not in set(mechanism_options(published, kind)):
        mechanism = None
    indicator = query.get("indicator")
    if published is None or indicator not in set(published.catalogue["indicator_id"].to_list()):
        indicator = None
    return View(grain=grain, start=start, end=end, kind=kind, mechanism=mechanism, indicator=indicator,
                breakdown=query.get("breakdown") or None, search=query.get("search") or "", swapped=swapped)


def view_from_controls(values: dict) -> View:
    """The view the filter controls currently hold (their values are already valid choices; a From
    picked after the To is swapped, and the filter bar says so: see `dashboards.components`)."""
    known = {k: v for k, v in values.items() if k in View.__dataclass_fields__}
    view = replace(View(), **{k: v for k, v in known.items() if v not in (None, "")})
    if view.start is not None and view.end is not None and view.start > view.end:
        view = replace(view, start=view.end, end=view.start, swapped=True)
    return view


def mechanism_options(published: Published, kind: str | None) -> dict[str, str]:
    """Mechanism id -> label, restricted to one kind when a kind is chosen."""
    mechanisms = published.mechanisms
    if kind:
        mechanisms = mechanisms.filter(pl.col("kind") == kind)
    return {m: f"{name} ({m})" for m, name in mechanisms.select("mechanism_id", "name").iter_rows()}


def previous_period(period: str) -> str:
    """The period just before: 2026 -> 2025, 2026-Q1 -> 2025-Q4, 2026-01 -> 2025-12."""
    return str(Period.parse(period).previous)


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


#: what a page says where the chosen mechanism (or kind) has no cells of a breakdown
NOT_FOR_ONE_MECHANISM = "not available for a single mechanism"
NOT_FOR_ONE_KIND = "not available for a single mechanism kind"


def unavailable_words(view: View) -> str:
    return NOT_FOR_ONE_MECHANISM if view.mechanism else NOT_FOR_ONE_KIND


def breakdown_rows(published: Published, indicator_id: str, view: View, breakdown: str) -> pl.DataFrame | None:
    """The indicator's rows of one breakdown in the view's range, within the view's mechanism scope;
    None where that scope has no such cells (never the all-mechanism cells under a mechanism's name).

    Within a mechanism M a breakdown b is its crossed cells (`mechanism_id|b`, `M|v`), within a kind K
    `mechanism_kind|b`, `K|v` (spec v2); by mechanism they are M's own row, or the kind's mechanisms;
    by kind, the kind's own row (and, for one mechanism, nothing).
    """
    every = published.rows(indicator_id, view.grain)
    if breakdown == "mechanism_id":
        rows = every.filter(pl.col("breakdown") == breakdown)
        if view.mechanism:
            rows = rows.filter(pl.col("breakdown_value") == view.mechanism)
        elif view.kind:
            rows = rows.filter(pl.col("breakdown_value").is_in(list(mechanism_options(published, view.kind))))
    elif breakdown == "mechanism_kind":
        if view.mechanism:
            return None
        rows = every.filter(pl.col("breakdown") == breakdown)
        if view.kind:
            rows = rows.filter(pl.col("breakdown_value") == view.kind)
    elif view.mechanism or view.kind:
        scope, value = ("mechanism_id", view.mechanism) if view.mechanism else ("mechanism_kind", view.kind)
        crossed = every.filter(pl.col("breakdown") == f"{scope}{CROSS}{breakdown}")
        if not crossed.height:
            return None
        rows = crossed.filter(pl.col("breakdown_value").str.starts_with(f"{value}{CROSS}"))
    else:
        rows = every.filter(pl.col("breakdown") == breakdown)
    return in_range(rows, view).sort("period", "breakdown_value")


def breakdowns_of(published: Published, indicator_id: str) -> list[str]:
    """The breakdowns the catalogue gives an indicator, `total` first."""
    listed = published.catalogue_entry(indicator_id)["breakdowns"]
    return ["total"] + [b for b in listed if b != "total"]
