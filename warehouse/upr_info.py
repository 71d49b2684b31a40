"""`agora import upr-info`: the UPR Info database CSV export as contract records.

The import is the shipped mapping `warehouse/mappings/upr-info.toml` (renames, the Response value
map, Issue split on commas, constants) plus only what a mapping cannot say: State names matched to
ISO codes (`To`, `From`; an unknown recommending State, written `<Unknown>` or HTML-escaped, leaves
`recommending_country` empty), the session's first day and `review` engagement (`Session`), and a
recommendation id made from the row's content. The records then go through `agora ingest`'s own
validation, quarantine, load log and atomic upsert.

The export arrives as it was saved: CR-only line endings, Mac Roman or Windows-1252 bytes (detected
as `agora ingest` detects them), quoted commas and line breaks inside quoted text, HTML entities
(`C&ocirc;te d&#39;Ivoire`, `&amp;`) in names, text and issues. UPR Info counts one row per
recommending State: a recommendation several States made together is several rows, and so
several recommendations here.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from foundation.errors import AgoraError
from foundation.progress import progress
from warehouse.coerce import PROBLEM_SCHEMA
from warehouse.contract import ENTITIES
from warehouse.ingest import Batch, IngestResult, as_batch, ingest_batches
from warehouse.mapping import SHIPPED_DIR, apply_mapping, load_mapping
from warehouse.readers import DecodedText, UnreadableFile, decoded_text
from warehouse.reference import UnknownUprSession, is_unknown_state, match_country, upr_session_start

UPR_INFO_COLUMNS = (
    "To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org", "Response", "Action", "Issue", "Session",
)
UPR_INFO_MAPPING = SHIPPED_DIR / "upr-info.toml"
UPR_MECHANISM = {"mechanism_id": "UPR", "name": "Universal Periodic Review Working Group", "kind": "upr", "theme": None}
#: A Working Group session runs two weeks, Monday to the Friday of the next week.
SESSION_LENGTH = timedelta(days=11)
#: the columns the import adds to the export's before the mapping renames them
_ADDED = ("recommendation_id", "engagement_id", "issued_on")


class UprInfoError(AgoraError):
    """A UPR Info file that cannot be read at all."""


def decoded_upr_file(path: Path, data: bytes, encoding: str | None) -> DecodedText:
    """The file's text, decoded as `agora ingest` decodes CSV files (given, UTF-8, else the most
    plausible legacy encoding); never fails on a byte."""
    try:
        return decoded_text(path.name, data, encoding)
    except UnreadableFile as exc:
        raise UprInfoError(str(exc)) from None


@dataclass(frozen=True)
class UprRow:
    #: the record's row number in the file, 2 for the first row after the header
    number: int
    values: dict[str, str]
    #: set when the row's shape is already wrong (too few or too many values)
    problem: str | None = None


def upr_rows(path: Path, text: str) -> tuple[list[UprRow], tuple[str, ...]]:
    """The file's rows keyed by the export's column names, and warnings about extra columns.
    Blank lines are not rows; a header without every export column refuses the file."""
    # Line breaks become `\n` (between rows and inside quoted text: CR-only files break lines with
    # `\r`) and text is composed, so a re-saved or re-encoded copy reads the same.
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        # Numbered as a spreadsheet numbers them (the header is row 1), blank lines counted but not rows.
        records = [(number, record) for number, record in enumerate(reader, start=1)
                   if any(v.strip() for v in record)]
    except csv.Error as exc:
        raise UprInfoError(f"{path.name} cannot be read as CSV: at line {reader.line_num}, {exc}.") from None
    if not records:
        raise UprInfoError(f"{path.name} is empty: a UPR Info export starts with a header row.")
    header = [name.strip() for name in records[0][1]]
    by_lower = {name.lower(): position for position, name in enumerate(header)}
    missing = [name for name in UPR_INFO_COLUMNS if name.lower() not in by_lower]
    if missing:
        raise UprInfoError(
            f"{path.name} is not a UPR Info export: its header lacks the column(s) {', '.join(missing)} "
            f"(expected {','.join(UPR_INFO_COLUMNS)})."
        )
    extra = [name for name in header if name.lower() not in {c.lower() for c in UPR_INFO_COLUMNS}]
    warnings = (
        (f"column(s) {', '.join(extra)} are not part of the UPR Info export and were not imported",) if extra else ()
    )
    positions = {name: by_lower[name.lower()] for name in UPR_INFO_COLUMNS}
    rows = []
    for number, record in records[1:]:
        problem = None
        if len(record) != len(header):
            problem = f"the row has {len(record)} values where the header has {len(header)} columns"
        values = {name: record[at].strip() if at < len(record) else "" for name, at in positions.items()}
        rows.append(UprRow(number, values, problem))
    return rows, warnings


def recommendation_ids(rows: list[UprRow]) -> list[str]:
    """A key per row derived from its content and its occurrence among identical rows of the file:
    re-importing a file (or a re-saved, re-encoded or re-sorted copy) replaces the same records,
    and two identical rows stay two recommendations."""
    seen: dict[str, int] = {}
    ids = []
    for row in rows:
        content = "\x1f".join(row.values[name] for name in UPR_INFO_COLUMNS)
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:16]
        seen[digest] = seen.get(digest, 0) + 1
        session = row.values["Session"] or "none"
        ids.append(f"upr-{session}-{digest}-{seen[digest]}")
    return ids


def engagement_id_of_session(session: int) -> str:
    return f"upr-wg-{session}"


@dataclass(frozen=True)
class Rejection:
    """A reason the import itself finds, attached to the contract column it concerns."""
    column: str | None
    rule: str
    reason: str
    #: the rule without the row's values (what the quarantine groups by); the reason when None
    rule_text: str | None = None


def session_of_row(values: dict[str, str]) -> tuple[int | None, date | None, Rejection | None]:
    """The row's session number and start date, or why it has none."""
    given = values["Session"]
    if not re.fullmatch(r"[0-9]+", given):
        return None, None, Rejection(
            "issued_on", "upr_info.session.number",
            f"Session {given!r} is not a UPR Working Group session number" if given
            else "Session is empty: the row does not say which UPR session issued it",
        )
    session = int(given)
    try:
        return session, upr_session_start(session), None
    except UnknownUprSession as exc:
        return session, None, Rejection("issued_on", "upr_info.session.known", str(exc).rstrip("."))


