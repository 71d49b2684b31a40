"""Validated, atomic ingest of contract records into the warehouse.

One call (`ingest_paths`, `ingest_frames` or `ingest_batches`) is one transaction: every file's records, its load
log row and its quarantined rows commit together or not at all, so a load killed at any moment
leaves the warehouse as it was. Files that cannot be read are refused before the warehouse is
opened. Each record is checked against every rule of the contract in one pass: types (polars),
the Great Expectations suite of its entity (`expectations/suites/`), foreign keys and
cross-entity rules against the warehouse and the records loaded earlier in the same call, and
duplicate keys within the file. A record that breaks any rule goes to quarantine with every
reason; the others are upserted by key (the latest load wins). A quarantined row leaves the row
already in the warehouse under its key, if any, as it was.

Duplicate keys within one file: the last row wins; each earlier row with the same key is
quarantined with a reason naming the row that replaces it, so rows read = loaded + quarantined.

Before validation a file is read (`readers`: encoding, delimiter, blank rows, bounds), mapped
(`mapping`: a user's TOML renames, value maps, constants, lists, date formats, drops), and its
columns that are not the contract's are dropped, so their values are stored nowhere. A fixed
quarantine file (`quarantine.write_fix_file`) names in `source_file`/`source_row` the quarantine
entries its rows replace: they leave the quarantine in the same transaction.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from foundation.progress import progress
from foundation.settings import DEFAULT_PLAUSIBLE_DATES, parse_date_range
from expectations.languages import ISO_639_1_CODES
from expectations.raw_records import date_range_parameters, stored_suite, unexpected_rows
from warehouse.coerce import (PROBLEM_SCHEMA, Coerced, ReadingRules, as_text, coerce_records, no_problems,
                              reasons_from_template, rule_text_of, type_checked_columns, type_rule)
from warehouse.contract import ENTITIES, LOAD_ORDER, Column, Entity
from warehouse.db import connect, rollback
from warehouse.loadlog import LoadRecord, record_load
from warehouse.mapping import (NO_MAPPING, Mapping, apply_mapping, checked_date_format, closest, did_you_mean,
                               mapped_column_names)
from warehouse.quarantine import (FIX_COLUMNS, SOURCE_FILE, SOURCE_ROW, forget_fixed_rows, record_quarantine,
                                  unneutralised)
from warehouse.readers import (FileNotFound, ReadOptions, UnreadableFile, checked_entity, entity_named_by,
                               files_in_folder, read_file)

# Reason order within a row: unreadable cells, then the suite's expectations, then rules that
# need other records.
_SEQ_EXPECTATIONS = 1_000
_SEQ_REFERENCES = 2_000
_SEQ_CROSS_ENTITY = 3_000
_SEQ_DUPLICATE = 4_000
_CROSS_ENTITY_RULE_ID = "reported_after_issue"


@dataclass(frozen=True)
class Batch:
    """One file's (or one handed-over frame's) records, ready to validate."""
    entity: str
    source: str
    #: every column as read, names lower-cased; contract columns the file lacks are added as null
    frame: pl.DataFrame
    first_row_number: int
    content_hash: str
    warnings: tuple[str, ...]
    #: reasons the caller found before validation (PROBLEM_SCHEMA, rows from 0, e.g. an importer's
    #: unmatched State name); like unreadable cells, they replace the suite's reason for their cell
    given_problems: pl.DataFrame | None = None
    #: each record's row number when they are not consecutive from first_row_number (blank rows skipped)
    row_numbers: pl.Series | None = None
    #: how the file writes dates and numbers (date formats, decimal comma)
    rules: ReadingRules = ReadingRules()
    #: for a fixed quarantine file: each row's (file, row number) in the quarantine it came from
    origins: pl.DataFrame | None = None

    def numbers(self) -> pl.Series:
        """Each record's row number as its file shows it."""
        if self.row_numbers is not None:
            return self.row_numbers.cast(pl.Int64).alias("row_number")
        return pl.int_range(self.first_row_number, self.first_row_number + self.frame.height, dtype=pl.Int64,
                            eager=True).alias("row_number")


