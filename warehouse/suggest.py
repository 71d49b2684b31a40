"""`agora mapping suggest FILE`: a mapping file drafted from a file's headers and values, to edit.

Headers are matched to the entity's contract columns by name (group prefixes stripped, case,
spaces and punctuation ignored, `organisation`/`organization` read as `org`), then by a close
spelling (difflib). Yes/no columns get a value map for the answers they hold, date columns a
format when their values are not YYYY-MM-DD, and what cannot be matched is written as a comment
to complete. Nothing is guessed silently: every suggestion is a line the user reads.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import polars as pl

from warehouse.coerce import as_text
from warehouse.contract import ENTITIES, Column, Entity
from warehouse.mapping import header_name
from warehouse.readers import ReadOptions, UnreadableFile, entity_named_by, read_file

_WORD_SYNONYMS = {"organisation": "org", "organization": "org", "organisations": "org", "ngo": "org",
                  "csos": "org", "cso": "org", "identifier": "id", "code": "id"}
#: columns survey tools add to every export (KoboToolbox, ODK), by their normalised name
_SURVEY_TOOL_COLUMNS = {"submission_time": "submitted_on", "uuid": "response_id", "meta_instanceid": "response_id",
                        "instanceid": "response_id", "submissiondate": "submitted_on"}
_YES = {"yes", "y", "oui", "si", "sí", "sim", "ja", "true", "1", "x", "checked"}
_NO = {"no", "n", "non", "nao", "não", "nein", "false", "0", "unchecked"}
_SAMPLE = 5_000
_MAX_VALUES = 20


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _normalised(header: str) -> str:
    words = re.sub(r"[^0-9a-z]+", " ", header.casefold()).split()
    return "_".join(_WORD_SYNONYMS.get(w, w) for w in words)


def _match(header: str, entity: Entity) -> str | None:
    name = _normalised(header)
    if name in entity.column_names:
        return name
    if _SURVEY_TOOL_COLUMNS.get(name) in entity.column_names:
        return _SURVEY_TOOL_COLUMNS[name]
    if f"{name}_id" in entity.column_names:  # a question "engagement" whose answers are engagement ids
        return f"{name}_id"
    close = difflib.get_close_matches(name, entity.column_names, n=1, cutoff=0.8)
    return close[0] if close else None


def _best_entity(headers: list[str]) -> str:
    scored = sorted(((sum(_match(h, e) is not None for h in headers), e.name) for e in ENTITIES.values()),
                    reverse=True)
    if scored[0][0] == 0:
        raise UnreadableFile("None of the file's columns looks like a contract column: pass --entity.")
    return scored[0][1]


def _values_of(frame: pl.DataFrame, column: str) -> list[str]:
    text = frame.head(_SAMPLE).select(as_text(pl.col(column), frame.schema[column]).alias(column))
    series = text.get_column(column)
    if isinstance(series.dtype, pl.List):
        series = series.explode()
    return sorted(v.strip() for v in series.drop_nulls().unique().to_list() if v.strip())[:_MAX_VALUES]


def _date_format(values: list[str]) -> str | None:
    """A format for date cells that are not YYYY-MM-DD, when their shape says it unambiguously enough."""
    if not values or all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values):
        return None
    if all(re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}", v) for v in values):
        return "%Y-%m-%dT%H:%M:%S" if "T" in values[0] else "%Y-%m-%d %H:%M:%S"
    slashed = [re.fullmatch(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", v) for v in values]
    if all(slashed):
        sep = slashed[0].group(2)
        month_first = any(int(m.group(3)) > 12 for m in slashed)
        return f"%m{sep}%d{sep}%Y" if month_first else f"%d{sep}%m{sep}%Y"
    return None


def _value_lines(column: Column, values: list[str]) -> list[str]:
    lines = []
    if column.type == "bool":
        for value in values:
            folded = value.casefold()
            if folded in {"true", "false", "yes", "no", "1", "0"}:
                continue
            if folded in _YES or folded in _NO:
                lines.append(f"{_toml(value)} = {_toml('true' if folded in _YES else 'false')}")
            else:
                lines.append(f"# {_toml(value)} = \"\"   # true or false?")
    elif column.type in ("enum", "list_enum"):
        for value in values:
            if value in column.values:
                continue
            close = difflib.get_close_matches(value.casefold().replace(" ", "_"), column.values, n=1, cutoff=0.6)
            if close:
                lines.append(f"{_toml(value)} = {_toml(close[0])}")
            else:
                lines.append(f"# {_toml(value)} = \"\"   # one of {', '.join(column.values)}")
    return lines


def suggest_mapping(path: Path, entity: str | None, options: ReadOptions = ReadOptions()) -> str:
    """The text of a mapping file for `path`, drafted from its headers and a sample of its values."""
    raw = read_file(path, entity or entity_named_by(path) or "", options)
    frame = raw.frame
    grouped = any("/" in c for c in frame.columns)
    shorts = {c: header_name(c, grouped) for c in frame.columns}
    name = entity or entity_named_by(path) or _best_entity(list(shorts.values()))
    contract = ENTITIES[name]
    matched: dict[str, str] = {}
    unmatched: list[str] = []
    for column, short in shorts.items():
        target = _match(short, contract)
        if target is not None and target not in matched.values():
            matched[column] = target
        else:
            unmatched.append(column)

    lines = [
        f"# Mapping drafted by `agora mapping suggest` from {path.name} for {name}.",
        "# Check every line, then: agora ingest FILE --map THIS-FILE",
        f"entity = {_toml(name)}",
    ]
    if grouped:
        lines.append("strip_group_prefixes = true   # \"group_x/satisfaction\" is read as \"satisfaction\"")
    if unmatched:
        lines.append("# Columns no contract column matches: dropped, their values never stored.")
        lines.append("# Map one under [columns] instead if it is a contract column under another name.")
        lines.append("drop = [" + ", ".join(_toml(header_name(c, False)) for c in unmatched) + "]")
    lines += ["", "[columns]   # your column = contract column"]
    for column, target in matched.items():
        plain = header_name(column, False)
        note = "" if _normalised(shorts[column]) == target else "   # a close spelling: check it"
        lines.append(f"{_toml(plain)} = {_toml(target)}{note}")
    missing = [c for c in contract.columns if c.name not in matched.values()]
    if missing:
        lines += ["", "[constants]   # contract columns the file lacks: one value for every row, or map a column"]
        for column in missing:
            need = "required" if column.required and not column.may_be_empty else "optional"
            lines.append(f"# {column.name} = \"\"   # {need}, {column.type}"
                         + (f": one of {', '.join(column.values)}" if column.values else ""))
    value_tables, date_lines = [], []
    for column, target in matched.items():
        spec = contract.column(target)
        values = _values_of(frame, column)
        found = _value_lines(spec, values)
        if found:
            value_tables += ["", f"[values.{target}]   # your value = contract value", *found]
        if spec.is_date:
            fmt = _date_format(values)
            if fmt:
                date_lines.append(f"{target} = {_toml(fmt)}   # values like {_toml(values[0])}")
    lines += value_tables
    if date_lines:
        lines += ["", "[dates]   # date column = its format (a time of day is read, then dropped)", *date_lines]
    return "\n".join(lines) + "\n"
