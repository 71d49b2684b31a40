"""The UPR Info import on small hand-made exports, on real DuckDB files.

`upr_info/sessions-1-2-macroman.csv`: Mac Roman, CR-only line endings, 10 rows (sessions 1 and 2):
quoted commas, a line break inside quoted text, two identical rows, an unknown addressee
(`Atlantis`, row 8) and an unknown recommending State (`Narnia`, row 10), an empty Action.
`upr_info/session-3-cp1252.csv`: Windows-1252, CRLF, 6 rows (session 3): typographic apostrophes,
`Türkiye`, a `Pending` response (row 4) and a session the calendar lacks (999, row 5).
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from agora.cli import main
from metrics.runs import build_run
from warehouse.upr_info import (
    UPR_INFO_COLUMNS, UprInfoError, UprRow, decoded_upr_file, import_extras, import_upr_info, upr_batch, upr_rows,
)

HERE = Path(__file__).with_name("upr_info")
MAC_ROMAN = HERE / "sessions-1-2-macroman.csv"
CP1252 = HERE / "session-3-cp1252.csv"
HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"


def rows_of(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def imported_once(tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp("upr_info") / "agora.duckdb"
    import_upr_info(warehouse, [MAC_ROMAN, CP1252], encoding=None)
    return warehouse


@pytest.fixture
def imported(tmp_path: Path, imported_once: Path) -> Path:
    """A copy of the imported warehouse of the test's own, to change."""
    return Path(shutil.copy(imported_once, tmp_path / "agora.duckdb"))


# -- reading the files --------------------------------------------------------------------

@pytest.mark.parametrize(("path", "encoding", "name"), [(MAC_ROMAN, "mac-roman", "Mac Roman"),
                                                        (CP1252, "cp1252", "Windows-1252")])
def test_legacy_encodings_are_told_apart_by_the_names_they_spell(path: Path, encoding: str, name: str) -> None:
    decoded = decoded_upr_file(path, path.read_bytes(), None)
    assert decoded.encoding == encoding
    assert "Côte d" in decoded.text
    assert decoded.warnings == (f"not UTF-8; read as {name} (detected; pass --encoding if names or accents look "
                                f"wrong)",)


@pytest.mark.parametrize("name", ["Türkiye", "São Tomé and Príncipe", "Curaçao", "Réunion", "Côte d’Ivoire"])
@pytest.mark.parametrize("encoding", ["mac_roman", "cp1252"])
def test_short_names_alone_are_enough_to_detect_the_encoding(name: str, encoding: str) -> None:
    decoded = decoded_upr_file(Path("x.csv"), f"{HEADER}\r{name},x\r".encode(encoding), None)
    assert (decoded.encoding, decoded.text.splitlines()[1]) == (encoding.replace("_", "-"), f"{name},x")


def test_utf8_with_a_byte_order_mark_is_read_as_utf8_without_a_warning() -> None:
    decoded = decoded_upr_file(Path("x.csv"), "\ufeffTo\rCôte d'Ivoire\r".encode("utf-8"), None)
    assert (decoded.encoding, decoded.text, decoded.warnings) == ("utf-8-sig", "To\rCôte d'Ivoire\r", ())


def test_an_encoding_override_wins_over_detection() -> None:
    data = "Côte".encode("mac_roman")
    assert decoded_upr_file(Path("x.csv"), data, "cp1252").text == "C™te"


def test_an_override_that_does_not_fit_replaces_bytes_and_says_so() -> None:
    decoded = decoded_upr_file(Path("x.csv"), "Côte".encode("mac_roman"), "utf-8")
    assert decoded.text == "C\ufffdte"
    assert decoded.warnings == ("not entirely utf-8 (first bad byte at offset 1); the bytes it cannot "
                                "decode were replaced by \ufffd",)


def test_an_unknown_encoding_name_is_refused_in_a_sentence() -> None:
    with pytest.raises(UprInfoError, match="'klingon' is not an encoding Agora knows"):
        decoded_upr_file(Path("x.csv"), b"To", "klingon")


def test_rows_split_on_cr_only_endings_and_keep_quoted_commas_and_line_breaks() -> None:
    text = decoded_upr_file(MAC_ROMAN, MAC_ROMAN.read_bytes(), None).text
    rows, warnings = upr_rows(MAC_ROMAN, text)
    assert warnings == ()
    assert [r.number for r in rows] == list(range(2, 12))
    assert rows[0].values["Text"] == "Adopt a law on human rights defenders, and protect them"
    assert rows[0].values["From-Org"] == "EU, OIF"
    assert rows[4].values["Text"] == "Ensure that\nwomen in rural areas have access to justice"
    assert rows[4].values["Session"] == "2"


