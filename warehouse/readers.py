"""Reading contract files (CSV, XLSX, Parquet, JSON Lines) into raw frames, or refusing them whole.

Every reader returns the records as read: CSV and XLSX as text (lists still `;`-joined), Parquet
and JSON Lines with their native types (coerced later, the same way for every format). A file
that cannot be read at all raises `UnreadableFile`, whose message names the file and the problem.

CSV files come as spreadsheets and survey tools save them: the encoding (UTF-8 with or without a
byte-order mark, Windows-1252, Latin-1, Mac Roman) and the delimiter (comma, semicolon, tab) are
detected unless given, CR-only, CRLF and mixed line endings are read alike, and blank lines are
skipped (they are not records, so they are neither loaded nor quarantined; the records keep the
row numbers a spreadsheet shows). A file wider than `MAX_COLUMNS` is refused before it is parsed.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from foundation.errors import AgoraError
from warehouse.contract import ENTITIES

FORMATS = {".csv": "CSV", ".xlsx": "XLSX", ".parquet": "Parquet", ".jsonl": "JSON Lines", ".ndjson": "JSON Lines"}
#: wider files are refused whole: no contract entity has more than 13 columns, and a survey export
#: with a thousand is not a file of records but a mistake (and would make every step slower)
MAX_COLUMNS = 1_000
#: a longer cell is no record's value (the longest, a recommendation's text, runs to a few thousand
#: characters): a file holding one is refused whole, naming the row and column
MAX_CELL_CHARACTERS = 100_000
#: tried in this order when a file is not UTF-8; a tie in plausibility goes to the earlier one
LEGACY_ENCODINGS = ("cp1252", "latin-1", "mac_roman")
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with a byte-order mark", "cp1252": "Windows-1252",
                  "latin-1": "Latin-1", "mac-roman": "Mac Roman"}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_DELIMITER_WORDS = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t"}
#: typographic punctuation that both legacy encodings carry and real text uses
_TYPOGRAPHIC = set("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00ab\u00bb\u00a0\u00b0\u00b7")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: what a parser raises on a damaged file: its own errors, and a panic of polars' Rust core (which
#: derives from BaseException, so a damaged file would otherwise end in a traceback)
_PARSE_ERRORS = (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError, ValueError)


class UnreadableFile(AgoraError):
    """A file refused whole: it cannot be read as the contract says, so nothing of it is loaded."""


class FileNotFound(UnreadableFile):
    """A path that names no file or folder."""


@dataclass(frozen=True)
class ReadOptions:
    """What the user says about a file instead of letting Agora detect it."""
    #: a Python codec name (`latin-1`, `cp1252`, `mac_roman`, `utf-8`)
    encoding: str | None = None
    #: `,` `;` tab (or the words comma, semicolon, tab)
    delimiter: str | None = None


@dataclass(frozen=True)
class RawFile:
    frame: pl.DataFrame
    #: how the file numbers its first record (a spreadsheet's header is row 1, so its records start at 2)
    first_row_number: int
    content_hash: str
    warnings: tuple[str, ...] = ()
    #: each record's row number, when blank lines were skipped (else first_row_number onwards)
    row_numbers: pl.Series | None = None
    #: numbers were written with a decimal comma (a semicolon CSV from European Excel)
    decimal_comma: bool = False


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _first_line_of(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def legacy_text_plausibility(text: str) -> int:
    """How much the non-ASCII characters of a decoding look like names and prose: an accented
    lowercase letter inside a word or an accented capital starting one scores, a symbol, a control
    character or a capital inside a word (what the wrong legacy encoding produces, `CÙte`,
    `TŸrkiye`) costs."""
    score = 0
    padded = f" {text} "
    for found in _NON_ASCII.finditer(padded):
        at = found.start()
        before, char, after = padded[at - 1], padded[at], padded[at + 1]
        category = unicodedata.category(char)
        if char in _TYPOGRAPHIC:
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
class DecodedText:
    text: str
    #: the codec's canonical name (`utf-8`, `cp1252`, `mac-roman`, ...)
    encoding: str
    warnings: tuple[str, ...] = ()


def codec_of(encoding: str, where: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise UnreadableFile(
            f"{where}: '{encoding}' is not an encoding Agora knows; try utf-8, cp1252, latin-1 or mac_roman."
        ) from None


def decoded_text(where: str, data: bytes, encoding: str | None) -> DecodedText:
    """The file's text: the given encoding, else UTF-8 (BOM or not), else the most plausible legacy
    encoding. Never fails on a byte: an override that does not fit replaces what it cannot decode."""
    if encoding is not None:
        codec = codec_of(encoding, where)
        try:
            return DecodedText(data.decode(codec).removeprefix("\ufeff"), codec)
        except UnicodeDecodeError as exc:
            return DecodedText(
                data.decode(codec, errors="replace").removeprefix("\ufeff"), codec,
                (f"not entirely {codec} (first bad byte at offset {exc.start}); "
                 "the bytes it cannot decode were replaced by \ufffd",),
            )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return DecodedText(text.removeprefix("\ufeff"), "utf-8-sig" if text.startswith("\ufeff") else "utf-8")
    candidates = []
    for codec in LEGACY_ENCODINGS:
        try:
            candidates.append((data.decode(codec), codecs.lookup(codec).name))
        except UnicodeDecodeError:
            continue
    # max() keeps the first of equal scores, so a Latin-1 file without Windows-only bytes reads as Windows-1252 (the same text)
    text, codec = max(candidates, key=lambda candidate: legacy_text_plausibility(candidate[0]))
    name = ENCODING_NAMES.get(codec, codec)
    return DecodedText(text, codec, (
        f"not UTF-8; read as {name} (detected; pass --encoding if names or accents look wrong)",
    ))


def delimiter_of(given: str | None) -> str | None:
    if given is None:
        return None
    delimiter = _DELIMITER_WORDS.get(given.strip().lower(), given)
    if len(delimiter) != 1 or delimiter in "\"\r\n":
        raise UnreadableFile(f"--delimiter {given!r} is not one character (use comma, semicolon or tab).")
    return delimiter


def _detected_delimiter(header: str) -> str:
    """The candidate delimiter the header line uses most (outside quotes); comma when none."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _first_ragged_row(text: str, delimiter: str) -> str | None:
    """Where a CSV's rows stop matching its header, said as a spreadsheet numbers rows."""
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(rows, [])
    for number, row in enumerate(rows, start=2):
        if row and len(row) != len(header):
            return f"row {number} has {len(row)} cells but the header has {len(header)}"
    return None


