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

from dashboard_fixture import LiveServer, build_fixture_warehouse
from foundation.settings import Settings
from agora.core import Agora
from dashboards.app import NAVIGATION
from figures.formatting import format_value
from warehouse.db import connect

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def dash_browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


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
def watched(dash_browser, live):
    page = Watched(dash_browser, live.url)
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
    expected = cell(frame, "PAR-02", "quarter", "2026-Q2")
    assert card_value(page, "PAR-02") == format_value(expected["value"], "ratio")
    assert "target 50.0%" in page.locator("#card-PAR-02 .card-status").inner_text()
    choose(page, "grain", "Year")
    yearly = cell(frame, "PAR-02", "year", "2026")
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel).innerText === text",
        arg=["#card-PAR-02 .card-value", format_value(yearly["value"], "ratio")])
    assert yearly["value"] != expected["value"]
    for indicator, unit in (("PAR-01", "count"), ("INC-05", "index"), ("FOL-12", "ratio")):
        assert card_value(page, indicator) == format_value(cell(frame, indicator, "year", "2026")["value"], unit)
    assert "grain=year" in page.url and "end=2026" in page.url
    # the URL alone reproduces the view
    again = watched.open(page.url[len(watched.base):], READY["/"])
    assert card_value(again, "PAR-02") == format_value(yearly["value"], "ratio")
    assert watched.problems == []


def test_a_mechanism_filter_shows_that_mechanism_cell(watched, fixture_agora):
    frame = table(fixture_agora)
    page = watched.open("/?grain=quarter&kind=treaty_body", READY["/"])
    expected = cell(frame, "PAR-01", "quarter", "2026-Q2", "mechanism_kind", "treaty_body")["value"]
    assert card_value(page, "PAR-01") == format_value(expected, "count")
    choose(page, "mechanism", "Committee on the Rights of the Child (CRC)")
    crc = cell(frame, "PAR-01", "quarter", "2026-Q2", "mechanism_id", "CRC")["value"]
    page.wait_for_function("([sel, text]) => document.querySelector(sel).innerText === text",
                           arg=["#card-PAR-01 .card-value", format_value(crc, "count")])
    assert "Not broken down by mechanism" in page.locator("#card-PAR-05").inner_text()
    assert watched.problems == []


def test_area_page_breakdown_shows_the_tables_values(watched, fixture_agora):
    frame = table(fixture_agora)
    page = watched.open("/participation?grain=year&breakdown=region", "#breakdown-PAR-02 text.bartext")
    labels = page.locator("#breakdown-PAR-02 text.bartext").all_text_contents()
    expected = [format_value(cell(frame, "PAR-02", "year", "2026", "region", r)["value"], "ratio")
                for r in ("WEOG", "APG", "AG")]
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
    shown = page.locator("#explorer-grid .ag-row[row-index='0']").inner_text()
    assert "African Group" in shown and "UN regional group" in shown
    assert "African Group" in page.locator("#explorer-chart .legendtext").all_text_contents()
    choose(page, "breakdown", "All records")
    page.wait_for_function("() => document.querySelector('#explorer-count').innerText === '6 rows shown'")
    assert watched.problems == []


def test_public_audience_shows_small_cells_as_suppressed(dash_browser, fixture_agora):
    server = LiveServer(fixture_agora.settings.warehouse, "--audience", "public")
    watched = Watched(dash_browser, server.url)
    try:
        page = watched.open("/explorer?grain=quarter&start=2024-Q1&end=2024-Q2&indicator=PAR-02"
                            "&breakdown=mechanism_kind", READY["/explorer"])
        first = page.locator("#explorer-grid .ag-row[row-index='0']").inner_text()
        # the fixture's small cell: PAR-02, 2024-Q1, the first mechanism kind, denominator 3
        assert "Special procedure" in first and "suppressed" in first and "0.0%" not in first
        assert "special_procedure" not in first and "Mechanism kind" in first
        assert "public view" in page.locator(".run-line").inner_text().lower()
        assert watched.problems == []
    finally:
        watched.close()
        server.stop()


def test_a_newer_snapshot_shows_without_a_restart(dash_browser, tmp_path):
    agora = Agora(Settings(warehouse=build_fixture_warehouse(tmp_path / "agora.duckdb")))
    agora.publish()
    server = LiveServer(agora.settings.warehouse)
    watched = Watched(dash_browser, server.url)
    try:
        before = card_value(watched.open("/?grain=year", READY["/"]), "PAR-01")
        con = connect(agora.settings.warehouse)
        con.execute("UPDATE indicator_values SET value = 4321, numerator = 4321 WHERE indicator_id = 'PAR-01' "
                    "AND grain = 'year' AND period = '2026' AND breakdown = 'total'")
        con.close()
        agora.publish()
        after = card_value(watched.open("/?grain=year", READY["/"]), "PAR-01")
        assert before != after == "4,321"
        assert watched.problems == []
    finally:
        watched.close()
        server.stop()


def test_an_unbuilt_warehouse_says_what_to_run(dash_browser, tmp_path):
    agora = Agora(Settings(warehouse=tmp_path / "agora.duckdb"))
    agora.publish()
    server = LiveServer(agora.settings.warehouse)
    watched = Watched(dash_browser, server.url)
    try:
        text = watched.open("/", ".message").locator(".message").inner_text()
        assert text.startswith("No indicators yet: run `agora build`")
        assert watched.problems == []
    finally:
        watched.close()
        server.stop()


@pytest.mark.slow
def test_the_dashboard_over_a_generated_and_built_warehouse(dash_browser, built_agora):
    """The shared fixture (generator -> ingest -> build): pages load and show the run's numbers."""
    from metrics.runs import run_table

    expected = run_table(built_agora.settings.warehouse)
    server = LiveServer(built_agora.settings.warehouse)
    watched = Watched(dash_browser, server.url)
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
    """The cells of a grid's rows, in row order, as the browser shows them."""
    rows = page.locator(f"#{grid_id} .ag-center-cols-container .ag-row")
    found = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        found[int(row.get_attribute("row-index"))] = tuple(
            row.locator(f".ag-cell[col-id='{f}']").inner_text().strip() for f in fields)
    return [found[i] for i in sorted(found)]


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
