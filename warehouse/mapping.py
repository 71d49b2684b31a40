"""Mapping files: how a spreadsheet's or survey export's columns and values become contract records.

A mapping is a TOML file (`agora ingest FILE --map my-survey.toml`). Every part is optional:

    entity = "feedback"              # which entity the file holds (else its name or --entity)
    strip_group_prefixes = true      # "group_x/satisfaction" -> "satisfaction" (KoboToolbox, ODK)
    date_format = "%d/%m/%Y"         # every date column's format (else YYYY-MM-DD)
    drop = ["Email", "Phone"]        # columns never read, never stored (not even in quarantine)

    [columns]                        # your column -> contract column
    "Organisation ID" = "org_id"

    [constants]                      # contract column -> the value of every row
    mechanism_id = "sr-hrd"

    [values.informed_of_outcome]     # contract column -> {your value -> contract value}
    Yes = "true"                     # matched ignoring case and surrounding spaces; "" is an empty cell

    [lists]                          # list column -> the separator your file uses (else ";")
    constituencies = " "

    [dates]                          # date column -> its format; a time part is read, then dropped
    submitted_on = "%Y-%m-%dT%H:%M:%S"

The file is data: it is parsed with `tomllib`, checked key by key, and nothing in it is evaluated.
Applying it is vectorised (polars), so a mapping costs a few per cent of a load.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from foundation.errors import AgoraError
from warehouse.coerce import DIRECTIVE, as_text
from warehouse.contract import ENTITIES, Entity

SHIPPED_DIR = Path(__file__).with_name("mappings")
_TOP_LEVEL = {"entity", "strip_group_prefixes", "date_format", "drop", "columns", "constants", "values", "lists",
              "dates"}
#: strftime directives a date format may use (a date, optionally with the time of day it drops)
_DATE_DIRECTIVES = set("dmyYbBHIMSpfzjaA%")



class MappingError(AgoraError):
    """A mapping file that cannot be used as written."""


def closest(word: str, choices, cutoff: float = 0.75) -> str | None:
    """The choice closest to `word` (case ignored) when one is close enough, else None."""
    close = difflib.get_close_matches(word.casefold(), [str(c) for c in choices], n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(word: str, choices, cutoff: float = 0.75) -> str:
    """` (did you mean 'x'?)` when one choice is close to `word`, else nothing."""
    close = closest(word, choices, cutoff)
    return f" (did you mean '{close}'?)" if close else ""


def checked_date_format(text: str, where: str) -> str:
    """A strftime date format with only date and time directives, or a MappingError."""
    directives = DIRECTIVE.findall(text)
    if not directives or not {"d", "m", "Y", "y", "b", "B", "j"} & set(directives) or not set(directives) <= _DATE_DIRECTIVES:
        raise MappingError(
            f"{where}: {text!r} is not a date format: write it with %d (day), %m (month), %Y (year), "
            f"for example %d/%m/%Y."
        )
    return text


def _as_value(value, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise MappingError(f"{where}: {value!r} is not a single value (text, number or true/false).")


@dataclass(frozen=True)
class Mapping:
    source: str = "no mapping"
    entity: str | None = None
    strip_group_prefixes: bool = False
    date_format: str | None = None
    drop: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    lists: dict[str, str] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)

    def date_formats(self, entity: Entity) -> dict[str, str]:
        """The format of each date column of the entity that does not use YYYY-MM-DD."""
        formats = {c.name: self.date_format for c in entity.columns if c.is_date and self.date_format}
        return {**formats, **self.dates}

    def checked_against(self, entity: Entity) -> "Mapping":
        """The mapping, once its contract column names are known to be the entity's (or a MappingError)."""
        names = entity.column_names
        used = [(f"[columns] {k!r}", v) for k, v in self.columns.items()]
        used += [(f"[{part}]", name) for part in ("constants", "values", "lists", "dates")
                 for name in getattr(self, part)]
        for where, name in used:
            if name not in names:
                raise MappingError(
                    f"{self.source}: {where} names '{name}', which is not a column of {entity.name}"
                    f"{did_you_mean(name, names)}; its columns are {', '.join(names)}."
                )
        for name in self.lists:
            if not entity.column(name).is_list:
                raise MappingError(f"{self.source}: [lists] {name} is not a list column of {entity.name}.")
        for name in self.dates:
            if not entity.column(name).is_date:
                raise MappingError(f"{self.source}: [dates] {name} is not a date column of {entity.name}.")
        return self


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file (TOML); nothing in it is evaluated."""
    if not path.is_file():
        shipped = SHIPPED_DIR / path.name
        if path.parent == Path(".") and shipped.is_file():
            path = shipped
        else:
            raise MappingError(f"The mapping {path} not found.")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"The mapping {path} is not valid TOML: {exc}.") from None
    where = str(path)
    unknown = sorted(set(document) - _TOP_LEVEL)
    if unknown:
        raise MappingError(
            f"{where}: '{unknown[0]}' is not a part of a mapping{did_you_mean(unknown[0], _TOP_LEVEL)}; "
            f"the parts are {', '.join(sorted(_TOP_LEVEL))}."
        )
    entity = document.get("entity")
    if entity is not None and entity not in ENTITIES:
        raise MappingError(f"{where}: entity '{entity}' is not an entity{did_you_mean(str(entity), ENTITIES)}.")

    def table(name: str) -> dict:
        part = document.get(name, {})
        if not isinstance(part, dict):
            raise MappingError(f"{where}: [{name}] must be a table of names and values.")
        return part

    values = {}
    for column, pairs in table("values").items():
        if not isinstance(pairs, dict):
            raise MappingError(f"{where}: [values.{column}] must be a table of your value = contract value.")
        values[column] = {_as_value(k, where).strip().casefold(): _as_value(v, where) for k, v in pairs.items()}
    lists = {name: _as_value(sep, where) for name, sep in table("lists").items()}
    if any(sep == "" for sep in lists.values()):
        raise MappingError(f"{where}: a [lists] separator cannot be empty.")
    drop = document.get("drop", [])
    if not isinstance(drop, list):
        raise MappingError(f"{where}: drop must be a list of column names, e.g. drop = [\"Email\"].")
    date_format = document.get("date_format")
    return Mapping(
        source=where, entity=entity, strip_group_prefixes=bool(document.get("strip_group_prefixes", False)),
        date_format=checked_date_format(date_format, f"{where}: date_format") if date_format else None,
        drop=tuple(_as_value(d, where) for d in drop),
        columns={_as_value(k, where): _as_value(v, where) for k, v in table("columns").items()},
        constants={k: _as_value(v, where) for k, v in table("constants").items()},
        values=values, lists=lists,
        dates={k: checked_date_format(_as_value(v, where), f"{where}: [dates] {k}") for k, v in table("dates").items()},
    )


@dataclass(frozen=True)
class Mapped:
    frame: pl.DataFrame
    #: the file's columns the mapping dropped (as the file names them)
    dropped: tuple[str, ...]
    notes: tuple[str, ...]


def header_name(column: str, strip_group_prefixes: bool) -> str:
    name = column.replace("\ufeff", "").strip()
    return name.rsplit("/", 1)[-1].strip() if strip_group_prefixes else name


def _mapped_values(expr: pl.Expr, pairs: dict[str, str]) -> pl.Expr:
    """Text cells replaced by the mapping's value for them (matched ignoring case and spaces)."""
    stripped = expr.str.strip_chars()
    found = stripped.str.to_lowercase().replace_strict(
        {k: v for k, v in pairs.items() if k}, default=None, return_dtype=pl.String)
    mapped = pl.when(found.is_not_null()).then(found).otherwise(expr)
    if "" in pairs:
        mapped = pl.when(stripped.is_null() | (stripped == "")).then(pl.lit(pairs[""])).otherwise(mapped)
    return mapped


