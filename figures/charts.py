"""Plotly figures of indicator rows (columns of the indicator table), for dashboards and reports."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from figures.formatting import format_n, format_value
from figures.labels import reading_order, value_label
from foundation.vocabulary import SUPPRESSED, Period

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


#: a ratio's axis: always 0 to 100 %, so a share never looks like a change of sign or scale
RATIO_RANGE = [0.0, 1.0]
TARGET_COLOUR, BASELINE_COLOUR = "#009E73", "#57606a"


def _labels(rows: pl.DataFrame, unit: str) -> list[str]:
    return [
        format_value(v, unit, bool(s))
        for v, s in zip(rows["value"].to_list(), rows["suppressed"].to_list()
                        if "suppressed" in rows.columns else [False] * rows.height)
    ]


def _column(rows: pl.DataFrame, name: str, default=None) -> list:
    return rows[name].to_list() if name in rows.columns else [default] * rows.height


def _value_range(values: list[float | None], unit: str | None = None) -> list[float] | None:
    """An axis range from 0 (or the lowest value) to the largest value plus headroom; a ratio's is
    0 to 100 %; None leaves it to plotly."""
    if unit == "ratio":
        return list(RATIO_RANGE)
    shown = [v for v in values if v is not None]
    top, low = max(shown + [0.0]), min(shown + [0.0])
    if top == low:
        return None
    return [low - HEADROOM * (top - low) if low < 0 else low, top + HEADROOM * (top - low)]


def _with_gaps(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows in period order with a row of nulls for each period missing between the first and
    the last, so a line breaks there instead of joining two periods that are not neighbours."""
    rows = rows.sort("period").with_columns(gap=pl.lit(False))
    if rows.height < 2:
        return rows
    first, last = Period.parse(rows["period"][0]), Period.parse(rows["period"][-1])
    every = pl.DataFrame({"period": [str(Period.from_index(first.grain, i))
                                     for i in range(first.index, last.index + 1)]})
    return every.join(rows, on="period", how="left").with_columns(pl.col("gap").fill_null(True))


def _missing(rows: pl.DataFrame) -> list[str]:
    """The periods `_with_gaps` added."""
    return rows.filter(pl.col("gap"))["period"].to_list()


def _mark_missing(fig: go.Figure, periods: list[str]) -> None:
    for period in periods:
        fig.add_annotation(x=period, y=0, yref="paper", yanchor="bottom", showarrow=False, text="no data",
                           font={"size": 10, "color": "#57606a"})


def _hover_texts(rows: pl.DataFrame, unit: str, labels: list[str], small_n: int | None,
                 say_partial: bool = True) -> list[str]:
    """What a point says on hover: its value, the n it rests on (flagged when small), and whether
    its period was not over on the as-of date."""
    texts = []
    for label, n, partial, as_of in zip(labels, _column(rows, "n"), _column(rows, "partial", False),
                                        _column(rows, "as_of")):
        # a count is its own n: said once
        said_n = small_n is not None and label not in ("–", SUPPRESSED) and unit != "count"
        text = f"{label} ({format_n(n, small_n)})" if said_n else label
        if partial and say_partial:
            text += f", partial: data to {as_of}"
        texts.append(text)
    return texts


def partial_words(rows: pl.DataFrame) -> str | None:
    """"partial period: data to <as_of>" when any of the rows' periods was not over, else None."""
    flagged = [a for p, a in zip(_column(rows, "partial", False), _column(rows, "as_of")) if p]
    return f"partial period: data to {flagged[0]}" if flagged else None


def _reference_line(fig: go.Figure, periods: list[str], levels: list, name: str, colour: str, dash: str,
                    unit: str) -> None:
    """A target or baseline per period (each period's own), as a line with a tick at each period."""
    if all(level is None for level in levels):
        return
    fig.add_trace(go.Scatter(
        x=periods, y=levels, name=name, mode="lines+markers", connectgaps=False,
        line={"color": colour, "width": 2, "dash": dash},
        marker={"symbol": "line-ew-open", "size": 16, "line": {"width": 3, "color": colour}},
        text=[format_value(level, unit) for level in levels],
        hovertemplate=f"{name} %{{x}}: %{{text}}<extra></extra>",
    ))


