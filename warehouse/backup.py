"""Backups of the warehouse, restoring one, and verifying the warehouse and its snapshot.

A backup is a byte copy of the warehouse taken while this process holds its write lock (so no
ingest or build writes meanwhile) right after a CHECKPOINT (so the file alone holds every
committed record), synced to disk and checked (every block, every table read back) before it
takes its name. Backups are also kept automatically, before each command that writes, in
`<warehouse>.backups/` (the newest few, `Settings.backups_kept`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb

from foundation.errors import AgoraError
from warehouse.faults import (DamagedFile, MissingFile, ReadOnlyLocation, backup_folder_name, damage_detail, explain,
                             read_only)
from warehouse.partials import clear_stale_partials, fsync, partial_path, remove_partial

#: automatic backups are named <warehouse stem>-<UTC time>.duckdb, so names sort oldest first
_STAMP = "%Y%m%dT%H%M%S%fZ"


class RestoreCancelled(AgoraError):
    """The user said no: nothing was replaced."""


def backup_folder(warehouse: Path) -> Path:
    return backup_folder_name(Path(warehouse))


def kept_backups(warehouse: Path) -> list[Path]:
    """The automatic backups of `warehouse`, oldest first."""
    folder = backup_folder(warehouse)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{Path(warehouse).stem}-*.duckdb"))


def latest_backup(warehouse: Path) -> Path | None:
    kept = kept_backups(warehouse)
    return kept[-1] if kept else None


def damage_in_database(path: Path, what: str = "warehouse") -> str | None:
    """What is wrong with a DuckDB file, read in full (every block's checksum, every table read
    back, a schema this Agora knows), or None when it is whole. Anything that is not damage (the
    file is busy, missing, unreadable) raises its own `WarehouseError`."""
    from warehouse.db import latest_schema_version, schema_version
    from warehouse.integrity import damage_in_file, damage_in_tables

    try:
        # Opened first: the lock it takes keeps a writer from changing blocks under the check.
        con = duckdb.connect(str(path), read_only=True)
    except (duckdb.Error, OSError) as exc:
        error = explain(exc, path, what)
        if isinstance(error, DamagedFile):
            return damage_detail(exc)
        raise error from None
    try:
        return (damage_in_file(path) or damage_in_tables(con)
                or ("it was written by a newer Agora" if schema_version(con) > latest_schema_version() else None))
    except duckdb.Error as exc:
        return damage_detail(exc)
    finally:
        con.close()


def _copy_checked(source: Path, target: Path) -> None:
    """Copy `source` to `target` through a hidden partial file: synced, checked, then renamed."""
    clear_stale_partials(target)
    partial = partial_path(target)
    try:
        shutil.copyfile(source, partial)
        fsync(partial)
        damage = damage_in_database(partial, what="copy")
        if damage:
            raise DamagedFile(f"The copy of {source} did not check out ({damage}); {target} was not written.")
        os.replace(partial, target)
        fsync(target.parent)
    finally:
        remove_partial(partial)


def backup(warehouse: Path, out: Path) -> Path:
    """A consistent, checked copy of the warehouse at `out` (taken while nothing else can write it)."""
    from warehouse.db import connect

    warehouse, out = Path(warehouse), Path(out)
    if out.resolve() == warehouse.resolve():
        raise AgoraError(f"The backup must go to another file than the warehouse {warehouse} itself.")
    refused = read_only(out, what="backup")
    if refused is not None:
        raise refused
    try:
        # The write lock, held until the copy is made, keeps every writer out; CHECKPOINT puts every
        # committed record into the file itself.
        con = connect(warehouse)
        con.execute("CHECKPOINT")
    except ReadOnlyLocation:
        # Nobody can write a read-only warehouse; a reader's shared lock keeps writers out too.
        journal = warehouse.with_name(warehouse.name + ".wal")
        if journal.exists():
            raise ReadOnlyLocation(f"The warehouse {warehouse} is read-only and its journal {journal} holds records "
                                   f"not yet in the file: make it writable so Agora can apply them, then back it "
                                   f"up.") from None
        con = connect(warehouse, read_only=True)
    try:
        try:
            _copy_checked(warehouse, out)
        except (duckdb.Error, OSError) as exc:
            raise explain(exc, out, what="backup") from None
    finally:
        con.close()
    return out


def keep_backup(warehouse: Path, keep: int) -> Path | None:
    """Before a command writes: a backup in `<warehouse>.backups/`, keeping the newest `keep`."""
    warehouse = Path(warehouse)
    if keep <= 0 or not warehouse.exists():
        return None
    made = _new_kept_backup(warehouse)
    for old in kept_backups(warehouse)[:-keep]:
        old.unlink(missing_ok=True)
    return made


def _new_kept_backup(warehouse: Path) -> Path:
    refused = read_only(warehouse)
    if refused is not None:
        raise refused  # the command that follows could not write either: say why, not where backups go
    folder = backup_folder(warehouse)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise explain(exc, folder, what="backup folder") from None
    return backup(warehouse, folder / f"{warehouse.stem}-{datetime.now(timezone.utc):{_STAMP}}.duckdb")


@dataclass(frozen=True)
class Contents:
    """What a warehouse holds, in the words `agora restore` uses to say what it replaces."""

    runs: int
    latest_as_of: str | None
    loads: int
    latest_load: str | None
    rows: int

    def describe(self) -> str:
        runs = f"{self.runs} run(s)" + (f" (latest as of {self.latest_as_of})" if self.latest_as_of else "")
        loads = f"{self.loads} load(s)" + (f" (latest {self.latest_load})" if self.latest_load else "")
        return f"{runs}, {loads}, {self.rows:,} record rows"


def contents(path: Path) -> Contents:
    from warehouse.contract import ENTITIES

    con = duckdb.connect(str(path), read_only=True)
    try:
        runs, as_of = con.sql("SELECT count(*), max(as_of)::VARCHAR FROM runs").fetchall()[0]
        loads, latest = con.sql("SELECT count(*), strftime(max(finished_at), '%Y-%m-%d %H:%M') "
                                "FROM load_log").fetchall()[0]
        # Table names come from the contract, never from user text.
        rows = sum(con.sql(f"SELECT count(*) FROM {entity}").fetchall()[0][0] for entity in ENTITIES)
    finally:
        con.close()
    return Contents(runs, as_of, loads, latest, rows)


def restore(backup_file: Path, warehouse: Path, confirm: Callable[[str], bool]) -> str:
    """Replace the warehouse by a checked backup, atomically, after `confirm` agrees to what it is
    told will be replaced. Returns what was done, in one sentence."""
    from warehouse.db import connect

    backup_file, warehouse = Path(backup_file), Path(warehouse)
    if not backup_file.is_file():
        raise MissingFile(f"There is no backup file {backup_file}; the kept backups are in {backup_folder(warehouse)}.")
    damage = damage_in_database(backup_file, what="backup")
    if damage:
        raise DamagedFile(f"The backup {backup_file} is damaged ({damage}); nothing was restored: "
                          f"choose another backup (the kept ones are in {backup_folder(warehouse)}).")
    incoming = contents(backup_file)
    if warehouse.exists():
        current_damage = damage_in_database(warehouse)
        held = (f"the damaged warehouse ({current_damage})" if current_damage
                else f"the warehouse's {contents(warehouse).describe()}")
    else:
        current_damage, held = None, "nothing (there is no warehouse yet)"
    question = f"Restoring {backup_file} into {warehouse} replaces {held} with {incoming.describe()}."
    if not confirm(question):
        raise RestoreCancelled(f"Nothing was restored: the warehouse {warehouse} is unchanged.")
    if warehouse.exists() and not current_damage:
        # The replaced state is kept too, so a restore can itself be undone (this also proves no other
        # command holds the warehouse now); no older backup is rotated away here: the one being
        # restored may be among them.
        _new_kept_backup(warehouse)
    try:
        clear_stale_partials(warehouse)
        partial = partial_path(warehouse)
        try:
            shutil.copyfile(backup_file, partial)
            fsync(partial)
            # A journal left by the replaced file must never be replayed into the restored one.
            warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
            os.replace(partial, warehouse)
            fsync(warehouse.parent)
        finally:
            remove_partial(partial)
    except OSError as exc:
        raise explain(exc, warehouse) from None
    connect(warehouse).close()  # upgrades a backup written by an older Agora
    return f"Restored {warehouse} from {backup_file}: it now holds {incoming.describe()}."
