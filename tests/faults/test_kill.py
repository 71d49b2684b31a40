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