def test_a_header_without_the_export_columns_refuses_the_file_naming_them() -> None:
    with pytest.raises(UprInfoError, match=r"other\.csv is not a UPR Info export: its header lacks "
                                           r"the column\(s\) Response, Action"):
        upr_rows(Path("other.csv"), HEADER.replace("Response,Action,", "") + "\r")


def test_a_row_of_the_wrong_length_is_flagged_and_extra_columns_are_warned_about() -> None:
    rows, warnings = upr_rows(Path("x.csv"), f"{HEADER},Notes\rChile,GRULAC\r\r")
    assert warnings == ("column(s) Notes are not part of the UPR Info export and were not imported",)
    assert len(rows) == 1
    assert rows[0].problem == "the row has 2 values where the header has 12 columns"


def _mapped(*values: dict[str, str]) -> tuple[list[dict], list[list[tuple]]]:
    """Rows of an export through the import's extras and the shipped mapping: the raw contract
    records, and each row's (column, reason) rejections."""
    rows = [UprRow(n, dict.fromkeys(UPR_INFO_COLUMNS, "") | v) for n, v in enumerate(values, start=2)]
    batch = upr_batch(Path("x.csv"), rows, "hash", ())
    given = batch.given_problems
    return batch.frame.to_dicts(), [
        list(given.filter(row=i).select("column", "reason").iter_rows()) for i in range(len(rows))]


@pytest.mark.parametrize(("session", "reason"), [
    ("", "Session is empty: the row does not say which UPR session issued it"),
    ("²", "Session '²' is not a UPR Working Group session number"),
    ("12b", "Session '12b' is not a UPR Working Group session number"),
])
def test_a_session_that_is_not_a_number_is_a_reason_not_a_crash(session: str, reason: str) -> None:
    [record], [rejections] = _mapped({"To": "Chile", "Response": "Accepted", "Session": session})
    assert rejections == [("issued_on", reason)]
    assert (record["issued_on"], record["engagement_id"]) == (None, None)


def test_every_reason_of_a_row_is_given_not_only_the_first() -> None:
    [record], [rejections] = _mapped({"To": "Atlantis", "From": "Narnia", "Response": "Maybe", "Session": "1",
                                      "Issue": " Torture ,, Justice "})
    assert [column for column, _ in rejections] == ["addressee_country", "recommending_country"]
    assert (record["issued_on"], record["themes"], record["state_response"]) == (
        "2008-04-07", ["Torture", "Justice"], "Maybe")  # the contract's state_response rule rejects it in ingest


def test_an_empty_from_leaves_the_recommending_state_empty_without_rejecting_the_row() -> None:
    [record], [rejections] = _mapped({"To": "Viet Nam", "Response": "Noted", "Session": "3", "Issue": "Torture",
                                      "From-Rgrp": "WEOG"})
    assert rejections == []
    assert (record["addressee_country"], record["recommending_country"], record["recommending_group"],
            record["state_response"], record["issued_on"], record["mechanism_id"], record["informed_by_cso"]) == (
        "VNM", None, "WEOG", "noted", "2008-12-01", "UPR", "false")


@pytest.mark.parametrize("written", ["Unknown", "&lt;Unknown&gt;", "<Unknown>"])
def test_an_unknown_recommending_state_keeps_the_recommendation(written: str) -> None:
    [record], [rejections] = _mapped({"To": "C&ocirc;te d&#39;Ivoire", "From": written, "From-Rgrp": written,
                                      "Response": "Accepted", "Session": "3", "Text": "Protect &amp; promote"})
    assert rejections == []
    assert (record["addressee_country"], record["recommending_country"], record["recommending_group"],
            record["text"]) == ("CIV", None, None, "Protect & promote")


@pytest.mark.parametrize("response, state_response", [("Accepted", "supported"), (" noted ", "noted"), ("", "pending")])
def test_an_empty_response_is_a_recommendation_still_awaiting_the_states_answer(response: str,
                                                                                state_response: str) -> None:
    [record], [rejections] = _mapped({"To": "Chile", "Response": response, "Session": "3"})
    assert (rejections, record["state_response"]) == ([], state_response)


# -- importing ----------------------------------------------------------------------------