def _targets(columns: list[str], mapping: Mapping) -> list[tuple[str, str | None]]:
    """Each file column and the column it becomes (None: dropped)."""
    renames = {k.strip().casefold(): v for k, v in mapping.columns.items()}
    drops = {d.strip().casefold() for d in mapping.drop}
    found = []
    for column in columns:
        plain = header_name(column, False)
        short = header_name(column, mapping.strip_group_prefixes)
        if {plain.casefold(), short.casefold()} & drops:
            found.append((column, None))
        else:
            found.append((column, renames.get(plain.casefold()) or renames.get(short.casefold()) or short))
    return found


def mapped_column_names(columns: list[str], mapping: Mapping) -> list[str]:
    """The column names a file has once the mapping is applied (constants included)."""
    return [t for _, t in _targets(columns, mapping) if t is not None] + list(mapping.constants)


def apply_mapping(frame: pl.DataFrame, mapping: Mapping, entity: Entity) -> Mapped:
    """The file's frame with the mapping applied: columns renamed or dropped, constants set, lists
    split, values mapped. Date formats are applied when the cells are typed (`Mapping.date_formats`)."""
    mapping.checked_against(entity)
    selected, dropped, names = [], [], {}
    for column, target in _targets(frame.columns, mapping):
        plain = header_name(column, False)
        if target is None:
            dropped.append(plain)
            continue
        if target.casefold() in names:
            raise MappingError(
                f"{mapping.source}: the columns '{names[target.casefold()]}' and '{plain}' both become '{target}'; "
                f"drop one of them or map it to another column."
            )
        names[target.casefold()] = plain
        selected.append(pl.col(column).alias(target))
    mapped = frame.select(selected)
    notes = []
    present = {c.casefold(): c for c in mapped.columns}
    for name, value in mapping.constants.items():
        if name in present:
            notes.append(f"the mapping's constant {name} = {value!r} replaced the file's column '{present[name]}'")
            mapped = mapped.drop(present[name])
    mapped = mapped.with_columns(pl.lit(value, pl.String).alias(name) for name, value in mapping.constants.items())
    schema = mapped.schema
    changes = []
    for name in sorted({*mapping.lists, *mapping.values}):
        if name not in schema or name in mapping.constants:
            continue
        dtype = schema[name]
        is_list_cell = isinstance(dtype, (pl.List, pl.Array))
        expr = as_text(pl.col(name), dtype)
        if name in mapping.lists and not is_list_cell:
            expr = expr.str.split(mapping.lists[name]).list.eval(
                pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != ""))
            is_list_cell = True
        pairs = mapping.values.get(name)
        if pairs is not None:
            if entity.column(name).is_list:
                items = expr if is_list_cell else expr.str.split(";")
                expr = items.list.eval(_mapped_values(pl.element(), pairs))
            else:
                expr = _mapped_values(expr, pairs)
        changes.append(expr.alias(name))
    return Mapped(mapped.with_columns(changes), tuple(dropped), tuple(notes))


NO_MAPPING = Mapping()
