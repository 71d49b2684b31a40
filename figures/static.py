"""The report's charts, drawn straight from indicator rows with no browser (see `figures.drawing`).

Two kinds, one width and one type size: a trend (one indicator's total over periods, with its target
and baseline where it has them, a gap where a period is missing or suppressed, and a hollow point
for a period that is not over) and horizontal breakdown bars. The dashboard keeps its plotly
figures (`figures.charts`); a report needs a fixed page, not interaction.
"""

from __future__ import annotations

import math

from figures.charts import PALETTE
from figures.drawing import FONT_SIZE, Circle, Drawing, Line, Rect, Text, text_width, wrapped
from figures.formatting import format_value
from foundation.vocabulary import Period

#: every report chart is this wide (CSS pixels): two fit side by side, or a chart beside its table, on A4
CHART_WIDTH = 330
#: the height of a trend; a breakdown grows with its bars
TREND_HEIGHT = 170
LINE = FONT_SIZE + 2
INK, MUTED, RULE = "#1b1f24", "#5a6270", "#d5dae1"
VALUE_COLOUR = PALETTE[0]
TARGET_COLOUR = PALETTE[5]
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def shown(row: dict | None) -> float | None:
    """The value a chart may draw: none for a missing row, a withheld one or an empty value."""
    if row is None or row.get("suppressed") or row.get("value") is None:
        return None
    return row["value"]


