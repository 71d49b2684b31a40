"""Runs inside a private mount namespace with a small tmpfs at DISK (see test_full_disk.py): fills
the disk, runs an ingest whose load or whose publish cannot fit, then frees the space and runs
the next command. Prints what happened as JSON for the test to judge.

usage: python full_disk_scenario.py DISK BUILT_FOLDER FILES_FOLDER (ingest|publish)
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from faults_fixture import cli, file_digest, table_contents  # noqa: E402


def fill(disk: Path, leave: int) -> Path:
    """A file taking all the free space of `disk` but `leave` bytes."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free - leave
    with open(filler, "wb") as file:
        chunk = b"\0" * (1 << 20)
        while free > 0:
            written = file.write(chunk[:min(len(chunk), free)])
            free -= written
    return filler


def main(disk: Path, built: Path, files: Path, mode: str) -> dict:
    warehouse = disk / "agora.duckdb"
    snapshot = disk / "agora.published.duckdb"
    shutil.copyfile(built / "agora.duckdb", warehouse)
    shutil.copyfile(built / "agora.published.duckdb", snapshot)
    before = table_contents(warehouse)
    snapshot_before = file_digest(snapshot)
    report: dict = {"mode": mode}
    if mode == "ingest":
        filler = fill(disk, leave=64 * 1024)
        first = cli(["ingest", str(files)], warehouse)
    else:
        filler = fill(disk, leave=snapshot.stat().st_size // 3)
        first = cli(["ingest", str(files / "targets.csv")], warehouse)
    report["first"] = {"rc": first.returncode, "stdout": first.stdout, "stderr": first.stderr}
    report["unchanged"] = table_contents(warehouse) == before
    report["snapshot_unchanged"] = file_digest(snapshot) == snapshot_before
    report["files_after_failure"] = sorted(p.name for p in disk.iterdir())
    filler.unlink()
    retry = cli(["publish"] if mode == "publish" else ["ingest", str(files / "targets.csv")], warehouse)
    report["retry"] = {"rc": retry.returncode, "stdout": retry.stdout, "stderr": retry.stderr}
    checked = cli(["verify"], warehouse)
    report["verify"] = {"rc": checked.returncode, "stdout": checked.stdout, "stderr": checked.stderr}
    report["files_at_end"] = sorted(p.name for p in disk.iterdir())
    return report


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])))
