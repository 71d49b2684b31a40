"""The core object: one method per CLI command, each calling into one room of the product.

Rooms: `warehouse` (storage, ingest, reference data), `metrics` (indicators, runs, exports),
`dashboards` (the Dash app), `reports` (periodic reports). The CLI only parses and prints.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

from foundation.settings import Settings


class Agora:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()

    # -- warehouse -------------------------------------------------------------------------
    def ingest(self, paths: list[Path], entity: str | None = None):
        from metrics.catalogue import load_catalogue
        from warehouse.ingest import ingest_paths

        result = ingest_paths(
            self.settings.warehouse, paths, entity=entity, known_indicators=load_catalogue().ids
        )
        self.publish()
        return result

    def loads(self):
        from warehouse.loadlog import list_loads

        return list_loads(self.settings.warehouse)

    def quarantine(self, entity: str | None = None, out: Path | None = None):
        from warehouse.quarantine import quarantined_rows, write_quarantine_csv

        rows = quarantined_rows(self.settings.warehouse, entity=entity)
        if out is not None:
            write_quarantine_csv(rows, out)
        return rows

    def generate(self, out: Path, scale: int, seed: int, fmt: str = "parquet"):
        from warehouse.generate import generate

        return generate(out, scale=scale, seed=seed, fmt=fmt)

    def import_upr_info(self, files: list[Path], encoding: str | None = None):
        from warehouse.upr_info import import_upr_info

        result = import_upr_info(self.settings.warehouse, files, encoding=encoding)
        self.publish()
        return result

    def publish(self) -> Path:
        """Publish the read-only snapshot the dashboards open (atomic replace), and beside it the
        public snapshot holding only public numbers (what a public dashboard opens)."""
        from metrics.disclosure import publish_public
        from warehouse.snapshot import publish_snapshot

        snapshot = publish_snapshot(self.settings.warehouse, self.settings.snapshot)
        publish_public(snapshot, self.settings.public_snapshot, self.settings.small_cell_threshold)
        return snapshot

    # -- metrics ---------------------------------------------------------------------------
    def build(self, as_of: date | None = None):
        from metrics.runs import build_run

        run = build_run(self.settings.warehouse, as_of=as_of or date.today())
        self.publish()
        return run

    def export(self, out: Path | None, fmt: str, audience: str, indicators=None, grain=None,
               periods=None, run_id: str | None = None) -> Path:
        from metrics.export import export_run

        return export_run(
            self.settings.warehouse, out=out, fmt=fmt, audience=audience, indicators=indicators,
            grain=grain, periods=periods, run_id=run_id,
            small_cell_threshold=self.settings.small_cell_threshold,
        )

    def indicators(self):
        from metrics.catalogue import load_catalogue

        return load_catalogue()

    # -- reports and dashboards ------------------------------------------------------------
    def report(self, periods: list[str], audience: str, fmt: str, out: Path | None,
               run_id: str | None = None) -> list[Path]:
        from reports.build import write_reports

        return write_reports(
            self.settings.warehouse, periods=periods, audience=audience, fmt=fmt, out=out,
            run_id=run_id, small_cell_threshold=self.settings.small_cell_threshold,
        )

    def serve(self, host: str | None = None, port: int | None = None, workers: int = 1,
              audience: str = "internal") -> None:
        from dashboards.server import serve

        serve(self.settings.snapshot, host=host or self.settings.host, port=port or self.settings.port,
              workers=workers, audience=audience, threshold=self.settings.small_cell_threshold)

    def demo(self, scale: int, out: Path, seed: int = 7, serve: bool = True,
             on_step: Callable[[str], None] = lambda text: None) -> None:
        """Generate demo data, ingest it, build indicators, and serve the dashboard.

        `on_step` receives each step's one-screen summary as it finishes (the CLI prints it)."""
        on_step(f"Generating {scale:,} demo participations (seed {seed}) into {out}/ ...")
        counts = self.generate(out, scale=scale, seed=seed)
        on_step("\n".join(f"  {entity:16} {rows:>10,}" for entity, rows in counts.items()))
        on_step(self.ingest([out]).render())
        on_step(self.build().render())
        if serve:
            self.serve()