@dataclass(frozen=True)
class FileOutcome:
    source: str
    entity: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    warnings: tuple[str, ...]
    #: (rule, rows breaking it, one example: "row N: reason"), most frequent first
    top_reasons: tuple[tuple[str, int, str], ...]


@dataclass(frozen=True)
class IngestResult:
    warehouse: Path
    files: tuple[FileOutcome, ...]
    #: seconds spent in each phase of the load (where the time goes)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    def render(self) -> str:
        """The one-screen summary printed after every ingest."""
        width = max([len("source"), *(len(f.source) for f in self.files)])
        lines = [
            f"Ingested {len(self.files)} file(s) into {self.warehouse}: {self.rows_read:,} rows read, "
            f"{self.rows_loaded:,} loaded, {self.rows_quarantined:,} quarantined.",
            "",
            f"{'source':<{width}}  {'entity':<16}{'read':>12}{'loaded':>12}{'quarantined':>13}",
        ]
        for f in self.files:
            lines.append(f"{f.source:<{width}}  {f.entity:<16}{f.rows_read:>12,}{f.rows_loaded:>12,}"
                         f"{f.rows_quarantined:>13,}")
        warnings = [f"  {f.source}: {w}" for f in self.files for w in f.warnings]
        if warnings:
            lines += ["", "Warnings:", *warnings]
        reasons = sorted(((n, f.source, example) for f in self.files for _rule, n, example in f.top_reasons),
                         key=lambda r: -r[0])[:8]
        if reasons:
            lines += ["", "Top reasons for quarantine (see `agora quarantine` for every row):"]
            lines += [f"  {n:>9,} x  {source} {example}" for n, source, example in reasons]
        return "\n".join(lines)


# -- reading --------------------------------------------------------------------------------

def _column_names(source: str, frame: pl.DataFrame) -> list[str]:
    names = [c.replace("\ufeff", "").strip().lower() for c in frame.columns]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UnreadableFile(f"{source} has two columns named '{name}' (column names ignore case).")
        seen.add(name)
    return names


def _refuse_wrong_columns(source: str, entity: Entity, names: list[str]) -> None:
    present = set(names)
    known = set(entity.column_names)
    unknown = [n for n in names if n not in known]

    def hint(wanted: str) -> str:
        return did_you_mean(wanted, unknown, cutoff=0.6)

    missing_keys = [k for k in entity.key if k not in present]
    if missing_keys:
        def fit(other: Entity) -> int:
            return len(present & set(other.column_names))

        others = [e for e in ENTITIES.values()
                  if e.name != entity.name and set(e.key) <= present and fit(e) > fit(entity)]
        if others:
            best = max(others, key=fit)
            raise UnreadableFile(
                f"{source} has the columns of {best.name}, not of {entity.name}: rename the file "
                f"{best.name} or pass --entity {best.name}."
            )
        raise UnreadableFile(
            f"{source} has no column {', '.join(repr(k) + hint(k) for k in missing_keys)}, the key of "
            f"{entity.name}; its columns are: {', '.join(names)} (rename one in a mapping: --map)."
        )
    missing = [c.name for c in entity.columns if c.required and c.name not in present]
    if missing:
        raise UnreadableFile(
            f"{source} lacks the required column(s) {', '.join(repr(m) + hint(m) for m in missing)} "
            f"of {entity.name}."
        )


def _fix_file_origins(frame: pl.DataFrame) -> pl.DataFrame | None:
    """The (file, row) each row of a fixed quarantine file came from, when it is one."""
    if SOURCE_FILE not in frame.columns or SOURCE_ROW not in frame.columns:
        return None
    return frame.select(
        pl.col(SOURCE_FILE).cast(pl.String).str.strip_chars().alias("file"),
        pl.col(SOURCE_ROW).cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False).alias("row_number"),
    )


