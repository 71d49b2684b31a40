"""Agora keeps the records of how UN human-rights mechanisms (special procedures, treaty bodies, the UPR)
engage civil society organisations, computes participation, inclusivity and follow-through indicators
from them, and shows them on a dashboard, in exports and in periodic accountability reports."""

# A thin CLI: each command parses its flags, calls one method of `Agora`, prints.

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path

import duckdb

from access.serving import AUTH_MODES
from access.users import ROLES
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


def _load_status(result, strict: bool) -> int:
    """Non-zero when a file with records loaded none of them, or (--strict) when any row was quarantined."""
    empty_handed = [f.source for f in result.files if f.rows_read and not f.rows_loaded]
    if empty_handed:
        print(f"Nothing was loaded from {', '.join(empty_handed)}: every row was quarantined "
              f"(see `agora quarantine`).", file=sys.stderr)
        return 1
    if strict and result.rows_quarantined:
        print(f"--strict: {result.rows_quarantined} row(s) were quarantined.", file=sys.stderr)
        return 1
    return 0


def cmd_ingest(agora: Agora, args) -> int:
    result = agora.ingest(args.paths, entity=args.entity, mapping=args.map, encoding=args.encoding,
                          delimiter=args.delimiter, date_format=args.date_format)
    print(result.render())
    return _load_status(result, args.strict)


def cmd_mapping_suggest(agora: Agora, args) -> int:
    text = agora.suggest_mapping(args.file, entity=args.entity, encoding=args.encoding, delimiter=args.delimiter)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"Wrote {args.out}: edit it, then `agora ingest {args.file} --map {args.out}`")
    else:
        print(text, end="")
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
    rows, by_rule, written = agora.quarantine(entity=args.entity, out=args.out)
    if args.out:
        for path in written:
            print(f"Wrote {path}: fix the rows, then `agora ingest {path}`")
        print(f"{rows.height} quarantined row(s) written." if written else "No row is in quarantine.")
        return 0
    if rows.height:
        print("Rules broken (rows):")
        _print_table([(n, entity, rule) for entity, rule, n in by_rule.iter_rows()],
                     ("rows", "entity", "rule"), empty="")
        print()
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
    return _load_status(result, strict=False)


def cmd_build(agora: Agora, args) -> int:
    run = agora.build(as_of=args.as_of, catalogue=args.catalogue)
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
    if args.columns:
        from metrics.source_columns import columns_reference

        print(columns_reference())
        return 0
    catalogue = agora.indicators(args.catalogue)
    print(f"Indicator catalogue {catalogue.path} ({len(catalogue.indicators)} indicators, "
          f"hash {catalogue.hash[:12]})")
    for ind in catalogue.indicators:
        measured = ", ".join(part for part in (
            f"distinct {ind.distinct}" if ind.distinct else "", f"sum of {ind.numerator_sum}" if ind.numerator_sum else "",
            f"over the sum of {ind.denominator_sum}" if ind.denominator_sum else "",
            f"median of {ind.measure}" if ind.measure else "", f"computed by {ind.compute}" if ind.compute else "",
        ) if part)
        print(f"\n{ind.id}  {ind.name}" + ("  [headline]" if ind.headline else ""))
        print(f"  area: {ind.area}   unit: {ind.unit}   polarity: {ind.polarity.replace('_', ' ')}")
        print(f"  definition: {ind.definition}")
        print(f"  population: {ind.population}")
        print(f"  numerator: {ind.numerator}")
        print(f"  source: {ind.source}, dated by {ind.reference_date}" + (f"; {measured}" if measured else ""))
        print(f"  filters: {ind.filters_in_words()}")
        print(f"  breakdowns: {', '.join(ind.breakdowns)}")
    return 0


