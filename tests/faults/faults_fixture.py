"""Shared pieces of the fault-injection tests: a small built warehouse, the CLI in a subprocess,
kinds of damage, and what "unchanged" means (every table's rows, or the file's bytes)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
#: generous: a CLI call is a few seconds, more on a loaded machine; this bounds a hang, not speed
CLI_TIMEOUT = 300


def cli(args: list[str], warehouse: Path, prefix: list[str] | None = None, env: dict | None = None,
        cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`agora --warehouse W ARGS` in its own process, as an operator runs it."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "AGORA_BACKUPS": "0", **(env or {})}
    environment.pop("AGORA_DEBUG", None)
    return subprocess.run([*(prefix or []), sys.executable, "-m", "agora.cli", "--warehouse", str(warehouse), *args],
                          capture_output=True, text=True, env=environment, cwd=cwd, timeout=CLI_TIMEOUT,
                          input=stdin if stdin is not None else "")


def one_sentence(stderr: str) -> str:
    """The one sentence a failed command printed; fails the test on a traceback or anything more."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    # A sentence ends once: no ". Capital" inside (paths and numbers carry dots, never followed by a space).
    assert not re.search(r"[.!?]\s+[A-Z]", lines[0]), lines[0]
    assert lines[0].endswith("."), lines[0]
    return lines[0]


def file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def table_contents(warehouse: Path) -> dict[str, tuple]:
    """Every table's row count and an order-free hash of its rows, read from a copy (never the file
    itself: reading must not be what changes it)."""
    # Copied to the system's temporary folder: the warehouse's own disk may be the full one.
    copy = Path(tempfile.gettempdir()) / f"agora-contents-{os.getpid()}.duckdb"
    shutil.copyfile(warehouse, copy)
    journal = warehouse.with_name(warehouse.name + ".wal")
    if journal.exists():
        shutil.copyfile(journal, copy.with_name(copy.name + ".wal"))
    try:
        con = duckdb.connect(str(copy))
        try:
            tables = [r[0] for r in con.sql("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                                            "ORDER BY 1").fetchall()]
            return {t: con.sql(f'SELECT count(*), sum(hash(t)) FROM "{t}" t').fetchall()[0] for t in tables
                    if t != "schema_migrations"}
        finally:
            con.close()
    finally:
        copy.unlink(missing_ok=True)
        copy.with_name(copy.name + ".wal").unlink(missing_ok=True)


def overwrite(path: Path, offset: int, length: int, seed: int = 1) -> None:
    import random

    garbage = random.Random(seed).randbytes(length)
    with open(path, "r+b") as file:
        file.seek(offset)
        file.write(garbage)


#: kinds of damage to a DuckDB file: name -> what to do to it
def damage(path: Path, kind: str) -> None:
    size = path.stat().st_size
    if kind == "main header":
        overwrite(path, 0, 4096)
    elif kind == "database header":
        overwrite(path, 4096, 4096)
    elif kind == "data block":
        overwrite(path, (size // 2) & ~4095, 65536)
    elif kind == "end":
        overwrite(path, size - 65536, 65536)
    elif kind == "truncated":
        os.truncate(path, size // 2)
    elif kind == "empty":
        os.truncate(path, 0)
    else:
        raise ValueError(kind)


DAMAGE_KINDS = ("main header", "database header", "data block", "end", "truncated", "empty")


def without_write_permission() -> list[str] | None:
    """A prefix that runs a command unable to override file permissions (root ignores them unless
    its capabilities are dropped); None when there is no way to here."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    probe = subprocess.run([setpriv, "--bounding-set=-dac_override,-fowner,-linux_immutable", "true"],
                           capture_output=True)
    return [setpriv, "--bounding-set=-dac_override,-fowner,-linux_immutable"] if probe.returncode == 0 else None


def private_tmpfs_allowed() -> bool:
    """Can this process mount a tmpfs in a private mount namespace (`unshare -m`)?"""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run([unshare, "-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt && umount /mnt"],
                           capture_output=True)
    return probe.returncode == 0