def _refuse_too_wide(path: Path, width: int) -> None:
    if width > MAX_COLUMNS:
        raise UnreadableFile(
            f"{path} has {width:,} columns; Agora reads at most {MAX_COLUMNS:,}: keep the entity's "
            f"columns (drop the others, or list them under `drop` in a mapping) and try again."
        )


def _refuse_huge_cells(path: Path, frame: pl.DataFrame, first_row: int) -> None:
    """Refuse a file with a cell longer than MAX_CELL_CHARACTERS (one pass per text column)."""
    for name, dtype in frame.schema.items():
        if dtype != pl.String:
            continue
        lengths = frame.get_column(name).str.len_chars()
        if (lengths.max() or 0) > MAX_CELL_CHARACTERS:
            row = int(lengths.arg_max()) + first_row
            raise UnreadableFile(
                f"{path}: row {row}, column '{name}' holds {lengths.max():,} characters; Agora reads at most "
                f"{MAX_CELL_CHARACTERS:,} in a cell (is a quote left open?)."
            )


def _without_blank_rows(frame: pl.DataFrame, first_row: int) -> tuple[pl.DataFrame, pl.Series | None]:
    """Drop rows with no value at all (blank lines, a line of only delimiters or spaces), keeping
    each record's row number."""
    if frame.height == 0 or frame.width == 0:
        return frame, None
    first, *rest = frame.columns
    # Only rows whose other cells are all empty can be blank: test the first cell's text just for them.
    blank = pl.all_horizontal(pl.col(c).is_null() for c in rest) if rest else pl.lit(True)
    first_cell = pl.col(first).cast(pl.String).str.strip_chars()
    blank = blank & (first_cell.is_null() | (first_cell == ""))
    numbered = frame.with_columns(blank.alias("__blank__"))
    if not numbered.get_column("__blank__").any():
        return frame, None
    kept = numbered.with_row_index("__row__").filter(~pl.col("__blank__"))
    numbers = (kept.get_column("__row__").cast(pl.Int64) + first_row).alias("row_number")
    return kept.drop("__row__", "__blank__"), numbers


def _read_csv(path: Path, options: ReadOptions) -> tuple[pl.DataFrame, tuple[str, ...], bool]:
    data = path.read_bytes()
    decoded = decoded_text(str(path), data, options.encoding)
    text = decoded.text
    if "\r" in text:
        # CR-only (old Mac) and mixed line endings: one line break for the parser.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    header_line = text.split("\n", 1)[0]
    delimiter = delimiter_of(options.delimiter) or _detected_delimiter(header_line)
    _refuse_too_wide(path, header_line.count(delimiter) + 1)
    warnings = list(decoded.warnings)
    if delimiter != "," and options.delimiter is None:
        warnings.append(f"columns are separated by {DELIMITERS[delimiter]}s (detected)")
    try:
        # Plain UTF-8 goes to the parser as it is; anything re-decoded or re-broken goes as new UTF-8 bytes.
        source = data if decoded.encoding == "utf-8" and text is decoded.text else text.encode("utf-8")
        frame = pl.read_csv(io.BytesIO(source), infer_schema=False, separator=delimiter, encoding="utf8")
    except _PARSE_ERRORS as exc:
        raise UnreadableFile(
            f"{path} cannot be read as CSV: {_first_ragged_row(text, delimiter) or _first_line_of(exc)}."
        ) from None
    return _named_as_in_header(path, frame, header_line, delimiter), tuple(warnings), delimiter == ";"


