"""The dashboards in a real browser against a real `agora serve`: every page loads cleanly, filters
change what is shown and the numbers equal the indicator table, downloads deliver the rows shown,
a public server shows small cells as suppressed, and a newer snapshot shows without a restart."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from dashboard_fixture import (AS_OF, LAST_COMPLETE, PAR02_BASELINE, PAR02_TARGET, PAR02_TARGETED, PARTIAL,
                               LiveServer, build_fixture_warehouse)
from foundation.settings import Settings
from agora.core import Agora
from dashboards.app import NAVIGATION
from figures.formatting import format_value
from warehouse.db import connect

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
@pytest.fixture(scope="module")
def live(fixture_agora):
    server = LiveServer(fixture_agora.settings.warehouse)
    yield server
    server.stop()


class Watched:
    """A page that records console errors, failed responses and any request leaving the server."""

    def __init__(self, browser, base: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        self.page = self.context.new_page()
        self.base, self.problems = base, []
        self.page.on("console", lambda m: self.problems.append(f"console {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error {e}"))
        self.page.on("response", lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.page.on("request", lambda r: None if r.url.startswith((base, "data:", "blob:"))
                     else self.problems.append(f"external request {r.url}"))

    def open(self, path: str, ready: str):
        self.page.goto(self.base + path)
        self.page.wait_for_selector(ready, timeout=30_000)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(launched_chromium, live):
    page = Watched(launched_chromium, live.url)
    yield page
    page.close()


def table(agora: Agora) -> pl.DataFrame:
    con = duckdb.connect(str(agora.settings.snapshot), read_only=True)
    try:
        return con.sql("SELECT * FROM indicator_values").pl()
    finally:
        con.close()


def cell(frame: pl.DataFrame, indicator: str, grain: str, period: str, breakdown="total", value="all") -> dict:
    return frame.filter(indicator_id=indicator, grain=grain, period=period, breakdown=breakdown,
                        breakdown_value=value).row(0, named=True)


def card_value(page, indicator: str) -> str:
    return page.locator(f"#card-{indicator} .card-value").inner_text()


def choose(page, name: str, label: str) -> None:
    """Pick an option of a filter dropdown with the mouse, as a user would."""
    control_id = json.dumps({"name": name, "type": "filter"}, separators=(",", ":"))
    page.locator(f"[id='{control_id}']").click()
    page.get_by_role("option", name=label, exact=True).click()


READY = {"/": "#card-PAR-01 .card-value", "/participation": "#trend-PAR-01 .main-svg",
         "/inclusivity": "#trend-INC-01 .main-svg", "/follow-through": "#trend-FOL-01 .main-svg",
         "/explorer": "#explorer-grid .ag-row", "/data-quality": "#quality-summary",
         "/definitions": "#definition-FOL-13"}


def test_every_page_loads_without_errors_offline(watched):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path, label in NAVIGATION:
        page = watched.open(path, READY[path])
        assert page.locator("h1").inner_text() == label
        assert page.locator(".dash-fe-error__title").count() == 0
        assert page.locator(f"a.nav-link.active").inner_text() == label
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert watched.problems == []


def test_overview_numbers_equal_the_table_and_follow_the_grain_filter(watched, fixture_agora):
    frame = table(fixture_agora)
    page = watched.open("/", READY["/"])
    expected = cell(frame, "PAR-02", "quarter", LAST_COMPLETE["quarter"])
    assert card_value(page, "PAR-02") == format_value(expected["value"], "ratio")
    # 0.4 against a target of 0.5 from a baseline of 0.4: not met, 0% of the way
    assert page.locator("#card-PAR-02 .card-status").inner_text() == "Target 50.0%: not met · 0% achieved"
    assert page.locator("#card-PAR-02 .card-n").inner_text() == f"n = {expected['denominator']}"
    choose(page, "grain", "Year")
    yearly = cell(frame, "PAR-02", "year", LAST_COMPLETE["year"])
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel).innerText === text",
        arg=["#card-PAR-02 .card-value", format_value(yearly["value"], "ratio")])
    assert yearly["value"] != expected["value"]
    for indicator, unit in (("PAR-01", "count"), ("INC-05", "index"), ("FOL-12", "ratio")):
        assert card_value(page, indicator) == format_value(cell(frame, indicator, "year", "2025")["value"], unit)
    assert "grain=year" in page.url and "end=2025" in page.url
    # the URL alone reproduces the view
    again = watched.open(page.url[len(watched.base):], READY["/"])
    assert card_value(again, "PAR-02") == format_value(yearly["value"], "ratio")
    assert watched.problems == []


def test_a_mechanism_filter_shows_that_mechanism_cell(watched, fixture_agora):
    frame = table(fixture_agora)
    page = watched.open("/?grain=quarter&kind=treaty_body", READY["/"])
    expected = cell(frame, "PAR-01", "quarter", "2026-Q1", "mechanism_kind", "treaty_body")["value"]
    assert card_value(page, "PAR-01") == format_value(expected, "count")
    choose(page, "mechanism", "Committee on the Rights of the Child (CRC)")
    crc = cell(frame, "PAR-01", "quarter", "2026-Q1", "mechanism_id", "CRC")["value"]
    page.wait_for_function("([sel, text]) => document.querySelector(sel).innerText === text",
                           arg=["#card-PAR-01 .card-value", format_value(crc, "count")])
    assert page.locator("#card-PAR-05").inner_text().endswith(
        "Not broken down by mechanism: not available for a single mechanism.")
    assert watched.problems == []


def test_area_page_breakdown_shows_the_tables_values(watched, fixture_agora):
    frame = table(fixture_agora)
    page = watched.open("/participation?grain=year&breakdown=region", "#breakdown-PAR-02 text.bartext")
    labels = page.locator("#breakdown-PAR-02 text.bartext").all_text_contents()
    expected = [bar_text(cell(frame, "PAR-02", "year", "2025", "region", r), "ratio") for r in ("WEOG", "APG", "AG")]
    assert sorted(labels) == sorted(expected)
    # the regions are named in words on the bars' axis, never by their raw code
    names = page.locator("#breakdown-PAR-02 .ytick text").all_text_contents()
    assert sorted(names) == ["African Group", "Asia-Pacific Group", "WEOG"]
    assert page.locator("#trend-PAR-02 .gtitle").text_content() == "Trend, all mechanisms"
    choose(page, "kind", "Special procedure")
    page.wait_for_function("() => document.querySelector('#trend-PAR-02 .gtitle').textContent"
                           " === 'Trend, mechanism kind: Special procedure'")
    assert watched.problems == []


def test_explorer_downloads_exactly_the_rows_shown(watched, fixture_agora):
    frame = table(fixture_agora)
    page = watched.open("/explorer?grain=quarter&start=2025-Q1&end=2026-Q2&indicator=PAR-02&breakdown=region",
                        READY["/explorer"])
    expected = frame.filter(indicator_id="PAR-02", grain="quarter", breakdown="region").filter(
        pl.col("period").is_between(pl.lit("2025-Q1"), pl.lit("2026-Q2"))).sort("period", "breakdown_value")
    assert page.locator("#explorer-count").inner_text() == f"{expected.height} rows shown" == "18 rows shown"
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text(encoding="utf-8"))))
    assert [(r["period"], r["breakdown_value"], float(r["value"])) for r in rows] == \
        list(expected.select("period", "breakdown_value", "value").iter_rows())
    assert csv_download.value.suggested_filename.endswith(".csv")
    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="Download XLSX").click()
    sheet = openpyxl.load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active
    assert sheet.max_row == expected.height + 1 and sheet.cell(1, 1).value == "indicator_id"
    # the grid shows the regions in words while the download above kept the codes
    assert grid_rows(page, "explorer-grid", ("breakdown_value", "breakdown"))[0] == ("African Group",
                                                                                    "UN regional group")
    assert "African Group" in page.locator("#explorer-chart .legendtext").all_text_contents()
    choose(page, "breakdown", "All records")
    page.wait_for_function("() => document.querySelector('#explorer-count').innerText === '6 rows shown'")
    assert watched.problems == []


def test_public_audience_shows_small_cells_as_suppressed(launched_chromium, fixture_agora):
    server = LiveServer(fixture_agora.settings.warehouse, "--audience", "public")
    watched = Watched(launched_chromium, server.url)
    try:
        page = watched.open("/explorer?grain=quarter&start=2024-Q1&end=2024-Q2&indicator=PAR-02"
                            "&breakdown=mechanism_kind", READY["/explorer"])
        first = grid_rows(page, "explorer-grid", ("breakdown_value", "value", "n", "breakdown"))[0]
        # the fixture's small cell: PAR-02, 2024-Q1, the first mechanism kind, denominator 3
        assert first == ("Special procedure", "suppressed", "–", "Mechanism kind")
        assert "public view" in page.locator(".run-line").inner_text().lower()
        assert watched.problems == []
    finally:
        watched.close()
        server.stop()


def test_a_newer_snapshot_shows_without_a_restart(launched_chromium, tmp_path):
    agora = Agora(Settings(warehouse=build_fixture_warehouse(tmp_path / "agora.duckdb")))
    agora.publish()
    server = LiveServer(agora.settings.warehouse)
    watched = Watched(launched_chromium, server.url)
    try:
        before = card_value(watched.open("/?grain=year", READY["/"]), "PAR-01")
        con = connect(agora.settings.warehouse)
        con.execute("UPDATE indicator_values SET value = 4321, numerator = 4321 WHERE indicator_id = 'PAR-01' "
                    "AND grain = 'year' AND period = '2025' AND breakdown = 'total'")
        con.close()
        agora.publish()
        after = card_value(watched.open("/?grain=year", READY["/"]), "PAR-01")
        assert before != after == "4,321"
        assert watched.problems == []
    finally:
        watched.close()
        server.stop()


def test_an_unbuilt_warehouse_says_what_to_run(launched_chromium, tmp_path):
    agora = Agora(Settings(warehouse=tmp_path / "agora.duckdb"))
    agora.publish()
    server = LiveServer(agora.settings.warehouse)
    watched = Watched(launched_chromium, server.url)
    try:
        text = watched.open("/", ".message").locator(".message").inner_text()
        assert text.startswith("No indicators yet: run `agora build`")
        assert watched.problems == []
    finally:
        watched.close()
        server.stop()


@pytest.mark.slow
def test_the_dashboard_over_a_generated_and_built_warehouse(launched_chromium, built_agora):
    """The shared fixture (generator -> ingest -> build): pages load and show the run's numbers."""
    from metrics.runs import run_table

    expected = run_table(built_agora.settings.warehouse)
    server = LiveServer(built_agora.settings.warehouse)
    watched = Watched(launched_chromium, server.url)
    try:
        page = watched.open("/?grain=year", READY["/"])
        period = page.url.split("end=")[1].split("&")[0]
        for indicator, unit in (("PAR-01", "count"), ("PAR-02", "ratio"), ("FOL-05", "ratio")):
            row = cell(expected, indicator, "year", period)
            assert card_value(page, indicator) == format_value(row["value"], unit)
        for path in ("/participation", "/explorer", "/data-quality"):
            watched.open(path, READY[path])
        assert watched.problems == []
    finally:
        watched.close()
        server.stop()


