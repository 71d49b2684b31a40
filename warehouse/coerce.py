"""Raw cells to contract types, vectorised with polars.

Raw values come as strings (CSV, XLSX read as text) or native values (Parquet, JSON Lines, frames
handed over by importers). Everything is first rendered as text the way a person would type it
(`as_text`), so one parser serves every format. A cell that cannot be read as its column's type
becomes null in the typed frame and yields a problem naming the column, the value and why; the
Great Expectations suites then check the typed frame.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

import polars as pl

from warehouse.contract import Column, Entity

#: one row per broken rule of a record: `row` is the record's position in its file (0-based),
#: `seq` orders the reasons of a row, `column` names the cell (null for a whole-row rule), `reason`
#: is the sentence with the row's values and `rule_text` the same rule without them (what the
#: quarantine summary groups by: thirty bad dates are one rule broken thirty times)
PROBLEM_SCHEMA = {"row": pl.Int64, "seq": pl.Int64, "column": pl.String, "rule": pl.String, "reason": pl.String,
                  "rule_text": pl.String}

_BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
_DATE_SHAPE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: a date followed by a time, as survey tools and spreadsheets write date-time cells
_DATE_TIME_SHAPE = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)(?:Z|[+-][0-9]{2}:?[0-9]{2})?$"
_MIDNIGHT = r"^00:00(?::00(?:\.0+)?)?$"
_DECIMAL_COMMA_SHAPE = r"^[+-]?[0-9]+,[0-9]+$"
_WHOLE_NUMBER_SHAPE = r"^[+-]?[0-9]+$"
_POLARS_TYPES = {"bool": pl.Boolean, "int": pl.Int32, "float": pl.Float64, "date": pl.Date}

#: a strftime directive in a date format (`%d`)
DIRECTIVE = re.compile(r"%(.)")
_HUMAN_DIRECTIVES = {"d": "DD", "m": "MM", "Y": "YYYY", "y": "YY", "b": "Mon", "B": "Month", "H": "hh", "I": "hh",
                      "M": "mm", "S": "ss", "p": "AM/PM", "f": "ffffff", "z": "+hhmm", "j": "DDD", "a": "Day",
                      "A": "Weekday", "%": "%"}


def human_date_format(fmt: str) -> str:
    """%d/%m/%Y as a person reads it: DD/MM/YYYY."""
    return DIRECTIVE.sub(lambda m: _HUMAN_DIRECTIVES.get(m.group(1), m.group(0)), fmt)


def has_time_of_day(fmt: str) -> bool:
    return bool(set(DIRECTIVE.findall(fmt)) & set("HIMSpfz"))


_TYPE_WORDING = {
    "bool": "is not a yes/no value (true/false, yes/no or 1/0)",
    "int": "is not a whole number",
    "float": "is not a number",
    "date": "is not a date of the form YYYY-MM-DD",
}


def no_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


def as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A column of any type rendered as the text a person would type (lists stay lists of text)."""
    if isinstance(dtype, (pl.List, pl.Array)):
        inner = dtype.inner
        if isinstance(inner, (pl.List, pl.Array, pl.Struct)):
            return expr.cast(pl.List(pl.String), strict=False)
        return expr.cast(pl.List(inner)).list.eval(as_text(pl.element(), inner))
    if dtype == pl.Date:
        return expr.dt.strftime("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        # Spreadsheets store dates as midnight datetimes: show those as plain dates.
        return (
            pl.when(expr.dt.time() == pl.time(0))
            .then(expr.dt.strftime("%Y-%m-%d"))
            .otherwise(expr.dt.strftime("%Y-%m-%dT%H:%M:%S"))
        )
    if dtype.is_float():
        # Spreadsheets store whole numbers as floats: 12.0 is the 12 someone typed.
        integral = expr.is_finite() & (expr == expr.round(0)) & (expr.abs() < 2**53)
        return pl.when(integral).then(expr.cast(pl.Int64).cast(pl.String)).otherwise(expr.cast(pl.String))
    if dtype == pl.Boolean:
        return pl.when(expr).then(pl.lit("true")).when(~expr).then(pl.lit("false"))
    if isinstance(dtype, pl.Struct):
        return expr.struct.json_encode()
    return expr.cast(pl.String)


def _blank_to_null(text: pl.Expr) -> pl.Expr:
    stripped = text.str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def _list_items(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A list cell as a list of stripped, non-empty text items (`a; b;` -> [a, b])."""
    if isinstance(dtype, (pl.List, pl.Array)):
        items = as_text(expr, dtype)
    else:
        items = as_text(expr, dtype).str.split(";")
    return items.list.eval(pl.element().str.strip_chars()).list.eval(
        pl.element().filter(pl.element().is_not_null() & (pl.element() != ""))
    )


@dataclass(frozen=True)
class ReadingRules:
    """How a file writes its cells, where it differs from the contract's plain forms."""
    #: date column -> strftime format (a time part in the format is read and dropped)
    date_formats: dict[str, str] = field(default_factory=dict)
    #: numbers use a decimal comma (3,5): semicolon CSVs from European Excel
    decimal_comma: bool = False


def _date_of_text(text: pl.Expr, fmt: str | None) -> pl.Expr:
    """A text cell as a date: YYYY-MM-DD (a midnight time after it is a spreadsheet's date), or `fmt`.
    YYYY-MM-DD is read whatever the format (it cannot be mistaken, and native spreadsheet dates
    are rendered so), so a format only adds a way of writing dates."""
    day = text.str.extract(_DATE_TIME_SHAPE, 1)
    at_midnight = text.str.extract(_DATE_TIME_SHAPE, 2).str.contains(_MIDNIGHT)
    plain = pl.when(text.str.contains(_DATE_SHAPE)).then(text).when(at_midnight).then(day)
    iso = plain.str.to_date("%Y-%m-%d", strict=False)
    if fmt is None:
        return iso
    if has_time_of_day(fmt):
        if not set(DIRECTIVE.findall(fmt)) & {"f", "z"}:
            # The day as written: a stamp's fraction of a second and UTC offset are not needed for it.
            text = text.str.replace(r"(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?$", "")
        formatted = text.str.to_datetime(fmt, strict=False, time_unit="us").dt.date()
    else:
        formatted = text.str.to_date(fmt, strict=False)
    return pl.coalesce(formatted, iso)


def _typed(column: Column, raw: pl.Expr, dtype: pl.DataType, rules: ReadingRules) -> pl.Expr:
    if column.is_list:
        items = _list_items(raw, dtype)
        if column.may_be_empty:
            return items.fill_null(pl.lit([], dtype=pl.List(pl.String)))
        return pl.when(items.list.len() > 0).then(items)
    if column.type in _POLARS_TYPES and dtype == _POLARS_TYPES[column.type]:
        return raw
    if column.type == "int" and dtype.is_integer():
        return pl.when(raw.is_between(-(2**31), 2**31 - 1)).then(raw.cast(pl.Int32))
    text = _blank_to_null(as_text(raw, dtype))
    if column.type == "bool":
        return text.str.to_lowercase().replace_strict(_BOOLEANS, default=None, return_dtype=pl.Boolean)
    if column.type == "int":
        return pl.when(text.str.contains(_WHOLE_NUMBER_SHAPE)).then(text.cast(pl.Int32, strict=False))
    if column.type == "float":
        if rules.decimal_comma:
            text = pl.when(text.str.contains(_DECIMAL_COMMA_SHAPE)).then(text.str.replace(",", ".")).otherwise(text)
        # a per cent sign divides by 100 (a target of `80%` is 0.8): programme documents write shares so
        per_cent = text.str.ends_with("%")
        number = text.str.strip_suffix("%").str.strip_chars().cast(pl.Float64, strict=False)
        number = pl.when(per_cent).then(number / 100).otherwise(number)
        return pl.when(number.is_finite()).then(number)
    if column.type == "date":
        return _date_of_text(text, rules.date_formats.get(column.name))
    return text


@dataclass(frozen=True)
class Coerced:
    #: the contract columns in their contract types (lists as lists of text)
    typed: pl.DataFrame
    #: cells that could not be read as their column's type (PROBLEM_SCHEMA)
    problems: pl.DataFrame


def coerce_records(entity: Entity, raw: pl.DataFrame, rules: ReadingRules = ReadingRules()) -> Coerced:
    """Type the contract columns of `raw` (which has every contract column, by its contract name)."""
    schema = raw.schema
    typed_exprs = [_typed(c, pl.col(c.name), schema[c.name], rules).alias(c.name) for c in entity.columns]
    typed = raw.select(typed_exprs)
    checked = [c for c in entity.columns
               if c.type in _TYPE_WORDING and schema[c.name] != _POLARS_TYPES.get(c.type)]
    unreadable = [_unreadable_cells(entity, c, position, raw, schema[c.name], typed, rules)
                  for position, c in enumerate(checked)]
    return Coerced(typed, pl.concat([no_problems(), *unreadable]))


def type_checked_columns(entity: Entity) -> list[Column]:
    """The columns whose cells must read as a type (dates, numbers, yes/no values)."""
    return [c for c in entity.columns if c.type in _TYPE_WORDING]


def type_rule(entity: Entity, column: Column) -> str:
    """The rule a cell that cannot be read as its column's type breaks."""
    return f"{entity.name}.{column.name}.type"


def _type_wording(column: Column, rules: ReadingRules) -> str:
    fmt = rules.date_formats.get(column.name)
    if column.type == "date" and fmt is not None:
        return f"is not a date of the form {human_date_format(fmt)}"
    return _TYPE_WORDING[column.type]


def _unreadable_cells(entity: Entity, column: Column, position: int, raw: pl.DataFrame, dtype: pl.DataType,
                      typed: pl.DataFrame, rules: ReadingRules) -> pl.DataFrame:
    """The cells of a column that hold something yet did not become a value of its type."""
    candidates = raw.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("row"), column.name).filter(
        pl.col(column.name).is_not_null() & typed.get_column(column.name).is_null())
    wording = _type_wording(column, rules)
    text = pl.col("text")
    reason = pl.concat_str(pl.lit(f"{column.name} '"), text, pl.lit(f"' {wording}"))
    rule_text = pl.lit(f"{column.name} {wording}")
    if column.type == "date" and column.name not in rules.date_formats:
        # A date-time with a time of day is not a date: say so rather than "not of the form".
        timed = text.str.contains(_DATE_TIME_SHAPE) & ~text.str.extract(_DATE_TIME_SHAPE, 2).str.contains(_MIDNIGHT)
        timed_text = f"{column.name} has a time of day, but {column.name} is a date (give the column a date format " \
                     f"with its time, e.g. %Y-%m-%d %H:%M:%S, in a mapping to keep the day)"
        reason = pl.when(timed).then(pl.concat_str(
            pl.lit(f"{column.name} '"), text, pl.lit(f"' has a time of day, but {column.name} is a date only"),
        )).otherwise(reason)
        rule_text = pl.when(timed).then(pl.lit(timed_text)).otherwise(rule_text)
    return candidates.with_columns(
        as_text(pl.col(column.name), dtype).alias("text"),
    ).filter(_blank_to_null(pl.col("text")).is_not_null()).select(
        "row",
        pl.lit(position, pl.Int64).alias("seq"),
        pl.lit(column.name).alias("column"),
        pl.lit(type_rule(entity, column)).alias("rule"),
        reason.alias("reason"),
        rule_text.alias("rule_text"),
    )


def rendered_value(frame: pl.DataFrame, name: str) -> pl.Expr:
    """A typed column shown as text in a reason (lists joined with `;`)."""
    dtype = frame.schema[name]
    text = as_text(pl.col(name), dtype)
    if isinstance(dtype, pl.List):
        text = text.list.join(";")
    return text.fill_null("")


def reasons_from_template(frame: pl.DataFrame, template: str, constants: dict[str, str] | None = None) -> pl.Expr:
    """The sentence `template` filled with each row's values: `{col}` inserts the value,
    `{col!r}` the value in quotes; a field named in `constants` inserts that text instead (a
    setting, the same for every row). Built as a vectorised expression; no user text is evaluated."""
    parts: list[pl.Expr] = []
    constants = constants or {}
    for literal, name, _spec, conversion in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name is not None:
            value = pl.lit(constants[name]) if name in constants else rendered_value(frame, name)
            parts.extend([pl.lit("'"), value, pl.lit("'")] if conversion == "r" else [value])
    return pl.concat_str(parts)


_VALUE_FIELD = re.compile(r" ?\(\{(\w+)\}\)| ?\{(\w+)!r\}")


def rule_text_of(template: str, constants: dict[str, str] | None = None) -> str:
    """A reason template without the row's values: the rule itself, the same for every row that
    breaks it (`satisfaction ({satisfaction}) is not between 1 and 5` -> `satisfaction is not
    between 1 and 5`)."""
    text = _VALUE_FIELD.sub("", template)
    for name, value in (constants or {}).items():
        text = text.replace(f"{{{name}}}", value)
    return text.replace("{{", "{").replace("}}", "}")
