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


def test_a_period_without_data_is_refused_and_writes_nothing(handbuilt_warehouse, tmp_path, capsys):
    out = tmp_path / "r.html"
    code = main(["--warehouse", str(handbuilt_warehouse), "report", "--period", "2030", "--out", str(out)])
    assert code == 2 and not out.exists()
    assert capsys.readouterr().err.strip() == (
        f"Error: Run {RUN_ID} holds no indicator value for 2030 (data as of 2026-06-30): no report was written; "
        f"pick a period the data cover.")


def test_an_unfinished_period_is_marked_and_strict_refuses_it(handbuilt_warehouse, tmp_path, capsys):
    # 2026 ends on 2026-12-31, after the run's as-of date 2026-06-30
    out = tmp_path / "year.html"
    assert main(["--warehouse", str(handbuilt_warehouse), "report", "--period", "2026", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    cover = html[:html.index('<section id="summary"')]
    assert "<strong>Unfinished period.</strong>" in cover
    summary = html[html.index('<section id="summary"'):html.index('<section id="scorecard"')]
    assert "This period is not over." in summary
    strict = tmp_path / "strict.html"
    code = main(["--warehouse", str(handbuilt_warehouse), "report", "--period", "2026", "--strict",
                 "--out", str(strict)])
    assert code == 2 and not strict.exists()
    assert "2026 is not over (it ends on 2026-12-31, the data are as of 2026-06-30): --strict refuses" in \
        capsys.readouterr().err
    # a finished period passes --strict
    assert main(["--warehouse", str(handbuilt_warehouse), "report", "--period", "2026-Q2", "--strict",
                 "--format", "xlsx", "--out", str(tmp_path / "q2.xlsx")]) == 0


def test_every_report_flag_says_its_default(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for flag in ("--period", "--audience", "--format", "--out", "--run", "--strict"):
        assert flag in text
    assert text.count("(default") >= 5 and "no default" in text


def test_the_top_level_help_says_what_agora_is_for(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "UN human-rights mechanisms" in text and "civil society organisations" in text