def cmd_indicators_check(agora: Agora, args) -> int:
    problems = agora.check_catalogue(args.file)
    if problems:
        print(f"{args.file} has {len(problems)} problem(s):")
        for problem in problems:
            print(f"  {problem}")
        return 1
    catalogue = agora.indicators(args.file)
    print(f"{args.file}: no problems; the catalogue it makes has {len(catalogue.indicators)} indicators.")
    return 0


def cmd_report(agora: Agora, args) -> int:
    for path in agora.report(args.period, audience=args.audience, fmt=args.format, out=args.out,
                             run_id=args.run, strict=args.strict):
        print(f"Wrote {path}")
    return 0


def cmd_serve(agora: Agora, args) -> int:
    if args.secure_cookies:
        agora = Agora(agora.settings.with_overrides(secure_cookies=True))
    agora.serve(host=args.host, port=args.port, workers=args.workers, audience=args.audience, auth=args.auth)
    return 0


def _new_password(args) -> str:
    """The password from stdin (--password-stdin: one line, for scripts), else typed twice unseen."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise AgoraError("The two passwords differ: nothing was changed.")
    return first


def cmd_users_add(agora: Agora, args) -> int:
    user = agora.add_user(args.name, args.role, _new_password(args))
    print(f"Added {user.name} as {user.role}.")
    return 0


def cmd_users_list(agora: Agora, args) -> int:
    _print_table([(u.name, u.role, u.created_at, u.changed_at) for u in agora.users()],
                 ("name", "role", "created", "changed"), empty="No users yet: `agora users add NAME --role ROLE`.")
    return 0


def cmd_users_remove(agora: Agora, args) -> int:
    agora.remove_user(args.name)
    print(f"Removed {args.name}; their sessions have ended.")
    return 0


def cmd_users_set_role(agora: Agora, args) -> int:
    agora.set_role(args.name, args.role)
    print(f"{args.name} is now {args.role}; they sign in again to use it.")
    return 0


def cmd_users_reset_password(agora: Agora, args) -> int:
    agora.reset_password(args.name, _new_password(args))
    print(f"Set a new password for {args.name}; their sessions have ended.")
    return 0


def cmd_audit(agora: Agora, args) -> int:
    rows = agora.audit(since=args.since, user=args.user, out=args.out)
    if args.out:
        print(f"Wrote {len(rows)} audit entr{'y' if len(rows) == 1 else 'ies'} to {args.out}")
    else:
        _print_table([(at, who, action, outcome, audience, indicator, period, fmt, detail, origin)
                      for _seq, at, who, action, outcome, audience, indicator, period, fmt, detail, origin in rows],
                     ("at (UTC)", "who", "action", "outcome", "audience", "indicator", "period", "format", "detail",
                      "from"), empty="The audit log has no entry yet." if not (args.since or args.user)
                     else "No audit entry matches.")
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
    parser = argparse.ArgumentParser(prog="agora", description=__doc__,
                                     epilog="Start with `agora demo`; `agora COMMAND --help` tells more.")
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="the DuckDB warehouse file (default: $AGORA_WAREHOUSE, else ./agora.duckdb)")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, handler, help_text, within=sub):
        p = within.add_parser(name, help=help_text, description=help_text)
        # Accept --warehouse after the command name as well as before it.
        p.add_argument("--warehouse", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.set_defaults(handler=handler)
        return p

    def reading_flags(p) -> None:
        p.add_argument("--encoding", default=None,
                       help="the files' encoding, e.g. latin-1, cp1252, mac_roman (default: detected among "
                            "UTF-8, UTF-8 with BOM, Windows-1252, Latin-1 and Mac Roman)")
        p.add_argument("--delimiter", default=None,
                       help="the CSV delimiter: comma, semicolon or tab (default: detected from the header)")

    p = command("ingest", cmd_ingest, "Validate contract files and load them into the warehouse.")
    p.add_argument("paths", nargs="+", type=Path, help="files, or folders of entity files")
    p.add_argument("--entity", help="the entity of the files (default: their names, else their columns)")
    p.add_argument("--map", type=Path, default=None,
                   help="a mapping file (TOML) renaming columns, mapping values, setting constants (default: none)")
    reading_flags(p)
    p.add_argument("--date-format", default=None,
                   help="the format of every date column, e.g. %%d/%%m/%%Y (default: YYYY-MM-DD)")
    p.add_argument("--plausible-dates", default=None,
                   help="dates outside FIRST..LAST are quarantined (default: $AGORA_PLAUSIBLE_DATES, "
                        "else 1945-01-01..2100-12-31)")
    p.add_argument("--strict", action="store_true", help="exit non-zero if any row is quarantined (default: off)")

    p = command("mapping", None, "Mapping files for spreadsheets and survey exports.")
    actions = p.add_subparsers(dest="action", required=True)
    suggest = actions.add_parser("suggest", help="draft a mapping from a file's headers, to edit",
                                 description="Draft a mapping (TOML) from a file's headers: matched columns, "
                                             "value maps for yes/no and near-miss values, comments for the rest.")
    suggest.add_argument("file", type=Path, help="the spreadsheet or survey export")
    suggest.add_argument("--entity", default=None, help="the entity it holds (default: told by its columns)")
    suggest.add_argument("--out", type=Path, default=None, help="write the mapping here (default: print it)")
    reading_flags(suggest)
    suggest.add_argument("--warehouse", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    suggest.set_defaults(handler=cmd_mapping_suggest)

    command("loads", cmd_loads, "The load log, newest first.")

    p = command("quarantine", cmd_quarantine, "Rejected rows with every reason, and the rules they break.")
    p.add_argument("--entity", default=None, help="only this entity's rows (default: every entity)")
    p.add_argument("--out", type=Path, default=None,
                   help="write the rows to fix and load again (CSV: the entity's columns, reasons, source_file, "
                        "source_row; one file per entity without --entity) instead of printing (default: print)")

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
    upr.add_argument("--encoding", help="the files' encoding, when detection guesses wrong (default: detected)")
    upr.add_argument("--plausible-dates", default=None,
                     help="dates outside FIRST..LAST are quarantined (default: $AGORA_PLAUSIBLE_DATES, "
                          "else 1945-01-01..2100-12-31)")
    upr.add_argument("--warehouse", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    upr.set_defaults(handler=cmd_import_upr_info)

    p = command("build", cmd_build, "Compute every indicator and keep the run in the warehouse.")
    p.add_argument("--as-of", type=_iso_date, default=None, help="the build date (default: today)")
    p.add_argument("--catalogue", type=Path, default=None,
                   help="a catalogue file of your own (default: $AGORA_CATALOGUE, else the shipped catalogue)")

    p = command("export", cmd_export, "Write the indicator table of a run.")
    p.add_argument("--format", choices=["csv", "xlsx", "parquet", "json"], default="csv")
    p.add_argument("--audience", choices=["internal", "public"], default="public")
    p.add_argument("--out", type=Path)
    p.add_argument("--indicator", nargs="+")
    p.add_argument("--grain", choices=["year", "quarter", "month"])
    p.add_argument("--period", nargs="+")
    p.add_argument("--run", help="a run id (default: the latest run)")

    p = command("indicators", cmd_indicators, "The indicator catalogue in force, as a reference sheet.")
    p.add_argument("--catalogue", type=Path, default=None,
                   help="a catalogue file of your own (default: $AGORA_CATALOGUE, else the shipped catalogue)")
    p.add_argument("--columns", action="store_true",
                   help="print instead the columns each source carries, for catalogue writers (default: off)")
    checks = p.add_subparsers(dest="action", required=False)
    check = checks.add_parser("check", help="print every problem of a catalogue file; exit 1 if there is one",
                              description="Print every problem of a catalogue file; exit 1 if there is one.")
    check.add_argument("file", type=Path, help="the catalogue file to check")
    check.add_argument("--warehouse", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    check.set_defaults(handler=cmd_indicators_check)

    p = command("report", cmd_report, "Write periodic accountability reports from a kept run.")
    p.add_argument("--period", action="append", required=True,
                   help="2025, 2026-Q2 or 2026-05; repeat for a series (required, no default). A period the "
                        "run holds no value for is refused; one that is not over is reported and marked")
    p.add_argument("--audience", choices=["internal", "public"], default="public",
                   help="public suppresses small cells and names no organisation (default: public)")
    p.add_argument("--format", choices=["html", "pdf", "docx", "xlsx"], default="html",
                   help="html (self-contained), pdf (A4), docx (editable in Word) or xlsx (the IPTT) "
                        "(default: html)")
    p.add_argument("--out", type=Path,
                   help="a file for one period, a folder for several (default: agora-report-PERIOD-AUDIENCE.FORMAT "
                        "here, or the folder agora-reports/ for several)")
    p.add_argument("--run", help="the run id to report on (default: the latest run)")
    p.add_argument("--strict", action="store_true",
                   help="refuse a period that is not over at the run's as-of date (default: off, such a "
                        "report is marked as unfinished)")

    p = command("serve", cmd_serve, "Serve the dashboard (binds 127.0.0.1 unless told otherwise).")
    p.add_argument("--host", help="the address to bind (default: $AGORA_HOST, else 127.0.0.1); with --auth none "
                                  "only a loopback address, unless --audience public")
    p.add_argument("--port", type=int, help="the port (default: $AGORA_PORT, else 8050)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--auth", choices=AUTH_MODES, default=None,
                   help="local: accounts made with `agora users`; oidc: single sign-on (AGORA_OIDC_* settings); "
                        "none: nobody signs in (default: $AGORA_AUTH, else none)")
    p.add_argument("--secure-cookies", action="store_true",
                   help="session cookies travel over HTTPS only: set it behind a TLS proxy "
                        "(default: $AGORA_SECURE_COOKIES, else off)")
    p.add_argument("--audience", choices=["internal", "public"], default=None,
                   help="the most the server shows (default internal; a signed-in viewer always sees public); "
                        "public applies the small-cell rule: suppressed cells show as suppressed")

    p = command("users", None, "Dashboard accounts and their roles (viewer: public numbers; analyst: internal; "
                               "admin: internal, users and the audit log).")
    actions = p.add_subparsers(dest="action", required=True)

    a = command("add", cmd_users_add, "Add a local account (the password is asked twice).", within=actions)
    a.add_argument("name", help="the user name to sign in with")
    a.add_argument("--role", choices=ROLES, required=True, help="what the user sees (required, no default)")
    a.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of stdin instead of asking (default: ask)")
    command("list", cmd_users_list, "The accounts and their roles.", within=actions)
    a = command("remove", cmd_users_remove, "Remove an account (its sessions end).", within=actions)
    a.add_argument("name", help="the account to remove")
    a = command("set-role", cmd_users_set_role, "Change an account's role (its sessions end).", within=actions)
    a.add_argument("name", help="the account to change")
    a.add_argument("role", choices=ROLES, help="its new role")
    a = command("reset-password", cmd_users_reset_password, "Set a new password (its sessions end).", within=actions)
    a.add_argument("name", help="the account whose password to set")
    a.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of stdin instead of asking (default: ask)")

    p = command("audit", cmd_audit, "The audit log: sign-ins, downloads, exports, reports and user changes.")
    p.add_argument("--since", type=_iso_date, help="from this day on, UTC (default: from the first entry)")
    p.add_argument("--user", help="only this user's entries (default: everyone's)")
    p.add_argument("--out", type=Path, help="write CSV here instead of printing (default: print)")

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
        agora = Agora(Settings().with_overrides(warehouse=args.warehouse,
                                                plausible_dates=getattr(args, "plausible_dates", None)))
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
