"""DuckDB, OS and disk errors as one sentence naming the file and what to do.

Every kind is told apart by what it is, never guessed: a file is called busy only when another
process holds its lock, damaged only when DuckDB or our block check says so. `explain` is the one
translation; the CLI calls it for anything that escapes a command, `connect` for what it meets.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from foundation.errors import AgoraError


class WarehouseError(AgoraError):
    """A problem with the warehouse file, worded for a programme officer."""


class DamagedFile(WarehouseError):
    """The file is not a whole DuckDB database: overwritten, truncated, a block failing its checksum."""


class ReadOnlyLocation(WarehouseError):
    """The file or its folder cannot be written."""


class NoSpaceLeft(WarehouseError):
    """The disk holding the file is full."""


class FileBusy(WarehouseError):
    """Another process holds the file's write lock."""


class MissingFile(WarehouseError):
    """There is no such file."""


class StorageFailure(WarehouseError):
    """Any other error DuckDB or the OS reports about the file."""


_DAMAGE = re.compile(
    r"not a valid DuckDB database|Corrupt database|checksum|Could not read enough bytes|"
    r"Serialization Error|deserializ|INTERNAL Error|database file is truncated|invalid block", re.I)
_BUSY = re.compile(r"Could not set lock on file|Conflicting lock is held", re.I)
_BUSY_PID = re.compile(r"\(PID (\d+)\)")
_NO_SPACE = re.compile(r"No space left on device|disk is full|Disk quota exceeded", re.I)
_READ_ONLY = re.compile(r"Permission denied|Read-only file system|Operation not permitted", re.I)
_TOO_LARGE = re.compile(r"File too large", re.I)
_MISSING = re.compile(r"No such file or directory|does not exist", re.I)
_NAMED_FILE = re.compile(r'(?:file|File) "([^"]+)"')


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0].strip() if text else type(exc).__name__


def _errno(exc: BaseException) -> int | None:
    return exc.errno if isinstance(exc, OSError) else None


def restore_advice(warehouse: Path) -> str:
    """What to do about a damaged warehouse: restore the newest kept backup, named."""
    from warehouse.backup import latest_backup

    backup = latest_backup(warehouse)
    if backup is None:
        return (f"no backup of it is kept in {backup_folder_name(warehouse)}: restore it from your own copy with "
                f"`agora restore FILE`, or move it aside and ingest your files again")
    return f"restore it from the backup {backup} with `agora restore {backup}`"


def backup_folder_name(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".backups")


def damage_detail(exc: BaseException) -> str:
    """DuckDB's words for damage, as a reader of the sentence needs them."""
    text = first_line(exc)
    if "not a valid DuckDB database" in text:
        return "it is not a valid DuckDB database file: its header is overwritten or missing"
    if "Could not read enough bytes" in text:
        return "it is truncated: DuckDB could not read a block it needs"
    checksum = re.search(r"checksum.*location (\d+)", text)
    if checksum:
        return f"the block at byte {int(checksum.group(1)):,} fails its checksum"
    return text


def damaged(path: Path, detail: str, what: str = "warehouse") -> DamagedFile:
    """The sentence for a damaged file; for the warehouse, it names the backup to restore."""
    if what == "warehouse":
        return DamagedFile(f"The warehouse {path} is damaged ({detail}); {restore_advice(path)}.")
    return DamagedFile(f"The {what} {path} is damaged ({detail}).")


def _writable(path: Path) -> bool:
    """Can this process write `path` (a folder: create a file in it)? Asked of the OS itself, since
    permissions alone do not say (a read-only mount, root without CAP_DAC_OVERRIDE)."""
    if path.is_dir():
        probe = path / f".agora-write-probe-{os.getpid()}"
        try:
            probe.touch(exist_ok=False)
        except OSError as exc:
            return exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS)
        probe.unlink(missing_ok=True)
        return True
    try:
        with open(path, "r+b"):
            return True
    except OSError as exc:
        return exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS)


def read_only(path: Path, what: str = "warehouse") -> ReadOnlyLocation | None:
    """The sentence for a file, or its folder, this process may not write; None when both are writable."""
    folder = path.parent if str(path.parent) else Path(".")
    if folder.exists() and not _writable(folder):
        return ReadOnlyLocation(
            f"The folder {folder} holding the {what} {path.name} is read-only: Agora writes beside it (its journal "
            f"{path.name}.wal, a new copy); make the folder writable, or move the {what} to a writable folder.")
    if path.exists() and not _writable(path):
        return ReadOnlyLocation(
            f"The {what} file {path} is read-only: make it writable (chmod u+w {path}) to change it; "
            f"commands that only read it still work.")
    return None


def explain(exc: BaseException, path: Path, what: str = "warehouse") -> AgoraError:
    """One sentence for `exc` met while using `path` (the warehouse unless `what` says otherwise)."""
    if isinstance(exc, AgoraError):
        return exc
    path = Path(path)
    text = str(exc)
    named = getattr(exc, "filename", None) or (_NAMED_FILE.search(text) or [None, None])[1]
    # An error about another file (the .wal beside the warehouse, an input file) names that file.
    subject = Path(named) if named else path
    code = _errno(exc)
    if _BUSY.search(text):
        pid = _BUSY_PID.search(text)
        holder = f"process {pid.group(1)}" if pid else "another process"
        return FileBusy(f"The {what} {path} is busy: {holder} has it open for writing (an ingest, a build or "
                        f"a restore); try again when it has finished.")
    if code == errno.ENOSPC or code == errno.EDQUOT or _NO_SPACE.search(text):
        # Only a transaction (the warehouse) or an atomic replace (the snapshot) makes that promise.
        kept = f" (nothing was half-written: the {what} is as it was)" if what in ("warehouse", "snapshot") else ""
        return NoSpaceLeft(f"There is no space left on the disk holding {subject}; free some space there and run "
                           f"the command again{kept}.")
    if code == errno.EFBIG or _TOO_LARGE.search(text):
        return StorageFailure(f"The {what} {subject} cannot grow any larger: the system refuses files this large "
                              f"(a file size limit, `ulimit -f`, or the file system's own); raise the limit or "
                              f"move the {what} to another disk, then run the command again.")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or _READ_ONLY.search(text):
        beside = subject.resolve() in (path.resolve(), Path(f"{path.resolve()}.wal"))
        found = read_only(path, what) if beside else None
        if found is not None:
            return found
        return ReadOnlyLocation(f"Agora may not write {subject} (permission denied or a read-only disk); "
                                f"make it writable and run the command again.")
    if _DAMAGE.search(text):
        return damaged(path, damage_detail(exc), what)
    if isinstance(exc, FileNotFoundError) or code == errno.ENOENT or (_MISSING.search(text) and named):
        if subject.resolve() == path.resolve() and what == "warehouse":
            return MissingFile(f"There is no warehouse at {path}: run `agora ingest` first, or give its path "
                               f"with --warehouse.")
        return MissingFile(f"There is no file {subject}; check the path and run the command again.")
    return StorageFailure(f"Agora could not use the {what} {subject}: {first_line(exc)}.")