def trend_figure(rows: pl.DataFrame, title: str, unit: str, height: int = 320,
                 small_n: int | None = None) -> go.Figure:
    """Value over periods; rows are one indicator's rows of one cell and grain.

    A suppressed period is drawn as a gap labelled "suppressed", never as zero; a period with no
    row breaks the line ("no data"); a partial period (`partial`) is an open point reached by a
    dashed segment, said in the legend; the rows' own targets and baselines are drawn as lines.
    With `small_n`, the hover text gives each point's n (`n` column), flagged under `small_n`.
    """
    rows = _with_gaps(rows)
    periods = rows["period"].to_list()
    labels = _labels(rows, unit)
    values = [None if label == "suppressed" else v for v, label in zip(rows["value"].to_list(), labels)]
    partial = [bool(p) for p in _column(rows, "partial", False)]
    hover = _hover_texts(rows, unit, labels, small_n)
    fig = go.Figure(go.Scatter(
        x=periods, y=[None if p else v for v, p in zip(values, partial)], name="value", mode="lines+markers+text",
        text=[None if p else label for label, p in zip(labels, partial)], customdata=hover,
        textposition="top center", line={"color": PALETTE[0], "width": 2}, connectgaps=False, cliponaxis=False,
        hovertemplate="%{x}: %{customdata}<extra></extra>",
    ))
    said = partial_words(rows)
    if said:
        # each partial point, and the complete point before it, so the dashed segment reaches it
        joined = [v if p or (i + 1 < len(partial) and partial[i + 1]) else None
                  for i, (v, p) in enumerate(zip(values, partial))]
        fig.add_trace(go.Scatter(
            x=periods, y=joined, name=said, mode="lines+markers+text", connectgaps=False, cliponaxis=False,
            text=[label if p else None for label, p in zip(labels, partial)], textposition="top center",
            customdata=hover, hovertemplate="%{x}: %{customdata}<extra></extra>",
            line={"color": PALETTE[0], "width": 2, "dash": "dash"},
            marker={"symbol": ["circle-open" if p else "circle" for p in partial],
                    "size": [11 if p else 0 for p in partial], "line": {"width": 2, "color": PALETTE[0]}},
        ))
    targets, baselines = _column(rows, "target"), _column(rows, "baseline")
    _reference_line(fig, periods, targets, "target", TARGET_COLOUR, "dash", unit)
    _reference_line(fig, periods, baselines, "baseline", BASELINE_COLOUR, "dot", unit)
    fig.update_xaxes(type="category")
    _mark_suppressed(fig, [p for p, label in zip(periods, labels) if label == "suppressed"])
    _mark_missing(fig, _missing(rows))
    fig = _layout(fig, title, unit, height)
    if len(fig.data) > 1:
        fig.update_layout(showlegend=True, legend={"orientation": "h", "x": 0, "y": -0.18, "yanchor": "top"},
                          margin={"b": 80})
    fig.update_yaxes(range=_value_range(values + targets + baselines, unit))
    return fig


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


def breakdown_figure(rows: pl.DataFrame, title: str, unit: str, height: int = 320,
                     width: int | None = None, small_n: int | None = None) -> go.Figure:
    """Horizontal bars, one per breakdown value (named in words, in reading order from the top), each
    labelled with its value as text. A `width` (pixels) draws it narrower than its container would,
    so its text stays readable when a page scales it down into a narrow column. With `small_n`, each
    bar's text gives its n (`n` column), flagged under `small_n`. A partial period is said once, in
    the title."""
    rows = _in_reading_order(rows).reverse()  # plotly draws the first bar at the bottom
    labels = _labels(rows, unit)
    values = [0 if label == "suppressed" else v for v, label in zip(rows["value"].to_list(), labels)]
    hover = _hover_texts(rows, unit, labels, small_n)
    said = partial_words(rows)
    title = f"{title}<br><sup>{said}</sup>" if said else title
    fig = go.Figure(go.Bar(
        y=rows["shown_as"].to_list(), x=values, orientation="h",
        text=labels if small_n is None else _hover_texts(rows, unit, labels, small_n, say_partial=False),
        textposition="outside", marker={"color": PALETTE[0]}, cliponaxis=False, customdata=hover,
        hovertemplate="%{y}: %{customdata}<extra></extra>",
    ))
    fig = _layout(fig, title, unit, max(height, 40 + 26 * rows.height))
    fig.update_layout(width=width)
    if said:
        fig.update_layout(margin={"t": 70})  # the title's second line
    if small_n is not None:
        fig.update_layout(margin={"r": 130})  # room for "45.0% (n = 40, small)" beyond the longest bar
    fig.update_xaxes(tickformat=".0%" if unit == "ratio" else ",", gridcolor="#e5e5e5",
                     range=_value_range(values, unit))
    fig.update_yaxes(tickformat=None)
    return fig


