"""What the dashboard shows, read from the published snapshot (never from the warehouse).

Every request asks for `published(...)`; the snapshot is read again only when the file on disk
is a different one (inode, size or mtime changed), so a build published while the dashboard runs
shows on the next click, without a restart, and otherwise callbacks filter frames in memory.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Callable
from pathlib import Path

import duckdb
import polars as pl
from flask import g, has_request_context

from foundation.vocabulary import AREAS, GRAINS  # noqa: F401  (the pages import them from here)
from foundation.errors import AgoraError
from figures.formatting import n_column
from metrics.achievement import achieved
from foundation.settings import public_snapshot_beside
from metrics.disclosure import apply_disclosure
from metrics.engine import partial_period
from warehouse.integrity import damage_in_file

_log = logging.getLogger(__name__)

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
    #: the periods of each grain not over on the run's as-of date (spec v2 `partial`)
    partial_periods: dict[str, frozenset[str]]
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

    @property
    def areas(self) -> list[str]:
        """The catalogue's areas: the shipped ones first, then any other in catalogue order."""
        others = [a for a in self.catalogue["area"].unique(maintain_order=True).to_list() if a not in AREAS]
        return [*AREAS, *others]

    @property
    def as_of(self) -> str | None:
        run = self.latest_run
        return None if run is None else str(run["as_of"])

    def complete_periods(self, grain: str) -> list[str]:
        """The periods of a grain with rows that are over on the as-of date, oldest first."""
        return [p for p in self.periods(grain) if p not in self.partial_periods.get(grain, ())]

    def periods(self, grain: str) -> list[str]:
        """The periods of a grain that have indicator rows, oldest first."""
        return self.period_lists.get(grain, [])

    def rows(self, indicator_id: str, grain: str) -> pl.DataFrame:
        """One indicator's rows at one grain (every period and breakdown)."""
        return self.parts.get((indicator_id, grain), self.indicators.clear())


class SnapshotUnreadable(AgoraError):
    """The published snapshot exists but cannot be read (damaged, truncated, tables missing)."""


#: what the dashboard says instead of a page; no file path (it is shown to anyone who can load a page)
UNREADABLE = ("The dashboard cannot read its published data right now (the file is damaged or incomplete). "
              "It shows again by itself once the next `agora ingest`, `agora build` or `agora publish` "
              "writes a good copy; an operator can run `agora verify` to see what is wrong.")

_cache: dict[tuple, tuple[tuple, Published | SnapshotUnreadable]] = {}
_cache_lock = threading.Lock()


def published(snapshot: Path, audience: str, threshold: int) -> Published | None:
    """The snapshot as `audience` sees it, or None when none has been published yet. A snapshot that
    cannot be read raises `SnapshotUnreadable` until a readable one replaces it (tried once per file).

    Within one request every call answers the same snapshot: a callback that resolves its view
    against one snapshot and draws from another, published in between, would ask for periods or
    rows the other does not have."""
    if audience == "public":
        # A public view reads the public snapshot: the internal numbers are not even in memory.
        snapshot = public_snapshot_beside(snapshot)
    if not has_request_context():
        return _published(snapshot, audience, threshold)
    key = ("agora_published", str(snapshot), audience, threshold)
    held = g.setdefault("agora_published", {})
    if key not in held:
        held[key] = _published(snapshot, audience, threshold)
    return held[key]


def _published(snapshot: Path, audience: str, threshold: int) -> Published | None:
    try:
        stat = snapshot.stat()
    except FileNotFoundError:
        return None
    signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    key = (str(snapshot), audience, threshold)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is None or cached[0] != signature:
            try:
                cached = (signature, _read(snapshot, audience, threshold))
            except (duckdb.Error, OSError, SnapshotUnreadable) as exc:
                _log.warning("The snapshot %s cannot be read: %s", snapshot, str(exc).splitlines()[0] if str(exc) else exc)
                cached = (signature, SnapshotUnreadable(UNREADABLE))
            _cache[key] = cached
    if isinstance(cached[1], SnapshotUnreadable):
        raise cached[1]
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


def _with_n_and_achieved(indicators: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """The rows with `n` (what a value rests on: the denominator, or the count itself for a count)
    and spec v2's per cent `achieved` (metrics.achievement's, from the value after disclosure)."""
    lower = catalogue.filter(pl.col("polarity") == "lower_is_better")["indicator_id"].to_list()
    return indicators.with_columns(
        n_column(),
        achieved=achieved(pl.col("indicator_id").is_in(lower)),
    )


def _file_name(column: str) -> pl.Expr:
    """A load's file without the folders it was loaded from: server paths stay on the server."""
    return pl.col(column).str.replace(r"^.*[/\\]", "")


def _read(snapshot: Path, audience: str, threshold: int) -> Published:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        # Every block checked, not just those the tables below happen to use.
        damage = damage_in_file(snapshot)
        if damage:
            raise SnapshotUnreadable(damage)
        frames = {name: con.sql(f"SELECT * FROM {name}").pl() for name in (
            "indicator_values", "runs", "load_log", "quarantine_summary", "freshness", "validation",
            "catalogue", "mechanisms")}
        frames["record_validation"] = _record_validation(con)
    finally:
        con.close()
    frames["load_log"] = frames["load_log"].with_columns(_file_name("file"))
    frames["record_validation"] = frames["record_validation"].with_columns(_file_name("file"))
    catalogue = frames["catalogue"].sort("position")
    if "headline" not in catalogue.columns:  # a snapshot published before the catalogue had the field
        catalogue = catalogue.with_columns(headline=pl.lit(False))
    values = frames["indicator_values"]
    if "partial" not in values.columns:  # a snapshot published before spec v2's partial periods
        values = values.with_columns(partial=partial_period())
    # the public snapshot's numbers are public already (secondary suppression included)
    disclosed = values if audience == "public" else apply_disclosure(values, audience, threshold)
    indicators = _with_n_and_achieved(disclosed, catalogue)
    quarantine = frames["quarantine_summary"]
    if audience == "public":
        # A reason may quote a rejected row's values, which can name an organisation.
        quarantine = quarantine.group_by("entity").agg(pl.col("rows").sum()).sort("entity")
    return Published(
        indicators=indicators, runs=frames["runs"], loads=frames["load_log"], quarantine=quarantine,
        freshness=frames["freshness"], validation=frames["validation"], record_validation=frames["record_validation"],
        catalogue=catalogue, mechanisms=frames["mechanisms"], audience=audience,
        period_lists={g: indicators.filter(pl.col("grain") == g)["period"].unique().sort().to_list() for g in GRAINS},
        partial_periods={g: frozenset(indicators.filter((pl.col("grain") == g) & pl.col("partial"))["period"])
                         for g in GRAINS},
        parts=indicators.partition_by(["indicator_id", "grain"], as_dict=True),
    )
