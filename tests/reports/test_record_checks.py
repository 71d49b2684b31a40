"""The report's validation of the records loaded in its period: per entity, each check with rows
checked and rows failing, as the loads kept them; no value of a record, only counts and rule names."""

from __future__ import annotations

import re

import duckdb
import pytest

from report_fixture_data import RECORD_CHECKS, SECRET_ORG
from reports.build import write_reports
from reports.content import build_report
from reports.html import report_html
from foundation.vocabulary import Period
from reports.source import read_report_source

CHECK_ROW = re.compile(r'<tr><td>([^<]*)</td><td>([^<]*)</td><td class="r">([^<]*)</td><td class="r">([^<]*)</td>'
                       r'<td class="verdict (?:passed|failed)">(passed|failed)</td></tr>')


def _quality(html: str) -> str:
    return html[html.index('<section id="data-quality"'):html.index('<section id="methodology"')]


def test_the_checks_of_the_loads_in_the_period_by_entity(handbuilt_warehouse):
    source = read_report_source(handbuilt_warehouse, None, "public", 5)
    checked = build_report(source, Period.parse("2026-Q2"), "html").record_checks_in_period()
    assert [(entity, frame.select("rule", "rows_checked", "rows_failing", "success").rows())
            for entity, frame in checked] == [
        ("organisations", [("organisations.name.required", 3, 0, True),
                           ("organisations.country.country", 3, 1, False),
                           ("organisations.duplicate_key", 3, 1, False)]),
    ]  # the engagements load finished after the run was built
    assert build_report(source, Period.parse("2026-Q1"), "html").record_checks_in_period() == []


@pytest.mark.slow
def test_the_public_report_shows_them_without_values(handbuilt_warehouse, tmp_path):
    [path] = write_reports(handbuilt_warehouse, ["2026-Q2"], "public", "html", tmp_path, None, 5)
    html = path.read_text(encoding="utf-8")
    quality = _quality(html)
    assert "<h3>Validation of the records loaded during 2026-Q2</h3>" in quality
    assert "organisations: 2 of 3 checks failed" in quality
    expected = [(c[7], c[5], str(c[10]), str(c[9]), "passed" if c[8] else "failed")
                for c in RECORD_CHECKS if c[0] == "L1"]
    assert CHECK_ROW.findall(quality) == expected
    assert "engagements.mechanism_id.exists" not in html
    assert SECRET_ORG[0] not in html and SECRET_ORG[1] not in html


@pytest.mark.slow
def test_a_real_load_shows_in_the_report_as_the_warehouse_kept_it(built_agora, tmp_path):
    warehouse = built_agora.settings.warehouse
    with duckdb.connect(str(warehouse), read_only=True) as con:
        finished = con.sql("SELECT max(finished_at) FROM load_log").fetchall()[0][0]
        kept = con.sql(
            "SELECT v.rule, sum(v.element_count)::BIGINT, sum(v.unexpected_count)::BIGINT FROM validation_results v "
            "JOIN load_log l USING (load_id) WHERE l.entity = 'participations' GROUP BY v.rule").fetchall()
    # The loads finished today, after the run's as-of date: `agora report` refuses that period (the run
    # holds no value for it), so its data-quality section is laid out here directly.
    period = Period.containing("quarter", finished.date())
    html = report_html(build_report(read_report_source(warehouse, None, "internal", 5), period, "html"))
    shown = CHECK_ROW.findall(_quality(html))
    participations = {rule: (int(n.replace(",", "")), int(f.replace(",", "")))
                       for rule, _, n, f, _ in shown if rule.startswith("participations.")}
    assert participations == {rule: (n, f) for rule, n, f in kept}
    assert min(n for n, _ in participations.values()) > 0
