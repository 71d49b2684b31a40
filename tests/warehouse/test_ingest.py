"""Ingest of whole files: formats, headers, refused files (exact messages), upserts, the load log,
the quarantine and its CSV, and the CLI's --strict."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest_records import KNOWN_INDICATORS, VALID_ROWS, write_csv, write_valid_folder
from warehouse.db import WarehouseError
from warehouse.ingest import ingest_frames, ingest_paths
from warehouse.loadlog import list_loads
from warehouse.quarantine import quarantined_rows, write_fix_file
from warehouse.readers import UnreadableFile

MECHANISM = VALID_ROWS["mechanisms"]


def _ingest(warehouse: Path, *paths: Path, entity: str | None = None):
    return ingest_paths(warehouse, list(paths), entity, KNOWN_INDICATORS)


def _table(warehouse: Path, name: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(f"SELECT * FROM {name} ORDER BY ALL").fetchall()


def _refusal(warehouse: Path, *paths: Path, entity: str | None = None) -> str:
    with pytest.raises(UnreadableFile) as refused:
        _ingest(warehouse, *paths, entity=entity)
    return str(refused.value)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "w.duckdb"


# -- headers and formats ---------------------------------------------------------------------

def test_a_utf8_bom_and_upper_case_headers_are_read(tmp_path, warehouse):
    path = tmp_path / "mechanisms.csv"
    path.write_bytes("\ufeffMECHANISM_ID,Name,KIND,Theme\r\nM1,Rapporteur,upr,\r\n".encode("utf-8"))

    result = _ingest(warehouse, path)

    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (1, 1, 0)
    assert _table(warehouse, "mechanisms") == [("M1", "Rapporteur", "upr", None)]


def test_parquet_and_json_lines_with_native_types_and_lists(tmp_path, warehouse):
    pl.DataFrame({"mechanism_id": ["M1"], "name": ["R"], "kind": ["upr"]}).write_parquet(tmp_path / "mechanisms.parquet")
    pl.DataFrame({
        "org_id": ["O1", "O2"], "name": ["A", "B"], "org_type": ["network", "academic"], "country": ["KEN", "BRA"],
        "women_led": [True, False], "youth_led": [False, None], "constituencies": [["women", "lgbti"], []],
        "budget_band": ["lt_50k", "unknown"], "ecosoc_status": [True, True], "at_risk": [False, True],
    }).write_parquet(tmp_path / "organisations.parquet")
    (tmp_path / "engagements.jsonl").write_text(json.dumps({
        "engagement_id": "E1", "mechanism_id": "M1", "kind": "review", "title": "UPR", "start_date": "2026-01-05",
        "end_date": "2026-01-05", "modality": "hybrid", "languages": ["en", "es"], "accessibility": [],
    }) + "\n", encoding="utf-8")
    pl.DataFrame({
        "engagement_id": ["E1"], "org_id": ["O1"], "registered": [True], "attended": [True], "spoke": [False],
        "participants_total": [3], "participants_women": [2.0], "outcome_communicated_on": [date(2026, 2, 1)],
    }).write_parquet(tmp_path / "participations.parquet")

    result = _ingest(warehouse, tmp_path)

    assert [(f.entity, f.rows_loaded, f.rows_quarantined) for f in result.files] == [
        ("mechanisms", 1, 0), ("organisations", 1, 1), ("engagements", 1, 0), ("participations", 1, 0)]
    assert quarantined_rows(warehouse, "organisations")["reasons"].to_list() == [["youth_led is empty"]]
    assert _table(warehouse, "engagements")[0][8:10] == (["en", "es"], [])
    assert _table(warehouse, "participations") == [("E1", "O1", True, True, False, 3, 2, date(2026, 2, 1))]


def test_xlsx_reads_the_sheet_named_after_the_entity(tmp_path, warehouse):
    path = tmp_path / "mechanisms.xlsx"
    import xlsxwriter

    with xlsxwriter.Workbook(path) as book:
        book.add_worksheet("notes").write_row(0, 0, ["this sheet is not data"])
        sheet = book.add_worksheet("Mechanisms")
        sheet.write_row(0, 0, ["mechanism_id", "name", "kind"])
        sheet.write_row(1, 0, ["M7", "Committee", "treaty_body"])

    result = _ingest(warehouse, path)

    assert result.files[0].warnings == ()
    assert _table(warehouse, "mechanisms") == [("M7", "Committee", "treaty_body", None)]


def test_xlsx_with_the_sheet_misnamed_reads_the_first_sheet_and_says_so(tmp_path, warehouse):
    path = tmp_path / "feedback.xlsx"
    write_valid_folder(tmp_path / "parents")
    row = {**VALID_ROWS["feedback"], "satisfaction": 4, "submitted_on": date(2026, 1, 20)}
    pl.DataFrame([row]).write_excel(path, worksheet="Sheet1")

    result = _ingest(warehouse, *(tmp_path / "parents" / f"{e}.csv" for e in
                                  ("mechanisms", "organisations", "engagements")), path)

    [outcome] = [f for f in result.files if f.entity == "feedback"]
    assert outcome.warnings == ("no sheet is named 'feedback', so the first sheet 'Sheet1' was read",)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 0)
    assert _table(warehouse, "feedback") == [("FB1", "E1", "O1", date(2026, 1, 20), 4, 5, True, False)]


def test_an_unknown_column_is_dropped_named_in_the_load_log_and_its_values_stored_nowhere(tmp_path, warehouse):
    path = write_csv(tmp_path / "mechanisms.csv", [{**MECHANISM, "email": "a@example.org"},
                                                   {**MECHANISM, "mechanism_id": "", "email": "b@example.org"}])

    _ingest(warehouse, path)

    assert list_loads(warehouse)["warnings"].to_list() == [
        ["column(s) 'email' are not columns of mechanisms: dropped, their values not stored anywhere"]]
    [raw] = quarantined_rows(warehouse)["raw"].to_list()
    assert json.loads(raw) == {"mechanism_id": None, "name": MECHANISM["name"], "kind": "special_procedure",
                               "theme": "assembly"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, in con.sql("SELECT table_name FROM information_schema.tables").fetchall():
            assert "example.org" not in str(con.sql(f"SELECT * FROM {table}").fetchall())


def test_a_header_only_file_loads_nothing_and_says_so(tmp_path, warehouse):
    path = tmp_path / "mechanisms.csv"
    path.write_text("mechanism_id,name,kind\n", encoding="utf-8")

    result = _ingest(warehouse, path)

    assert (result.rows_read, result.files[0].warnings) == (0, ("it has no records",))


# -- refused files: one clear message, warehouse unchanged -----------------------------------

UNREADABLE = [
    ("mechanisms.csv", b"mechanism_id,name,kind\nM1,a,upr\nM2,b,upr,extra\n",
     "cannot be read as CSV: row 3 has 4 cells but the header has 3."),
    ("organisations.jsonl", b'{"org_id": "O1"}\n[1, 2]\n',
     "cannot be read as JSON Lines (one JSON object per line): line 2 is not a JSON object."),
    ("mechanisms.parquet", b"not parquet", "cannot be read as Parquet: it is damaged or not a Parquet file."),
    ("organisations.xlsx", b"not a workbook",
     "cannot be read as an Excel workbook: save it from your spreadsheet program as .xlsx and try again."),
    ("targets.csv", b"", "is empty: it has no header row and no records."),
]


@pytest.mark.parametrize("name, content, problem", UNREADABLE, ids=[p.split(":")[0] for _, _, p in UNREADABLE])
def test_a_file_that_cannot_be_read_is_refused_naming_the_problem(tmp_path, warehouse, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)

    assert _refusal(warehouse, path) == f"{path} {problem}"
    assert not warehouse.exists()


def test_a_missing_key_column_is_refused(tmp_path, warehouse):
    path = write_csv(tmp_path / "mechanisms.csv", [{"name": "R", "kind": "upr", "theme": ""}])

    assert _refusal(warehouse, path) == (
        f"{path} has no column 'mechanism_id', the key of mechanisms; its columns are: name, kind, theme "
        f"(rename one in a mapping: --map).")


def test_a_missing_required_column_is_refused(tmp_path, warehouse):
    path = write_csv(tmp_path / "mechanisms.csv", [{"mechanism_id": "M1", "name": "R"}])

    assert _refusal(warehouse, path) == f"{path} lacks the required column(s) 'kind' of mechanisms."


def test_a_file_of_another_entitys_columns_is_refused(tmp_path, warehouse):
    path = write_csv(tmp_path / "organisations.csv", [MECHANISM])

    assert _refusal(warehouse, path) == (
        f"{path} has the columns of mechanisms, not of organisations: rename the file mechanisms or pass "
        f"--entity mechanisms.")


def test_a_file_of_no_known_entity_or_format_is_refused(tmp_path, warehouse):
    unnamed = write_csv(tmp_path / "export.csv", [{"title": "x", "notes": "y"}])
    text = tmp_path / "mechanisms.txt"
    text.write_text("mechanism_id\n", encoding="utf-8")

    assert _refusal(warehouse, unnamed) == (
        f"Cannot tell which entity {unnamed} holds: name the file after its entity (mechanisms, organisations, "
        f"engagements, participations, submissions, recommendations, follow_ups, feedback, targets), pass --entity, "
        f"or say entity = \"...\" in a mapping.")
    assert _refusal(warehouse, text) == (
        f"{text} is not a file Agora reads: use CSV (.csv), Excel (.xlsx), Parquet (.parquet) or JSON Lines (.jsonl).")


def test_an_unnamed_file_is_the_entity_its_columns_say(tmp_path, warehouse):
    unnamed = write_csv(tmp_path / "export.csv", [MECHANISM])

    result = _ingest(warehouse, unnamed)

    assert (result.files[0].entity, result.rows_loaded) == ("mechanisms", 1)
    assert "holds mechanisms (told by its columns)" in result.files[0].warnings


def test_a_refused_file_leaves_the_warehouse_as_it_was(tmp_path, warehouse):
    _ingest(warehouse, write_csv(tmp_path / "mechanisms.csv", [MECHANISM]))
    before = (_table(warehouse, "mechanisms"), _table(warehouse, "load_log"))
    (tmp_path / "new").mkdir()
    changed = write_csv(tmp_path / "new" / "mechanisms.csv", [{**MECHANISM, "name": "Renamed"}])
    broken = tmp_path / "new" / "organisations.csv"
    broken.write_bytes(b"")

    with pytest.raises(UnreadableFile):
        _ingest(warehouse, changed, broken)

    assert (_table(warehouse, "mechanisms"), _table(warehouse, "load_log")) == before


# -- upserts, duplicates, counts ------------------------------------------------------------

def test_the_same_files_twice_change_no_data(tmp_path, warehouse):
    folder = write_valid_folder(tmp_path / "files", feedback={"satisfaction": "9"})
    _ingest(warehouse, folder)
    entities = list(VALID_ROWS)
    first = {e: _table(warehouse, e) for e in entities}
    first_quarantine = quarantined_rows(warehouse).drop("load_id")

    result = _ingest(warehouse, folder)

    assert {e: _table(warehouse, e) for e in entities} == first
    assert quarantined_rows(warehouse).drop("load_id").equals(first_quarantine)
    assert (result.rows_loaded, result.rows_quarantined) == (8, 1)
    assert list_loads(warehouse).height == 18


def test_a_new_version_of_a_row_replaces_the_old_one(tmp_path, warehouse):
    _ingest(warehouse, write_csv(tmp_path / "mechanisms.csv", [MECHANISM, {**MECHANISM, "mechanism_id": "M2"}]))
    (tmp_path / "v2").mkdir()

    _ingest(warehouse, write_csv(tmp_path / "v2" / "mechanisms.csv", [{**MECHANISM, "name": "Renamed", "theme": ""}]))

    assert _table(warehouse, "mechanisms") == [
        ("M1", "Renamed", "special_procedure", None), ("M2", MECHANISM["name"], "special_procedure", "assembly")]


def test_a_duplicate_key_in_one_file_last_row_wins_earlier_rows_quarantined(tmp_path, warehouse):
    path = write_csv(tmp_path / "mechanisms.csv", [
        {**MECHANISM, "name": "first"}, {**MECHANISM, "mechanism_id": "M2"}, {**MECHANISM, "name": "second"},
        {**MECHANISM, "name": "last"}])

    result = _ingest(warehouse, path)

    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert [r[1] for r in _table(warehouse, "mechanisms")] == ["last", MECHANISM["name"]]
    assert quarantined_rows(warehouse).select("row_number", "reasons").to_dicts() == [
        {"row_number": 2, "reasons": ["mechanism_id 'M1' appears again at row 5 of this file; the last row wins"]},
        {"row_number": 4, "reasons": ["mechanism_id 'M1' appears again at row 5 of this file; the last row wins"]},
    ]


def test_fixing_a_file_clears_its_quarantine_and_the_load_log_keeps_both_loads(tmp_path, warehouse):
    path = write_csv(tmp_path / "mechanisms.csv", [MECHANISM, {**MECHANISM, "mechanism_id": "M2", "kind": "x"}])
    _ingest(warehouse, path)
    assert quarantined_rows(warehouse).height == 1

    write_csv(path, [MECHANISM, {**MECHANISM, "mechanism_id": "M2", "kind": "upr"}])
    _ingest(warehouse, path)

    assert quarantined_rows(warehouse).height == 0
    assert list_loads(warehouse).select("rows_read", "rows_loaded", "rows_quarantined").rows() == [(2, 2, 0), (2, 1, 1)]


def test_frames_go_through_the_same_validation_and_load_log(warehouse):
    frames = [
        ("engagements", "upr-info.csv (engagements)", pl.DataFrame({
            "engagement_id": ["E1"], "mechanism_id": ["UPR"], "kind": ["review"], "title": ["UPR of Kenya"],
            "start_date": ["2026-01-05"], "end_date": ["2026-01-05"], "modality": ["in_person"],
            "languages": [["en"]], "accessibility": [[]]})),
        ("mechanisms", "upr-info.csv (mechanisms)", pl.DataFrame(
            {"mechanism_id": ["UPR", "X"], "name": ["Universal Periodic Review", "X"], "kind": ["upr", "bad"]})),
    ]

    result = ingest_frames(warehouse, frames, KNOWN_INDICATORS)

    assert [(f.entity, f.rows_loaded, f.rows_quarantined) for f in result.files] == [
        ("mechanisms", 1, 1), ("engagements", 1, 0)]
    assert quarantined_rows(warehouse).select("file", "row_number").rows() == [("upr-info.csv (mechanisms)", 2)]
    assert list_loads(warehouse)["file"].to_list() == ["upr-info.csv (engagements)", "upr-info.csv (mechanisms)"]


def test_the_summary_names_each_file_and_the_top_reasons(tmp_path, warehouse):
    path = write_csv(tmp_path / "mechanisms.csv", [MECHANISM, {**MECHANISM, "mechanism_id": "M2", "kind": "x"}])

    text = _ingest(warehouse, path).render()

    assert f"{path}  mechanisms" in text
    assert "2 rows read, 1 loaded, 1 quarantined" in text
    assert ("1 x  " + str(path) + " row 3: kind 'x' is not one of special_procedure, treaty_body, upr, other") in text


# -- reading commands and the quarantine CSV -------------------------------------------------

def test_reading_commands_never_create_a_warehouse(warehouse):
    for read in (list_loads, quarantined_rows):
        with pytest.raises(WarehouseError, match="There is no warehouse at"):
            read(warehouse)
    assert not warehouse.exists()


def test_the_quarantine_csv_neutralises_formulas(tmp_path, warehouse):
    path = write_csv(tmp_path / "mechanisms.csv", [{**MECHANISM, "name": "=HYPERLINK(\"http://x\")", "kind": "@SUM(1)"}])
    _ingest(warehouse, path)
    rows = quarantined_rows(warehouse)
    rows = rows.with_columns(pl.lit(["-1+1"], dtype=pl.List(pl.String)).alias("reasons"))

    out = write_fix_file(rows, "mechanisms", tmp_path / "out" / "q.csv")

    with out.open(encoding="utf-8", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert list(row) == ["mechanism_id", "name", "kind", "theme", "reasons", "source_file", "source_row"]
    assert (row["source_row"], row["reasons"], row["kind"]) == ("2", "'-1+1", "'@SUM(1)")
    assert row["name"] == "'=HYPERLINK(\"http://x\")"


def test_the_cli_strict_flag_fails_when_rows_are_quarantined(tmp_path, warehouse):
    path = write_csv(tmp_path / "mechanisms.csv", [MECHANISM, {**MECHANISM, "mechanism_id": "M2", "kind": "x"}])
    cli = [sys.executable, "-m", "agora.cli", "--warehouse", str(warehouse)]

    strict = subprocess.run([*cli, "ingest", str(path), "--strict"], capture_output=True, text=True)
    refused = subprocess.run([*cli, "ingest", str(tmp_path / "nothing.csv")], capture_output=True, text=True)

    assert strict.returncode == 1 and "--strict: 1 row(s) were quarantined." in strict.stderr
    assert "2 rows read, 1 loaded, 1 quarantined" in strict.stdout
    assert (refused.returncode, refused.stderr) == (
        2, f"Error: {tmp_path / 'nothing.csv'} not found: check the name and the folder.\n")


@pytest.mark.slow
def test_generated_files_load_whole_and_loading_them_again_changes_nothing(generated_files, warehouse):
    from metrics.catalogue import load_catalogue

    written = {path.stem: pl.read_parquet(path).height for path in generated_files.glob("*.parquet")}
    indicators = load_catalogue().ids

    result = ingest_paths(warehouse, [generated_files], None, indicators)
    counts = {e: _table_count(warehouse, e) for e in VALID_ROWS}
    again = ingest_paths(warehouse, [generated_files], None, indicators)

    assert result.rows_quarantined == 0
    assert {f.entity: f.rows_loaded for f in result.files} == written == counts
    assert again.rows_loaded == result.rows_loaded
    assert {e: _table_count(warehouse, e) for e in VALID_ROWS} == counts


def _table_count(warehouse: Path, name: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0]
