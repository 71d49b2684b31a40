"""Life-of-programme targets in the HTML report (and so the PDF): worked by hand from the fixture."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from reports.build import write_reports


class ProgrammeTable(HTMLParser):
    """The text of each row's cells in the report's life-of-programme section."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self._inside = False
        self._cells: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self._inside = dict(attrs).get("id") == "programme"
        elif self._inside and tag == "tr":
            self._cells = []
        elif self._inside and self._cells is not None and tag in ("th", "td"):
            self._cells.append("")

    def handle_endtag(self, tag):
        if tag == "tr" and self._cells:
            cells = [re.sub(r"\s+", " ", c).strip() for c in self._cells]
            self.rows[cells[0].split()[0]] = cells[1:]
            self._cells = None

    def handle_data(self, data):
        if self._cells:
            self._cells[-1] += data


def programme_rows(path) -> dict[str, list[str]]:
    parser = ProgrammeTable()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.rows


@pytest.fixture(scope="module")
def html(handbuilt_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("programme")
    return {(period, audience): write_reports(handbuilt_warehouse, [period], audience, "html", out / audience,
                                              None, 5)[0]
            for period in ("2026-Q1", "2026-Q2") for audience in ("internal", "public")}


def test_the_report_shows_lop_targets_with_the_value_to_date_worked_by_hand(html):
    rows = programme_rows(html["2026-Q2", "internal"])
    header = rows.pop("Indicator")
    assert header == ["LOP baseline", "LOP target", "To date", "Value to date", "% achieved"]
    assert list(rows) == ["PAR-02", "FOL-02", "FOL-08", "FOL-13"]  # catalogue order; PAR-01 has none
    # (73.2% - 50%) / (80% - 50%) = 77%; lower is better: (6 - 10) / (5 - 10) = 80%; 6.0% / 10.0% = 60%
    assert rows["PAR-02"] == ["50.0%", "80.0%", "2026-Q2", "73.2% (n = 1,000)", "77%"]
    assert rows["FOL-02"] == ["10.0", "5.0", "2026-Q2", "6.0 (n = 40)", "80%"]
    assert rows["FOL-08"] == ["–", "10.0%", "no value yet"]
    assert rows["FOL-13"] == ["–", "6.0%", "2026-Q2", "10.0% (n = 50)", "60%"]


def test_the_value_to_date_is_the_latest_period_up_to_the_asked_one(html):
    rows = programme_rows(html["2026-Q1", "internal"])
    # 6.0% / 5.0% = 120%; (65.1% - 50%) / 30% = 50%; FOL-02 Q1 8 days: (8 - 10) / (5 - 10) = 40%
    assert rows["FOL-13"] == ["–", "6.0%", "2026-Q1", "5.0% (n = 40)", "120%"]
    assert rows["PAR-02"][2:] == ["2026-Q1", "65.1% (n = 1,000)", "50%"]
    assert rows["FOL-02"][2:] == ["2026-Q1", "8.0 (n = 35)", "40%"]


def test_the_public_report_keeps_lop_targets_and_leaves_a_withheld_achievement_empty(html):
    rows = programme_rows(html["2026-Q1", "public"])
    # FOL-13 in Q1 rests on 2 of 40 respondents: withheld, so no per cent achieved either
    assert rows["FOL-13"] == ["–", "6.0%", "2026-Q1", "suppressed", "–"]
    assert rows["PAR-02"][4] == "50%"
    text = html["2026-Q1", "public"].read_text(encoding="utf-8")
    assert "where the value to date is suppressed its per cent achieved is left empty" in text
