"""The CLI's own job: parse, call the core, print readable tables and sentences, set the exit code."""

from __future__ import annotations

from pathlib import Path

from agora.cli import main


def test_loads_and_quarantine_print_readable_tables_and_strict_fails(tmp_path: Path, capsys) -> None:
    warehouse = str(tmp_path / "w.duckdb")
    (tmp_path / "mechanisms.csv").write_text("mechanism_id,name,kind\nM1,Good,upr\nM2,,bad\n", encoding="utf-8")

    assert main(["--warehouse", warehouse, "ingest", str(tmp_path / "mechanisms.csv"), "--strict"]) == 1
    assert "2 rows read, 1 loaded, 1 quarantined" in capsys.readouterr().out

    assert main(["loads", "--warehouse", warehouse]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["finished", "entity", "file", "read", "loaded", "quarantined", "warnings"]
    assert row.split()[2:] == ["mechanisms", str(tmp_path / "mechanisms.csv"), "2", "1", "1"]

    assert main(["quarantine", "--warehouse", warehouse]) == 0
    printed = capsys.readouterr().out
    assert "name is empty; kind 'bad' is not one of special_procedure, treaty_body, upr, other" in printed


def test_reading_commands_on_a_missing_warehouse_say_what_to_do(tmp_path: Path, capsys) -> None:
    assert main(["loads", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "There is no warehouse at" in capsys.readouterr().err
    assert not (tmp_path / "none.duckdb").exists()
