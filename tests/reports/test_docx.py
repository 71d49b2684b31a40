"""The Word edition: the same summary, tables and charts as the HTML, editable, the same bytes each time."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document

from report_fixture_data import AS_OF, SECRET_ORG
from reports.build import write_reports

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def docx_path(handbuilt_warehouse, tmp_path_factory):
    [path] = write_reports(handbuilt_warehouse, ["2026-Q2"], "public", "docx",
                           tmp_path_factory.mktemp("docx") / "report.docx", None, 5)
    return path


def test_the_word_file_holds_the_summary_tables_and_charts(docx_path):
    document = Document(str(docx_path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for heading in ("Executive summary", "Scorecard", "Participation", "Inclusivity", "Follow-through",
                    "Data quality", "Methodology", "Annex: identifiers of this report"):
        assert heading in headings
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Attendance rate: 73.2% (n = 1,000) in 2026-Q2, up 8.1 percentage points from 65.1% in 2026-Q1" in text
    assert "Restrictions reported went above" not in text  # withheld in the public edition
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {"412", "73.2% (n = 1,000)", "112%", "suppressed"} <= cells
    for secret in SECRET_ORG:
        assert secret not in text and secret not in cells
    # the life-of-programme table: PAR-02 (73.2% - 50%) / (80% - 50%) = 77%
    lop = next(t for t in document.tables if t.rows[0].cells[1].text == "LOP baseline")
    assert [c.text for c in lop.rows[1].cells] == ["PAR-02 Attendance rate", "50.0%", "80.0%", "2026-Q2",
                                                  "73.2% (n = 1,000)", "77%"]
    pictures = [name for name in zipfile.ZipFile(docx_path).namelist() if name.startswith("word/media/")]
    assert len(pictures) >= 6 and all(name.endswith(".png") for name in pictures)
    assert document.core_properties.created.date() == AS_OF


def test_the_word_file_is_the_same_bytes_each_time(handbuilt_warehouse, tmp_path, docx_path):
    [again] = write_reports(handbuilt_warehouse, ["2026-Q2"], "public", "docx", tmp_path / "again.docx", None, 5)
    assert again.read_bytes() == docx_path.read_bytes()
    stamps = {info.date_time[:3] for info in zipfile.ZipFile(io.BytesIO(again.read_bytes())).infolist()}
    assert stamps == {(AS_OF.year, AS_OF.month, AS_OF.day)}