def test_keyboard_reaches_the_content_and_the_definitions(watched):
    page = watched.open("/participation", READY["/participation"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    hint = page.locator("#section-PAR-02 .hint")
    assert not page.locator("#section-PAR-02 .hint-text").is_visible()
    hint.focus()
    assert page.locator("#section-PAR-02 .hint-text").is_visible()
    assert "registered" in page.locator("#section-PAR-02 .hint-text").inner_text()
    assert watched.problems == []


def grid_rows(page, grid_id: str, fields: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The cells of a grid's rows, in row order, as the browser shows them (pinned columns included:
    AG Grid draws them in a row of their own with the same row-index)."""
    # the pinned columns render after the centre ones: wait until every row's first field has its text
    page.wait_for_function(
        """([grid, field]) => [...document.querySelectorAll(`#${grid} .ag-cell[col-id='${field}']`)]
                              .every(cell => cell.innerText.trim() !== '')""", arg=[grid_id, fields[0]])
    rows = page.locator(f"#{grid_id} .ag-center-cols-container .ag-row")
    found = {}
    for i in range(rows.count()):
        index = rows.nth(i).get_attribute("row-index")
        found[int(index)] = tuple(
            page.locator(f"#{grid_id} .ag-row[row-index='{index}'] .ag-cell[col-id='{f}']").inner_text().strip()
            for f in fields)
    return [found[i] for i in sorted(found)]


def bar_text(row: dict, unit: str) -> str:
    """What a dashboard bar says: its value and, but for a count, the n it rests on."""
    value = format_value(row["value"], unit)
    n = row["numerator"] if unit == "count" else row["denominator"]
    return value if unit == "count" else f"{value} (n = {n})"


def test_data_quality_shows_the_last_validation_of_records_beside_the_output_checks(watched):
    from dashboard_fixture import RECORD_CHECKS

    page = watched.open("/data-quality", "#quality-record-validation .ag-row")
    shown = grid_rows(page, "quality-record-validation",
                      ("entity", "check", "rows_checked", "rows_failing", "result"))
    assert shown == [
        ("organisations", "organisations.women_led.required", "10", "1", "✗ failed"),
        ("organisations", "organisations.country.country", "10", "1", "✗ failed"),
        ("organisations", "organisations.duplicate_key", "10", "0", "✓ passed"),
        ("engagements", "engagements.mechanism_id.exists", "5", "0", "✓ passed"),
    ] == [(c[1], c[7], str(c[10]), str(c[9]), "✓ passed" if c[8] else "✗ failed") for c in RECORD_CHECKS]
    summary = page.locator("#quality-summary").inner_text()
    assert "2 of 4\nRecord checks passed" in summary and "1 of 2\nOutput checks passed" in summary
    headings = page.locator("h2").all_inner_texts()
    assert headings.index("Last validation of records") + 1 == headings.index("Output validation")
    assert watched.problems == []


def traces(page, graph_id: str) -> dict[str, dict]:
    """A drawn plotly figure's traces by name: what the browser holds, not what the server sent."""
    found = page.evaluate("""(id) => document.querySelector(`#${id} .js-plotly-plot`).data.map(
        t => ({name: t.name, x: t.x, y: t.y, customdata: t.customdata, text: t.text}))""", graph_id)
    return {t["name"]: t for t in found}


def test_partial_periods_are_left_out_by_default_and_marked_when_picked(watched):
    page = watched.open("/", READY["/"])
    assert f"end={LAST_COMPLETE['quarter']}" in page.url
    assert page.locator(".card-partial").count() == 0 and page.locator("#overview-partial").count() == 0
    choose(page, "end", PARTIAL["quarter"])
    page.wait_for_selector("#overview-partial")
    assert page.locator("#overview-partial").inner_text() == (
        f"{PARTIAL['quarter']} is a partial period: data to {AS_OF}. Its figures will change.")
    marks = page.locator(".card-partial").all_inner_texts()
    assert len(marks) == 12 and set(marks) == {f"partial: data to {AS_OF}"}
    assert page.locator("#card-PAR-02 .card-change").inner_text().endswith(f"({PARTIAL['quarter']} partial)")
    page.screenshot(path=str(SCREENSHOTS / "overview-partial.png"), full_page=True)
    # a chart: the partial period is its own dashed trace, named in the legend
    area = watched.open(f"/participation?end={PARTIAL['quarter']}", READY["/participation"])
    drawn = traces(area, "trend-PAR-02")
    said = f"partial period: data to {AS_OF}"
    assert drawn["value"]["y"][-1] is None and drawn[said]["x"][-1] == PARTIAL["quarter"]
    assert said in area.locator("#trend-PAR-02 .legendtext").all_text_contents()
    # the grid: a column in words
    grid_page = watched.open(f"/explorer?indicator=PAR-02&start=2026-Q1&end={PARTIAL['quarter']}", READY["/explorer"])
    assert grid_rows(grid_page, "explorer-grid", ("period", "partial")) == [
        ("2026-Q1", "complete"), (PARTIAL["quarter"], f"partial, to {AS_OF}")]
    assert watched.problems == []


def test_n_is_beside_every_value_and_no_headline_rests_on_a_small_one(watched, fixture_agora):
    frame = table(fixture_agora)
    page = watched.open("/", READY["/"])
    # FOL-05's total in the last complete quarter rests on 3 responses (0 of 3)
    assert card_value(page, "FOL-05") == "too few: n = 3"
    assert page.locator("#card-FOL-05 .card-n").inner_text() == "n = 3, small (under 30)"
    assert page.locator("#card-FOL-05 .card-change").inner_text().startswith("Not compared with 2025-Q4: too few")
    for indicator in ("PAR-02", "INC-01", "FOL-12"):
        row = cell(frame, indicator, "quarter", LAST_COMPLETE["quarter"])
        assert page.locator(f"#card-{indicator} .card-n").inner_text() == f"n = {row['denominator']}"
    grid_page = watched.open("/explorer?indicator=PAR-02&start=2024-Q1&end=2024-Q1&breakdown=mechanism_kind",
                             READY["/explorer"])
    shown = grid_rows(grid_page, "explorer-grid", ("breakdown_value", "n"))
    expected = frame.filter(indicator_id="PAR-02", grain="quarter", period="2024-Q1", breakdown="mechanism_kind")
    dens = dict(zip(expected["breakdown_value"], expected["denominator"]))
    assert shown == [("Special procedure", f"{dens['special_procedure']} (small)"),
                     ("Treaty body", str(dens["treaty_body"])), ("UPR", str(dens["upr"]))]
    # the chart's hover text carries n too
    hover = traces(grid_page, "explorer-chart")["Special procedure"]["customdata"]
    assert hover == [f"{format_value(expected.filter(breakdown_value='special_procedure')['value'][0], 'ratio')}"
                     f" (n = 3, small)"]
    assert watched.problems == []


def test_trends_draw_the_target_and_baseline_and_the_grid_shows_status_in_words(watched, fixture_agora):
    frame = table(fixture_agora)
    page = watched.open("/participation?start=2024-Q3", READY["/participation"])
    drawn = traces(page, "trend-PAR-02")
    periods = drawn["value"]["x"]
    assert drawn["target"]["y"] == [PAR02_TARGET if p in PAR02_TARGETED else None for p in periods]
    assert drawn["baseline"]["y"] == [PAR02_BASELINE if p in PAR02_TARGETED else None for p in periods]
    assert {"value", "target", "baseline"} <= set(page.locator("#trend-PAR-02 .legendtext").all_text_contents())
    # a ratio's axis is 0 to 100 %
    assert page.evaluate("document.querySelector('#trend-PAR-02 .js-plotly-plot').layout.yaxis.range") == [0, 1]
    assert "target" not in traces(page, "trend-PAR-01")
    page.locator("#trend-PAR-02").screenshot(path=str(SCREENSHOTS / "trend-target-baseline.png"))
    grid_page = watched.open("/explorer?indicator=PAR-02&start=2025-Q3&end=2026-Q1", READY["/explorer"])
    shown = grid_rows(grid_page, "explorer-grid", ("period", "value", "n", "target", "status", "achieved"))
    expected = []
    for period in ("2025-Q3", "2025-Q4", "2026-Q1"):
        row = cell(frame, "PAR-02", "quarter", period)
        achieved = (row["value"] - PAR02_BASELINE) / (PAR02_TARGET - PAR02_BASELINE)
        expected.append((period, format_value(row["value"], "ratio"), str(row["denominator"]), "50.0%",
                         row["status"].replace("_", " "), f"{achieved * 100:.0f}%"))
    assert shown == expected and {s[4] for s in shown} == {"met", "not met"}
    # the key columns are in view without scrolling
    box = grid_page.locator("#explorer-grid").bounding_box()
    for column in ("value", "n", "target", "status", "achieved", "partial"):
        header = grid_page.locator(f"#explorer-grid .ag-header-cell[col-id='{column}']").bounding_box()
        assert header["x"] + header["width"] <= box["x"] + box["width"], column
    grid_page.screenshot(path=str(SCREENSHOTS / "explorer-key-columns.png"))
    assert watched.problems == []


def test_a_trend_breaks_at_a_missing_period(watched):
    from dashboard_fixture import MISSING

    page = watched.open("/inclusivity?start=2025-Q1", READY["/inclusivity"])
    drawn = traces(page, "trend-INC-01")["value"]
    gap = drawn["x"].index(MISSING[2])
    assert drawn["y"][gap] is None and drawn["y"][gap - 1] is not None and drawn["y"][gap + 1] is not None
    assert watched.problems == []


def test_the_mechanism_filter_shows_the_mechanisms_own_breakdowns(watched, fixture_agora):
    frame = table(fixture_agora)
    page = watched.open("/participation?mechanism=CRC&breakdown=region", "#breakdown-PAR-02 text.bartext")
    period = LAST_COMPLETE["quarter"]
    crossed = {r: cell(frame, "PAR-02", "quarter", period, "mechanism_id|region", f"CRC|{r}") for r in ("AG", "APG", "WEOG")}
    plain = {r: cell(frame, "PAR-02", "quarter", period, "region", r) for r in ("AG", "APG", "WEOG")}
    assert [r["value"] for r in crossed.values()] != [r["value"] for r in plain.values()]
    assert sorted(page.locator("#breakdown-PAR-02 text.bartext").all_text_contents()) == \
        sorted(bar_text(r, "ratio") for r in crossed.values())
    assert sorted(page.locator("#breakdown-PAR-02 .ytick text").all_text_contents()) == \
        ["African Group", "Asia-Pacific Group", "WEOG"]
    assert page.locator("#breakdown-PAR-02 .gtitle").text_content() == \
        f"By UN regional group, {period}, mechanism CRC"
    # the trend is the mechanism's own row
    trend = traces(page, "trend-PAR-02")["value"]
    assert trend["y"][-1] == pytest.approx(cell(frame, "PAR-02", "quarter", period, "mechanism_id", "CRC")["value"])
    # an indicator without mechanism cells says so, never shows every mechanism's figures
    section = page.locator("#section-PAR-05").inner_text()
    assert "not available for a single mechanism" in section and page.locator("#breakdown-PAR-05").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "participation-mechanism-CRC.png"), full_page=True)
    # without a breakdown asked for, a mechanism's page opens on one of its own (by kind says nothing of one)
    own = watched.open("/participation?mechanism=CRC", "#breakdown-PAR-02 text.bartext")
    assert own.locator("#breakdown-PAR-02 .gtitle").text_content() == f"By engagement kind, {period}, mechanism CRC"
    # the explorer: the crossed rows in words, the download keeps the codes
    grid_page = watched.open(f"/explorer?indicator=PAR-02&mechanism=CRC&breakdown=region&start={period}&end={period}",
                             READY["/explorer"])
    assert grid_rows(grid_page, "explorer-grid", ("breakdown_value", "value", "n")) == [
        (name, format_value(crossed[r]["value"], "ratio"), str(crossed[r]["denominator"]))
        for r, name in (("AG", "African Group"), ("APG", "Asia-Pacific Group"), ("WEOG", "WEOG"))]
    with grid_page.expect_download() as download:
        grid_page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [(r["breakdown"], r["breakdown_value"]) for r in rows] == [
        ("mechanism_id|region", "CRC|AG"), ("mechanism_id|region", "CRC|APG"), ("mechanism_id|region", "CRC|WEOG")]
    # a kind: its crossed cells
    kind_page = watched.open(f"/explorer?indicator=PAR-05&kind=treaty_body&breakdown=org_type&start={period}"
                             f"&end={period}", READY["/explorer"])
    expected = frame.filter(indicator_id="PAR-05", grain="quarter", period=period,
                            breakdown="mechanism_kind|org_type").sort("breakdown_value")
    expected = expected.filter(pl.col("breakdown_value").str.starts_with("treaty_body|"))
    shown = grid_rows(kind_page, "explorer-grid", ("value",))
    assert sorted(v for (v,) in shown) == sorted(format_value(v, "ratio") for v in expected["value"])
    # and PAR-05 for one mechanism: said, with an empty grid
    none_page = watched.open("/explorer?indicator=PAR-05&mechanism=CRC&breakdown=region", "#explorer-count")
    none_page.wait_for_function("() => document.querySelector('#explorer-count').innerText.includes('not available')")
    assert none_page.locator("#explorer-count").inner_text() == \
        "PAR-05 by UN regional group: not available for a single mechanism (mechanism CRC)."
    assert none_page.locator("#explorer-grid .ag-center-cols-container .ag-row").count() == 0
    assert watched.problems == []