def sparkline_svg(rows: pl.DataFrame, unit: str, width: int = 240, height: int = 48) -> str:
    """A small trend as a self-contained SVG (no JavaScript to load): a line through the periods
    shown, broken at a suppressed or missing value or period; the y axis starts at 0 (or below it), a
    ratio's spans 0 to 100 %; a partial period's point is an open circle."""
    rows = _with_gaps(rows)
    labels = _labels(rows, unit)
    values = [None if label == "suppressed" else v for v, label in zip(rows["value"].to_list(), labels)]
    shown = [v for v in values if v is not None]
    pad = 4
    low, top = RATIO_RANGE if unit == "ratio" else (min(shown + [0.0]), max(shown + [0.0]) or 1.0)
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
    partial = {point(i, v) for i, (v, p) in enumerate(zip(values, _column(rows, "partial", False)))
               if p and v is not None}
    dots = "".join(f'<circle cx="{xy.split(",")[0]}" cy="{xy.split(",")[1]}" r="{3 if xy in partial else 2}" '
                   f'fill="{"white" if xy in partial else PALETTE[0]}" stroke="{PALETTE[0]}"/>'
                   for run in runs for xy in run)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" preserveAspectRatio="none">{lines}{dots}</svg>')


def breakdown_trend_figure(rows: pl.DataFrame, title: str, unit: str, height: int = 360,
                           small_n: int | None = None) -> go.Figure:
    """One line per breakdown value over periods, each named at its last point (not by colour alone);
    a line breaks at a missing period, a partial period's points are open and said in the legend."""
    rows = _in_reading_order(rows.sort("period"))
    fig = go.Figure()
    for index, (name, group) in enumerate(rows.group_by("shown_as", maintain_order=True)):
        group = _with_gaps(group)
        labels = _labels(group, unit)
        values = [None if label == "suppressed" else v for v, label in zip(group["value"].to_list(), labels)]
        fig.add_trace(go.Scatter(
            x=group["period"].to_list(), y=values, name=name[0], mode="lines+markers", text=labels,
            connectgaps=False, line={"color": PALETTE[index % len(PALETTE)], "width": 2,
                                     "dash": ("solid", "dash", "dot", "dashdot")[index // len(PALETTE) % 4]},
            marker={"symbol": ["circle-open" if p else "circle" for p in _column(group, "partial", False)],
                    "size": 8},
            customdata=_hover_texts(group, unit, labels, small_n),
            hovertemplate=f"{name[0]} %{{x}}: %{{customdata}}<extra></extra>",
        ))
        _mark_suppressed(fig, [p for p, label in zip(group["period"].to_list(), labels) if label == "suppressed"],
                         name[0])
    said = partial_words(rows)
    if said:
        fig.add_trace(go.Scatter(x=[None], y=[None], name=said, mode="markers", hoverinfo="skip",
                                 marker={"symbol": "circle-open", "size": 8, "color": "#57606a"}))
    fig.update_xaxes(type="category")
    fig = _layout(fig, title, unit, height)
    if unit == "ratio":
        fig.update_yaxes(range=list(RATIO_RANGE))
    fig.update_layout(showlegend=True, legend={"orientation": "v", "x": 1.02, "y": 1})
    fig.update_layout(margin={"l": 60, "r": 200, "t": 50, "b": 60})
    return fig