def as_batch(entity_name: str, source: str, frame: pl.DataFrame, first_row_number: int = 1,
             content_hash: str | None = None, warnings: Iterable[str] = (),
             given_problems: pl.DataFrame | None = None, row_numbers: pl.Series | None = None,
             rules: ReadingRules = ReadingRules()) -> Batch:
    """Check a raw frame's columns against its entity (refusing it whole if they do not fit).
    Columns the contract does not know are dropped here, before anything is stored: their values
    (an e-mail address in a survey export) never reach the warehouse, the quarantine or the load log."""
    entity = ENTITIES[entity_name]
    names = _column_names(source, frame)
    frame = frame.rename(dict(zip(frame.columns, names)))
    origins = _fix_file_origins(frame)
    notes = list(warnings)
    if origins is not None:
        notes.append(f"a fixed quarantine file: its {', '.join(FIX_COLUMNS)} columns were read to clear the rows' "
                     f"earlier quarantine entries, not loaded")
    known = set(entity.column_names)
    unknown = [n for n in names if n not in known and n not in FIX_COLUMNS]
    _refuse_wrong_columns(source, entity, [n for n in names if n not in FIX_COLUMNS])
    if unknown:
        notes.append(
            "column(s) " + ", ".join(f"'{n}'{did_you_mean(n, entity.column_names, cutoff=0.6)}" for n in unknown)
            + f" are not columns of {entity.name}: dropped, their values not stored anywhere"
        )
    absent = [c.name for c in entity.columns if c.name not in names]
    frame = frame.select([n for n in names if n in known]).with_columns(
        pl.lit(None, pl.String).alias(n) for n in absent)
    if origins is not None:
        # The fix file escaped formula-like cells for the spreadsheet; the records are what was under the escape.
        frame = frame.with_columns(unneutralised(pl.col(n)).alias(n) for n, t in frame.schema.items() if t == pl.String)
    if frame.height == 0:
        notes.append("it has no records")
    if content_hash is None:
        content_hash = hashlib.sha256(frame.serialize(format="binary")).hexdigest()
    return Batch(entity_name, source, frame, first_row_number, content_hash, tuple(notes), given_problems,
                 row_numbers, rules, origins)


@dataclass(frozen=True)
class IngestOptions:
    """What the user says about the files: how to read them and how their columns map."""
    read: ReadOptions = ReadOptions()
    mapping: Mapping = NO_MAPPING
    #: every date column's format (`--date-format %d/%m/%Y`); a mapping's own formats win
    date_format: str | None = None


def _entity_of_columns(path: Path, frame: pl.DataFrame, mapping: Mapping) -> str:
    """The entity a file's columns (after the mapping) say it holds: every key and required column
    present, and more of its columns than any other such entity. A fixed quarantine file is one."""
    present = {c.replace("\ufeff", "").strip().lower() for c in mapped_column_names(frame.columns, mapping)}
    fitting = [e for e in ENTITIES.values()
               if all(c.name in present for c in e.columns if c.key or (c.required and c.name not in mapping.constants))]
    scored = sorted(((len(present & set(e.column_names)), e.name) for e in fitting), reverse=True)
    if not scored or len(scored) > 1 and scored[0][0] == scored[1][0]:
        raise UnreadableFile(
            f"Cannot tell which entity {path} holds: name the file after its entity "
            f"({', '.join(ENTITIES)}), pass --entity, or say entity = \"...\" in a mapping."
        )
    return scored[0][1]


def _batch_of_file(path: Path, entity: str | None, options: IngestOptions) -> Batch:
    mapping = options.mapping
    named = entity or mapping.entity or entity_named_by(path)
    raw = read_file(path, named or "", options.read)
    name = named or _entity_of_columns(path, raw.frame, mapping)
    frame, warnings = raw.frame, list(raw.warnings)
    if named is None:
        warnings.append(f"holds {name} (told by its columns)")
    if mapping is not NO_MAPPING:
        mapped = apply_mapping(frame, mapping, ENTITIES[name])
        frame = mapped.frame
        warnings += [f"mapped with {mapping.source}", *mapped.notes]
        if mapped.dropped:
            warnings.append("the mapping dropped the column(s) " + ", ".join(f"'{d}'" for d in mapped.dropped)
                            + ": their values are not stored anywhere")
    formats = {c.name: options.date_format for c in ENTITIES[name].columns if c.is_date and options.date_format}
    rules = ReadingRules({**formats, **mapping.date_formats(ENTITIES[name])}, raw.decimal_comma)
    return as_batch(name, str(path), frame, raw.first_row_number, raw.content_hash, warnings,
                    row_numbers=raw.row_numbers, rules=rules)