def test_an_inverted_range_is_swapped_visibly(watched, fixture_agora):
    page = watched.open("/explorer?indicator=PAR-02&start=2025-Q1&end=2025-Q2", READY["/explorer"])
    assert page.locator("#range-notice").inner_text() == ""
    choose(page, "start", "2025-Q4")
    page.wait_for_function("() => document.querySelector('#range-notice').innerText.length > 0")
    assert page.locator("#range-notice").inner_text() == (
        "From 2025-Q4 is after To 2025-Q2: the range is shown from 2025-Q2 to 2025-Q4 instead.")
    page.wait_for_function("() => document.querySelector('#explorer-count').innerText === '3 rows shown'")
    assert [p for (p,) in grid_rows(page, "explorer-grid", ("period",))] == ["2025-Q2", "2025-Q3", "2025-Q4"]
    page.wait_for_function("() => window.location.search.includes('start=2025-Q2&end=2025-Q4')")
    # a link with the range the wrong way round says so too
    linked = watched.open("/?start=2026-Q1&end=2025-Q3", READY["/"])
    assert linked.locator("#range-notice").inner_text().startswith("From 2026-Q1 is after To 2025-Q3")
    assert "2026-Q1 compared with 2025-Q4" in linked.locator("main").inner_text()
    assert watched.problems == []


