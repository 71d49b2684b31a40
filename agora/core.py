"""The core object: one method per CLI command, each calling into one room of the product.

Rooms: `warehouse` (storage, ingest, reference data), `metrics` (indicators, runs, exports),
`dashboards` (the Dash app), `reports` (periodic reports), `access` (accounts, sign-in, the
audit log). The CLI only parses and prints.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

from foundation.errors import AgoraError
from foundation.settings import Settings


class NotPublished(AgoraError):
    """The command's records are committed but the dashboard's snapshot could not be refreshed."""

    def __init__(self, reason: str, committed=None) -> None:
        reason = reason.rstrip(".")
        if reason[:2].istitle():  # "The new snapshot ..." continues the sentence: "... refreshed: the new ..."
            reason = reason[0].lower() + reason[1:]
        done = "Records committed, dashboard not refreshed" if committed is not None else "Dashboard not refreshed"
        super().__init__(f"{done}: {reason}; the dashboard keeps its previous snapshot until `agora publish` "
                         f"succeeds.")
        #: what was committed (shown before the error)
        self.committed = committed


class Agora:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()

    # -- warehouse -------------------------------------------------------------------------
    def ingest(self, paths: list[Path], entity: str | None = None, mapping: Path | None = None,
               encoding: str | None = None, delimiter: str | None = None, date_format: str | None = None):
        from warehouse.ingest import IngestOptions, ingest_paths
        from warehouse.mapping import NO_MAPPING, load_mapping
        from warehouse.readers import ReadOptions

        options = IngestOptions(ReadOptions(encoding, delimiter),
                                load_mapping(mapping) if mapping is not None else NO_MAPPING, date_format)
        self.keep_backup()
        # targets may name any indicator of the catalogue in force (the setting's, else the shipped one)
        result = ingest_paths(
            self.settings.warehouse, paths, entity=entity, known_indicators=self.catalogue().ids,
            options=options, plausible_dates=self.settings.plausible_dates,
        )
        self.publish(after=result)
        return result

    def suggest_mapping(self, path: Path, entity: str | None = None, encoding: str | None = None,
                        delimiter: str | None = None) -> str:
        from warehouse.readers import ReadOptions
        from warehouse.suggest import suggest_mapping

        return suggest_mapping(path, entity, ReadOptions(encoding, delimiter))

    def loads(self):
        from warehouse.loadlog import list_loads

        return list_loads(self.settings.warehouse)

    def quarantine(self, entity: str | None = None, out: Path | None = None):
        """The quarantined rows, the rules they break with counts, and (with `out`) the fix files written."""
        from warehouse.quarantine import quarantined_rows, reasons_by_rule, write_fix_file, write_fix_files

        rows = quarantined_rows(self.settings.warehouse, entity=entity)
        written: list[Path] = []
        if out is not None:
            written = [write_fix_file(rows, entity, out)] if entity is not None else write_fix_files(rows, out)
        return rows, reasons_by_rule(rows), written

    def generate(self, out: Path, scale: int, seed: int, fmt: str = "parquet"):
        from warehouse.generate import generate

        return generate(out, scale=scale, seed=seed, fmt=fmt)

    def import_upr_info(self, files: list[Path], encoding: str | None = None):
        from warehouse.upr_info import import_upr_info

        self.keep_backup()
        result = import_upr_info(self.settings.warehouse, files, encoding=encoding,
                                 plausible_dates=self.settings.plausible_dates)
        self.publish(after=result)
        return result

    def publish(self, after=None) -> Path:
        """Publish the read-only snapshot the dashboards open (checked, then an atomic replace).

        `after` is what the command committed just before (an ingest's result, a run): when the
        publish fails, the error carries it, so the CLI still shows what was committed."""
        from metrics.disclosure import publish_public
        from warehouse.snapshot import PublishFailed, publish_snapshot

        try:
            snapshot = publish_snapshot(self.settings.warehouse, self.settings.snapshot)
            # beside it the public snapshot, holding only public numbers (what a public dashboard opens)
            publish_public(snapshot, self.settings.public_snapshot, self.settings.small_cell_threshold)
            return snapshot
        except PublishFailed as exc:
            raise NotPublished(str(exc), committed=after) from None
        except AgoraError as exc:
            if after is None:
                raise
            # Whatever stopped the publish (the warehouse taken by another command meanwhile, a full
            # disk), what the command committed stays committed: say both.
            raise NotPublished(str(exc), committed=after) from None

    def keep_backup(self) -> Path | None:
        """Before a command writes: a checked backup in `<warehouse>.backups/`, the newest few kept."""
        from warehouse.backup import keep_backup

        return keep_backup(self.settings.warehouse, self.settings.backups_kept)

    def backup(self, out: Path) -> Path:
        from warehouse.backup import backup

        return backup(self.settings.warehouse, out)

    def restore(self, backup_file: Path, confirm: Callable[[str], bool]) -> str:
        """Replace the warehouse by a checked backup after `confirm` agrees, then republish."""
        from warehouse.backup import restore

        done = restore(backup_file, self.settings.warehouse, confirm)
        self.publish(after=done)
        return done

    def verify(self) -> list[str]:
        """Every problem with the warehouse and its snapshot, one sentence each (none: all is well)."""
        from warehouse.verify import verify

        return verify(self.settings.warehouse, self.settings.snapshot)

    # -- metrics ---------------------------------------------------------------------------
    def catalogue(self, path: Path | None = None):
        """The catalogue in force: `path`, else the setting's file, else the shipped catalogue."""
        from metrics.catalogue import load_catalogue

        return load_catalogue(path or self.settings.catalogue)

    def build(self, as_of: date | None = None, catalogue: Path | None = None):
        from metrics.runs import build_run

        chosen = self.catalogue(catalogue)
        self.keep_backup()
        run = build_run(self.settings.warehouse, as_of=as_of or date.today(), catalogue=chosen)
        self.publish(after=run)
        return run

    def export(self, out: Path | None, fmt: str, audience: str, indicators=None, grain=None,
               periods=None, run_id: str | None = None) -> Path:
        from metrics.export import export_run

        path = export_run(
            self.settings.warehouse, out=out, fmt=fmt, audience=audience, indicators=indicators,
            grain=grain, periods=periods, run_id=run_id,
            small_cell_threshold=self.settings.small_cell_threshold,
        )
        self._audit("export", audience=audience, indicator=",".join(indicators) if indicators else "all",
                    period=",".join(periods) if periods else grain or "all", fmt=fmt, detail=str(path))
        return path

    def indicators(self, catalogue: Path | None = None):
        return self.catalogue(catalogue)

    def check_catalogue(self, path: Path) -> list[str]:
        """Every problem of a catalogue file, as sentences (none: it can be built with)."""
        from metrics.catalogue import check_catalogue_file

        return check_catalogue_file(path)

    # -- reports and dashboards ------------------------------------------------------------
    def report(self, periods: list[str], audience: str, fmt: str, out: Path | None,
               run_id: str | None = None, strict: bool = False) -> list[Path]:
        from reports.build import write_reports

        paths = write_reports(
            self.settings.warehouse, periods=periods, audience=audience, fmt=fmt, out=out,
            run_id=run_id, small_cell_threshold=self.settings.small_cell_threshold, strict=strict,
        )
        self._audit("report", audience=audience, indicator="all", period=",".join(periods), fmt=fmt,
                    detail=", ".join(str(p) for p in paths))
        return paths

    def serve(self, host: str | None = None, port: int | None = None, workers: int = 1,
              audience: str | None = None, auth: str | None = None) -> None:
        """Serve the dashboard; `auth` local or oidc asks everyone to sign in (their role sets what they
        see), none serves the loopback address only unless `audience` is public (checked before binding)."""
        from access.serving import serving_audience
        from dashboards.server import serve

        host, auth = host or self.settings.host, auth or self.settings.auth
        audience = serving_audience(self.settings, auth, host, audience)
        serve(self.settings.snapshot, host=host, port=port or self.settings.port, workers=workers,
              audience=audience, threshold=self.settings.small_cell_threshold, settings=self.settings, auth=auth)

    # -- access ----------------------------------------------------------------------------
    def _audit(self, action: str, **what) -> None:
        """An entry in the audit log for a command run here (who: the operating-system account)."""
        from access.audit import CLI, append, cli_user

        append(self.settings.access_store, cli_user(), action, CLI, **what)

    @staticmethod
    def _operator() -> dict:
        """Who changes users from here, for the audit log: the operating-system account, at the command line."""
        from access.audit import CLI, cli_user

        return {"by": cli_user(), "origin": CLI}

    def add_user(self, name: str, role: str, password: str):
        from access.users import add_user

        return add_user(self.settings.access_store, name, role, password, **self._operator())

    def users(self):
        from access.users import list_users

        return list_users(self.settings.access_store)

    def remove_user(self, name: str) -> None:
        from access.users import remove_user

        remove_user(self.settings.access_store, name, **self._operator())

    def set_role(self, name: str, role: str) -> None:
        from access.users import set_role

        set_role(self.settings.access_store, name, role, **self._operator())

    def reset_password(self, name: str, password: str) -> None:
        from access.users import reset_password

        reset_password(self.settings.access_store, name, password, **self._operator())

    def audit(self, since: date | None = None, user: str | None = None, out: Path | None = None) -> list[tuple]:
        from access.audit import entries, write_csv

        rows = entries(self.settings.access_store, since=since, user=user)
        if out is not None:
            write_csv(rows, out)
        return rows

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