def _batches_of_paths(paths: list[Path], entity: str | None, options: IngestOptions) -> list[Batch]:
    if entity is not None:
        checked_entity(entity)
    if options.date_format is not None:
        checked_date_format(options.date_format, "--date-format")
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise FileNotFound(f"{path} not found: check the name and the folder.")
        files += files_in_folder(path, entity or options.mapping.entity) if path.is_dir() else [path]
    return [_batch_of_file(path, entity, options) for path in files]


# -- validating -----------------------------------------------------------------------------

def _frame_for_expectations(typed: pl.DataFrame) -> pl.DataFrame:
    """The typed records as the suites read them: lists become `;`-joined text (null when empty)."""
    return typed.with_columns(
        pl.when(pl.col(name).list.len() > 0).then(pl.col(name).list.join(";")).alias(name)
        for name, dtype in typed.schema.items() if isinstance(dtype, pl.List)
    )


def _problem_rows(frame: pl.DataFrame, broken: pl.Expr, seq: int, column: str | None, rule: str,
                  reason: pl.Expr, rule_text: str) -> pl.DataFrame:
    return frame.with_row_index("row").filter(broken).select(
        pl.col("row").cast(pl.Int64), pl.lit(seq, pl.Int64).alias("seq"), pl.lit(column, pl.String).alias("column"),
        pl.lit(rule).alias("rule"), reason.alias("reason"), pl.lit(rule_text, pl.String).alias("rule_text"),
    )


def _with_suggestions(problems: pl.DataFrame, typed: pl.DataFrame, column: str, values: list[str]) -> pl.DataFrame:
    """Reasons for a value outside a column's set, with "did you mean" for a near miss (`consulation`)."""
    broken = typed.get_column(column).gather(problems.get_column("row")).cast(pl.String)
    # One look-up per distinct value: a file of a thousand "Yes" asks once.
    hints = {value: did_you_mean(value, values) for value in broken.drop_nulls().unique().to_list()}
    return problems.with_columns(
        pl.col("reason") + broken.replace_strict(hints, default="", return_dtype=pl.String).fill_null(""))


def _item_hint(items: list[str] | None, values: list[str]) -> str:
    """` (did you mean 'women' for 'woman'?)` for each item of a list cell that is a near miss of a value."""
    allowed = set(values)
    meant = []
    for item in dict.fromkeys(items or ()):
        close = None if item in allowed else closest(item, values)
        if close is not None:
            meant.append(f"'{close}' for '{item}'")
    return f" (did you mean {', '.join(meant)}?)" if meant else ""


def _with_item_suggestions(problems: pl.DataFrame, typed: pl.DataFrame, column: str,
                           values: list[str]) -> pl.DataFrame:
    """Reasons for a list with an item outside the column's set, with "did you mean" for each near-miss item."""
    cells = typed.get_column(column).gather(problems.get_column("row")).to_list()
    # One look-up per distinct list: a file of a thousand "woman;lgbti" asks once.
    hints = {tuple(cell or ()): _item_hint(cell, values) for cell in cells}
    return problems.with_columns(pl.col("reason") + pl.Series([hints[tuple(cell or ())] for cell in cells],
                                                              dtype=pl.String))


#: the suite rule checking a column's values against its set, by the column's type (see expectations.raw_records)
_SET_RULES = {"enum": ".in_set", "list_enum": ".items_in_set", "list_language": ".languages"}