def _named_as_in_header(path: Path, frame: pl.DataFrame, header_line: str, delimiter: str) -> pl.DataFrame:
    """The columns named as the header names them (the parser renames a repeated name, which must be
    refused, not loaded under another name); a column without a name and without a value (the
    trailing separators spreadsheets write) is left out, one with values is named by its position."""
    names = next(csv.reader([header_line], delimiter=delimiter), [])
    if len(names) != frame.width:
        return frame
    columns, seen = [], set()
    for position, (column, name) in enumerate(zip(frame.columns, names), start=1):
        series = frame.get_column(column)
        name = name.replace("\ufeff", "").strip()
        if not name:
            if series.null_count() == frame.height:
                continue
            name = f"(unnamed column {position})"
        if name.lower() in seen:
            raise UnreadableFile(f"{path} has two columns named '{name}' (column names ignore case).")
        seen.add(name.lower())
        columns.append(series.alias(name))
    return pl.DataFrame(columns) if columns else frame


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
    warnings = () if matching or not entity else (
        f"no sheet is named '{entity}', so the first sheet '{sheet}' was read",
    )
    try:
        frame = workbook.load_sheet(sheet).to_polars()
    except Exception as exc:
        raise UnreadableFile(f"{path}: the sheet '{sheet}' cannot be read: {_first_line_of(exc)}.") from None
    _refuse_too_wide(path, frame.width)
    return frame, warnings


def _read_parquet(path: Path) -> pl.DataFrame:
    import pyarrow
    import pyarrow.parquet

    unreadable = (pyarrow.ArrowException, pl.exceptions.PolarsError, OSError, ValueError)
    try:
        width = len(pyarrow.parquet.read_schema(path))
    except unreadable:
        raise UnreadableFile(f"{path} cannot be read as Parquet: it is damaged or not a Parquet file.") from None
    _refuse_too_wide(path, width)
    try:
        # Decoded by Arrow, which checks a damaged page and raises; polars' own reader panics on some
        # (a Rust panic: a message on stderr and an exception no `except Exception` catches).
        return pl.from_arrow(pyarrow.parquet.read_table(path))
    except unreadable:
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
        frame = pl.read_ndjson(path, infer_schema_length=None)
    except _PARSE_ERRORS as exc:
        raise UnreadableFile(
            f"{path} cannot be read as JSON Lines (one JSON object per line): "
            f"{_first_line_not_an_object(path) or _first_line_of(exc)}."
        ) from None
    _refuse_too_wide(path, frame.width)
    return frame


def read_file(path: Path, entity: str, options: ReadOptions = ReadOptions()) -> RawFile:
    """The records of one file, as read; refuses a file that cannot be read with `UnreadableFile`."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise FileNotFound(f"{path} not found: check the name and the folder.")
    if suffix not in FORMATS:
        raise UnreadableFile(
            f"{path} is not a file Agora reads: use CSV (.csv), Excel (.xlsx), Parquet (.parquet) "
            f"or JSON Lines (.jsonl)."
        )
    if not path.is_file():
        raise UnreadableFile(f"{path} is not a file.")
    if path.stat().st_size == 0:
        raise UnreadableFile(f"{path} is empty: it has no header row and no records.")
    warnings: tuple[str, ...] = ()
    decimal_comma = False
    if suffix == ".csv":
        (frame, warnings, decimal_comma), first_row = _read_csv(path, options), 2
    elif suffix == ".xlsx":
        (frame, warnings), first_row = _read_xlsx(path, entity), 2
    elif suffix == ".parquet":
        frame, first_row = _read_parquet(path), 1
    else:
        frame, first_row = _read_json_lines(path), 1
    if frame.width == 0:
        raise UnreadableFile(f"{path} is empty: it has no header row and no records.")
    _refuse_huge_cells(path, frame, first_row)
    row_numbers = None
    if suffix in (".csv", ".xlsx"):
        frame, row_numbers = _without_blank_rows(frame, first_row)
        if row_numbers is not None:
            warnings = (*warnings, "blank rows were skipped (they are not records)")
    return RawFile(frame, first_row, content_hash(path), warnings, row_numbers, decimal_comma)


def header_of(path: Path, options: ReadOptions = ReadOptions()) -> list[str]:
    """The column names of a file (for drafting a mapping), without validating anything."""
    return read_file(path, "", options).frame.columns


def entity_named_by(path: Path) -> str | None:
    stem = path.stem.strip().lower()
    return stem if stem in ENTITIES else None


def checked_entity(entity: str) -> str:
    if entity not in ENTITIES:
        raise UnreadableFile(f"'{entity}' is not an entity; the entities are {', '.join(ENTITIES)}.")
    return entity


def files_in_folder(folder: Path, entity: str | None) -> list[Path]:
    """The entity files of a folder (with --entity: every readable file in it)."""
    found = sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in FORMATS
        and (entity is not None or entity_named_by(p) is not None)
    )
    if not found:
        raise UnreadableFile(
            f"The folder {folder} holds no entity files: name them after their entity "
            f"(for example organisations.csv) in CSV, XLSX, Parquet or JSON Lines."
        )
    return found