def test_every_row_is_loaded_or_quarantined_with_its_reason(imported_once: Path) -> None:
    with duckdb.connect(str(imported_once), read_only=True) as con:
        loads = rows_of(con, "SELECT file, entity, rows_read, rows_loaded, rows_quarantined FROM load_log "
                             "ORDER BY entity, file")
        quarantined = rows_of(con, "SELECT file, row_number, reasons FROM quarantine ORDER BY file, row_number")
    assert loads == [
        ("UPR Info import: sessions", "engagements", 3, 3, 0),
        ("UPR Info import: mechanism", "mechanisms", 1, 1, 0),
        (str(CP1252), "recommendations", 6, 4, 2),
        (str(MAC_ROMAN), "recommendations", 10, 8, 2),
    ]
    assert quarantined == [
        (str(CP1252), 4, ["state_response 'Pending' is not one of supported, noted, pending, none "
                          "(did you mean 'pending'?)"]),
        (str(CP1252), 5, ["UPR session 999 is not in Agora's session calendar (it knows sessions 1 to 50); "
                          "add its start date to warehouse/reference/upr_sessions.csv"]),
        (str(MAC_ROMAN), 8, ["To State name 'Atlantis' is not a known UN member or observer State"]),
        (str(MAC_ROMAN), 10, ["From State name 'Narnia' is not a known UN member or observer State"]),
    ]


def test_a_quarantined_row_keeps_the_name_it_could_not_match(imported_once: Path) -> None:
    with duckdb.connect(str(imported_once), read_only=True) as con:
        raw = rows_of(con, "SELECT raw FROM quarantine WHERE row_number = 8")[0][0]
    assert json.loads(raw)["addressee_country"] == "Atlantis"


def test_records_carry_the_mapped_values(imported_once: Path) -> None:
    with duckdb.connect(str(imported_once), read_only=True) as con:
        mechanisms = rows_of(con, "SELECT * FROM mechanisms")
        engagements = rows_of(con, "SELECT * FROM engagements ORDER BY start_date")
        first = rows_of(con, "SELECT engagement_id, issued_on, addressee_country, text, themes, state_response, "
                             "specificity, informed_by_cso, recommending_country, recommending_group "
                             "FROM recommendations WHERE text LIKE 'Adopt a law%'")
        no_action = rows_of(con, "SELECT specificity, state_response FROM recommendations "
                                 "WHERE text = 'Promote the rights of indigenous peoples'")
        turkiye = rows_of(con, "SELECT addressee_country, recommending_country, state_response "
                               "FROM recommendations WHERE text = 'Abolish the death penalty'")
    assert mechanisms == [("UPR", "Universal Periodic Review Working Group", "upr", None)]
    assert engagements[0] == ("upr-wg-1", "UPR", "review", "UPR Working Group session 1", date(2008, 4, 7),
                              date(2008, 4, 18), None, "in_person", ["en"], [], None)
    assert [(e[0], e[4]) for e in engagements] == [
        ("upr-wg-1", date(2008, 4, 7)), ("upr-wg-2", date(2008, 5, 5)), ("upr-wg-3", date(2008, 12, 1)),
    ]
    assert first == [("upr-wg-1", date(2008, 4, 7), "CIV", "Adopt a law on human rights defenders, and protect them",
                      ["Human rights defenders", "Freedom of expression"], "supported", 5, False, "FRA", "WEOG")]
    assert no_action == [(None, "supported")]
    assert turkiye == [("TUR", "CIV", "noted")]


def test_two_identical_rows_are_two_recommendations(imported_once: Path) -> None:
    with duckdb.connect(str(imported_once), read_only=True) as con:
        twins = rows_of(con, "SELECT recommendation_id FROM recommendations "
                             "WHERE text = 'Strengthen the independence of the judiciary' ORDER BY 1")
    assert len(twins) == 2
    assert twins[0][0].removesuffix("-1") == twins[1][0].removesuffix("-2")


def test_importing_the_same_files_again_changes_no_record(imported: Path) -> None:
    def records() -> list[list[tuple]]:
        with duckdb.connect(str(imported), read_only=True) as con:
            return [rows_of(con, f"SELECT * EXCLUDE (load_id) FROM {t} ORDER BY ALL" if t == "quarantine"
                                 else f"SELECT * FROM {t} ORDER BY ALL")
                    for t in ("mechanisms", "engagements", "recommendations", "quarantine")]
    before = records()
    again = import_upr_info(imported, [CP1252, MAC_ROMAN], encoding=None)
    after = records()
    assert (again.rows_read, again.rows_loaded, again.rows_quarantined) == (20, 16, 4)
    assert after == before


def test_a_utf8_copy_of_a_file_gives_the_same_recommendation_ids(tmp_path: Path, imported: Path) -> None:
    copy = tmp_path / "renamed.csv"
    copy.write_text(MAC_ROMAN.read_bytes().decode("mac_roman").replace("\r", "\n"), encoding="utf-8")
    with duckdb.connect(str(imported), read_only=True) as con:
        before = rows_of(con, "SELECT count(*) FROM recommendations")
    import_upr_info(imported, [copy], encoding=None)
    with duckdb.connect(str(imported), read_only=True) as con:
        assert rows_of(con, "SELECT count(*) FROM recommendations") == before == [(12,)]


