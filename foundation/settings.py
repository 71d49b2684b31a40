"""Settings, declared once: read by the CLI, the docs and the tests.

Every setting has a default, may be overridden by an environment variable, and by a CLI flag.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from foundation.errors import AgoraError

DEFAULT_WAREHOUSE = "agora.duckdb"
SMALL_CELL_THRESHOLD = 5
#: contract v2: a date outside this range is a typing slip (0026 for 2026), not a record
DEFAULT_PLAUSIBLE_DATES = "1945-01-01..2100-12-31"


class BadSetting(AgoraError):
    """A setting given in a form Agora cannot read."""


def parse_date_range(text: str, source: str = "AGORA_PLAUSIBLE_DATES") -> tuple[date, date]:
    """`FIRST..LAST` (ISO dates, both included) as a pair of dates."""
    first, sep, last = text.strip().partition("..")
    try:
        if not sep:
            raise ValueError
        earliest, latest = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except ValueError:
        raise BadSetting(f"{source} {text!r} is not a date range of the form 1945-01-01..2100-12-31.") from None
    if latest < earliest:
        raise BadSetting(f"{source} {text!r} ends before it starts.")
    return earliest, latest


@dataclass(frozen=True)
class Settings:
    #: the DuckDB file the pipeline writes ($AGORA_WAREHOUSE, else ./agora.duckdb)
    warehouse: Path = field(default_factory=lambda: Path(os.environ.get("AGORA_WAREHOUSE", DEFAULT_WAREHOUSE)))
    #: host the dashboard binds ($AGORA_HOST); loopback unless told otherwise
    host: str = field(default_factory=lambda: os.environ.get("AGORA_HOST", "127.0.0.1"))
    #: port the dashboard listens on ($AGORA_PORT)
    port: int = field(default_factory=lambda: int(os.environ.get("AGORA_PORT", "8050")))
    #: public outputs suppress a row whose count or denominator is under this
    small_cell_threshold: int = SMALL_CELL_THRESHOLD
    #: ingest quarantines a date outside this range, both ends included ($AGORA_PLAUSIBLE_DATES)
    plausible_dates: tuple[date, date] = field(default_factory=lambda: parse_date_range(
        os.environ.get("AGORA_PLAUSIBLE_DATES", DEFAULT_PLAUSIBLE_DATES)))

    @property
    def snapshot(self) -> Path:
        """The read-only copy dashboards open, published atomically after each build or ingest."""
        return self.warehouse.with_name(self.warehouse.stem + ".published.duckdb")

    def with_overrides(self, **overrides) -> "Settings":
        """A copy with the non-None overrides applied (how CLI flags win over env vars)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if "warehouse" in given:
            given["warehouse"] = Path(given["warehouse"])
        if isinstance(given.get("plausible_dates"), str):
            given["plausible_dates"] = parse_date_range(given["plausible_dates"], "--plausible-dates")
        return replace(self, **given)
