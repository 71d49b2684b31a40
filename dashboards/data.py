"""What the dashboard shows, read from the published snapshot (never from the warehouse).

Every request asks for `published(...)`; the snapshot is read again only when the file on disk
is a different one (inode, size or mtime changed), so a build published while the dashboard runs
shows on the next click, without a restart, and otherwise callbacks filter frames in memory.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable
from pathlib import Path

import duckdb
import polars as pl

from foundation.vocabulary import AREAS, GRAINS  # noqa: F401  (the pages import them from here)
from foundation.settings import public_snapshot_beside
from metrics.disclosure import apply_disclosure

#: figures kept per snapshot before the cache starts afresh
MAX_DRAWN = 4000


@dataclass(frozen=True)
class Published:
    """One snapshot as one audience sees it."""

    #: the latest run's indicator table, disclosure applied for the audience
    indicators: pl.DataFrame
    runs: pl.DataFrame
    loads: pl.DataFrame
    quarantine: pl.DataFrame
    freshness: pl.DataFrame
    validation: pl.DataFrame
    #: the checks of each entity's latest load: rows checked and rows failing per rule
    record_validation: pl.DataFrame
    catalogue: pl.DataFrame
    mechanisms: pl.DataFrame
    audience: str
    #: periods with indicator rows, oldest first, per grain
    period_lists: dict[str, list[str]]
    #: the indicator table split by (indicator_id, grain), so a callback filters thousands of rows, not millions
    parts: dict[tuple[str, str], pl.DataFrame]
    #: figures already drawn from this snapshot, by what they show (they go when the snapshot goes)
    drawn: dict[tuple, object] = field(default_factory=dict)

    @property
    def has_indicators(self) -> bool:
        return self.indicators.height > 0

    @property
    def latest_run(self) -> dict | None:
        return self.runs.row(0, named=True) if self.runs.height else None

    def figure(self, key: tuple, draw: Callable[[], object]) -> object:
        """The figure `key` names, drawn once per snapshot: building a plotly figure costs more than
        selecting its rows, and people go back and forth between the same views."""
        if key not in self.drawn:
            if len(self.drawn) >= MAX_DRAWN:
                self.drawn.clear()
            self.drawn[key] = draw()
        return self.drawn[key]

    def catalogue_entry(self, indicator_id: str) -> dict:
        return self.catalogue.filter(pl.col("indicator_id") == indicator_id).row(0, named=True)

    def periods(self, grain: str) -> list[str]:
        """The periods of a grain that have indicator rows, oldest first."""
        return self.period_lists.get(grain, [])

    def rows(self, indicator_id: str, grain: str) -> pl.DataFrame:
        """One indicator's rows at one grain (every period and breakdown)."""
        return self.parts.get((indicator_id, grain), self.indicators.clear())


_cache: dict[tuple, tuple[tuple, Published]] = {}
_cache_lock = threading.Lock()


def published(snapshot: Path, audience: str, threshold: int) -> Published | None:
    """The snapshot as `audience` sees it, or None when none has been published yet."""
    if audience == "public":
        # A public view reads the public snapshot: the internal numbers are not even in memory.
        snapshot = public_snapshot_beside(snapshot)
    try:
        stat = snapshot.stat()
    except FileNotFoundError:
        return None
    signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    key = (str(snapshot), audience, threshold)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is None or cached[0] != signature:
            cached = (signature, _read(snapshot, audience, threshold))
            _cache[key] = cached
        return cached[1]


#: the record checks of a snapshot published before loads kept them: none
_NO_RECORD_VALIDATION = {"entity": pl.String, "file": pl.String, "finished_at": pl.Datetime, "rule": pl.String,
                         "column_name": pl.String, "expectation": pl.String, "checked_by": pl.String,
                         "rows_checked": pl.Int64, "rows_failing": pl.Int64, "success": pl.Boolean}


def _record_validation(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    held = con.sql("SELECT count(*) FROM information_schema.tables WHERE table_name = 'record_validation'")
    if not held.fetchall()[0][0]:
        return pl.DataFrame(schema=_NO_RECORD_VALIDATION)
    return con.sql("SELECT * FROM record_validation").pl()


def _read(snapshot: Path, audience: str, threshold: int) -> Published:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        frames = {name: con.sql(f"SELECT * FROM {name}").pl() for name in (
            "indicator_values", "runs", "load_log", "quarantine_summary", "freshness", "validation",
            "catalogue", "mechanisms")}
        frames["record_validation"] = _record_validation(con)
    finally:
        con.close()
    indicators = frames["indicator_values"]
    if audience != "public":
        indicators = apply_disclosure(indicators, audience, threshold)
    quarantine = frames["quarantine_summary"]
    if audience == "public":
        # A reason may quote a rejected row's values, which can name an organisation.
        quarantine = quarantine.group_by("entity").agg(pl.col("rows").sum()).sort("entity")
    return Published(
        indicators=indicators, runs=frames["runs"], loads=frames["load_log"], quarantine=quarantine,
        freshness=frames["freshness"], validation=frames["validation"], record_validation=frames["record_validation"],
        catalogue=frames["catalogue"].sort("position"), mechanisms=frames["mechanisms"], audience=audience,
        period_lists={g: indicators.filter(pl.col("grain") == g)["period"].unique().sort().to_list() for g in GRAINS},
        parts=indicators.partition_by(["indicator_id", "grain"], as_dict=True),
    )