def nice_step(span: float, ticks: int = 4) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` intervals."""
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def axis(values: list[float], ceiling: float | None = None) -> tuple[float, float, float]:
    """Low end, high end and tick step of a value axis holding `values` and zero; no higher than
    `ceiling` (100% for a share) when the values stay under it."""
    low, top = min([0.0, *values]), max([0.0, *values])
    if top == low:
        top = low + 1
    step = nice_step(top - low)
    high = math.ceil(top * 1.08 / step) * step
    if ceiling is not None and top <= ceiling:
        high = min(high, ceiling)
    return math.floor(low / step) * step, high, step


def tick_label(value: float, unit: str, step: float) -> str:
    """A tick's number with as many decimals as its step needs (a step of 2.5% writes 7.5%)."""
    scale, suffix = (100, "%") if unit == "ratio" else (1, "")
    decimals = next(d for d in range(6) if abs(round(step * scale, d) - step * scale) < 1e-9)
    return f"{value * scale:,.{decimals}f}{suffix}"


def period_lines(periods: list[str]) -> list[tuple[str, str]]:
    """Each period as two short lines under the axis: its step (Q2, May) and, where it changes, its year."""
    lines = []
    for i, text in enumerate(periods):
        period = Period.parse(text)
        if period.grain == "year":
            lines.append((text, ""))
            continue
        first_of_year = i == 0 or period.step == 1
        step = f"Q{period.step}" if period.grain == "quarter" else MONTHS[period.step - 1]
        lines.append((step, str(period.year) if first_of_year else ""))
    return lines


def _runs(values: list[float | None]) -> list[list[int]]:
    """Indices of consecutive periods sharing one value (a target or a baseline), per stretch."""
    runs: list[list[int]] = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if runs and runs[-1][-1] == i - 1 and values[i - 1] == value:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def trend_chart(periods: list[str], rows: list[dict | None], unit: str, title: str) -> Drawing:
    """One indicator's total over `periods` (oldest first; a row or None for each)."""
    values = [shown(row) for row in rows]
    targets = [row["target"] if row else None for row in rows]
    baselines = [row["baseline"] if row else None for row in rows]
    partial = [bool(row and row.get("partial")) for row in rows]
    suppressed = [bool(row and row.get("suppressed")) for row in rows]
    low, top, step = axis([v for v in values + targets + baselines if v is not None],
                          1.0 if unit == "ratio" else None)

    legend = [(kind, words) for kind, words, present in (
        ("target", "target", any(t is not None for t in targets)),
        ("baseline", "baseline", any(b is not None for b in baselines)),
        ("partial", "period not over", any(partial)),
        ("suppressed", "suppressed", any(suppressed)),
    ) if present]
    ticks = [low + k * step for k in range(round((top - low) / step) + 1)]
    left = max(text_width(tick_label(t, unit, step)) for t in ticks) + 8
    labels = period_lines(periods)
    two_lines = any(year for _, year in labels)
    key = legend_rows(legend, left)
    bottom = 6 + LINE * (2 if two_lines else 1) + (LINE * len(key) + 4 if key else 0)
    plot_top, plot_bottom, plot_left, plot_right = 16.0, TREND_HEIGHT - bottom, left, CHART_WIDTH - 8.0
    slot = (plot_right - plot_left) / len(periods)

    def x(i: int) -> float:
        return plot_left + (i + 0.5) * slot

    def y(value: float) -> float:
        return plot_bottom - (value - low) / (top - low) * (plot_bottom - plot_top)

    drawing = Drawing(CHART_WIDTH, TREND_HEIGHT, title)
    for tick in ticks:
        drawing.add(Line(plot_left, y(tick), plot_right, y(tick), RULE if tick else MUTED, 1.0),
                    Text(plot_left - 5, y(tick) + 4, tick_label(tick, unit, step), MUTED, "end"))
    for i, (step_text, year) in enumerate(labels):
        drawing.add(Text(x(i), plot_bottom + LINE + 1, step_text, INK, "middle"))
        if year:
            drawing.add(Text(x(i), plot_bottom + 2 * LINE + 1, year, MUTED, "middle"))
    for series, colour, dash in ((targets, TARGET_COLOUR, (6.0, 3.0)), (baselines, MUTED, (2.0, 2.0))):
        for run in _runs(series):
            level = y(series[run[0]])
            drawing.add(Line(x(run[0]) - slot / 2 + 2, level, x(run[-1]) + slot / 2 - 2, level, colour, 1.5, dash))
    for i in range(1, len(values)):
        if values[i - 1] is not None and values[i] is not None:
            drawing.add(Line(x(i - 1), y(values[i - 1]), x(i), y(values[i]), VALUE_COLOUR, 2.0,
                             (4.0, 3.0) if partial[i] else ()))
    for i, value in enumerate(values):
        if value is not None:
            drawing.add(Circle(x(i), y(value), 3.5, VALUE_COLOUR, hollow=partial[i]))
        elif suppressed[i]:
            drawing.add(Text(x(i), plot_bottom - 4, "×", MUTED, "middle", bold=True))
    last = max((i for i, v in enumerate(values) if v is not None), default=None)
    if last is not None:
        label = format_value(values[last], unit)
        half = text_width(label, bold=True) / 2
        drawing.add(Text(min(max(x(last), plot_left + half), CHART_WIDTH - 2 - half), y(values[last]) - 7,
                         label, INK, "middle", bold=True))
    _legend(drawing, key, TREND_HEIGHT - 5 - LINE * (len(key) - 1))
    return drawing


#: the width each kind of key mark takes before its words
_MARK_WIDTH = {"target": 20, "baseline": 20, "partial": 12, "suppressed": 12}


def legend_rows(entries: list[tuple[str, str]], start: float) -> list[list[tuple[str, str, float]]]:
    """The key's entries placed in rows under the chart: (kind, words, x), a new row where one is full."""
    rows: list[list[tuple[str, str, float]]] = [[]] if entries else []
    at = start
    for kind, words in entries:
        width = _MARK_WIDTH[kind] + text_width(words)
        if rows[-1] and at + width > CHART_WIDTH - 2:
            rows.append([])
            at = start
        rows[-1].append((kind, words, at))
        at += width + 12
    return rows


def _legend(drawing: Drawing, rows: list[list[tuple[str, str, float]]], first_baseline: float) -> None:
    """A key under the chart, only for the marks it uses (by shape and words, not colour alone)."""
    for r, row in enumerate(rows):
        baseline = first_baseline + r * LINE
        middle = baseline - 4
        for kind, words, at in row:
            if kind == "target":
                drawing.add(Line(at, middle, at + 16, middle, TARGET_COLOUR, 1.5, (6.0, 3.0)))
            elif kind == "baseline":
                drawing.add(Line(at, middle, at + 16, middle, MUTED, 1.5, (2.0, 2.0)))
            elif kind == "partial":
                drawing.add(Circle(at + 4, middle, 3.5, VALUE_COLOUR, hollow=True))
            else:
                drawing.add(Text(at + 4, baseline, "×", MUTED, "middle", bold=True))
            drawing.add(Text(at + _MARK_WIDTH[kind], baseline, words, MUTED))


def breakdown_chart(bars: list[tuple[str, dict]], unit: str, title: str) -> Drawing:
    """One bar per breakdown value, top to bottom as given: (name in words, row); each bar's value
    written at its end, "suppressed" where it is withheld."""
    values = [shown(row) for _, row in bars]
    texts = [format_value(row["value"], unit, bool(row.get("suppressed"))) for _, row in bars]
    label_width = min(max(text_width(name) for name, _ in bars), CHART_WIDTH * 0.42)
    names = [wrapped(name, label_width, 2) for name, _ in bars]
    slot = 2 * LINE + 4 if any(len(lines) > 1 for lines in names) else LINE + 9
    height = round(slot * len(bars) + 8)
    bars_left = label_width + 8
    value_room = max(text_width(t) for t in texts) + 6
    low, top = min([0.0, *[v for v in values if v is not None]]), max([0.0, *[v for v in values if v is not None]])
    span = (top - low) or 1.0
    scale = (CHART_WIDTH - bars_left - value_room - 2) / span
    zero = bars_left + (0 - low) * scale
    drawing = Drawing(CHART_WIDTH, height, title)
    drawing.add(Line(zero, 2, zero, height - 4, MUTED, 1.0))
    for k, ((_, row), value, text, lines) in enumerate(zip(bars, values, texts, names)):
        middle = 4 + slot * (k + 0.5)
        for j, line in enumerate(lines):
            drawing.add(Text(label_width, middle + 4 + (j - (len(lines) - 1) / 2) * LINE, line, INK, "end"))
        if value is None:
            drawing.add(Text(zero + 4, middle + 4, text, MUTED, italic=True))
            continue
        end = zero + value * scale
        drawing.add(Rect(min(zero, end), middle - 6, abs(end - zero), 12, VALUE_COLOUR),
                    Text(max(zero, end) + 4, middle + 4, text, INK))
    return drawing