def _allowed_values(column: Column) -> list[str]:
    return list(ISO_639_1_CODES) if column.type == "list_language" else list(column.values)


def _expectation_problems(entity: Entity, coerced: Coerced, parameters: dict) -> pl.DataFrame:
    found = [no_problems()]
    typed = coerced.typed
    constants = {name: f"{value:%Y-%m-%d}" for name, value in parameters.items() if name.endswith("_date")}
    for position, unexpected in enumerate(unexpected_rows(entity.name, _frame_for_expectations(typed), parameters)):
        rows = pl.Series(unexpected.rows, dtype=pl.Int64)
        rows_found = _problem_rows(typed, pl.int_range(pl.len(), dtype=pl.Int64).is_in(rows.implode()),
                                   _SEQ_EXPECTATIONS + position, unexpected.column, unexpected.rule,
                                   reasons_from_template(typed, unexpected.reason, constants),
                                   rule_text_of(unexpected.reason, constants))
        column = entity.column(unexpected.column) if unexpected.column in entity.column_names else None
        set_rule = _SET_RULES.get(column.type) if column is not None else None
        if set_rule is not None and unexpected.rule.endswith(set_rule):
            suggest = _with_item_suggestions if column.is_list else _with_suggestions
            rows_found = suggest(rows_found, typed, column.name, _allowed_values(column))
        found.append(rows_found)
    problems = pl.concat(found)
    # A cell that could not be read is null in the typed frame: its "is empty" is not news.
    return problems.join(coerced.problems.select("row", "column"), on=["row", "column"], how="anti")


def _reference_rule(entity: Entity, column: Column) -> str:
    return f"{entity.name}.{column.name}.exists"


def _has_cross_entity_rule(entity: Entity) -> bool:
    return any(rule_id == _CROSS_ENTITY_RULE_ID for rule_id, _ in entity.row_rules)


def _duplicate_rule(entity: Entity) -> str:
    return f"{entity.name}.duplicate_key"


def _reference_problems(con: duckdb.DuckDBPyConnection, entity: Entity, typed: pl.DataFrame) -> pl.DataFrame:
    """Foreign keys: the warehouse inside this transaction holds the parents loaded earlier in the call."""
    found = [no_problems()]
    for position, column in enumerate(c for c in entity.columns if c.references):
        parent = ENTITIES[column.references]
        parent_key = parent.key[0]
        known = con.sql(f"SELECT DISTINCT {parent_key} FROM {parent.name}").pl().get_column(parent_key)
        found.append(_problem_rows(
            typed, pl.col(column.name).is_not_null() & ~pl.col(column.name).is_in(known.implode()),
            _SEQ_REFERENCES + position, column.name, _reference_rule(entity, column),
            reasons_from_template(typed, f"{column.name} {{{column.name}!r}} is not a known {parent_key} "
                                         f"(not in {parent.name}, in the warehouse or earlier in this load)"),
            f"{column.name} is not a known {parent_key} (not in {parent.name}, in the warehouse or earlier in this load)",
        ))
    return pl.concat(found)


def _cross_entity_problems(con: duckdb.DuckDBPyConnection, entity: Entity, typed: pl.DataFrame) -> pl.DataFrame:
    if not _has_cross_entity_rule(entity):
        return no_problems()
    issued = con.sql("SELECT recommendation_id, issued_on AS recommendation_issued_on FROM recommendations").pl()
    joined = typed.join(issued, on="recommendation_id", how="left", maintain_order="left")
    return _problem_rows(
        joined, pl.col("reported_on") < pl.col("recommendation_issued_on"), _SEQ_CROSS_ENTITY, None,
        f"{entity.name}.{_CROSS_ENTITY_RULE_ID}",
        reasons_from_template(joined, "reported_on ({reported_on}) is before the recommendation's issued_on "
                                      "({recommendation_issued_on})"),
        "reported_on is before the recommendation's issued_on",
    )


