"""A disk that fills up during an ingest, and during the publish after it, on a small tmpfs mounted
in a private mount namespace (`unshare -m`): one sentence, the warehouse and snapshot as they were,
nothing left behind, and the next command works once there is space."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from faults_fixture import CLI_TIMEOUT, one_sentence, private_tmpfs_allowed

pytestmark = pytest.mark.slow
SCENARIO = Path(__file__).with_name("full_disk_scenario.py")


def run_on_small_disk(tmp_path: Path, built: Path, files: Path, mode: str) -> dict:
    if not private_tmpfs_allowed():
        pytest.skip("this platform does not allow a tmpfs in a private mount namespace (unshare -m)")
    disk = tmp_path / "disk"
    disk.mkdir()
    size_kb = (sum(p.stat().st_size for p in built.parent.iterdir() if p.is_file()) * 2) // 1024 + 4096
    script = (f'mount -t tmpfs -o size={size_kb}k tmpfs "{disk}" && '
              f'exec "{sys.executable}" "{SCENARIO}" "{disk}" "{built.parent}" "{files}" {mode}')
    done = subprocess.run([shutil.which("unshare"), "-m", "sh", "-c", script], capture_output=True, text=True,
                          timeout=CLI_TIMEOUT * 4)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_disk_full_during_ingest_leaves_the_warehouse_as_it_was(built, files, tmp_path):
    report = run_on_small_disk(tmp_path, built, files, "ingest")
    first = report["first"]
    assert first["rc"] != 0
    sentence = one_sentence(first["stderr"])
    assert "no space left on the disk" in sentence and "busy" not in sentence
    assert report["unchanged"] and report["snapshot_unchanged"]
    assert not [name for name in report["files_after_failure"] if "partial" in name]
    # The next ingest (with space again) works: no leftover journal gets in its way.
    assert report["retry"]["rc"] == 0, report["retry"]["stderr"]
    assert report["verify"]["rc"] == 0, report["verify"]["stderr"]
    assert set(report["files_at_end"]) <= {"agora.duckdb", "agora.published.duckdb", "agora.public.duckdb", "lost+found"}


def test_a_disk_full_during_publish_keeps_the_old_snapshot_and_the_next_publish_retries(built, files, tmp_path):
    report = run_on_small_disk(tmp_path, built, files, "publish")
    first = report["first"]
    assert first["rc"] != 0
    assert "96 rows read, 96 loaded" in first["stdout"], first  # the records were committed and say so
    sentence = one_sentence(first["stderr"])
    assert sentence.startswith("Error: Records committed, dashboard not refreshed: there is no space left")
    assert report["snapshot_unchanged"]
    assert not [name for name in report["files_after_failure"] if name.startswith(".")]
    assert report["retry"]["rc"] == 0, report["retry"]["stderr"]
    assert report["verify"]["rc"] == 0, report["verify"]["stderr"]
    assert set(report["files_at_end"]) <= {"agora.duckdb", "agora.published.duckdb", "agora.public.duckdb", "lost+found"}