def test_a_file_that_is_not_an_export_leaves_the_warehouse_unchanged(tmp_path: Path) -> None:
    warehouse = tmp_path / "agora.duckdb"
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,value\nx,1\n", encoding="utf-8")
    with pytest.raises(UprInfoError, match="wrong.csv is not a UPR Info export"):
        import_upr_info(warehouse, [MAC_ROMAN, wrong], encoding=None)
    assert not warehouse.exists()


def test_a_wrong_encoding_override_still_imports_and_quarantines_the_names_it_garbles(tmp_path: Path) -> None:
    result = import_upr_info(tmp_path / "agora.duckdb", [MAC_ROMAN], encoding="cp1252")
    export = next(f for f in result.files if f.entity == "recommendations")
    # Côte d'Ivoire (rows 2 and 3) and São Tomé (row 7) become C™te / S‹o TomŽ: not States.
    assert (export.rows_read, export.rows_loaded, export.rows_quarantined) == (10, 5, 5)
    assert export.warnings == ()  # every byte of this file is defined in cp1252 too


def test_a_folder_is_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(UprInfoError, match="is a folder: give the UPR Info export files themselves"):
        import_upr_info(tmp_path / "agora.duckdb", [HERE], encoding=None)


def test_the_cli_imports_and_prints_the_summary(tmp_path: Path, capsys) -> None:
    warehouse = tmp_path / "agora.duckdb"
    assert main(["import", "upr-info", str(MAC_ROMAN), "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"^{re.escape(str(MAC_ROMAN))} +recommendations +10 +8 +2$", out, re.MULTILINE)
    assert main(["import", "upr-info", str(tmp_path / "missing.csv"), "--warehouse", str(warehouse)]) == 2
    assert "missing.csv not found: check the name and the folder." in capsys.readouterr().err


# -- end to end: import, build, FOL-05 and FOL-06 per session ----------------------------

# Worked out by hand from the two files (quarantined rows excluded):
# session 1 (2008-04-07): responses A N A A -> FOL-05 3/4; actions 5 4 3 3 -> FOL-06 1/4
# session 2 (2008-05-05): responses A N A A -> FOL-05 3/4; actions 5 2 1 (one empty) -> FOL-06 1/3
# session 3 (2008-12-01): responses A N A N -> FOL-05 2/4; actions 5 4 5 5 -> FOL-06 3/4
BY_SESSION = {
    "upr-wg-1": {"month": "2008-04", "quarter": "2008-Q2", "FOL-05": (3, 4), "FOL-06": (1, 4)},
    "upr-wg-2": {"month": "2008-05", "quarter": "2008-Q2", "FOL-05": (3, 4), "FOL-06": (1, 3)},
    "upr-wg-3": {"month": "2008-12", "quarter": "2008-Q4", "FOL-05": (2, 4), "FOL-06": (3, 4)},
}


def test_fol05_and_fol06_per_session_match_the_hand_count(imported: Path) -> None:
    build_run(imported, as_of=date(2009, 6, 30))
    with duckdb.connect(str(imported), read_only=True) as con:
        cells = {
            (indicator, grain, period, session): (numerator, denominator, value)
            for indicator, grain, period, session, numerator, denominator, value in rows_of(
                con, "SELECT indicator_id, grain, period, breakdown_value, numerator, denominator, value "
                     "FROM indicator_values WHERE indicator_id IN ('FOL-05', 'FOL-06') "
                     "AND breakdown = 'engagement_id'")
        }
        totals = rows_of(con, "SELECT indicator_id, grain, period, numerator, denominator FROM indicator_values "
                              "WHERE indicator_id IN ('FOL-05', 'FOL-06') AND breakdown = 'total' ORDER BY ALL")
    expected = {}
    for session, counts in BY_SESSION.items():
        for grain, period in (("year", "2008"), ("quarter", counts["quarter"]), ("month", counts["month"])):
            for indicator in ("FOL-05", "FOL-06"):
                numerator, denominator = counts[indicator]
                expected[(indicator, grain, period, session)] = (numerator, denominator, numerator / denominator)
    assert cells == expected
    assert totals == [
        ("FOL-05", "month", "2008-04", 3, 4), ("FOL-05", "month", "2008-05", 3, 4),
        ("FOL-05", "month", "2008-12", 2, 4), ("FOL-05", "quarter", "2008-Q2", 6, 8),
        ("FOL-05", "quarter", "2008-Q4", 2, 4), ("FOL-05", "year", "2008", 8, 12),
        ("FOL-06", "month", "2008-04", 1, 4), ("FOL-06", "month", "2008-05", 1, 3),
        ("FOL-06", "month", "2008-12", 3, 4), ("FOL-06", "quarter", "2008-Q2", 2, 7),
        ("FOL-06", "quarter", "2008-Q4", 3, 4), ("FOL-06", "year", "2008", 5, 11),
    ]