def state_of(name: str, column: str, role: str) -> tuple[str, Rejection | None]:
    """The ISO3 code of a State named in the export, or the name as given and why it is rejected."""
    if not name:
        return "", Rejection(column, f"upr_info.{role}.empty", f"{role} is empty: the row names no State")
    iso3 = match_country(name)
    if iso3 is None:
        return name, Rejection(
            column, f"upr_info.{role}.known_state",
            f"{role} State name {name!r} is not a known UN member or observer State",
            f"{role} State name is not a known UN member or observer State",
        )
    return iso3, None


def _upr_state(name: str, column: str, role: str, unknown_allowed: bool) -> tuple[str | None, Rejection | None]:
    """The ISO3 code of a State named in the export; None for an unknown State where that is allowed;
    else the name as given and why it is rejected."""
    if unknown_allowed and is_unknown_state(name):
        return None, None
    return state_of(name, column, role)


def import_extras(row: UprRow, recommendation_id: str) -> tuple[dict[str, str | None], list[Rejection]]:
    """The row with what the mapping cannot say worked out: `To` and `From` as ISO codes, the
    recommendation id, the session's engagement and first day; and the reasons it is rejected for."""
    values = {name: html.unescape(value) for name, value in row.values.items()}
    rejections = [Rejection(None, "upr_info.row_shape", row.problem)] if row.problem else []
    addressee, problem = _upr_state(values["To"], "addressee_country", "To", unknown_allowed=False)
    rejections += [problem] if problem else []
    recommending, problem = _upr_state(values["From"], "recommending_country", "From", unknown_allowed=True)
    rejections += [problem] if problem else []
    session, session_start, problem = session_of_row(values)
    rejections += [problem] if problem else []
    group = None if is_unknown_state(values["From-Rgrp"]) else values["From-Rgrp"]
    values.update({
        "To": addressee, "From": recommending, "From-Rgrp": group, "recommendation_id": recommendation_id,
        "engagement_id": engagement_id_of_session(session) if session_start else None,
        "issued_on": session_start.isoformat() if session_start else None,
    })
    return values, rejections