def test_the_page_language_and_the_filters_names(watched):
    page = watched.open("/explorer?indicator=PAR-02", READY["/explorer"])
    assert page.evaluate("document.documentElement.lang") == "en"
    for name in ("Grain: Quarter", f"To: {LAST_COMPLETE['quarter']}", "Mechanism: All mechanisms",
                 "Indicator: PAR-02 Attendance rate", "Breakdown: All records"):
        assert page.get_by_role("button", name=name, exact=True).count() == 1, name
    choose(page, "grain", "Year")
    page.wait_for_function("() => !!document.querySelector('button[aria-label=\"Grain: Year\"]')")
    assert watched.problems == []


def test_an_area_a_user_catalogue_adds_gets_its_page_and_cards(launched_chromium, tmp_path):
    agora = Agora(Settings(warehouse=build_fixture_warehouse(tmp_path / "agora.duckdb")))
    agora.publish()
    # what a run built with a user catalogue publishes: an indicator in an area of its own, a headline
    with duckdb.connect(str(agora.settings.snapshot)) as con:
        con.execute("UPDATE catalogue SET area = 'Digital access', headline = true WHERE indicator_id = 'PAR-07'")
    server = LiveServer(agora.settings.warehouse)
    watched = Watched(launched_chromium, server.url)
    try:
        page = watched.open("/", READY["/"])
        assert page.locator("section.area h2").all_inner_texts() == [
            "Participation", "Inclusivity", "Follow-through", "Digital access"]
        assert page.locator("section[aria-label='Digital access'] .card").count() == 1
        page.get_by_role("link", name="Digital access").click()
        page.wait_for_selector("#trend-PAR-07 .main-svg")
        assert page.url.split("?")[0] == server.url + "/area/digital-access"
        assert page.locator("h1").inner_text() == "Digital access"
        assert page.locator("section.indicator").count() == 1
        assert page.locator("a.nav-link.active").inner_text() == "Digital access"
        assert page.title() == "Agora · Digital access"
        assert serious_violations(page, "area-digital-access") == []
        # the shipped areas keep their addresses
        assert watched.open("/participation", READY["/participation"]).locator("h1").inner_text() == "Participation"
        assert watched.problems == []
    finally:
        watched.close()
        server.stop()


AXE_REPORTS = SCREENSHOTS.parent / "axe"


def serious_violations(page, name: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands; its full report is
    written to test-artifacts/axe/<name>.json."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"{name}.json").write_text(json.dumps(results.response, indent=1), encoding="utf-8")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_every_page_has_no_serious_or_critical_accessibility_violation(watched):
    found = {}
    pages = [*((name, path) for name, path, _ in NAVIGATION),
             ("participation-partial-mechanism", f"/participation?mechanism=CRC&end={PARTIAL['quarter']}"),
             ("explorer-crossed", "/explorer?indicator=PAR-02&mechanism=CRC&breakdown=region")]
    for name, path in pages:
        found[name] = serious_violations(watched.open(path, READY[path.split("?")[0]]), name)
    assert found == {name: [] for name, _ in pages}
    assert watched.problems == []
