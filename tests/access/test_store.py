"""The access store: several processes append to the audit log at once without losing an entry,
the log refuses any change or removal, the file is its owner's only, the session secret is kept."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from access.audit import append, entries
from access.store import connection, secret
from foundation.errors import AgoraError

PROCESSES, ENTRIES_EACH = 6, 150


def _append_many(store, writer: int, start) -> None:
    start.wait()
    for i in range(ENTRIES_EACH):
        append(store, f"writer-{writer}", "download", "127.0.0.1", detail=str(i))


def test_several_processes_append_at_once_without_loss(tmp_path):
    store = tmp_path / "agora.access.sqlite"
    context = multiprocessing.get_context("fork")
    start = context.Event()
    writers = [context.Process(target=_append_many, args=(store, w, start)) for w in range(PROCESSES)]
    for writer in writers:
        writer.start()
    start.set()
    for writer in writers:
        writer.join(timeout=300)
    assert [w.exitcode for w in writers] == [0] * PROCESSES
    rows = entries(store)
    assert len(rows) == PROCESSES * ENTRIES_EACH
    assert len({row[0] for row in rows}) == len(rows)
    for w in range(PROCESSES):
        mine = [int(row[9]) for row in rows if row[2] == f"writer-{w}"]
        assert mine == list(range(ENTRIES_EACH))  # each writer's entries, all there, in its order
    assert entries(store, user="writer-3")[0][2] == "writer-3"


def test_the_audit_log_refuses_update_and_delete(tmp_path):
    store = tmp_path / "agora.access.sqlite"
    append(store, "ann", "sign-in", "127.0.0.1")
    raw = sqlite3.connect(store)
    try:
        for statement in ("UPDATE audit SET who = 'someone else'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                raw.execute(statement)
    finally:
        raw.close()
    with pytest.raises(AgoraError, match="append-only"):
        with connection(store) as con:
            con.execute("DELETE FROM audit")
    assert [row[2] for row in entries(store)] == ["ann"]


def test_the_store_is_readable_by_its_owner_only(tmp_path):
    store = tmp_path / "agora.access.sqlite"
    with connection(store) as con:
        con.execute("INSERT INTO secrets VALUES ('probe', 'x')")
        for path in (store, store.with_name(store.name + "-wal")):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_the_session_secret_is_generated_once(tmp_path):
    store = tmp_path / "agora.access.sqlite"
    first = secret(store, "session")
    assert len(first) == 64 and secret(store, "session") == first and secret(store, "other") != first


def test_a_store_in_a_missing_folder_is_a_sentence(tmp_path):
    with pytest.raises(AgoraError, match="does not exist"):
        append(tmp_path / "missing" / "agora.access.sqlite", "ann", "sign-in", "cli")


def test_a_store_of_an_older_schema_gains_the_new_tables(tmp_path):
    store = tmp_path / "agora.access.sqlite"
    old = sqlite3.connect(store)
    old.execute("CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    old.execute("INSERT INTO secrets VALUES ('session', 'kept')")
    old.commit()
    old.close()
    assert secret(store, "session") == "kept"
    append(store, "ann", "sign-in", "cli")
    with connection(store) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0


def test_a_store_that_cannot_be_created_is_a_sentence(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    # root writes into any folder, but not into sysfs
    unwritable = Path("/sys") if os.geteuid() == 0 else folder
    try:
        with pytest.raises(AgoraError, match="cannot be created: the folder .* is read-only"):
            append(unwritable / "agora.access.sqlite", "ann", "sign-in", "cli")
    finally:
        folder.chmod(0o700)
