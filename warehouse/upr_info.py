"""`agora import upr-info`: the UPR Info database CSV export as contract records.

The export arrives as it was saved: CR-only line endings, Mac Roman or Windows-1252 bytes, quoted
commas and line breaks inside quoted text. Each file becomes one recommendation per row, one
`review` engagement per UPR Working Group session and the UPR mechanism; the records then go
through the same validation, quarantine, load log and atomic upsert as `agora ingest`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from foundation.errors import AgoraError
from foundation.progress import progress
from metrics.catalogue import load_catalogue
from warehouse.coerce import PROBLEM_SCHEMA
from warehouse.contract import ENTITIES
from warehouse.ingest import IngestResult, as_batch, ingest_batches
from warehouse.reference import UnknownUprSession, match_country, upr_session_start

UPR_INFO_COLUMNS = (
    "To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org", "Response", "Action", "Issue", "Session",
)
UPR_MECHANISM = {"mechanism_id": "UPR", "name": "Universal Periodic Review Working Group", "kind": "upr", "theme": None}
#: UPR Info leaves Response empty while the State under review has not yet responded: such a
#: recommendation is still one, and counts wherever a response is not needed (FOL-06, FOL-07).
STATE_RESPONSES = {"accepted": "supported", "noted": "noted", "": "pending"}
#: A Working Group session runs two weeks, Monday to the Friday of the next week.
SESSION_LENGTH = timedelta(days=11)
#: Tried in this order when a file is not UTF-8; a tie goes to the earlier one.
LEGACY_ENCODINGS = ("cp1252", "mac_roman")
#: Typographic punctuation that both legacy encodings carry and real text uses.
TYPOGRAPHIC = set("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00ab\u00bb\u00a0\u00b0\u00b7")


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class UprInfoError(AgoraError):
    """A UPR Info file that cannot be read at all."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def decoded_upr_file(path: Path, data: bytes, encoding: str | None) -> DecodedText:
    """The file's text: the given encoding, else UTF-8 (BOM or not), else the more plausible legacy
    encoding. Never fails on a byte: an override that does not fit replaces what it cannot decode."""
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise UprInfoError(
                f"{path.name}: '{encoding}' is not an encoding Agora knows; try utf-8, cp1252 or mac_roman."
            ) from None
        try:
            return DecodedText(data.decode(codec).removeprefix("\ufeff"), codec)
        except UnicodeDecodeError as exc:
            return DecodedText(
                data.decode(codec, errors="replace").removeprefix("\ufeff"), codec,
                (f"not entirely {codec} (first bad byte at offset {exc.start}); "
                 "the bytes it cannot decode were replaced by \ufffd",),
            )
    try:
        return DecodedText(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError:
        pass
    candidates = []
    for codec in LEGACY_ENCODINGS:
        try:
            candidates.append((data.decode(codec), codec))
        except UnicodeDecodeError:
            continue
    text, codec = max(candidates, key=lambda candidate: legacy_text_plausibility(candidate[0]))
    return DecodedText(
        text, codec, (f"not UTF-8; read as {codec} (detected; pass --encoding if the names look wrong)",),
    )


def legacy_text_plausibility(text: str) -> int:
    """How much the non-ASCII characters of a decoding look like names and prose: an accented
    lowercase letter inside a word or an accented capital starting one scores, a symbol or a
    capital inside a word (what the wrong legacy encoding produces, `CÙte`, `TŸrkiye`) costs."""
    score = 0
    padded = f" {text} "
    for found in _NON_ASCII.finditer(padded):
        at = found.start()
        before, char, after = padded[at - 1], padded[at], padded[at + 1]
        category = unicodedata.category(char)
        if char in TYPOGRAPHIC:
            plausible = True
        elif category == "Ll":
            plausible = before.isalpha() or after.isalpha()
        elif category == "Lu":
            plausible = not before.isalpha() or before.isupper() and (after.isupper() or not after.isalpha())
        else:
            plausible = False
        score += 1 if plausible else -1
    return score


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
    records = [record for record in csv.reader(io.StringIO(text, newline="")) if any(v.strip() for v in record)]
    if not records:
        raise UprInfoError(f"{path.name} is empty: a UPR Info export starts with a header row.")
    header = [name.strip() for name in records[0]]
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
    # Numbered as a spreadsheet numbers them (the header is row 1), as `agora ingest` numbers CSV rows.
    for number, record in enumerate(records[1:], start=2):
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
        )
    return iso3, None


