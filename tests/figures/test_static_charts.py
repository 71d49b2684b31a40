"""The report's charts, drawn without a browser: what each mark says, read back from the SVG."""

from __future__ import annotations

import io
import re

from PIL import Image

from figures.drawing import FONT_SIZE, text_width, wrapped
from figures.static import CHART_WIDTH, TREND_HEIGHT, axis, breakdown_chart, tick_label, trend_chart

PERIODS = ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]


def row(value, target=None, baseline=None, suppressed=False, partial=False):
    return {"value": value, "target": target, "baseline": baseline, "suppressed": suppressed, "partial": partial}


def lines(svg: str) -> list[tuple[float, float, float, float, str]]:
    return [(float(a), float(b), float(c), float(d), rest) for a, b, c, d, rest in re.findall(
        r'<line x1="([\d.-]+)" y1="([\d.-]+)" x2="([\d.-]+)" y2="([\d.-]+)" ([^/]*)/>', svg)]


def test_a_trend_breaks_at_a_missing_period_and_marks_an_unfinished_one():
    drawing = trend_chart(PERIODS, [row(10.0), None, row(20.0), row(30.0, partial=True)], "count", "T")
    svg = drawing.svg("t")
    value_lines = [line for line in lines(svg) if 'stroke="#0072B2"' in line[4]]
    # Q3 -> Q4 and Q4 -> Q1 are not joined (Q4 is missing); Q1 -> Q2 is, dashed as Q2 is not over
    assert len(value_lines) == 1 and "stroke-dasharray" in value_lines[0][4]
    # one hollow point, the unfinished period, and its key under the chart
    assert svg.count('fill="white" stroke="#0072B2"') == 2
    assert ">period not over</text>" in svg
    assert (drawing.width, drawing.height) == (CHART_WIDTH, TREND_HEIGHT)


def test_a_trend_draws_its_target_and_baseline_at_their_values_and_marks_a_suppressed_period():
    rows = [row(100.0, target=200.0, baseline=50.0), row(150.0, target=200.0, baseline=50.0),
            row(None, suppressed=True), row(180.0, target=250.0)]
    svg = trend_chart(PERIODS, rows, "count", "T").svg("t")
    targets = [line for line in lines(svg) if 'stroke="#D55E00"' in line[4] and "6.0 3.0" in line[4]]
    baselines = [line for line in lines(svg) if "2.0 2.0" in line[4]]
    # the axis runs 0..300 (step 50): a target of 200 and one of 250 lie at different heights, the 200
    # line spans the first two periods; the baseline lies below both
    ticks = {float(y): label for y, label in re.findall(r'<text x="[\d.]+" y="([\d.]+)" fill="#5a6270" '
                                                        r'text-anchor="end">([^<]*)</text>', svg)}
    assert "300" in ticks.values() and "0" in ticks.values()
    plotted = [line for line in targets if line[1] < 120]  # the key's sample lies under the axis
    by_level = sorted({line[1] for line in plotted})
    assert len(by_level) == 2
    assert [b for b in baselines if b[1] < 120] and all(b[1] > max(by_level) for b in baselines if b[1] < 120)
    assert ">×</text>" in svg and ">suppressed</text>" in svg
    assert ">180</text>" in svg  # the latest value is written at its point


def test_the_axis_holds_zero_the_values_and_targets():
    assert axis([0.0, 0.0], ceiling=1.0) == (0.0, 1.0, 0.25)  # 0 of 1: 0% to 100%, not -100% to 100%
    low, top, step = axis([0.42, 0.75], ceiling=1.0)
    assert (low, top, step) == (0.0, 1.0, 0.2)
    assert axis([-3.0, 9.0])[0] < 0


def test_breakdown_bars_name_their_values_in_words_and_say_suppressed():
    bars = [("African Group", row(0.5)), ("Community-based organisation", row(None, suppressed=True)),
            ("WEOG", row(0.25))]
    drawing = breakdown_chart(bars, "ratio", "B")
    svg = drawing.svg("b")
    assert ">African Group</text>" in svg and ">WEOG</text>" in svg
    assert ">suppressed</text>" in svg and svg.count("<rect") == 2
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths[0] == 2 * widths[1]  # 50% is twice as long as 25%
    assert drawing.width == CHART_WIDTH


def test_text_is_measured_and_wrapped_at_word_boundaries():
    assert text_width("WWW") > text_width("iii") > 0
    assert wrapped("Community-based organisation", 120, 2) == ["Community-based", "organisation"]
    assert all(text_width(line) <= 60 for line in wrapped("A rather long label for a bar", 60, 2))


def test_the_same_rows_give_the_same_bytes_in_svg_and_png():
    rows = [row(1.0), row(2.0, target=3.0), None, row(4.0, partial=True)]
    first, second = trend_chart(PERIODS, rows, "mean", "T"), trend_chart(PERIODS, rows, "mean", "T")
    assert first.svg("k") == second.svg("k") and first.png() == second.png()
    image = Image.open(io.BytesIO(first.png(scale=2)))
    assert image.size == (2 * CHART_WIDTH, 2 * TREND_HEIGHT)
    assert f'font-size="{FONT_SIZE}"' in first.svg("k")


def test_tick_labels_have_the_decimals_their_step_needs():
    assert [tick_label(v, "ratio", 0.025) for v in (0.0, 0.025, 0.075)] == ["0.0%", "2.5%", "7.5%"]
    assert tick_label(0.5, "ratio", 0.25) == "50%"
    assert tick_label(1500.0, "count", 500.0) == "1,500"
