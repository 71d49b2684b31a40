"""Settings, declared once: read by the CLI, the docs and the tests.

Every setting has a default, may be overridden by an environment variable, and by a CLI flag.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_WAREHOUSE = "agora.duckdb"
SMALL_CELL_THRESHOLD = 5


@dataclass(frozen=True)
class Settings:
    #: the DuckDB file the pipeline writes ($AGORA_WAREHOUSE, else ./agora.duckdb)
    warehouse: Path = field(default_factory=lambda: Path(os.environ.get("AGORA_WAREHOUSE", DEFAULT_WAREHOUSE)))
    #: host the dashboard binds ($AGORA_HOST); loopback unless told otherwise
    host: str = field(default_factory=lambda: os.environ.get("AGORA_HOST", "127.0.0.1"))
    #: port the dashboard listens on ($AGORA_PORT)
    port: int = field(default_factory=lambda: int(os.environ.get("AGORA_PORT", "8050")))
    #: public outputs withhold every number under this ($AGORA_SMALL_CELL_THRESHOLD)
    small_cell_threshold: int = field(default_factory=lambda: int(
        os.environ.get("AGORA_SMALL_CELL_THRESHOLD", str(SMALL_CELL_THRESHOLD))))

    @property
    def snapshot(self) -> Path:
        """The read-only copy dashboards open, published atomically after each build or ingest."""
        return self.warehouse.with_name(self.warehouse.stem + ".published.duckdb")

    @property
    def public_snapshot(self) -> Path:
        """The snapshot a public dashboard opens: public numbers only, published beside the other."""
        return public_snapshot_beside(self.snapshot)

    def with_overrides(self, **overrides) -> "Settings":
        """A copy with the non-None overrides applied (how CLI flags win over env vars)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if "warehouse" in given:
            given["warehouse"] = Path(given["warehouse"])
        return replace(self, **given)


def public_snapshot_beside(snapshot: Path) -> Path:
    """The public snapshot published with `snapshot` (`agora.published.duckdb` -> `agora.public.duckdb`)."""
    snapshot = Path(snapshot)
    return snapshot.with_name(snapshot.name.removesuffix(".published.duckdb").removesuffix(".duckdb") + ".public.duckdb")
