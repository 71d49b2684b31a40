"""The report on the generated dataset, ingested and built by the real engine."""

from __future__ import annotations

import duckdb
import pytest

from metrics.achievement import with_achieved
from metrics.catalogue import load_catalogue
from metrics.disclosure import apply_disclosure
from metrics.runs import run_table
from reports.build import write_reports
from test_report import TRACE_KEYS, expected_text, parse

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_every_traced_number_of_a_built_run_equals_its_row(built_agora, tmp_path, audience):
    warehouse = built_agora.settings.warehouse
    [path] = write_reports(warehouse, ["2026-Q2"], audience, "html", tmp_path, None, 5)
    table = with_achieved(apply_disclosure(run_table(warehouse), audience, 5), load_catalogue())
    rows = {tuple(r[k] for k in ("indicator_id", "grain", "period", "breakdown", "breakdown_value")): r
            for r in table.iter_rows(named=True)}
    traced = parse(path).traced
    assert len(traced) > 500
    for attrs, text in traced:
        assert text == expected_text(rows[tuple(attrs[k] for k in TRACE_KEYS)], attrs.get("data-field", "value"))
    if audience == "public":
        html = path.read_text(encoding="utf-8")
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            organisations = con.sql("SELECT org_id, name FROM organisations").fetchall()
        finally:
            con.close()
        for org_id, name in organisations:
            assert org_id not in html and name not in html
        assert any(text == "suppressed" for _, text in traced)
