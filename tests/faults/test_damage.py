"""Every CLI command walked through each kind of damage: a non-zero exit, exactly one sentence on
stderr naming the file and what to do, no traceback, and not one changed byte or row."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from faults_fixture import (DAMAGE_KINDS, cli, damage, file_digest, one_sentence, table_contents,
                            without_write_permission)

pytestmark = pytest.mark.slow


def commands(out: Path, files: Path, backup: Path) -> dict[str, list[str]]:
    """Every command that opens the warehouse, with arguments that would succeed on a whole one."""
    return {
        "loads": ["loads"],
        "quarantine": ["quarantine"],
        "export": ["export", "--out", str(out / "export.csv")],
        "report": ["report", "--period", "2026", "--format", "xlsx", "--out", str(out / "report")],
        "build": ["build", "--as-of", "2026-06-30"],
        "ingest": ["ingest", str(files / "targets.csv")],
        "publish": ["publish"],
        "verify": ["verify"],
        "backup": ["backup", "--out", str(out / "backup.duckdb")],
        "restore": ["restore", "--yes", str(backup)],
    }


READING = ("loads", "quarantine", "export", "report", "verify", "backup")
WRITING = ("build", "ingest", "restore")


@pytest.mark.parametrize("kind", DAMAGE_KINDS)
def test_every_command_on_a_damaged_warehouse_says_damaged_and_changes_nothing(built, files, tmp_path, kind):
    good = tmp_path / "good-backup.duckdb"
    shutil.copyfile(built, good)
    damage(built, kind)
    snapshot = built.with_name("agora.published.duckdb")
    before = (file_digest(built), file_digest(snapshot))
    out = tmp_path / "out"
    out.mkdir()
    for name, args in commands(out, files, backup=built).items():
        if name == "restore":
            # Restoring the damaged file itself as if it were a backup: refused before anything changes.
            args = ["restore", "--yes", str(built)]
        result = cli(args, built)
        assert result.returncode != 0, (name, result.stdout)
        sentence = one_sentence(result.stderr)
        assert "damaged" in sentence and str(built) in sentence, (name, sentence)
        assert "busy" not in sentence, (name, sentence)
        assert (file_digest(built), file_digest(snapshot)) == before, name
    assert not (out / "export.csv").exists() and not (out / "backup.duckdb").exists()
    # The remedy the sentence names works: restoring a good backup, then everything checks out.
    restored = cli(["restore", "--yes", str(good)], built)
    assert restored.returncode == 0, restored.stderr
    assert "replaces the damaged warehouse" in restored.stdout
    assert cli(["verify"], built).returncode == 0
    assert table_contents(built) == table_contents(good)


def test_the_damaged_sentence_names_the_newest_kept_backup(built, files):
    kept = cli(["ingest", str(files / "targets.csv")], built, env={"AGORA_BACKUPS": "2"})
    assert kept.returncode == 0, kept.stderr
    backups = sorted(built.with_name("agora.duckdb.backups").iterdir())
    assert len(backups) == 1
    damage(built, "data block")
    sentence = one_sentence(cli(["loads"], built).stderr)
    assert f"restore it from the backup {backups[0]} with `agora restore {backups[0]}`" in sentence


def test_a_damaged_backup_is_refused_and_the_warehouse_kept(built, tmp_path):
    backup = tmp_path / "b.duckdb"
    assert cli(["backup", "--out", str(backup)], built).returncode == 0
    before = file_digest(built)
    damage(backup, "data block")
    result = cli(["restore", "--yes", str(backup)], built)
    assert result.returncode != 0
    sentence = one_sentence(result.stderr)
    assert f"The backup {backup} is damaged" in sentence and "nothing was restored" in sentence
    assert file_digest(built) == before


@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_read_only_warehouse_reads_and_refuses_writes_in_one_sentence(built, files, tmp_path, what):
    prefix = without_write_permission()
    if prefix is None:
        pytest.skip("this process ignores file permissions (root without setpriv to drop CAP_DAC_OVERRIDE)")
    backup = tmp_path / "good.duckdb"
    shutil.copyfile(built, backup)
    before = table_contents(built)
    digest = file_digest(built)
    out = tmp_path / "out"
    out.mkdir()
    locked = built.parent if what == "folder" else built
    os.chmod(locked, 0o555 if what == "folder" else 0o444)
    try:
        for name, args in commands(out, files, backup).items():
            result = cli(args, built, prefix=prefix)
            # exports and reports are audited in the access store beside the warehouse: in a read-only
            # folder that store cannot be made, so they are refused rather than left unrecorded
            audited_in_folder = what == "folder" and name in ("export", "report")
            if name in READING and not audited_in_folder:
                assert result.returncode == 0, (name, result.stderr)
                continue
            if name == "publish" and what == "file":
                assert result.returncode == 0, result.stderr  # the snapshot's folder is writable
                continue
            assert result.returncode != 0, name
            sentence = one_sentence(result.stderr)
            assert "read-only" in sentence and "busy" not in sentence, (name, sentence)
            expected = f"the folder {built.parent}" if what == "folder" else f"the warehouse file {built}"
            assert expected in sentence.lower(), (name, sentence)
    finally:
        os.chmod(locked, 0o755 if what == "folder" else 0o644)
    assert file_digest(built) == digest
    assert table_contents(built) == before
    assert not [p for p in built.parent.iterdir() if p.name.startswith(".")]


def test_busy_only_when_another_process_holds_the_lock(built, files, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    backup = tmp_path / "good.duckdb"
    shutil.copyfile(built, backup)
    digest = file_digest(built)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(built)!r}); print('held', flush=True); "
                               "sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        for name, args in commands(out, files, backup).items():
            result = cli(args, built)
            assert result.returncode != 0, name
            sentence = one_sentence(result.stderr)
            assert f"The warehouse {built} is busy: process {holder.pid} has it open" in sentence, (name, sentence)
    finally:
        holder.communicate("")
    assert file_digest(built) == digest


def test_a_missing_warehouse_is_named_not_created(tmp_path):
    missing = tmp_path / "nowhere" / "agora.duckdb"
    for args in (["loads"], ["quarantine"], ["export", "--out", str(tmp_path / "x.csv")], ["verify"],
                 ["backup", "--out", str(tmp_path / "b.duckdb")]):
        result = cli(args, missing)
        assert result.returncode != 0
        assert f"There is no warehouse at {missing}" in one_sentence(result.stderr)
    assert not missing.parent.exists()
