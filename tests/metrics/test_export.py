"""`agora export` on a real DuckDB warehouse holding two hand-made runs, read back per format."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl

from metrics.disclosure import in_public_edition
import pytest

from agora.cli import main
from foundation.settings import Settings
from agora.core import Agora
from metrics.export import TABLE_COLUMNS, ExportError, export_run
from warehouse.db import connect
from warehouse.faults import FileBusy

AS_OF = date(2026, 6, 30)
RUN = "run-2026-06-30"
OLD_RUN = "run-2026-03-31"
#: organisation ids in the warehouse: none may appear in any export
ORG_IDS = ("ORG-7F3A", "ORG-91C2")
INJECTED = ("=HYPERLINK(\"http://x\")", "+41 22", "-1", "@SUM(A1)")

PERIODS = {
    ("year", "2026"): (date(2026, 1, 1), date(2026, 12, 31)),
    ("quarter", "2026-Q1"): (date(2026, 1, 1), date(2026, 3, 31)),
    ("quarter", "2026-Q2"): (date(2026, 4, 1), date(2026, 6, 30)),
    ("month", "2026-04"): (date(2026, 4, 1), date(2026, 4, 30)),
    ("month", "2026-05"): (date(2026, 5, 1), date(2026, 5, 31)),
}

# (indicator, name, area, unit, grain, period, breakdown, breakdown_value, numerator, denominator, value,
#  baseline, target, status)
ROWS = [
    ("PAR-01", "Organisations engaged", "Participation", "count", "year", "2026", "total", "all",
     4, None, 4.0, 2.0, 10.0, "not_met"),
    ("PAR-01", "Organisations engaged", "Participation", "count", "quarter", "2026-Q2", "total", "all",
     5, None, 5.0, None, None, "no_target"),
    *[
        ("PAR-01", "Organisations engaged", "Participation", "count", "year", "2026", "mechanism_id", text,
         5 + i, None, 5.0 + i, None, None, "no_target")
        for i, text in enumerate(INJECTED)
    ],
    ("PAR-02", "Attendance rate", "Participation", "ratio", "year", "2026", "total", "all",
     3, 4, 0.75, None, 0.8, "not_met"),
    ("PAR-02", "Attendance rate", "Participation", "ratio", "quarter", "2026-Q1", "total", "all",
     2, 3, 2 / 3, None, None, "no_target"),
    ("PAR-02", "Attendance rate", "Participation", "ratio", "quarter", "2026-Q2", "total", "all",
     4, 5, 0.8, None, None, "no_target"),
    ("PAR-02", "Attendance rate", "Participation", "ratio", "month", "2026-04", "total", "all",
     1, 7, 1 / 7, None, None, "no_target"),
    ("PAR-02", "Attendance rate", "Participation", "ratio", "month", "2026-05", "total", "all",
     3, 9, 1 / 3, None, None, "no_target"),
    ("PAR-03", "Organisations per engagement", "Participation", "mean", "year", "2026", "total", "all",
     46, 3, 46 / 3, None, None, "no_target"),
    ("INC-05", "Regional balance", "Inclusivity", "index", "year", "2026", "total", "all",
     None, 12, 0.9234567890123456, None, None, "no_target"),
    ("FOL-02", "Days to acknowledge", "Follow-through", "median", "year", "2026", "total", "all",
     None, 6, 3.5, 9.0, 7.0, "met"),
    ("FOL-10", "Overdue follow-up", "Follow-through", "ratio", "month", "2026-05", "region", "none",
     1, 8, 0.000012345678901234, None, None, "no_target"),
]


def insert_run(con, run_id: str, as_of: date, built_at: datetime, rows) -> None:
    con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, '{}', '{}', ?)",
        [run_id, as_of, built_at, "cat-" + "a" * 12, "data-" + run_id[-5:], "0.1.0+test", len(rows)],
    )
    for (ind, name, area, unit, grain, period, bd, bv, num, den, val, base, target, status) in rows:
        start, end = PERIODS[(grain, period)]
        con.execute(
            "INSERT INTO indicator_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, ind, name, area, unit, grain, period, start, end, bd, bv, num, den, val, base, target,
             status, as_of],
        )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "agora.duckdb"
    con = connect(path)
    for org_id in ORG_IDS:
        con.execute(
            "INSERT INTO organisations VALUES (?, 'Defenders of ' || ?, 'national_ngo', 'KEN', true, false, "
            "['women'], 'lt_50k', false, true)", [org_id, org_id],
        )
    # Stored out of export order on purpose: the export sorts.
    insert_run(con, RUN, AS_OF, datetime(2026, 7, 1, 9), list(reversed(ROWS)))
    insert_run(con, OLD_RUN, date(2026, 3, 31), datetime(2026, 4, 1, 9), ROWS[:2])
    con.close()
    return path


def export(warehouse: Path, out: Path, fmt: str = "csv", audience: str = "internal", **filters) -> Path:
    return export_run(warehouse, out=out, fmt=fmt, audience=audience, small_cell_threshold=5, **filters)


def read_back(path: Path, fmt: str) -> pl.DataFrame:
    if fmt == "csv":
        return pl.read_csv(path, infer_schema_length=None)
    if fmt == "json":  # keys are sorted in each line
        return pl.read_ndjson(path, infer_schema_length=None).select(TABLE_COLUMNS)
    return pl.read_parquet(path)


def numbers(frame: pl.DataFrame) -> dict[tuple, tuple]:
    return {
        (r["indicator_id"], r["period"], r["breakdown_value"].lstrip("'")): (r["numerator"], r["denominator"], r["value"])
        for r in frame.iter_rows(named=True)
    }


EXPECTED = {(r[0], r[5], r[7]): (r[8], r[9], r[10]) for r in ROWS}


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_each_format_round_trips_every_number_exactly(warehouse, tmp_path, fmt):
    frame = read_back(export(warehouse, tmp_path / f"t.{fmt}", fmt), fmt)
    assert tuple(frame.columns) == TABLE_COLUMNS
    assert frame.height == len(ROWS)
    assert numbers(frame) == EXPECTED
    assert frame["run_id"].unique().to_list() == [RUN]
    assert not frame["suppressed"].any()
    assert frame["as_of"].cast(pl.String).unique().to_list() == ["2026-06-30"]


def test_rows_come_in_one_documented_order(warehouse, tmp_path):
    frame = pl.read_csv(export(warehouse, tmp_path / "t.csv"))
    assert frame["indicator_id"].unique(maintain_order=True).to_list() == [
        "PAR-01", "PAR-02", "PAR-03", "INC-05", "FOL-02", "FOL-10"]
    assert frame.filter(pl.col("indicator_id") == "PAR-02")["period"].to_list() == [
        "2026", "2026-Q1", "2026-Q2", "2026-04", "2026-05"]
    assert frame.filter(pl.col("indicator_id") == "PAR-01")["breakdown"][0] == "total"


def test_csv_writes_integers_round_tripping_floats_and_empty_nulls(warehouse, tmp_path):
    lines = export(warehouse, tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(TABLE_COLUMNS)
    index = next(line for line in lines if line.startswith("INC-05"))
    assert ",,12,0.9234567890123456,,,no_target,false,2026-06-30," + RUN in index
    tiny = next(line for line in lines if line.startswith("FOL-10"))
    assert ",1,8,0.000012345678901234,,," in tiny
    mean = next(line for line in lines if line.startswith("PAR-03"))
    assert ",46,3,15.333333333333334,," in mean


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet", "xlsx"])
@pytest.mark.parametrize("audience", ["internal", "public"])
def test_two_exports_of_the_same_run_are_byte_identical(warehouse, tmp_path, fmt, audience):
    first = export(warehouse, tmp_path / "a" / f"t.{fmt}", fmt, audience)
    second = export(warehouse, tmp_path / "b" / f"t.{fmt}", fmt, audience)
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_public_suppresses_at_the_boundary_for_counts_and_ratios(warehouse, tmp_path, fmt):
    frame = read_back(export(warehouse, tmp_path / f"p.{fmt}", fmt, "public"), fmt)
    got = {(r["indicator_id"], r["period"], r["breakdown"]): r for r in frame.iter_rows(named=True)}
    count_4, count_5 = got[("PAR-01", "2026", "total")], got[("PAR-01", "2026-Q2", "total")]
    assert (count_4["suppressed"], count_4["numerator"], count_4["value"]) == (True, None, None)
    assert (count_5["suppressed"], count_5["numerator"], count_5["value"]) == (False, 5, 5.0)
    ratio_4, ratio_5 = got[("PAR-02", "2026", "total")], got[("PAR-02", "2026-Q2", "total")]
    assert (ratio_4["suppressed"], ratio_4["numerator"], ratio_4["denominator"], ratio_4["value"]) == (
        True, None, None, None)
    # 4 of 5: the numerator is under 5 (and the complement, 1)
    assert (ratio_5["suppressed"], ratio_5["numerator"], ratio_5["denominator"], ratio_5["value"]) == (
        True, None, None, None)
    # A withheld row keeps its target but not its status: `not_met` against 0.8 would tell.
    assert (ratio_4["target"], ratio_4["status"]) == (0.8, None)
    # PAR-01 2026, the PAR-02 year and quarter rows (numerators under 5), PAR-03, FOL-10; no month is public
    assert frame["suppressed"].sum() == 5 and "month" not in set(frame["grain"])


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet", "xlsx"])
def test_no_organisation_id_or_name_reaches_a_public_export(warehouse, tmp_path, fmt):
    path = export(warehouse, tmp_path / f"p.{fmt}", fmt, "public")
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path)
        text = " ".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row)
    elif fmt == "parquet":
        text = pl.read_parquet(path).write_csv()
    else:
        text = path.read_text(encoding="utf-8")
    for org_id in ORG_IDS:
        assert org_id not in text
    assert "Defenders of" not in text and "at_risk" not in text


def test_csv_neutralises_spreadsheet_formulas_and_json_keeps_the_text(warehouse, tmp_path):
    csv_values = pl.read_csv(export(warehouse, tmp_path / "t.csv"))["breakdown_value"].to_list()
    assert {"'" + text for text in INJECTED} <= set(csv_values)
    assert not [v for v in csv_values if v[0] in "=+-@"]
    json_values = pl.read_ndjson(export(warehouse, tmp_path / "t.json", "json"))["breakdown_value"].to_list()
    assert set(INJECTED) <= set(json_values)


def test_filters_select_indicators_grains_and_periods(warehouse, tmp_path):
    def exported(**filters) -> list[tuple[str, str]]:
        frame = pl.read_csv(export(warehouse, tmp_path / "f.csv", **filters))
        return sorted(set(frame.select("indicator_id", "period").rows()))

    assert exported(indicators=["PAR-02", "fol-02"]) == [
        ("FOL-02", "2026"), ("PAR-02", "2026"), ("PAR-02", "2026-04"), ("PAR-02", "2026-05"),
        ("PAR-02", "2026-Q1"), ("PAR-02", "2026-Q2")]
    assert exported(grain="quarter") == [("PAR-01", "2026-Q2"), ("PAR-02", "2026-Q1"), ("PAR-02", "2026-Q2")]
    assert exported(periods=["2026-Q2", "2026-05"]) == [
        ("FOL-10", "2026-05"), ("PAR-01", "2026-Q2"), ("PAR-02", "2026-05"), ("PAR-02", "2026-Q2")]
    # A period with a finer grain: that grain's periods inside it.
    assert exported(periods=["2026"], grain="month") == [
        ("FOL-10", "2026-05"), ("PAR-02", "2026-04"), ("PAR-02", "2026-05")]
    assert exported(periods=["2026-Q2"], grain="month", indicators=["PAR-02"]) == [
        ("PAR-02", "2026-04"), ("PAR-02", "2026-05")]


def test_run_picks_an_earlier_run_and_the_default_is_the_latest(warehouse, tmp_path):
    old = pl.read_csv(export(warehouse, tmp_path / "old.csv", run_id=OLD_RUN))
    assert old["run_id"].unique().to_list() == [OLD_RUN] and old.height == 2
    assert old["as_of"].unique().to_list() == ["2026-03-31"]
    latest = pl.read_csv(export(warehouse, tmp_path / "new.csv"))
    assert latest["run_id"].unique().to_list() == [RUN]


@pytest.mark.parametrize(("filters", "message"), [
    ({"indicators": ["PAR-99"]}, "The run has no indicator PAR-99. Its indicators are FOL-02, FOL-10, INC-05"),
    ({"periods": ["2031"]}, "no indicator rows for the period 2031: its periods run from 2026-01-01 to 2026-12-31"),
    ({"periods": ["2026-13"]}, "'2026-13' is not a period: write a year (2026), a quarter (2026-Q2)"),
    ({"periods": ["2026-05"], "grain": "year"}, "The period 2026-05 is a month, shorter than the grain year"),
    ({"run_id": "run-nope"}, f"has no run 'run-nope'. The latest runs are: {RUN} (as of 2026-06-30), {OLD_RUN}"),
    ({"indicators": ["INC-05"], "grain": "month"}, "No indicator rows match these filters together"),
    ({"fmt": "xls"}, "The export format must be one of csv, xlsx, parquet, json, not 'xls'"),
])
def test_unknown_or_contradictory_filters_are_clear_errors(warehouse, tmp_path, filters, message):
    with pytest.raises(ExportError) as caught:
        export(warehouse, tmp_path / "never.csv", **filters)
    assert message in str(caught.value)
    assert not list(tmp_path.iterdir())


def test_an_out_path_of_another_format_is_refused(warehouse, tmp_path):
    with pytest.raises(ExportError, match=r"t.xlsx ends in .xlsx but the format asked for is csv: pass --format xlsx"):
        export(warehouse, tmp_path / "t.xlsx")


def test_a_warehouse_without_runs_says_to_build_first(tmp_path):
    connect(tmp_path / "empty.duckdb").close()
    with pytest.raises(ExportError, match="has no indicator runs yet: run `agora build` first"):
        export(tmp_path / "empty.duckdb", tmp_path / "t.csv")


def test_a_warehouse_held_by_another_command_is_a_clear_error(warehouse, tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(warehouse)!r}); print('held', flush=True); "
                               "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(FileBusy, match=r"is busy: process \d+ has it open for writing .* try again when it has finished"):
            export(warehouse, tmp_path / "t.csv")
    finally:
        holder.communicate("")
    assert export(warehouse, tmp_path / "t.csv").exists()


def test_default_file_name_names_run_and_audience(warehouse, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for fmt, ext in (("csv", "csv"), ("json", "jsonl"), ("parquet", "parquet"), ("xlsx", "xlsx")):
        path = export(warehouse, None, fmt, "public")
        assert path == Path(f"indicators-{RUN}-public.{ext}") and path.exists()
    assert export(warehouse, tmp_path, "csv") == tmp_path / f"indicators-{RUN}-internal.csv"


def test_cli_exports_and_prints_errors_as_sentences(warehouse, tmp_path, capsys):
    out = tmp_path / "cli.parquet"
    code = main(["--warehouse", str(warehouse), "export", "--format", "parquet", "--audience", "internal",
                 "--out", str(out), "--indicator", "PAR-02", "--grain", "month"])
    assert code == 0 and f"Wrote {out}" in capsys.readouterr().out
    assert pl.read_parquet(out)["value"].to_list() == [1 / 7, 1 / 3]
    assert main(["export", "--warehouse", str(warehouse), "--run", "run-nope", "--out", str(tmp_path / "x.csv")]) == 2
    assert "Error: The warehouse" in capsys.readouterr().err


def test_agora_export_defaults_to_the_settings_threshold(warehouse, tmp_path):
    path = Agora(Settings(warehouse=warehouse)).export(tmp_path / "a.json", fmt="json", audience="public")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert list(rows[0]) == sorted(TABLE_COLUMNS)
    assert sum(r["suppressed"] for r in rows) == 5  # no month is in the public edition


# -- XLSX ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def public_book(warehouse, tmp_path_factory) -> openpyxl.Workbook:
    path = export(warehouse, tmp_path_factory.mktemp("xlsx") / "p.xlsx", "xlsx", "public")
    return openpyxl.load_workbook(path)


def sheet_rows(sheet) -> list[dict]:
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row)) for row in rows]


def test_xlsx_has_a_sheet_per_area_then_reference_and_about(public_book):
    assert public_book.sheetnames == ["Participation", "Inclusivity", "Follow-through", "Indicator reference", "About"]
    for area in ("Participation", "Inclusivity", "Follow-through"):
        sheet = public_book[area]
        assert [c.value for c in sheet[1]] == list(TABLE_COLUMNS)
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:T{sheet.max_row}"
        assert {r["area"] for r in sheet_rows(sheet)} == {area}
    assert len(sheet_rows(public_book["Participation"])) == 10  # the fixture's two month rows are not public


def test_xlsx_cells_hold_numbers_and_leave_withheld_ones_empty(public_book):
    sheet = public_book["Participation"]
    value_col = TABLE_COLUMNS.index("value") + 1
    by_key = {(row[0].value, row[5].value, row[9].value): row for row in sheet.iter_rows(min_row=2)}
    hidden_ratio = by_key[("PAR-02", "2026", "all")]
    assert hidden_ratio[value_col - 1].value is None
    assert hidden_ratio[10].value is None and hidden_ratio[11].value is None
    assert hidden_ratio[15].value is None  # the status
    assert hidden_ratio[14].value == 0.8 and hidden_ratio[14].number_format == "0.0%"  # the target
    values = [row[value_col - 1].value for row in sheet.iter_rows(min_row=2)]
    assert all(v is None or isinstance(v, (int, float)) for v in values)
    count = by_key[("PAR-01", "2026-Q2", "all")]
    assert count[value_col - 1].value == 5 and count[value_col - 1].number_format == "#,##0"
    assert count[6].value == datetime(2026, 4, 1) and count[6].number_format == "yyyy-mm-dd"
    assert by_key[("PAR-01", "2026", "all")][value_col - 1].value is None
    median = sheet_rows(public_book["Follow-through"])[0]
    assert (median["indicator_id"], median["denominator"], median["value"]) == ("FOL-02", 6, 3.5)
    assert sheet.column_dimensions["B"].width >= len("Organisations per engagement")


def test_xlsx_neutralises_formulas_in_text_cells(public_book):
    values = [r["breakdown_value"] for r in sheet_rows(public_book["Participation"])]
    assert {"'" + text for text in INJECTED} <= set(values)
    assert all(cell.data_type != "f" for ws in public_book for row in ws.iter_rows() for cell in row)


def test_xlsx_reference_sheet_defines_each_exported_indicator(public_book):
    rows = sheet_rows(public_book["Indicator reference"])
    # FOL-10 has only a month row in the fixture, and months are not in the public edition
    assert [r["Indicator"] for r in rows] == ["PAR-01", "PAR-02", "PAR-03", "INC-05", "FOL-02"]
    fol02 = next(r for r in rows if r["Indicator"] == "FOL-02")
    assert fol02["Direction"] == "Lower is better" and fol02["Unit"] == "median"
    assert fol02["Reference date"] == "The submission's received_on."
    par01 = rows[0]
    assert par01["Direction"] == "Higher is better"
    assert par01["Disaggregation"].startswith("By year, quarter and month; by mechanism kind; mechanism;")
    assert "received_on for a submission" in par01["Reference date"]
    assert all(r["Definition"] and r["Population (denominator)"] and r["Data source"] for r in rows)


def test_xlsx_about_sheet_names_the_run_and_the_rule(public_book):
    about = dict(public_book["About"].iter_rows(values_only=True))
    assert about["Run id"] == RUN
    assert about["As of"] == "2026-06-30"
    assert about["Data hash"] == "data-06-30" and about["Catalogue hash"] == "cat-aaaaaaaaaaaa"
    assert about["Code version"] == "0.1.0+test" and about["Audience"] == "public"
    assert "under 5" in about["Suppression rule"]
    assert about["Generated by"].startswith("Agora ")
    # the reference sheet shows the run's own catalogue, so there is nothing to warn about
    assert "Catalogue note" not in about


def test_xlsx_creation_date_is_the_as_of_date(public_book):
    assert public_book.properties.created == datetime(2026, 6, 30)


def test_an_area_too_long_for_an_excel_sheet_is_refused_not_cut(warehouse, tmp_path, monkeypatch):
    monkeypatch.setattr("metrics.export.EXCEL_ROW_LIMIT", 12)
    with pytest.raises(ExportError, match="The Participation indicators have 12 rows, more than an Excel sheet holds"):
        export(warehouse, tmp_path / "big.xlsx", "xlsx")
    assert export(warehouse, tmp_path / "small.xlsx", "xlsx", indicators=["PAR-02"]).exists()


# -- on a real build of the generated dataset ------------------------------------------------------

@pytest.fixture(scope="module")
def built_run(built_agora) -> tuple[Path, pl.DataFrame, set[str]]:
    from metrics.runs import run_table

    warehouse = built_agora.settings.warehouse
    con = connect(warehouse, read_only=True)
    try:
        organisations = con.sql("SELECT org_id, name FROM organisations").fetchall()
    finally:
        con.close()
    return warehouse, run_table(warehouse), {text for row in organisations for text in row}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "json", "parquet", "xlsx"])
def test_a_public_export_of_a_real_build_names_no_organisation(built_run, tmp_path, fmt):
    warehouse, table, organisation_texts = built_run
    if fmt == "xlsx":  # the yearly rows only: reading a whole workbook back takes openpyxl long
        book = openpyxl.load_workbook(export(warehouse, tmp_path / "p.xlsx", fmt, "public", grain="year"))
        cells = {str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c is not None}
        areas = ("Participation", "Inclusivity", "Follow-through")
        assert sum(book[area].max_row - 1 for area in areas) == table.filter(
            (pl.col("grain") == "year") & in_public_edition()).height
        about = dict(book["About"].iter_rows(values_only=True))
        assert about["Run id"] == table["run_id"][0] and "Catalogue note" not in about
        assert book["Indicator reference"].max_row == 1 + 29
    else:
        frame = read_back(export(warehouse, tmp_path / f"p.{fmt}", fmt, "public"), fmt)
        cells = {str(c) for column in frame.columns for c in frame[column].unique().to_list()}
        assert frame.height == table.filter(in_public_edition()).height  # years and quarters, no crossed cell
    assert len(organisation_texts) > 100
    assert not organisation_texts & cells


@pytest.mark.slow
def test_a_real_build_round_trips_and_passes_the_disclosure_audit(built_run, tmp_path):
    from metrics.disclosure_audit import audit, read_public

    warehouse, table, _ = built_run
    key = ["indicator_id", "grain", "period", "breakdown", "breakdown_value"]
    internal = read_back(export(warehouse, tmp_path / "i.parquet", "parquet"), "parquet")
    assert internal.sort(key).equals(table.sort(key))
    public = read_public(export(warehouse, tmp_path / "p.csv", audience="public"))
    report = audit(table, public, 5)
    assert report.safe, report.summary()
    joined = public.join(table, on=key, suffix="_stored")
    assert joined.height == public.height == table.filter(in_public_edition()).height
    assert 0 < joined["suppressed"].sum() < joined.height
    shown = joined.filter(~pl.col("suppressed"))
    assert (shown["value"] - shown["value_stored"]).abs().max() == 0
    assert shown["numerator"].equals(shown["numerator_stored"], check_names=False)
