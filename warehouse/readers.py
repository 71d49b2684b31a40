"""Reading contract files (CSV, XLSX, Parquet, JSON Lines) into raw frames, or refusing them whole.

Every reader returns the records as read: CSV and XLSX as text (lists still `;`-joined), Parquet
and JSON Lines with their native types (coerced later, the same way for every format). A file
that cannot be read at all raises `UnreadableFile`, whose message names the file and the problem.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from foundation.errors import AgoraError
from warehouse.contract import ENTITIES

FORMATS = {".csv": "CSV", ".xlsx": "XLSX", ".parquet": "Parquet", ".jsonl": "JSON Lines", ".ndjson": "JSON Lines"}


class UnreadableFile(AgoraError):
    """A file refused whole: it cannot be read as the contract says, so nothing of it is loaded."""


@dataclass(frozen=True)
class RawFile:
    frame: pl.DataFrame
    #: how the file numbers its first record (a spreadsheet's header is row 1, so its records start at 2)
    first_row_number: int
    content_hash: str
    warnings: tuple[str, ...] = ()


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _first_line_of(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _first_ragged_row(text: str) -> str | None:
    """Where a CSV's rows stop matching its header, said as a spreadsheet numbers rows."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, [])
    for number, row in enumerate(rows, start=2):
        if row and len(row) != len(header):
            return f"row {number} has {len(row)} cells but the header has {len(header)}"
    return None


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"{path} is not UTF-8 text (byte {exc.start} cannot be decoded); save it as CSV UTF-8 and try again."
        ) from None
    try:
        return pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise UnreadableFile(
            f"{path} cannot be read as CSV: {_first_ragged_row(text) or _first_line_of(exc)}."
        ) from None


def _read_xlsx(path: Path, entity: str) -> tuple[pl.DataFrame, tuple[str, ...]]:
    import fastexcel

    try:
        workbook = fastexcel.read_excel(path)
    except Exception:  # fastexcel raises its own error types for every broken workbook
        raise UnreadableFile(
            f"{path} cannot be read as an Excel workbook: save it from your spreadsheet program as .xlsx and try again."
        ) from None
    names = workbook.sheet_names
    if not names:
        raise UnreadableFile(f"{path} has no sheets.")
    matching = [n for n in names if n.strip().lower() == entity]
    sheet = matching[0] if matching else names[0]
    warnings = () if matching else (
        f"no sheet is named '{entity}', so the first sheet '{sheet}' was read",
    )
    try:
        frame = workbook.load_sheet(sheet).to_polars()
    except Exception as exc:
        raise UnreadableFile(f"{path}: the sheet '{sheet}' cannot be read: {_first_line_of(exc)}.") from None
    return frame, warnings


def _read_parquet(path: Path) -> pl.DataFrame:
    import pyarrow
    import pyarrow.parquet

    try:
        # Decoded by Arrow, which checks a damaged page and raises; polars' own reader panics on some
        # (a Rust panic: a message on stderr and an exception no `except Exception` catches).
        return pl.from_arrow(pyarrow.parquet.read_table(path))
    except (pyarrow.ArrowException, pl.exceptions.PolarsError, OSError, ValueError):
        raise UnreadableFile(f"{path} cannot be read as Parquet: it is damaged or not a Parquet file.") from None


def _first_line_not_an_object(path: Path) -> str | None:
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                return f"line {number} is not valid JSON"
            if not isinstance(record, dict):
                return f"line {number} is not a JSON object"
    return None


def _read_json_lines(path: Path) -> pl.DataFrame:
    try:
        return pl.read_ndjson(path, infer_schema_length=None)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise UnreadableFile(
            f"{path} cannot be read as JSON Lines (one JSON object per line): "
            f"{_first_line_not_an_object(path) or _first_line_of(exc)}."
        ) from None


def read_file(path: Path, entity: str) -> RawFile:
    """The records of one file, as read; refuses a file that cannot be read with `UnreadableFile`."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UnreadableFile(
            f"{path} is not a file Agora reads: use CSV (.csv), Excel (.xlsx), Parquet (.parquet) "
            f"or JSON Lines (.jsonl)."
        )
    if not path.is_file():
        raise UnreadableFile(f"{path} does not exist.")
    if path.stat().st_size == 0:
        raise UnreadableFile(f"{path} is empty: it has no header row and no records.")
    warnings: tuple[str, ...] = ()
    if suffix == ".csv":
        frame, first_row = _read_csv(path), 2
    elif suffix == ".xlsx":
        (frame, warnings), first_row = _read_xlsx(path, entity), 2
    elif suffix == ".parquet":
        frame, first_row = _read_parquet(path), 1
    else:
        frame, first_row = _read_json_lines(path), 1
    if frame.width == 0:
        raise UnreadableFile(f"{path} is empty: it has no header row and no records.")
    return RawFile(frame, first_row, content_hash(path), warnings)


def entity_of(path: Path, entity: str | None) -> str:
    if entity is not None:
        if entity not in ENTITIES:
            raise UnreadableFile(f"'{entity}' is not an entity; the entities are {', '.join(ENTITIES)}.")
        return entity
    stem = path.stem.strip().lower()
    if stem not in ENTITIES:
        raise UnreadableFile(
            f"Cannot tell which entity {path} holds: name the file after its entity "
            f"({', '.join(ENTITIES)}) or pass --entity."
        )
    return stem


def files_in_folder(folder: Path, entity: str | None) -> list[Path]:
    """The entity files of a folder (with --entity: every readable file in it)."""
    found = sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in FORMATS
        and (entity is not None or p.stem.strip().lower() in ENTITIES)
    )
    if not found:
        raise UnreadableFile(
            f"The folder {folder} holds no entity files: name them after their entity "
            f"(for example organisations.csv) in CSV, XLSX, Parquet or JSON Lines."
        )
    return found
