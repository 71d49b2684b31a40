"""`agora report` from the command line: arguments, file names, the series index, errors."""

from __future__ import annotations

import pytest

from agora.cli import main
from report_fixture_data import RUN_ID


def test_several_periods_write_a_series_with_an_index(handbuilt_warehouse, tmp_path, capsys):
    out = tmp_path / "series"
    code = main(["--warehouse", str(handbuilt_warehouse), "report", "--period", "2026-Q2", "--period", "2026-Q1",
                 "--format", "xlsx", "--out", str(out)])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "agora-report-2026-Q1-public.xlsx", "agora-report-2026-Q2-public.xlsx", "index.html"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.index("2026-Q2-public.xlsx") < index.index("2026-Q1-public.xlsx")
    assert RUN_ID in index
    assert "Wrote" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2026-Q7"], "The period '2026-Q7' is not a year"),
    (["--period", "2026-Q2", "--run", "nope"], "no run 'nope'"),
    (["--period", "2026-Q2", "--format", "pdf", "--out", "x.xlsx"], "ends in .xlsx but the format asked for is pdf"),
])
def test_a_report_it_cannot_write_is_one_clear_error(handbuilt_warehouse, tmp_path, capsys, args, message):
    code = main(["--warehouse", str(handbuilt_warehouse), "report", *args])
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_missing_warehouse_is_named(tmp_path, capsys):
    assert main(["--warehouse", str(tmp_path / "none.duckdb"), "report", "--period", "2026"]) == 2
    assert "none.duckdb" in capsys.readouterr().err
