"""`agora`: a thin CLI. Each command parses its flags, calls one method of `Agora`, prints."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

import duckdb

from foundation.settings import DEFAULT_WAREHOUSE, Settings
from agora.core import Agora
from foundation.errors import AgoraError
from warehouse.backup import RestoreCancelled
from warehouse.faults import explain, first_line


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date of the form YYYY-MM-DD") from None


def _print_table(rows: list[tuple], headers: tuple[str, ...], empty: str) -> None:
    """A plain aligned table, readable in any terminal and in a log file."""
    if not rows:
        print(empty)
        return
    cells = [headers] + [tuple("" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row)
                         for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def cmd_ingest(agora: Agora, args) -> int:
    result = agora.ingest(args.paths, entity=args.entity)
    print(result.render())
    if args.strict and result.rows_quarantined:
        print(f"--strict: {result.rows_quarantined} row(s) were quarantined.", file=sys.stderr)
        return 1
    return 0


def cmd_loads(agora: Agora, args) -> int:
    loads = agora.loads()
    _print_table(
        [(f"{row['finished_at']:%Y-%m-%d %H:%M:%S}", row["entity"], row["file"], row["rows_read"],
          row["rows_loaded"], row["rows_quarantined"], "; ".join(row["warnings"]))
         for row in loads.iter_rows(named=True)],
        ("finished", "entity", "file", "read", "loaded", "quarantined", "warnings"),
        empty="No loads yet: run `agora ingest`.",
    )
    return 0


def cmd_quarantine(agora: Agora, args) -> int:
    rows = agora.quarantine(entity=args.entity, out=args.out)
    if args.out:
        print(f"Wrote {rows.height} quarantined row(s) to {args.out}")
    else:
        _print_table(
            [(row["entity"], row["file"], row["row_number"], "; ".join(row["reasons"]))
             for row in rows.iter_rows(named=True)],
            ("entity", "file", "row", "reasons"),
            empty="No row is in quarantine.",
        )
    return 0


def cmd_generate(agora: Agora, args) -> int:
    counts = agora.generate(args.out, scale=args.scale, seed=args.seed, fmt=args.format)
    for entity, n in counts.items():
        print(f"{entity:16} {n:>12,}")
    return 0


def cmd_import_upr_info(agora: Agora, args) -> int:
    result = agora.import_upr_info(args.files, encoding=args.encoding)
    print(result.render())
    return 0


def cmd_build(agora: Agora, args) -> int:
    run = agora.build(as_of=args.as_of)
    print(run.render())
    return 0


def cmd_export(agora: Agora, args) -> int:
    path = agora.export(
        args.out, fmt=args.format, audience=args.audience, indicators=args.indicator,
        grain=args.grain, periods=args.period, run_id=args.run,
    )
    print(f"Wrote {path}")
    return 0


def cmd_indicators(agora: Agora, args) -> int:
    for ind in agora.indicators().indicators:
        print(f"{ind.id:7} {ind.name:45} {ind.unit:7} {ind.definition}")
    return 0


def cmd_report(agora: Agora, args) -> int:
    for path in agora.report(args.period, audience=args.audience, fmt=args.format, out=args.out,
                             run_id=args.run):
        print(f"Wrote {path}")
    return 0


def cmd_serve(agora: Agora, args) -> int:
    agora.serve(host=args.host, port=args.port, workers=args.workers, audience=args.audience)
    return 0


def cmd_publish(agora: Agora, args) -> int:
    print(f"Published {agora.publish()}")
    return 0


def cmd_verify(agora: Agora, args) -> int:
    problems = agora.verify()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"The warehouse {agora.settings.warehouse} and its snapshot {agora.settings.snapshot} check out: "
          f"every block and every table read back, counts agree.")
    return 0


def cmd_backup(agora: Agora, args) -> int:
    print(f"Backed up {agora.settings.warehouse} to {agora.backup(args.out)}")
    return 0


def cmd_restore(agora: Agora, args) -> int:
    def confirm(question: str) -> bool:
        print(question)
        if args.yes:
            return True
        if not sys.stdin.isatty():
            raise RestoreCancelled("Nothing was restored: confirm with --yes when not at a terminal.")
        return input("Replace it? [y/N] ").strip().lower() in ("y", "yes")

    print(agora.restore(args.file, confirm=confirm))
    return 0


def cmd_demo(agora: Agora, args) -> int:
    agora.demo(scale=args.scale, out=args.out, serve=not args.no_serve, on_step=print)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agora", description=__doc__)
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="the DuckDB warehouse file (default: $AGORA_WAREHOUSE, else ./agora.duckdb)")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, handler, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        # Accept --warehouse after the command name as well as before it.
        p.add_argument("--warehouse", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.set_defaults(handler=handler)
        return p

    p = command("ingest", cmd_ingest, "Validate contract files and load them into the warehouse.")
    p.add_argument("paths", nargs="+", type=Path, help="files, or folders of entity files")
    p.add_argument("--entity", help="the entity of the files, when their names do not say it")
    p.add_argument("--strict", action="store_true", help="exit non-zero if any row is quarantined")

    command("loads", cmd_loads, "The load log, newest first.")

    p = command("quarantine", cmd_quarantine, "Rejected rows with every reason.")
    p.add_argument("--entity")
    p.add_argument("--out", type=Path, help="write CSV here instead of printing")

    p = command("generate", cmd_generate, "Write realistic contract files for demos, tests and benchmarks.")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--scale", type=int, default=10_000, help="number of participations (default 10,000)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet",
                   help="file format (default parquet; CSV lists are ;-separated)")

    p = command("import", None, "Import records from a public database.")
    sources = p.add_subparsers(dest="source", required=True)
    upr = sources.add_parser("upr-info", help="the UPR Info database CSV export")
    upr.add_argument("files", nargs="+", type=Path)
    upr.add_argument("--encoding", help="the files' encoding, when detection guesses wrong")
    upr.add_argument("--warehouse", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    upr.set_defaults(handler=cmd_import_upr_info)

    p = command("build", cmd_build, "Compute every indicator and keep the run in the warehouse.")
    p.add_argument("--as-of", type=_iso_date, default=None, help="the build date (default: today)")

    p = command("export", cmd_export, "Write the indicator table of a run.")
    p.add_argument("--format", choices=["csv", "xlsx", "parquet", "json"], default="csv")
    p.add_argument("--audience", choices=["internal", "public"], default="public")
    p.add_argument("--out", type=Path)
    p.add_argument("--indicator", nargs="+")
    p.add_argument("--grain", choices=["year", "quarter", "month"])
    p.add_argument("--period", nargs="+")
    p.add_argument("--run", help="a run id (default: the latest run)")

    command("indicators", cmd_indicators, "The indicator catalogue.")

    p = command("report", cmd_report, "Write periodic accountability reports from a kept run.")
    p.add_argument("--period", action="append", required=True, help="2025, 2026-Q2 or 2026-05; repeatable")
    p.add_argument("--audience", choices=["internal", "public"], default="public")
    p.add_argument("--format", choices=["html", "pdf", "xlsx"], default="html")
    p.add_argument("--out", type=Path)
    p.add_argument("--run")

    p = command("serve", cmd_serve, "Serve the dashboard (binds 127.0.0.1 unless told otherwise).")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--audience", choices=["internal", "public"], default="internal",
                   help="public applies the small-cell rule: suppressed cells show as suppressed")

    command("publish", cmd_publish, "Publish the dashboard snapshot again (after a publish failed).")
    command("verify", cmd_verify,
            "Check the warehouse and its snapshot in full; each problem is one sentence, exit 1 if any.")
    p = command("backup", cmd_backup, "Write a consistent, checked copy of the warehouse (nothing writes meanwhile).")
    p.add_argument("--out", type=Path, required=True, help="the backup file to write (required, no default)")
    p = command("restore", cmd_restore,
                "Replace the warehouse by a backup, after saying what will be replaced; then republish.")
    p.add_argument("file", type=Path, help="the backup file (the kept ones are in <warehouse>.backups/)")
    p.add_argument("--yes", action="store_true", help="replace without asking (default: ask)")

    p = command("demo", cmd_demo, "Generate demo data, ingest it, build indicators, serve the dashboard.")
    p.add_argument("--scale", type=int, default=20_000)
    p.add_argument("--out", type=Path, default=Path("demo-data"))
    p.add_argument("--no-serve", action="store_true", help="stop after the build")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warehouse = args.warehouse
    try:
        agora = Agora(Settings().with_overrides(warehouse=args.warehouse))
        warehouse = agora.settings.warehouse
        return args.handler(agora, args)
    except BrokenPipeError:
        # The reader (`| head`) stopped reading: nothing is wrong with the command itself.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("Interrupted; the warehouse is unchanged by the unfinished step.", file=sys.stderr)
        return 130
    except BaseException as exc:  # not only Exception: a Rust library's panic derives from BaseException
        if isinstance(exc, SystemExit) or os.environ.get("AGORA_DEBUG"):
            raise
        committed = getattr(exc, "committed", None)
        if committed is not None:
            print(committed if isinstance(committed, str) else committed.render())
        print(f"Error: {error_sentence(exc, warehouse)}", file=sys.stderr)
        return 2


def error_sentence(exc: BaseException, warehouse: Path | None) -> str:
    """The one place an error becomes what the user reads: our own errors as worded, DuckDB, OS and
    disk errors as one sentence naming the file and what to do, anything else without a traceback."""
    if isinstance(exc, AgoraError):
        return str(exc)
    if isinstance(exc, (duckdb.Error, OSError)):
        return str(explain(exc, Path(warehouse or DEFAULT_WAREHOUSE)))
    return (f"Agora stopped on an unexpected error ({type(exc).__name__}: {first_line(exc)}); nothing it was "
            f"writing was committed; run again with AGORA_DEBUG=1 to see where, and report it.")


if __name__ == "__main__":
    sys.exit(main())