def _duplicate_problems(entity: Entity, typed: pl.DataFrame, numbers: pl.Series) -> pl.DataFrame:
    key = list(entity.key)
    keyed = typed.select(key).with_columns(numbers.alias("row_number")).with_columns(pl.col("row_number").max().over(key).alias("later_row"))
    is_earlier = pl.all_horizontal(pl.col(k).is_not_null() for k in key) & (pl.col("row_number") != pl.col("later_row"))
    described = ", ".join(f"{k} {{{k}!r}}" for k in key)
    return _problem_rows(
        keyed, is_earlier, _SEQ_DUPLICATE, None, _duplicate_rule(entity),
        reasons_from_template(keyed, f"{described} appears again at row {{later_row}} of this file; the last row wins"),
        "the key appears again later in the file; the last row wins",
    )


#: (checked_by, expectation, column_name, rule) of the checks a batch goes through, in the order they run
_CHECK_SCHEMA = {"checked_by": pl.String, "expectation": pl.String, "column_name": pl.String, "rule": pl.String}


def _checks_run(entity: Entity) -> list[tuple[str, str, str | None, str]]:
    checks = [("ingest", "values_read_as_column_type", c.name, type_rule(entity, c))
              for c in type_checked_columns(entity)]
    checks += [("great_expectations", e["type"], e["kwargs"].get("column"), e["meta"]["rule"])
               for e in stored_suite(entity.name)["expectations"]]
    checks += [("ingest", "values_exist_in_parent", c.name, _reference_rule(entity, c))
               for c in entity.columns if c.references]
    if _has_cross_entity_rule(entity):
        checks.append(("ingest", "reported_on_not_before_recommendation", None,
                       f"{entity.name}.{_CROSS_ENTITY_RULE_ID}"))
    checks.append(("ingest", "key_unique_in_file", None, _duplicate_rule(entity)))
    return checks


def _validation_results(entity: Entity, batch: Batch, problems: pl.DataFrame) -> pl.DataFrame:
    """One row per check the batch went through: the rows breaking it (those quarantined with it
    among their reasons), counted from the problems already found, not by another pass."""
    checks = pl.DataFrame(_checks_run(entity), schema=_CHECK_SCHEMA, orient="row")
    # An importer's own checks (given problems) count too, after the contract's.
    given = problems.join(checks, on="rule", how="anti").group_by("rule", maintain_order=True).agg(
        pl.lit("importer").alias("checked_by"), pl.lit("importer_check").alias("expectation"),
        pl.col("column").first().alias("column_name"),
    ).select(_CHECK_SCHEMA.keys())
    breaking = problems.group_by("rule").agg(pl.col("row").n_unique().cast(pl.Int64).alias("unexpected_count"))
    return pl.concat([checks, given]).with_row_index("position").join(
        breaking, on="rule", how="left", maintain_order="left",
    ).select(
        pl.col("position").cast(pl.Int32), *_CHECK_SCHEMA.keys(),
        (pl.col("unexpected_count").fill_null(0) == 0).alias("success"),
        pl.col("unexpected_count").fill_null(0),
        pl.lit(batch.frame.height, pl.Int64).alias("element_count"),
    )


def _record_validation_results(con: duckdb.DuckDBPyConnection, load_id: str, batch: Batch,
                               results: pl.DataFrame) -> None:
    staged = results.select(pl.lit(load_id).alias("load_id"), pl.lit(batch.entity).alias("entity"),
                            pl.lit(batch.source).alias("file"), pl.all())
    con.register("validation_staging", staged.to_arrow())
    try:
        con.execute(f"INSERT INTO validation_results ({', '.join(staged.columns)}) "
                    f"SELECT {', '.join(staged.columns)} FROM validation_staging")
    finally:
        con.unregister("validation_staging")


def _reasons_by_row(batch: Batch, problems: pl.DataFrame) -> pl.DataFrame:
    by_row = problems.sort("row", "seq").group_by("row", maintain_order=True).agg(
        pl.col("reason").alias("reasons"), pl.col("rule").alias("rules"),
        pl.col("rule_text").fill_null(pl.col("reason")).alias("rule_texts"),
    )
    return by_row.with_columns(batch.numbers().gather(by_row.get_column("row")).alias("row_number"))


