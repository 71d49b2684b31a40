"""SIGKILL at each step of ingest, build and publish: the warehouse holds either everything the
command did or nothing of it, the snapshot is the old one or a whole new one, and the next
command works and leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from dashboards.data import published
from faults_fixture import CLI_TIMEOUT, ROOT, cli
from warehouse.contract import ENTITIES

pytestmark = pytest.mark.slow

#: moments to kill at: seconds after start (start-up, reading files, loading, storing, publishing),
#: or the moment a file of the command's own appears (its journal: a write under way; a partial
#: snapshot: a publish under way)
MOMENTS = [("after", 1.0), ("after", 2.5), ("after", 4.0), ("after", 6.0), ("appears", ".wal"),
           ("appears", ".partial")]


def entity_rows(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {e: con.sql(f"SELECT count(*), sum(hash(t)) FROM {e} t").fetchall()[0] for e in ENTITIES} | {
            "runs": con.sql("SELECT count(*) FROM runs").fetchall()[0][0]}
    finally:
        con.close()


def run_and_kill(args: list[str], warehouse: Path, moment: tuple[str, object]) -> bool:
    """Start the command and SIGKILL it at `moment`; True when it was killed before it finished."""
    process = subprocess.Popen(
        [sys.executable, "-m", "agora.cli", "--warehouse", str(warehouse), *args], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT), "AGORA_BACKUPS": "0"},
        start_new_session=True)
    started = time.monotonic()
    kind, value = moment
    while process.poll() is None and time.monotonic() - started < CLI_TIMEOUT:
        due = (time.monotonic() - started >= value if kind == "after"
               else any(p.name.endswith(value) for p in warehouse.parent.iterdir()))
        if due:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.02)
    process.wait()
    return False


@pytest.fixture(scope="module")
def other_files(tmp_path_factory) -> Path:
    from agora.core import Agora
    from foundation.settings import Settings

    out = tmp_path_factory.mktemp("other-files")
    Agora(Settings(warehouse=out / "unused.duckdb")).generate(out, scale=500, seed=99, fmt="csv")
    return out


@pytest.mark.parametrize("command", ["ingest", "build", "publish"])
def test_sigkill_at_each_step_leaves_all_or_nothing(built, other_files, tmp_path, command):
    args = {"ingest": ["ingest", str(other_files)], "build": ["build", "--as-of", "2026-09-30"],
            "publish": ["publish"]}[command]
    # What the command does when it runs to the end, on a copy.
    reference = tmp_path / "reference" / "agora.duckdb"
    reference.parent.mkdir()
    for file in built.parent.iterdir():
        (reference.parent / file.name).write_bytes(file.read_bytes())
    pristine = {p.name: p.read_bytes() for p in built.parent.iterdir()}
    before = entity_rows(built)
    finished = cli(args, reference)
    assert finished.returncode == 0, finished.stderr
    after = entity_rows(reference)
    killed = 0
    for moment in MOMENTS:
        for name, data in pristine.items():
            (built.parent / name).write_bytes(data)
        for stray in built.parent.iterdir():
            if stray.name not in pristine:
                stray.unlink()
        killed += run_and_kill(args, built, moment)
        # The next command (a publish, which opens the warehouse for writing if a journal is left)
        # works, and then the warehouse holds the state before or the state after, never a mix.
        republished = cli(["publish"], built)
        assert republished.returncode == 0, (moment, republished.stderr)
        assert entity_rows(built) in (before, after), moment
        checked = cli(["verify"], built)
        assert checked.returncode == 0, (moment, checked.stderr)
        assert published(built.with_name("agora.published.duckdb"), "internal", 5) is not None
        assert sorted(p.name for p in built.parent.iterdir()) == sorted(pristine), moment
    assert killed >= 2  # the moments hit the command while it ran, not only after


#: a backup or a restore of a small warehouse takes a fraction of a second: kill as its partial file
#: appears (the copy under way), and a little after
COPY_MOMENTS = [("appears", ".partial"), ("after", 0.2), ("after", 0.5), ("after", 0.8)]


def _stray_partials(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name)


def _plant_partial_of_a_dead_process(target: Path) -> None:
    """What a copy killed midway leaves (the kill moments may miss a copy this short): its partial
    file and journal, named with the pid of a process that is gone."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    partial = target.with_name(f".{target.name}.{gone.pid}.partial")
    partial.write_bytes(b"half a copy")
    partial.with_name(partial.name + ".wal").write_bytes(b"")


def test_sigkill_during_a_backup_leaves_no_half_copy_once_the_next_one_runs(built):
    from warehouse.backup import damage_in_database

    copy = built.with_name("copy.duckdb")
    before = entity_rows(built)
    for moment in COPY_MOMENTS:
        copy.unlink(missing_ok=True)
        run_and_kill(["backup", "--out", str(copy)], built, moment)
        # the warehouse is untouched, and a copy is either absent or whole
        assert entity_rows(built) == before, moment
        if copy.exists():
            assert damage_in_database(copy) is None, moment
        _plant_partial_of_a_dead_process(copy)
        again = cli(["backup", "--out", str(copy)], built)
        assert again.returncode == 0, (moment, again.stderr)
        assert _stray_partials(built.parent) == [], moment
        assert entity_rows(copy) == before


def test_sigkill_during_a_restore_leaves_one_state_or_the_other_and_nothing_behind(built, other_files):
    kept = built.with_name("kept.duckdb")
    assert cli(["backup", "--out", str(kept)], built).returncode == 0
    assert cli(["ingest", str(other_files)], built).returncode == 0
    restored_state, current_state = entity_rows(kept), entity_rows(built)
    assert restored_state != current_state
    pristine = {p.name: p.read_bytes() for p in built.parent.iterdir() if p.is_file()}
    killed = 0
    for moment in COPY_MOMENTS:
        for name, data in pristine.items():
            (built.parent / name).write_bytes(data)
        killed += run_and_kill(["restore", str(kept), "--yes"], built, moment)
        # the next command works on a whole warehouse: the one before or the one restored (a restore
        # killed after its replace leaves the snapshot to the next publish, as verify says)
        republished = cli(["publish"], built)
        assert republished.returncode == 0, (moment, republished.stderr)
        checked = cli(["verify"], built)
        assert checked.returncode == 0, (moment, checked.stderr)
        assert entity_rows(built) in (current_state, restored_state), moment
        # and the next restore clears what the killed one left
        _plant_partial_of_a_dead_process(built)
        assert cli(["restore", str(kept), "--yes"], built).returncode == 0, moment
        assert entity_rows(built) == restored_state
        assert _stray_partials(built.parent) == [], moment
    assert killed >= 1
