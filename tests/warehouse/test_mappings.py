"""Mapping files on real-shaped exports (KoboToolbox XLSX, an Excel participant list), the
drafted mapping, and the fix-and-reload round trip of the quarantine."""

from __future__ import annotations

import csv
import subprocess
import sys
import tomllib
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest_records import KNOWN_INDICATORS, VALID_ROWS, write_csv, write_valid_folder
from warehouse.ingest import IngestOptions, ingest_paths
from warehouse.mapping import SHIPPED_DIR, MappingError, load_mapping
from warehouse.quarantine import quarantined_rows, reasons_by_rule, write_fix_file
from warehouse.snapshot import publish_snapshot
from warehouse.suggest import suggest_mapping

KOBO_HEADER = ["start", "end", "_uuid", "group_intro/engagement", "group_intro/organisation",
               "group_rating/satisfaction", "group_rating/felt_heard", "group_outcome/informed_of_outcome",
               "group_outcome/faced_restrictions", "group_contact/email", "_submission_time", "_id", "_index"]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "agora.duckdb"


def _ingest(warehouse: Path, *paths: Path, mapping: Path | None = None, **options):
    if mapping is not None:
        options["mapping"] = load_mapping(mapping)
    return ingest_paths(warehouse, list(paths), None, KNOWN_INDICATORS, IngestOptions(**options))


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def _everything_stored(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [t for t, in con.sql("SELECT table_name FROM information_schema.tables").fetchall()]
        return "\n".join(str(con.sql(f"SELECT * FROM {t}").fetchall()) for t in tables)


def _parents(tmp_path: Path, warehouse: Path) -> None:
    folder = write_valid_folder(tmp_path / "parents")
    _ingest(warehouse, *(folder / f"{e}.csv" for e in ("mechanisms", "organisations", "engagements")))


def _kobo_export(path: Path) -> Path:
    """A KoboToolbox feedback survey as its XLSX export writes it: group prefixes, Yes/No/Oui,
    date-time stamps (written as text, as Kobo does), an e-mail question."""
    import xlsxwriter

    answers = [
        ["2026-03-10T09:00:01", "2026-03-10T09:04:10", "uuid-1", "E1", "O1", 4, 5, "Yes", "No", "a@ngo.example",
         "2026-03-10T09:04:12.345+03:00", 101, 1],
        ["2026-03-11T10:00:00", "2026-03-11T10:03:00", "uuid-2", "E1", "", 2, 3, "Oui", "Yes", "b@ngo.example",
         "2026-03-11T10:03:02", 102, 2],
        ["2026-03-12T11:00:00", "2026-03-12T11:02:00", "uuid-3", "E1", "", 7, 3, "Maybe", "No", "c@ngo.example",
         "2026-03-12T11:02:30", 103, 3],
    ]
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("Feedback survey")
        sheet.write_row(0, 0, KOBO_HEADER)
        for row, answer in enumerate(answers, start=1):
            sheet.write_row(row, 0, answer)
    return path


def test_a_kobotoolbox_export_loads_with_the_shipped_mapping_and_its_emails_are_stored_nowhere(tmp_path, warehouse):
    _parents(tmp_path, warehouse)
    path = _kobo_export(tmp_path / "feedback-survey.xlsx")

    result = _ingest(warehouse, path, mapping=SHIPPED_DIR / "kobo-feedback.toml")

    [outcome] = result.files
    assert (outcome.entity, outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == ("feedback", 3, 2, 1)
    assert _rows(warehouse, "SELECT * FROM feedback ORDER BY response_id") == [
        ("uuid-1", "E1", "O1", date(2026, 3, 10), 4, 5, True, False),
        ("uuid-2", "E1", None, date(2026, 3, 11), 2, 3, True, True)]
    assert quarantined_rows(warehouse)["reasons"].to_list() == [[
        "satisfaction (7) is not between 1 and 5",
        "informed_of_outcome 'Maybe' is not a yes/no value (true/false, yes/no or 1/0)"][::-1]]
    assert any("the mapping dropped the column(s) 'start', 'end', 'group_contact/email', '_id', '_index'" in w
               for w in outcome.warnings)
    assert "ngo.example" not in _everything_stored(warehouse)


def test_an_excel_participant_list_loads_with_the_shipped_mapping(tmp_path, warehouse):
    _parents(tmp_path, warehouse)
    path = tmp_path / "participants-march.xlsx"
    pl.DataFrame({
        "Event code": ["E1", "E1"], "Organisation ID": ["O1", "O9"], "Organisation name": ["Kenya Defenders", "X"],
        "Contact e-mail": ["k@d.example", "x@d.example"], "Registered?": ["Yes", None], "Attended?": ["Yes", "No"],
        "Spoke?": ["No", "No"], "Number of participants": [3, 1], "Of whom women": [2, 0],
        "Outcome shared on": ["20/03/2026", None],
    }).write_excel(path, worksheet="List")

    result = _ingest(warehouse, path, mapping=SHIPPED_DIR / "excel-participants.toml")

    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert _rows(warehouse, "SELECT * FROM participations") == [("E1", "O1", True, True, False, 3, 2, date(2026, 3, 20))]
    assert quarantined_rows(warehouse)["reasons"].to_list() == [[
        "org_id 'O9' is not a known org_id (not in organisations, in the warehouse or earlier in this load)"]]
    assert "d.example" not in _everything_stored(warehouse) and "Kenya Defenders" not in _rows(
        warehouse, "SELECT raw FROM quarantine")[0][0]


def test_a_mapping_maps_values_sets_constants_and_splits_lists(tmp_path, warehouse):
    folder = write_valid_folder(tmp_path / "files")
    _ingest(warehouse, *(folder / f"{e}.csv" for e in ("mechanisms", "organisations", "engagements")))
    mapping = tmp_path / "m.toml"
    mapping.write_text('''
entity = "recommendations"
drop = ["Reviewer"]
[columns]
"Rec no" = "recommendation_id"
"Response" = "state_response"
"Topics" = "themes"
[constants]
mechanism_id = "M1"
informed_by_cso = true
[values.state_response]
"Accepted" = "supported"
"Noted" = "noted"
"" = "pending"
[lists]
themes = ","
''', encoding="utf-8")
    path = write_csv(tmp_path / "upr.csv", [
        {"Rec no": "R1", "issued_on": "2026-02-01", "addressee_country": "KEN", "text": "t", "Topics": "a, b ,c",
         "Response": "accepted", "Reviewer": "someone"},
        {"Rec no": "R2", "issued_on": "2026-02-01", "addressee_country": "KEN", "text": "t", "Topics": "a",
         "Response": "", "Reviewer": "someone"},
    ])

    result = _ingest(warehouse, path, mapping=mapping)

    assert result.rows_loaded == 2
    assert _rows(warehouse, "SELECT recommendation_id, mechanism_id, themes, state_response, informed_by_cso "
                            "FROM recommendations ORDER BY 1") == [
        ("R1", "M1", ["a", "b", "c"], "supported", True), ("R2", "M1", ["a"], "pending", True)]


def test_a_mapping_naming_an_unknown_column_is_refused_with_a_suggestion(tmp_path, warehouse):
    mapping = tmp_path / "m.toml"
    mapping.write_text('entity = "feedback"\n[constants]\nsatisfacton = "3"\n', encoding="utf-8")
    path = write_csv(tmp_path / "answers.csv", [VALID_ROWS["feedback"]])

    with pytest.raises(MappingError, match=r"names 'satisfacton', which is not a column of feedback \(did you mean "
                                           r"'satisfaction'\?\)"):
        _ingest(warehouse, path, mapping=mapping)
    mapping.write_text('entity = "feedback"\nimport = "os"\n', encoding="utf-8")
    with pytest.raises(MappingError, match="'import' is not a part of a mapping"):
        load_mapping(mapping)
    assert not warehouse.exists()


def test_a_drafted_mapping_matches_the_headers_and_loads_the_export(tmp_path, warehouse):
    _parents(tmp_path, warehouse)
    path = _kobo_export(tmp_path / "feedback-survey.xlsx")

    text = suggest_mapping(path, "feedback")
    drafted = tomllib.loads(text)

    assert drafted["strip_group_prefixes"] is True
    assert drafted["columns"]["group_rating/satisfaction"] == "satisfaction"
    assert drafted["columns"]["group_intro/organisation"] == "org_id"
    assert drafted["values"]["informed_of_outcome"] == {"Oui": "true"}  # yes/no are read as they are
    assert drafted["dates"]["submitted_on"] == "%Y-%m-%dT%H:%M:%S"
    assert "group_contact/email" in drafted["drop"]
    assert drafted["columns"]["_uuid"] == "response_id" and drafted["columns"]["_submission_time"] == "submitted_on"
    assert '# mechanism_id' not in text and "[constants]" not in text  # every feedback column is in the export
    (tmp_path / "m.toml").write_text(text, encoding="utf-8")
    result = _ingest(warehouse, path, mapping=tmp_path / "m.toml")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)


def test_the_cli_drafts_a_mapping(tmp_path):
    path = write_csv(tmp_path / "list.csv", [{"Organisation ID": "O1", "Event": "E1", "Attended?": "Oui",
                                              "Registered": "Non", "Spoke": "no", "Email": "x@y.example"}])

    done = subprocess.run([sys.executable, "-m", "agora.cli", "mapping", "suggest", str(path), "--entity",
                           "participations"], capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    drafted = tomllib.loads(done.stdout)
    assert drafted["columns"]["Organisation ID"] == "org_id"
    assert drafted["values"]["attended"] == {"Oui": "true"}
    assert "Email" in drafted["drop"]


# -- fix and reload ----------------------------------------------------------------------------------

def _fix(path: Path, fixes: dict[str, dict[str, str]]) -> None:
    """Edit a fix file as a person would in a spreadsheet: change cells of the rows named by source_row."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row.update(fixes.get(row["source_row"], {}))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _counts(warehouse: Path) -> tuple[int, int]:
    return (_rows(warehouse, "SELECT count(*) FROM feedback")[0][0],
            _rows(warehouse, "SELECT count(*) FROM quarantine WHERE entity = 'feedback'")[0][0])


def test_quarantined_rows_fixed_in_their_own_columns_load_again_and_leave_the_quarantine(tmp_path, warehouse):
    _parents(tmp_path, warehouse)
    good = VALID_ROWS["feedback"]
    rows = [{**good, "response_id": "ok1"},
            {**good, "response_id": "bad-date", "submitted_on": "20/01/2026"},
            {**good, "response_id": "bad-score", "satisfaction": "9", "felt_heard": "0"},
            {**good, "response_id": "bad-org", "org_id": "O404"},
            {**good, "response_id": "formula", "faced_restrictions": "=1+1"},
            {**good, "response_id": "bar|id"}]
    source = write_csv(tmp_path / "feedback.csv", rows)

    first = _ingest(warehouse, source)
    assert (first.rows_read, first.rows_loaded, first.rows_quarantined) == (6, 1, 5)
    assert _counts(warehouse) == (1, 5)

    fix_me = write_fix_file(quarantined_rows(warehouse, "feedback"), "feedback", tmp_path / "fix-me.csv")
    header = fix_me.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join([*good, "reasons", "source_file", "source_row"])

    # Round 1: fix two rows, leave three as they were.
    _fix(fix_me, {"3": {"submitted_on": "2026-01-20"}, "4": {"satisfaction": "5", "felt_heard": "4"}})
    second = _ingest(warehouse, fix_me)
    [outcome] = second.files
    assert (outcome.entity, outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == ("feedback", 5, 2, 3)
    assert not any("not columns of" in w for w in outcome.warnings)
    assert _counts(warehouse) == (3, 3)
    assert set(quarantined_rows(warehouse)["file"].to_list()) == {str(fix_me)}

    # Round 2: the rest, from a fix file of the fix file.
    again = write_fix_file(quarantined_rows(warehouse, "feedback"), "feedback", tmp_path / "fix-me-2.csv")
    _fix(again, {"4": {"org_id": "O1"}, "5": {"faced_restrictions": "true"}, "6": {"response_id": "bar-id"}})
    third = _ingest(warehouse, again)
    assert (third.rows_read, third.rows_loaded, third.rows_quarantined) == (3, 3, 0)
    assert _counts(warehouse) == (6, 0)
    assert sorted(r for r, in _rows(warehouse, "SELECT response_id FROM feedback")) == [
        "bad-date", "bad-org", "bad-score", "bar-id", "formula", "ok1"]
    loads = _rows(warehouse, "SELECT rows_read, rows_loaded, rows_quarantined FROM load_log WHERE entity = 'feedback' "
                             "ORDER BY finished_at")
    assert all(read == loaded + quarantined for read, loaded, quarantined in loads)


def test_the_quarantine_is_grouped_by_rule_with_counts(tmp_path, warehouse):
    _parents(tmp_path, warehouse)
    rows = [{**VALID_ROWS["feedback"], "response_id": f"FB{i}", "submitted_on": f"{i + 1:02d}/01/2026"}
            for i in range(30)]
    _ingest(warehouse, write_csv(tmp_path / "feedback.csv", rows))

    by_rule = reasons_by_rule(quarantined_rows(warehouse))
    snapshot = publish_snapshot(warehouse, tmp_path / "agora.published.duckdb")

    assert by_rule.rows() == [("feedback", "submitted_on is not a date of the form YYYY-MM-DD", 30)]
    with duckdb.connect(str(snapshot), read_only=True) as con:
        assert con.sql("SELECT * FROM quarantine_summary").fetchall() == [
            ("feedback", "submitted_on is not a date of the form YYYY-MM-DD", 30)]


def test_the_cli_ingests_with_a_shipped_mapping_by_name_and_says_what_it_dropped(tmp_path, warehouse):
    _parents(tmp_path, warehouse)
    path = write_csv(tmp_path / "participants.csv", [{
        "Event code": "E1", "Organisation ID": "O1", "Contact e-mail": "k@d.example", "Registered?": "Yes",
        "Attended?": "Yes", "Spoke?": "No", "Number of participants": "3", "Of whom women": "1",
        "Outcome shared on": "20/03/2026"}])

    done = subprocess.run([sys.executable, "-m", "agora.cli", "--warehouse", str(warehouse), "ingest", str(path),
                           "--map", "excel-participants.toml"], capture_output=True, text=True, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "1 rows read, 1 loaded, 0 quarantined" in done.stdout
    assert "the mapping dropped the column(s) 'Contact e-mail': their values are not stored anywhere" in done.stdout
    assert _rows(warehouse, "SELECT outcome_communicated_on FROM participations") == [(date(2026, 3, 20),)]