def _quarantine_rows(batch: Batch, typed: pl.DataFrame, by_row: pl.DataFrame) -> pl.DataFrame:
    """The rejected rows as the contract's columns, in text: a cell read as its type is written in the
    contract's plain form (dates YYYY-MM-DD, lists `;`-joined), a cell that could not be read as the
    file had it, so the rows can be fixed in a spreadsheet and loaded again."""
    rows = by_row.get_column("row")
    raw = batch.frame.select(ENTITIES[batch.entity].column_names)[rows]
    kept = typed[rows]
    raw_schema, typed_schema = raw.schema, kept.schema

    def plain(frame_schema, name: str) -> pl.Expr:
        text = as_text(pl.col(name), frame_schema[name])
        return (text.list.join(";") if isinstance(frame_schema[name], (pl.List, pl.Array)) else text).alias(name)

    names = list(raw.columns)
    both = pl.concat([kept.select(plain(typed_schema, c) for c in names),
                      raw.select(plain(raw_schema, c).alias(f"{c} as read") for c in names)], how="horizontal")
    merged = both.select(pl.coalesce(c, f"{c} as read").alias(c) for c in names)
    return by_row.select("row_number", "reasons", "rules", "rule_texts").with_columns(
        merged.select(pl.struct(pl.all()).struct.json_encode().alias("raw")).to_series(),
    ).sort("row_number")


def _top_reasons(by_row: pl.DataFrame) -> tuple[tuple[str, int, str], ...]:
    exploded = by_row.select("row_number", "rules", "reasons").explode("rules", "reasons")
    tally = exploded.group_by("rules").agg(
        pl.len().alias("n"), pl.col("row_number").first(), pl.col("reasons").first(),
    ).sort("n", "rules", descending=[True, False]).head(5)
    return tuple((rule, n, f"row {row}: {reason}") for rule, n, row, reason in tally.iter_rows())


def _upsert(con: duckdb.DuckDBPyConnection, entity: Entity, rows: pl.DataFrame) -> None:
    """Replace the warehouse rows sharing a key with `rows`, then add `rows` (latest load wins)."""
    if rows.height == 0:
        return
    columns = ", ".join(entity.column_names)
    same_key = " AND ".join(f"{entity.name}.{k} = staging.{k}" for k in entity.key)
    con.register("staging", rows.to_arrow())
    try:
        con.execute(f"DELETE FROM {entity.name} USING staging WHERE {same_key}")
        con.execute(f"INSERT INTO {entity.name} ({columns}) SELECT {columns} FROM staging")
    finally:
        con.unregister("staging")


@contextmanager
def _timed(timings: dict[str, float], phase: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - started


def _load_batch(con: duckdb.DuckDBPyConnection, batch: Batch, parameters: dict,
                timings: dict[str, float]) -> FileOutcome:
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    entity = ENTITIES[batch.entity]
    with _timed(timings, "coercion"):
        coerced = coerce_records(entity, batch.frame.select(entity.column_names), batch.rules)
        if batch.given_problems is not None:
            given = batch.given_problems
            if "rule_text" not in given.columns:
                given = given.with_columns(pl.col("reason").alias("rule_text"))
            coerced = Coerced(coerced.typed, pl.concat([coerced.problems, given.select(PROBLEM_SCHEMA.keys())]))
    with _timed(timings, "expectations (GX)"):
        expected = _expectation_problems(entity, coerced, parameters)
    with _timed(timings, "keys and cross-entity rules"):
        problems = pl.concat([
            coerced.problems,
            expected,
            _reference_problems(con, entity, coerced.typed),
            _cross_entity_problems(con, entity, coerced.typed),
            _duplicate_problems(entity, coerced.typed, batch.numbers()),
        ]).select(PROBLEM_SCHEMA.keys())
        by_row = _reasons_by_row(batch, problems)
        valid = coerced.typed.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64)).join(
            by_row.select("row"), on="row", how="anti").drop("row")
    with _timed(timings, "DuckDB upsert"):
        _upsert(con, entity, valid)
    load_id = uuid.uuid4().hex
    with _timed(timings, "quarantine"):
        if batch.origins is not None:
            forget_fixed_rows(con, batch.entity, batch.origins)
        record_quarantine(con, load_id, batch.entity, batch.source, _quarantine_rows(batch, coerced.typed, by_row))
    with _timed(timings, "validation results"):
        _record_validation_results(con, load_id, batch, _validation_results(entity, batch, problems))
    outcome = FileOutcome(batch.source, batch.entity, batch.frame.height, valid.height, by_row.height,
                          batch.warnings, _top_reasons(by_row))
    record_load(con, LoadRecord(
        load_id, batch.source, batch.content_hash, batch.entity, outcome.rows_read, outcome.rows_loaded,
        outcome.rows_quarantined, batch.warnings, started, datetime.now(timezone.utc).replace(tzinfo=None),
    ))
    return outcome


