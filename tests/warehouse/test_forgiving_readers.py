"""Files as spreadsheets and survey tools save them: encodings, delimiters, line endings, blank
rows, date-time cells, day-first dates, near-miss names, and the contract's v2 rules."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from foundation.settings import BadSetting, Settings, parse_date_range
from ingest_records import KNOWN_INDICATORS, VALID_ROWS, write_csv, write_valid_folder
from warehouse.ingest import IngestOptions, ingest_paths
from warehouse.quarantine import quarantined_rows
from warehouse.readers import MAX_COLUMNS, ReadOptions, UnreadableFile


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "agora.duckdb"


def _ingest(warehouse: Path, *paths: Path, entity: str | None = None, **options):
    return ingest_paths(warehouse, list(paths), entity, KNOWN_INDICATORS, IngestOptions(**options))


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def _parents(tmp_path: Path, warehouse: Path) -> None:
    folder = write_valid_folder(tmp_path / "parents")
    _ingest(warehouse, *(folder / f"{e}.csv" for e in ("mechanisms", "organisations", "engagements")))


def _reasons(warehouse: Path) -> list[tuple[int, list[str]]]:
    rows = quarantined_rows(warehouse)
    return list(zip(rows["row_number"].to_list(), rows["reasons"].to_list()))


# -- encodings, delimiters, line endings ---------------------------------------------------------

def test_a_semicolon_csv_from_european_excel_with_decimal_commas_and_windows_1252(tmp_path, warehouse):
    path = tmp_path / "targets.csv"
    path.write_bytes("indicator_id;period;baseline;target\r\nPAR-01;2026;3,5;4,25\r\nPAR-02;2026-Q3;;12\r\n"
                     .encode("cp1252"))

    result = _ingest(warehouse, path)

    assert (result.rows_read, result.rows_loaded) == (2, 2)
    assert sorted(_rows(warehouse, "SELECT * FROM targets")) == [("PAR-01", "2026", 3.5, 4.25),
                                                                ("PAR-02", "2026-Q3", None, 12.0)]
    assert "columns are separated by semicolons (detected)" in result.files[0].warnings


def test_a_latin_1_file_is_detected_or_read_as_told(tmp_path, warehouse):
    path = tmp_path / "mechanisms.csv"
    path.write_bytes("mechanism_id,name,kind\nM1,Comité des droits de l'enfant,treaty_body\n".encode("latin-1"))

    detected = _ingest(warehouse, path)
    told = _ingest(warehouse, path, read=ReadOptions(encoding="latin-1"))

    assert _rows(warehouse, "SELECT name FROM mechanisms") == [("Comité des droits de l'enfant",)]
    assert any("not UTF-8; read as Windows-1252" in w for w in detected.files[0].warnings)
    assert told.files[0].warnings == ()


def test_a_mac_roman_file_with_cr_only_line_endings(tmp_path, warehouse):
    path = tmp_path / "mechanisms.csv"
    path.write_bytes("mechanism_id,name,kind,theme\rM1,Comité pour la Côte d'Ivoire,other,\u00e9ducation\r"
                     "M2,Groupe de travail,other,\r".encode("mac_roman"))

    result = _ingest(warehouse, path)

    assert (result.rows_read, result.rows_loaded) == (2, 2)
    assert _rows(warehouse, "SELECT name, theme FROM mechanisms ORDER BY 1") == [
        ("Comité pour la Côte d'Ivoire", "éducation"), ("Groupe de travail", None)]
    assert any("read as Mac Roman" in w for w in result.files[0].warnings)


def test_utf8_with_a_byte_order_mark_mixed_line_endings_and_tabs(tmp_path, warehouse):
    path = tmp_path / "mechanisms.csv"
    path.write_bytes("\ufeffmechanism_id\tname\tkind\r\nM1\tSR on défenseurs\tother\rM2\tCommittee\tother\n"
                     .encode("utf-8"))

    result = _ingest(warehouse, path)

    assert result.rows_loaded == 2
    assert _rows(warehouse, "SELECT name FROM mechanisms ORDER BY 1") == [("Committee",), ("SR on défenseurs",)]


def test_a_given_delimiter_wins_over_detection(tmp_path, warehouse):
    path = tmp_path / "mechanisms.csv"
    path.write_text("mechanism_id|name|kind\nM1|a; b, c|other\n", encoding="utf-8")

    with pytest.raises(UnreadableFile, match="cannot be read as CSV"):
        _ingest(warehouse, path)
    result = _ingest(warehouse, path, read=ReadOptions(delimiter="|"))

    assert result.rows_loaded == 1
    assert _rows(warehouse, "SELECT name FROM mechanisms") == [("a; b, c",)]


def test_blank_lines_are_skipped_and_rows_keep_their_spreadsheet_numbers(tmp_path, warehouse):
    path = tmp_path / "mechanisms.csv"
    path.write_text("mechanism_id,name,kind\nM1,a,other\n\n,,\n  \nM2,b,court\n" + "\n" * 1000, encoding="utf-8")

    result = _ingest(warehouse, path)

    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert _reasons(warehouse) == [(6, ["kind 'court' is not one of special_procedure, treaty_body, upr, other"])]


def test_a_file_wider_than_the_bound_is_refused_before_it_is_parsed(tmp_path, warehouse):
    path = tmp_path / "mechanisms.csv"
    width = 10_000
    path.write_text(",".join(f"c{i}" for i in range(width)) + "\n" + ",".join("x" * width) + "\n", encoding="utf-8")

    with pytest.raises(UnreadableFile) as refused:
        _ingest(warehouse, path)

    assert str(refused.value).startswith(f"{path} has 10,000 columns; Agora reads at most {MAX_COLUMNS:,}")
    assert not warehouse.exists()


# -- dates -----------------------------------------------------------------------------------------

def test_midnight_date_times_are_dates_and_a_time_of_day_is_refused_naming_the_column(tmp_path, warehouse):
    _parents(tmp_path, warehouse)
    rows = [{**VALID_ROWS["feedback"], "response_id": f"FB{i}", "submitted_on": stamp}
            for i, stamp in enumerate(["2026-03-10 00:00:00", "2026-03-11T00:00", "2026-03-12 14:30:00"])]
    path = write_csv(tmp_path / "feedback.csv", rows)

    result = _ingest(warehouse, path)

    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert _rows(warehouse, "SELECT submitted_on FROM feedback ORDER BY 1") == [(date(2026, 3, 10),),
                                                                                (date(2026, 3, 11),)]
    assert _reasons(warehouse) == [
        (4, ["submitted_on '2026-03-12 14:30:00' has a time of day, but submitted_on is a date only"])]


def test_excel_date_time_cells_at_midnight_are_dates_with_a_time_refused(tmp_path, warehouse):
    import xlsxwriter

    _parents(tmp_path, warehouse)
    path = tmp_path / "feedback.xlsx"
    header = list(VALID_ROWS["feedback"])
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("feedback")
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        sheet.write_row(0, 0, header)
        for row, when in enumerate([datetime(2026, 3, 10), datetime(2026, 3, 10, 9, 15)], start=1):
            sheet.write_row(row, 0, [{**VALID_ROWS["feedback"], "response_id": f"X{row}"}[h] for h in header])
            sheet.write_datetime(row, header.index("submitted_on"), when, stamp)

    result = _ingest(warehouse, path)

    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert _rows(warehouse, "SELECT response_id, submitted_on FROM feedback") == [("X1", date(2026, 3, 10))]
    [(row, [reason])] = _reasons(warehouse)
    assert (row, reason) == (3, "submitted_on '2026-03-10T09:15:00' has a time of day, but submitted_on is a date only")


def test_day_first_dates_with_a_date_format(tmp_path, warehouse):
    _parents(tmp_path, warehouse)
    rows = [{**VALID_ROWS["feedback"], "response_id": f"FB{i}", "submitted_on": d}
            for i, d in enumerate(["02/03/2026", "31/12/2026", "31/02/2026", "2026-03-02"])]
    path = write_csv(tmp_path / "feedback.csv", rows)

    result = _ingest(warehouse, path, date_format="%d/%m/%Y")

    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)  # YYYY-MM-DD is read whatever the format
    assert _rows(warehouse, "SELECT submitted_on FROM feedback ORDER BY 1") == [(date(2026, 3, 2),),
                                                                                (date(2026, 3, 2),),
                                                                                (date(2026, 12, 31),)]
    assert [r for _, r in _reasons(warehouse)] == [["submitted_on '31/02/2026' is not a date of the form DD/MM/YYYY"]]


def test_implausible_dates_and_year_zero_are_quarantined_naming_the_column(tmp_path, warehouse):
    _parents(tmp_path, warehouse)
    rows = [{**VALID_ROWS["feedback"], "response_id": f"FB{i}", "submitted_on": d}
            for i, d in enumerate(["0000-01-01", "1900-06-01", "2101-01-01", "1945-01-01", "2100-12-31"])]
    path = write_csv(tmp_path / "feedback.csv", rows)

    result = _ingest(warehouse, path)

    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 2, 3)
    assert [r for _, r in _reasons(warehouse)] == [
        [f"submitted_on ({d}) is outside the plausible dates 1945-01-01..2100-12-31 (the setting "
         f"AGORA_PLAUSIBLE_DATES)"] for d in ("0000-01-01", "1900-06-01", "2101-01-01")]
    assert quarantined_rows(warehouse)["rule_texts"].to_list()[0] == [
        "submitted_on is outside the plausible dates 1945-01-01..2100-12-31 (the setting AGORA_PLAUSIBLE_DATES)"]


def test_the_plausible_range_is_a_setting(tmp_path, warehouse, monkeypatch):
    monkeypatch.setenv("AGORA_PLAUSIBLE_DATES", "2000-01-01..2030-12-31")
    assert Settings().plausible_dates == (date(2000, 1, 1), date(2030, 12, 31))
    with pytest.raises(BadSetting, match="is not a date range of the form"):
        parse_date_range("1945")
    _parents(tmp_path, warehouse)
    path = write_csv(tmp_path / "feedback.csv", [{**VALID_ROWS["feedback"], "submitted_on": "1999-12-31"}])

    result = ingest_paths(warehouse, [path], None, KNOWN_INDICATORS,
                          plausible_dates=Settings().plausible_dates)

    assert result.rows_quarantined == 1


def test_a_bar_in_an_id_a_code_or_a_list_item_is_quarantined_naming_the_column(tmp_path, warehouse):
    folder = write_valid_folder(tmp_path / "files", recommendations={"themes": "civic space;gender|youth",
                                                                     "recommending_group": "WEOG|EEG"},
                                mechanisms={"mechanism_id": "M|1"})

    _ingest(warehouse, folder)

    reasons = dict(zip(quarantined_rows(warehouse)["entity"].to_list(), quarantined_rows(warehouse)["reasons"].to_list()))
    assert reasons["mechanisms"] == [
        "mechanism_id 'M|1' contains '|', which the value of mechanism_id may not contain (it separates crossed "
        "breakdowns)"]
    assert reasons["recommendations"][:2] == [
        "themes 'civic space;gender|youth' contains '|', which an item of themes may not contain (it separates "
        "crossed breakdowns)",
        "recommending_group 'WEOG|EEG' contains '|', which the value of recommending_group may not contain (it "
        "separates crossed breakdowns)"]


# -- names: did you mean, not found, nothing loaded -----------------------------------------------

def test_near_miss_columns_and_values_get_a_did_you_mean(tmp_path, warehouse):
    row = {**VALID_ROWS["organisations"]}
    row["women_lead"] = row.pop("women_led")
    with pytest.raises(UnreadableFile, match=r"lacks the required column\(s\) 'women_led' \(did you mean 'women_lead'\?\)"):
        _ingest(warehouse, write_csv(tmp_path / "organisations.csv", [row]))

    folder = write_valid_folder(tmp_path / "files", engagements={"kind": "consulation"})
    _ingest(warehouse, folder)
    [reasons] = quarantined_rows(warehouse, "engagements")["reasons"].to_list()
    assert reasons[0].endswith("is not one of consultation, public_hearing, advisory_group, country_visit, "
                               "interactive_dialogue, online_consultation, call_for_input, training, side_event, "
                               "review (did you mean 'consultation'?)")
    assert quarantined_rows(warehouse, "engagements")["rule_texts"].to_list()[0][0].startswith("kind is not one of")


def test_near_miss_items_of_list_columns_get_a_did_you_mean(tmp_path, warehouse):
    folder = write_valid_folder(
        tmp_path / "files",
        organisations={"constituencies": "Woman;lgbti;migrant_refugees;farmers"},
        engagements={"languages": "en;fre;english", "accessibility": "captioning;captions"},
    )
    _ingest(warehouse, folder)

    [[constituencies]] = quarantined_rows(warehouse, "organisations")["reasons"].to_list()
    [[languages, accessibility]] = quarantined_rows(warehouse, "engagements")["reasons"].to_list()
    assert constituencies == (
        "constituencies 'Woman;lgbti;migrant_refugees;farmers' has an item that is not one of women, children_youth, "
        "persons_with_disabilities, indigenous_peoples, lgbti, minorities, migrants_refugees, older_persons, "
        "rural_communities, human_rights_defenders (did you mean 'women' for 'Woman', 'migrants_refugees' for "
        "'migrant_refugees'?)")
    assert languages == ("languages 'en;fre;english' has an item that is not an ISO 639-1 language code "
                         "(did you mean 'fr' for 'fre'?)")
    assert accessibility == ("accessibility 'captioning;captions' has an item that is not one of sign_language, "
                             "captioning, interpretation, easy_read, step_free_access (did you mean 'captioning' for "
                             "'captions'?)")
    # the rule itself stays apart from the values and the hint, so the quarantine counts rows per rule
    assert quarantined_rows(warehouse, "engagements")["rule_texts"].to_list() == [[
        "languages has an item that is not an ISO 639-1 language code",
        "accessibility has an item that is not one of sign_language, captioning, interpretation, easy_read, "
        "step_free_access"]]


def test_the_cli_says_not_found_and_fails_when_nothing_loads(tmp_path, warehouse):
    cli = [sys.executable, "-m", "agora.cli", "--warehouse", str(warehouse)]
    missing = subprocess.run([*cli, "ingest", str(tmp_path / "organisations.csv")], capture_output=True, text=True)
    bad = write_csv(tmp_path / "mechanisms.csv", [{**VALID_ROWS["mechanisms"], "kind": "court"}] * 1)
    nothing = subprocess.run([*cli, "ingest", str(bad)], capture_output=True, text=True)
    (tmp_path / "fixed").mkdir()
    fixed = write_csv(tmp_path / "fixed" / "mechanisms.csv", [VALID_ROWS["mechanisms"]])
    good = subprocess.run([*cli, "ingest", str(fixed)], capture_output=True, text=True)

    assert (missing.returncode, missing.stderr) == (
        2, f"Error: {tmp_path / 'organisations.csv'} not found: check the name and the folder.\n")
    assert nothing.returncode == 1 and f"Nothing was loaded from {bad}" in nothing.stderr
    assert good.returncode == 0


def test_trailing_separators_are_no_columns_and_a_repeated_name_is_refused(tmp_path, warehouse):
    path = tmp_path / "mechanisms.csv"
    path.write_text("mechanism_id;name;kind;;\nM1;a;other;;\nM2;b;other;;x\n", encoding="utf-8")

    result = _ingest(warehouse, path)

    assert result.rows_loaded == 2
    assert result.files[0].warnings == (
        "columns are separated by semicolons (detected)",
        "column(s) '(unnamed column 5)' are not columns of mechanisms: dropped, their values not stored anywhere")
    path.write_text("mechanism_id,name,Name,kind\nM1,a,b,other\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="has two columns named 'Name'"):
        _ingest(warehouse, path)


def test_a_cell_past_the_bound_refuses_the_file_naming_row_and_column(tmp_path, warehouse):
    path = tmp_path / "mechanisms.csv"
    path.write_text('mechanism_id,name,kind\nM1,a,other\nM2,"' + "x\n" * 60_000 + '",other\n', encoding="utf-8")

    with pytest.raises(UnreadableFile, match=r"row 3, column 'name' holds 120,000 characters; Agora reads at most "
                                             r"100,000 in a cell \(is a quote left open\?\)"):
        _ingest(warehouse, path)