def session_engagement(session: int, start: date) -> dict:
    return {
        "engagement_id": engagement_id_of_session(session),
        "mechanism_id": UPR_MECHANISM["mechanism_id"],
        "kind": "review",
        "title": f"UPR Working Group session {session}",
        "start_date": start.isoformat(),
        "end_date": (start + SESSION_LENGTH).isoformat(),
        "country": None,
        "modality": "in_person",
        "languages": ["en"],
        "accessibility": [],
        "output_published_on": None,
    }


_TEXT = pl.String
_LIST = pl.List(pl.String)


def _frame(records: list[dict], entity: str) -> pl.DataFrame:
    """Records as raw values for ingest: text, lists as lists."""
    schema = {c.name: _LIST if c.is_list else _TEXT for c in ENTITIES[entity].columns}
    return pl.DataFrame(records, schema=schema, orient="row") if records else pl.DataFrame(schema=schema)


def _given_problems(rejections_by_row: list[list[Rejection]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"row": row, "seq": seq, "column": r.column, "rule": r.rule, "reason": r.reason,
             "rule_text": r.rule_text or r.reason}
            for row, rejections in enumerate(rejections_by_row)
            for seq, r in enumerate(rejections)
        ],
        schema=PROBLEM_SCHEMA,
    )


def upr_batch(path: Path, rows: list[UprRow], content_hash: str, warnings: tuple[str, ...]) -> Batch:
    """The export's rows as a batch of recommendations: the extras worked out, then the shipped mapping."""
    extras, rejections = [], []
    for row, recommendation_id in zip(rows, recommendation_ids(rows)):
        values, found = import_extras(row, recommendation_id)
        extras.append(values)
        rejections.append(found)
    frame = pl.DataFrame(extras, schema={name: pl.String for name in (*UPR_INFO_COLUMNS, *_ADDED)}, orient="row")
    mapped = apply_mapping(frame, load_mapping(UPR_INFO_MAPPING), ENTITIES["recommendations"])
    return as_batch("recommendations", str(path), mapped.frame, first_row_number=2, content_hash=content_hash,
                    warnings=warnings, given_problems=_given_problems(rejections),
                    row_numbers=pl.Series([row.number for row in rows], dtype=pl.Int64))


def import_upr_info(warehouse: Path, files: list[Path], encoding: str | None,
                    plausible_dates: tuple[date, date] | None = None) -> IngestResult:
    """Import UPR Info export files in one transaction: every file is read and mapped before the
    warehouse is opened, so a file that cannot be read changes nothing."""
    recommendation_batches = []
    sessions: dict[int, date] = {}
    with progress("Reading UPR Info exports", total=len(files)) as bar:
        for path in map(Path, files):
            bar.describe(f"Reading {path.name}")
            if path.is_dir():
                raise UprInfoError(f"{path} is a folder: give the UPR Info export files themselves.")
            if not path.is_file():
                raise UprInfoError(f"{path} not found: check the name and the folder.")
            data = path.read_bytes()
            decoded = decoded_upr_file(path, data, encoding)
            rows, column_warnings = upr_rows(path, decoded.text)
            batch = upr_batch(path, rows, hashlib.sha256(data).hexdigest(), decoded.warnings + column_warnings)
            recommendation_batches.append(batch)
            for row in rows:
                session, start, _ = session_of_row(row.values)
                if start is not None:
                    sessions[session] = start
            bar.advance()
    engagements = [session_engagement(n, start) for n, start in sorted(sessions.items())]
    batches = [as_batch("mechanisms", "UPR Info import: mechanism", _frame([UPR_MECHANISM], "mechanisms"))]
    if engagements:
        batches.append(as_batch("engagements", "UPR Info import: sessions", _frame(engagements, "engagements")))
    # the import brings no targets, so no indicator id needs checking (the warehouse knows no catalogue)
    return ingest_batches(warehouse, [*batches, *recommendation_batches], known_indicators=frozenset(),
                          plausible_dates=plausible_dates)