def _load(warehouse: Path, batches: list[Batch], known_indicators: frozenset[str],
          timings: dict[str, float] | None = None, plausible_dates: tuple[date, date] | None = None) -> IngestResult:
    from warehouse.reference import known_country_codes

    timings = {} if timings is None else timings

    batches = sorted(batches, key=lambda b: LOAD_ORDER.index(b.entity))
    parameters = {"known_countries": sorted(known_country_codes()), "known_indicators": sorted(known_indicators),
                  **date_range_parameters(plausible_dates or parse_date_range(DEFAULT_PLAUSIBLE_DATES))}
    con = connect(warehouse)
    outcomes = []
    try:
        with progress("Ingesting", total=sum(b.frame.height for b in batches)) as bar:
            con.execute("BEGIN TRANSACTION")
            try:
                for batch in batches:
                    bar.describe(f"{batch.entity} from {batch.source}")
                    outcomes.append(_load_batch(con, batch, parameters, timings))
                    bar.advance(batch.frame.height)
                with _timed(timings, "commit"):
                    con.execute("COMMIT")
            except BaseException:
                rollback(con)
                raise
    finally:
        con.close()
    return IngestResult(Path(warehouse), tuple(outcomes), timings)


def ingest_frames(warehouse: Path, frames: list[tuple[str, str, pl.DataFrame]],
                  known_indicators: frozenset[str], plausible_dates: tuple[date, date] | None = None) -> IngestResult:
    """Validate and load raw frames (entity, source name, frame of raw values) in one transaction.
    Frames are loaded parents first; their rows are numbered from 1."""
    batches = []
    for entity, source, frame in frames:
        if entity not in ENTITIES:
            raise UnreadableFile(f"{source}: '{entity}' is not an entity; the entities are {', '.join(ENTITIES)}.")
        batches.append(as_batch(entity, source, frame))
    return _load(warehouse, batches, known_indicators, plausible_dates=plausible_dates)


def ingest_batches(warehouse: Path, batches: list[Batch], known_indicators: frozenset[str],
                   plausible_dates: tuple[date, date] | None = None) -> IngestResult:
    """Validate and load batches built with `as_batch` (importers that number rows or find reasons
    themselves) in one transaction, parents first."""
    return _load(warehouse, batches, known_indicators, plausible_dates=plausible_dates)


def ingest_paths(warehouse: Path, paths: list[Path], entity: str | None,
                 known_indicators: frozenset[str], options: IngestOptions = IngestOptions(),
                 plausible_dates: tuple[date, date] | None = None) -> IngestResult:
    """Validate and load files and folders of entity files in one transaction (parents first).
    Every file is read before the warehouse is opened, so a refused file changes nothing."""
    timings: dict[str, float] = {}
    with _timed(timings, "reading files"):
        batches = _batches_of_paths([Path(p) for p in paths], entity, options)
    return _load(warehouse, batches, known_indicators, timings, plausible_dates)
