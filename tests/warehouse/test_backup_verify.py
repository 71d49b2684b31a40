"""Backups (manual and kept automatically), restore, verify, the block check and publish's own
check of what it wrote, on real DuckDB files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from agora.core import Agora, NotPublished
from foundation.settings import Settings
from warehouse.backup import RestoreCancelled, kept_backups
from warehouse.faults import DamagedFile, explain
from warehouse.integrity import damage_in_file
from warehouse.snapshot import PublishFailed, verify_published

MECHANISMS = "mechanism_id,name,kind\nM1,One,upr\nM2,Two,treaty_body\n"


@pytest.fixture
def agora(tmp_path: Path) -> Agora:
    (tmp_path / "mechanisms.csv").write_text(MECHANISMS, encoding="utf-8")
    made = Agora(Settings(warehouse=tmp_path / "agora.duckdb", backups_kept=2))
    made.ingest([tmp_path / "mechanisms.csv"])
    return made


def mechanisms(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.sql("SELECT mechanism_id, name FROM mechanisms ORDER BY 1").fetchall()
    finally:
        con.close()


def test_backups_are_kept_before_each_write_newest_n(agora, tmp_path):
    assert kept_backups(agora.settings.warehouse) == []  # the first ingest had nothing to back up
    for name in ("Uno", "Dos", "Tres"):
        (tmp_path / "mechanisms.csv").write_text(MECHANISMS.replace("One", name), encoding="utf-8")
        agora.ingest([tmp_path / "mechanisms.csv"])
    kept = kept_backups(agora.settings.warehouse)
    assert len(kept) == 2
    assert [mechanisms(k)[0][1] for k in kept] == ["Uno", "Dos"]  # each holds the state before its ingest
    assert all(damage_in_file(k) is None for k in kept)


def test_backup_restore_round_trip_says_what_it_replaces(agora, tmp_path):
    backup = agora.backup(tmp_path / "copy.duckdb")
    (tmp_path / "mechanisms.csv").write_text(MECHANISMS.replace("One", "Changed"), encoding="utf-8")
    agora.ingest([tmp_path / "mechanisms.csv"])
    asked = []
    with pytest.raises(RestoreCancelled):
        agora.restore(backup, confirm=lambda question: asked.append(question) or False)
    assert mechanisms(agora.settings.warehouse)[0][1] == "Changed"
    assert "replaces the warehouse's 0 run(s), 2 load(s)" in asked[0] and "with 0 run(s), 1 load(s)" in asked[0]
    done = agora.restore(backup, confirm=lambda question: True)
    assert done.startswith(f"Restored {agora.settings.warehouse} from {backup}")
    assert mechanisms(agora.settings.warehouse)[0][1] == "One"
    assert agora.verify() == []
    assert mechanisms(kept_backups(agora.settings.warehouse)[-1])[0][1] == "Changed"  # the restore is undoable


def test_verify_names_a_stale_and_a_missing_snapshot(agora):
    assert agora.verify() == []
    agora.settings.snapshot.unlink()
    assert agora.verify() == [f"There is no dashboard snapshot at {agora.settings.snapshot}: run `agora publish` "
                              f"to write it."]
    agora.publish()
    con = duckdb.connect(str(agora.settings.warehouse))
    con.execute("DELETE FROM load_log")
    con.close()
    problems = agora.verify()
    assert len(problems) == 1 and "holds 2 mechanisms rows but the load log records only 0 loaded" in problems[0]


@pytest.mark.parametrize("offset", [0, 4096, "middle", "last"])
def test_the_block_check_finds_garbage_anywhere(agora, tmp_path, offset):
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(agora.settings.warehouse, copy)
    assert damage_in_file(copy) is None
    size = copy.stat().st_size
    at = {"middle": size // 2, "last": size - 100}.get(offset, offset)
    with open(copy, "r+b") as file:
        file.seek(at)
        file.write(os.urandom(64))
    assert damage_in_file(copy) is not None


def test_a_file_cut_mid_block_is_truncated_and_explain_never_calls_it_busy(agora, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(agora.settings.warehouse, copy)
    os.truncate(copy, copy.stat().st_size - 1000)
    assert damage_in_file(copy).startswith("it is truncated")
    error = explain(duckdb.IOException(f'IO Error: Could not read enough bytes from file "{copy}"'), copy)
    assert isinstance(error, DamagedFile) and "busy" not in str(error)


def test_verify_published_refuses_a_missing_table_or_a_wrong_count(agora):
    snapshot = agora.settings.snapshot
    con = duckdb.connect(str(snapshot), read_only=True)
    counts = {t: con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in ("mechanisms", "load_log")}
    con.close()
    verify_published(snapshot, counts)
    with pytest.raises(PublishFailed, match="holds 2 rows where its source holds 3"):
        verify_published(snapshot, {**counts, "mechanisms": 3})
    with pytest.raises(PublishFailed, match="lacks its table nowhere"):
        verify_published(snapshot, {"nowhere": 0})


def test_a_failed_publish_keeps_the_old_snapshot_and_leaves_nothing(agora, tmp_path, monkeypatch):
    before = agora.settings.snapshot.read_bytes()

    def fail(expected_path, expected):
        raise PublishFailed("The new snapshot lacks its table runs.")

    monkeypatch.setattr("warehouse.snapshot.verify_published", fail)
    with pytest.raises(NotPublished, match="^Dashboard not refreshed: the new snapshot lacks"):
        agora.publish()
    assert agora.settings.snapshot.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_restoring_the_oldest_kept_backup_does_not_rotate_it_away(agora, tmp_path):
    for name in ("Uno", "Dos"):
        (tmp_path / "mechanisms.csv").write_text(MECHANISMS.replace("One", name), encoding="utf-8")
        agora.ingest([tmp_path / "mechanisms.csv"])
    oldest = kept_backups(agora.settings.warehouse)[0]
    agora.restore(oldest, confirm=lambda question: True)
    assert mechanisms(agora.settings.warehouse)[0][1] == "One"
    assert oldest.exists() and len(kept_backups(agora.settings.warehouse)) == 3