def recommendation_of_row(row: UprRow, recommendation_id: str) -> tuple[dict, list[Rejection]]:
    """The contract record of one export row (raw values for ingest to type and validate), and
    the reasons the import rejects it for."""
    values = row.values
    rejections = [Rejection(None, "upr_info.row_shape", row.problem)] if row.problem else []
    addressee, problem = state_of(values["To"], "addressee_country", "To")
    rejections += [problem] if problem else []
    recommending, problem = (
        state_of(values["From"], "recommending_country", "From") if values["From"] else (None, None)
    )
    rejections += [problem] if problem else []
    response = STATE_RESPONSES.get(values["Response"].strip().lower())
    if response is None:
        rejections.append(Rejection(
            "state_response", "upr_info.response",
            f"Response {values['Response']!r} is neither Accepted nor Noted",
        ))
    session, session_start, problem = session_of_row(values)
    rejections += [problem] if problem else []
    record = {
        "recommendation_id": recommendation_id,
        "mechanism_id": UPR_MECHANISM["mechanism_id"],
        "engagement_id": engagement_id_of_session(session) if session_start else None,
        "issued_on": session_start.isoformat() if session_start else None,
        "addressee_country": addressee,
        "text": values["Text"],
        "themes": [theme.strip() for theme in values["Issue"].split(",") if theme.strip()],
        "state_response": response or values["Response"],
        "specificity": values["Action"],
        # UPR Info does not record whether civil society informed a recommendation; false keeps the
        # column's contract (required) without claiming it did.
        "informed_by_cso": "false",
        "due_on": None,
        "recommending_country": recommending,
        "recommending_group": values["From-Rgrp"] or None,
    }
    return record, rejections


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
            {"row": row, "seq": seq, "column": r.column, "rule": r.rule, "reason": r.reason}
            for row, rejections in enumerate(rejections_by_row)
            for seq, r in enumerate(rejections)
        ],
        schema=PROBLEM_SCHEMA,
    )


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
                raise UprInfoError(f"{path} does not exist.")
            data = path.read_bytes()
            decoded = decoded_upr_file(path, data, encoding)
            rows, column_warnings = upr_rows(path, decoded.text)
            records, rejections = [], []
            for row, recommendation_id in zip(rows, recommendation_ids(rows)):
                record, found = recommendation_of_row(row, recommendation_id)
                records.append(record)
                rejections.append(found)
                if record["issued_on"] is not None:
                    sessions[int(row.values["Session"])] = date.fromisoformat(record["issued_on"])
            recommendation_batches.append(as_batch(
                "recommendations", str(path), _frame(records, "recommendations"), first_row_number=2,
                content_hash=hashlib.sha256(data).hexdigest(), warnings=decoded.warnings + column_warnings,
                given_problems=_given_problems(rejections),
            ))
            bar.advance()
    engagements = [session_engagement(n, start) for n, start in sorted(sessions.items())]
    batches = [as_batch("mechanisms", "UPR Info import: mechanism", _frame([UPR_MECHANISM], "mechanisms"))]
    if engagements:
        batches.append(as_batch("engagements", "UPR Info import: sessions", _frame(engagements, "engagements")))
    return ingest_batches(warehouse, [*batches, *recommendation_batches], load_catalogue().ids, plausible_dates)
