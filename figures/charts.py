"""Plotly figures of indicator rows (columns of the indicator table), for dashboards and reports."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from figures.formatting import format_value
from figures.labels import reading_order, value_label

#: room left beyond the largest value, so the value written above a point or beside a bar stays inside the chart
HEADROOM = 0.2
#: Okabe-Ito: distinguishable with every common colour-vision deficiency
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
FONT = "DejaVu Sans, Arial, sans-serif"


def _layout(fig: go.Figure, title: str, unit: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        font={"family": FONT, "size": 12},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 60},
        plot_bgcolor="white",
        paper_bgcolor="white",
        showlegend=False,
        colorway=list(PALETTE),
    )
    fig.update_yaxes(gridcolor="#e5e5e5", rangemode="tozero",
                     tickformat=".0%" if unit == "ratio" else ",")
    return fig


def _labels(rows: pl.DataFrame, unit: str) -> list[str]:
    return [
        format_value(v, unit, bool(s))
        for v, s in zip(rows["value"].to_list(), rows["suppressed"].to_list()
                        if "suppressed" in rows.columns else [False] * rows.height)
    ]


def _value_range(values: list[float | None]) -> list[float] | None:
    """An axis range from 0 (or the lowest value) to the largest value plus headroom; None leaves it to plotly."""
    shown = [v for v in values if v is not None]
    top, low = max(shown + [0.0]), min(shown + [0.0])
    if top == low:
        return None
    return [low - HEADROOM * (top - low) if low < 0 else low, top + HEADROOM * (top - low)]


def _in_reading_order(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows in `reading_order` of their breakdown values, each value named in words (`shown_as`)."""
    cells = list(zip(rows["breakdown"].to_list(), rows["breakdown_value"].to_list()))
    order = sorted(range(rows.height), key=lambda i: reading_order(*cells[i]))
    return rows.select(pl.all().gather(order)).with_columns(
        pl.Series("shown_as", [value_label(*cells[i]) for i in order], pl.String))


def _mark_suppressed(fig: go.Figure, periods: list[str], name: str | None = None) -> None:
    """Write "suppressed" under each withheld period, so a gap never reads as missing data or zero."""
    for period in periods:
        fig.add_annotation(x=period, y=0, yref="paper", yanchor="bottom", showarrow=False,
                           text=f"{name}: suppressed" if name else "suppressed",
                           font={"size": 10, "color": "#57606a"}, textangle=-90 if name else 0)


def trend_figure(rows: pl.DataFrame, title: str, unit: str, height: int = 320) -> go.Figure:
    """Value over periods; rows are one indicator's total rows of one grain, in period order.

    A suppressed period is drawn as a gap labelled "suppressed", never as zero.
    """
    rows = rows.sort("period")
    labels = _labels(rows, unit)
    values = [None if label == "suppressed" else v for v, label in zip(rows["value"].to_list(), labels)]
    fig = go.Figure(go.Scatter(
        x=rows["period"].to_list(), y=values, mode="lines+markers+text", text=labels,
        textposition="top center", line={"color": PALETTE[0], "width": 2}, connectgaps=False, cliponaxis=False,
        hovertemplate="%{x}: %{text}<extra></extra>",
    ))
    fig.update_xaxes(type="category")
    _mark_suppressed(fig, [p for p, label in zip(rows["period"].to_list(), labels) if label == "suppressed"])
    fig = _layout(fig, title, unit, height)
    fig.update_yaxes(range=_value_range(values))
    return fig


def breakdown_figure(rows: pl.DataFrame, title: str, unit: str, height: int = 320,
                     width: int | None = None) -> go.Figure:
    """Horizontal bars, one per breakdown value (named in words, in reading order from the top), each
    labelled with its value as text. A `width` (pixels) draws it narrower than its container would,
    so its text stays readable when a page scales it down into a narrow column."""
    rows = _in_reading_order(rows).reverse()  # plotly draws the first bar at the bottom
    labels = _labels(rows, unit)
    values = [0 if label == "suppressed" else v for v, label in zip(rows["value"].to_list(), labels)]
    fig = go.Figure(go.Bar(
        y=rows["shown_as"].to_list(), x=values, orientation="h", text=labels,
        textposition="outside", marker={"color": PALETTE[0]}, cliponaxis=False,
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    fig = _layout(fig, title, unit, max(height, 40 + 26 * rows.height))
    fig.update_layout(width=width)
    fig.update_xaxes(tickformat=".0%" if unit == "ratio" else ",", gridcolor="#e5e5e5", range=_value_range(values))
    fig.update_yaxes(tickformat=None)
    return fig


def sparkline_svg(rows: pl.DataFrame, unit: str, width: int = 240, height: int = 48) -> str:
    """A small trend as a self-contained SVG (no JavaScript to load): a line through the periods
    shown, broken at a suppressed or missing value; the y axis starts at 0 (or below it)."""
    rows = rows.sort("period")
    labels = _labels(rows, unit)
    values = [None if label == "suppressed" else v for v, label in zip(rows["value"].to_list(), labels)]
    shown = [v for v in values if v is not None]
    pad = 4
    top = max(shown + [0.0]) or 1.0
    low = min(shown + [0.0])
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def point(i: int, v: float) -> str:
        return f"{pad + i * step:.1f},{height - pad - (v - low) / ((top - low) or 1.0) * (height - 2 * pad):.1f}"

    runs: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append(point(i, v))
    runs = [run for run in runs if run]
    lines = "".join(f'<polyline points="{" ".join(run)}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>'
                    for run in runs)
    dots = "".join(f'<circle cx="{xy.split(",")[0]}" cy="{xy.split(",")[1]}" r="2" fill="{PALETTE[0]}"/>'
                   for run in runs for xy in run)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" preserveAspectRatio="none">{lines}{dots}</svg>')


def breakdown_trend_figure(rows: pl.DataFrame, title: str, unit: str, height: int = 360) -> go.Figure:
    """One line per breakdown value over periods, each named at its last point (not by colour alone)."""
    rows = _in_reading_order(rows.sort("period"))
    fig = go.Figure()
    for index, (name, group) in enumerate(rows.group_by("shown_as", maintain_order=True)):
        labels = _labels(group, unit)
        values = [None if label == "suppressed" else v for v, label in zip(group["value"].to_list(), labels)]
        fig.add_trace(go.Scatter(
            x=group["period"].to_list(), y=values, name=name[0], mode="lines+markers", text=labels,
            connectgaps=False, line={"color": PALETTE[index % len(PALETTE)], "width": 2,
                                     "dash": ("solid", "dash", "dot", "dashdot")[index // len(PALETTE) % 4]},
            hovertemplate=f"{name[0]} %{{x}}: %{{text}}<extra></extra>",
        ))
        _mark_suppressed(fig, [p for p, label in zip(group["period"].to_list(), labels) if label == "suppressed"],
                         name[0])
    fig.update_xaxes(type="category")
    fig = _layout(fig, title, unit, height)
    fig.update_layout(showlegend=True, legend={"orientation": "v", "x": 1.02, "y": 1})
    fig.update_layout(margin={"l": 60, "r": 200, "t": 50, "b": 60})
    return fig
