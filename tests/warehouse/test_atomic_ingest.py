"""Atomic loads, for real: an ingest killed with SIGKILL at several moments leaves the warehouse
exactly as it was (or, past the commit, exactly as the finished load), and the next load works."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingest_records import KNOWN_INDICATORS, write_valid_folder
from warehouse.contract import ENTITIES
from warehouse.ingest import ingest_paths

TABLES = (*ENTITIES, "load_log", "quarantine", "validation_results")

# Loads the generated files into the warehouse in a child process, which the test kills.
CHILD = """
import sys
from pathlib import Path
from warehouse.ingest import ingest_paths
ingest_paths(Path(sys.argv[1]), [Path(sys.argv[2])], None, frozenset(sys.argv[3].split(',')))
print('committed', flush=True)
"""


def _contents(warehouse: Path) -> dict[str, tuple]:
    """Each table's row count and a digest of all its rows, in a stable order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: con.sql(
                f"SELECT count(*), md5(coalesce(string_agg(x, '|' ORDER BY x), '')) "
                f"FROM (SELECT CAST(t AS VARCHAR) AS x FROM {table} t)"
            ).fetchall()[0]
            for table in TABLES
        }


def _start_load(warehouse: Path, files: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(warehouse), str(files), ",".join(sorted(KNOWN_INDICATORS))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2],
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    from warehouse.generate import generate

    out = tmp_path_factory.mktemp("generated")
    generate(out, scale=10_000, seed=5)
    return out


@pytest.mark.slow
def test_a_load_killed_at_any_moment_leaves_the_warehouse_as_it_was(tmp_path: Path, generated: Path):
    warehouse, expected = tmp_path / "w.duckdb", tmp_path / "expected.duckdb"
    for target in (warehouse, expected):
        ingest_paths(target, [write_valid_folder(tmp_path / "first")], None, KNOWN_INDICATORS)
    before = _contents(warehouse)
    started = time.monotonic()
    complete = _start_load(expected, generated)
    assert complete.wait(timeout=600) == 0, complete.stderr
    full_duration = time.monotonic() - started
    finished = {e: c for e, c in _contents(expected).items() if e in ENTITIES}

    untouched = []
    for fraction in (0.2, 0.5, 0.8):
        child = _start_load(warehouse, generated)
        time.sleep(full_duration * fraction)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        after = _contents(warehouse)
        untouched.append(after == before)
        if after != before:
            # Killed after its commit: the load is there whole, as an uninterrupted load leaves it.
            assert {e: c for e, c in after.items() if e in ENTITIES} == finished
            break

    assert untouched[:2] == [True, True], untouched

    # The riskiest moment: the commit itself, seen as the warehouse file starting to change.
    if all(untouched):
        child = _start_load(warehouse, generated)
        size = warehouse.stat().st_size
        while child.poll() is None and warehouse.stat().st_size == size:
            time.sleep(0.002)
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
        after = _contents(warehouse)
        assert after == before or {e: c for e, c in after.items() if e in ENTITIES} == finished

    result = ingest_paths(warehouse, [generated], None, KNOWN_INDICATORS)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    assert {e: c for e, c in _contents(warehouse).items() if e in ENTITIES} == finished
