"""Hidden partial files: how a file Agora replaces is written (a partial beside it, synced, then
renamed over it), and how the partials of a killed process are cleared by the next writer.

A partial is named `.<target name>.<pid>.partial` (its DuckDB journal: the same plus `.wal`), so a
writer knows which ones belong to a process that is gone.
"""

from __future__ import annotations

import os
from pathlib import Path


def partial_path(target: Path) -> Path:
    """This process's hidden partial file for `target`."""
    return target.with_name(f".{target.name}.{os.getpid()}.partial")


def remove_partial(partial: Path) -> None:
    partial.unlink(missing_ok=True)
    partial.with_name(partial.name + ".wal").unlink(missing_ok=True)


def clear_stale_partials(target: Path) -> None:
    """Remove the partials of `target` (and their journals) that killed processes left, not those of
    a process still at work."""
    for stale in target.parent.glob(f".{target.name}.*.partial"):
        if not _process_alive(int(stale.suffixes[-2].lstrip("."))):
            remove_partial(stale)
    for journal in target.parent.glob(f".{target.name}.*.partial.wal"):
        if not _process_alive(int(journal.suffixes[-3].lstrip("."))):
            journal.unlink(missing_ok=True)


def fsync(path: Path) -> None:
    """Make a file's (or a folder's: its entries') contents durable before anyone relies on them."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
