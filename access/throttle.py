"""Failed sign-ins, counted in the access store so every worker process sees the same count.

After `limit` failures for one account, or from one address, within WINDOW_SECONDS, sign-in is
refused for that account or address until the oldest of them leaves the window, even with the
right password: guessing then costs hours, not seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

from access.store import connection, transaction

WINDOW_SECONDS = 15 * 60


def retry_after(store: Path, keys: list[str], limit: int) -> int:
    """Seconds until a sign-in for `keys` is allowed again; 0 when it is allowed now."""
    since = time.time() - WINDOW_SECONDS
    wait = 0.0
    with connection(store) as con:
        for key in keys:
            times = [at for (at,) in con.execute(
                "SELECT at FROM failed_sign_ins WHERE key = ? AND at > ? ORDER BY at DESC", [key, since])]
            if len(times) >= limit:
                wait = max(wait, times[limit - 1] + WINDOW_SECONDS - time.time())
    return int(wait) + 1 if wait > 0 else 0


def note_failure(store: Path, keys: list[str]) -> None:
    now = time.time()
    with connection(store) as con:
        with transaction(con):
            con.execute("DELETE FROM failed_sign_ins WHERE at <= ?", [now - WINDOW_SECONDS])
            con.executemany("INSERT INTO failed_sign_ins VALUES (?, ?)", [[key, now] for key in keys])


def forget(store: Path, key: str) -> None:
    """A successful sign-in clears its account's count (never its address's: one good account must
    not reset the count of an address guessing at others)."""
    with connection(store) as con:
        con.execute("DELETE FROM failed_sign_ins WHERE key = ?", [key])
