"""The indicator catalogue: TOML read as data, checked on load, never evaluated.

The shipped catalogue is `catalogue.toml`. A user catalogue file (`agora build --catalogue FILE`,
`$AGORA_CATALOGUE`) holds `[[indicator]]` entries of the same form and says at its top what it
extends: `extends = "shipped"` (the default) adds its indicators after the shipped ones and
replaces a shipped indicator of the same id in place; `extends = "none"` makes it the whole
catalogue.

Common shapes (counts, distinct counts, ratios, means, medians with filters and breakdowns) are
described by fields the engine interprets over the columns `metrics.source_columns` describes;
anything more names a function of `metrics.special` (its names are `COMPUTE_SOURCES` below, so the
catalogue never imports the engine). Every mistake in a file is found, each one a sentence naming the
indicator and the field, and refused together as a `CatalogueError`.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from foundation.errors import AgoraError
from foundation.vocabulary import AREAS, POLARITIES, TOTAL, UNITS
from metrics.source_columns import SOURCE_SPECS, SourceSpec

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")
#: what a user catalogue may extend
EXTENDS = ("shipped", "none")

#: the only comparisons a filter may make; `value` is a literal from the file, never an expression
FILTER_OPS = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "is_null", "not_null")
_OPS_WITHOUT_VALUE = ("is_null", "not_null")
_OPS_WITH_LIST = ("in", "not_in")
_ORDERING_OPS = ("lt", "le", "gt", "ge")
FILTER_WORDS = {"eq": "is", "ne": "is not", "in": "is one of", "not_in": "is none of", "lt": "is under",
                "le": "is at most", "gt": "is over", "ge": "is at least", "is_null": "is empty",
                "not_null": "is set"}

#: the functions of `metrics.special` a catalogue may name, and the source each reads (a test holds
#: this equal to `metrics.special.COMPUTE_FUNCTIONS`)
COMPUTE_SOURCES = {
    "returning_organisations": "contacts",
    "newcomer_share": "contacts",
    "regional_balance": "contacts",
    "latest_follow_up_status": "recommendations",
}

_TEXT_FIELDS = ("id", "name", "area", "unit", "polarity", "definition", "population", "numerator",
                "reference_date", "source")
_FIELDS = (*_TEXT_FIELDS, "breakdowns", "headline", "distinct", "population_filters", "numerator_filters",
           "numerator_sum", "denominator_sum", "measure", "compute")
#: the column types a filter value of each Python type may be compared with
_VALUE_TYPES = {"category": (str,), "bool": (bool,), "int": (int, float), "member": (int,), "date": (date,)}


class CatalogueError(AgoraError):
    """The catalogue file says something the engine cannot compute."""


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: Any = None

    def describe(self) -> str:
        """The filter in words: `engagement kind is training`."""
        column = self.column.replace("_", " ")
        if self.op in _OPS_WITHOUT_VALUE:
            return f"{column} {FILTER_WORDS[self.op]}"
        if self.op in _OPS_WITH_LIST:
            return f"{column} {FILTER_WORDS[self.op]} {', '.join(_word(v) for v in self.value)}"
        return f"{column} {FILTER_WORDS[self.op]} {_word(self.value)}"


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    area: str
    unit: str
    polarity: str
    definition: str
    population: str
    numerator: str
    reference_date: str
    breakdowns: tuple[str, ...]
    #: the record set of `metrics.source_columns` it is computed over
    source: str
    #: count distinct values of this column instead of records
    distinct: str | None = None
    population_filters: tuple[Filter, ...] = ()
    numerator_filters: tuple[Filter, ...] = ()
    numerator_sum: str | None = None
    denominator_sum: str | None = None
    measure: str | None = None
    #: a function of metrics.special, for what the fields above cannot say
    compute: str | None = None
    #: shown as a card on the dashboard's Overview and in a report's summary
    headline: bool = False

    @property
    def lower_is_better(self) -> bool:
        return self.polarity == "lower_is_better"

    @property
    def columns_read(self) -> frozenset[str]:
        """The source columns its fields name (a compute function may read more)."""
        named = {self.reference_date, self.distinct, self.numerator_sum, self.denominator_sum, self.measure,
                 *(f.column for f in (*self.population_filters, *self.numerator_filters)),
                 *(b for b in self.breakdowns if b != TOTAL)}
        return frozenset(n for n in named if n)

    def filters_in_words(self) -> str:
        parts = []
        if self.population_filters:
            parts.append("population: " + "; ".join(f.describe() for f in self.population_filters))
        if self.numerator_filters:
            parts.append("numerator: " + "; ".join(f.describe() for f in self.numerator_filters))
        return ". ".join(parts) or "none"


@dataclass(frozen=True)
class Catalogue:
    indicators: tuple[Indicator, ...]
    #: sha256 of `text`: part of every run id
    hash: str
    #: where it was read from (a description for a run's kept catalogue)
    path: Path
    #: the catalogue as one self-contained TOML document: what a run keeps
    text: str = ""

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(i.id for i in self.indicators)

    @property
    def by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    @property
    def areas(self) -> dict[str, tuple[Indicator, ...]]:
        """Area -> its indicators: the shipped AREAS first, then new areas in catalogue order."""
        names = list(dict.fromkeys((*AREAS, *(i.area for i in self.indicators))))
        return {area: tuple(i for i in self.indicators if i.area == area) for area in names}

    def reference_rows(self) -> list[tuple]:
        """Per indicator, the rows a snapshot's `catalogue` table holds (position first)."""
        return [(position, i.id, i.name, i.area, i.unit, i.polarity, i.definition, i.population, i.numerator,
                 list(i.breakdowns), i.headline) for position, i in enumerate(self.indicators)]


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read and check a catalogue file (the shipped one by default); a user file is merged with the
    shipped catalogue as its `extends` says. Every problem is raised together."""
    path = Path(path) if path is not None else CATALOGUE_PATH
    document, problems = _read_document(path)
    if document is None:
        raise CatalogueError(problems[0])
    catalogue, problems = _checked(document, path)
    if problems:
        raise CatalogueError(f"The indicator catalogue {path} has {len(problems)} problem(s):\n  "
                             + "\n  ".join(problems))
    return catalogue


def check_catalogue_file(path: Path | str) -> list[str]:
    """Every problem of a catalogue file, one sentence each (none: it can be built with)."""
    path = Path(path)
    document, problems = _read_document(path)
    if document is None:
        return problems
    return _checked(document, path)[1]


def catalogue_from_text(text: str, origin: str) -> Catalogue:
    """A catalogue kept as text (a run's); `origin` names it in errors."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"The indicator catalogue of {origin} is not valid TOML: {exc}.") from exc
    # a kept text is self-contained: the shipped catalogue's own text says no `extends` either
    catalogue, problems = _checked(document, Path(origin), kept_text=text)
    if problems:
        raise CatalogueError(f"The indicator catalogue of {origin} cannot be read: {' '.join(problems)}")
    return catalogue


def _read_document(path: Path) -> tuple[dict | None, list[str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [f"The indicator catalogue {path} cannot be read ({exc.strerror})."]
    try:
        return tomllib.loads(raw.decode("utf-8")), []
    except UnicodeDecodeError:
        return None, [f"The indicator catalogue {path} is not UTF-8 text."]
    except tomllib.TOMLDecodeError as exc:
        return None, [f"The indicator catalogue {path} is not valid TOML: {exc}."]


def _checked(document: dict, path: Path, kept_text: str | None = None) -> tuple[Catalogue, list[str]]:
    """The catalogue a document describes (merged with the shipped one if it extends it), and its problems.
    `kept_text` is the document's text when it is a run's kept catalogue (which never extends another)."""
    problems: list[str] = []
    unknown = sorted(set(document) - {"indicator", "extends"})
    if unknown:
        problems.append(f"{path.name}: unknown top-level key(s) {', '.join(unknown)}; a catalogue holds "
                        f"`extends` and [[indicator]] entries.")
    is_shipped = kept_text is None and path.resolve() == CATALOGUE_PATH.resolve()
    extends = document.get("extends", "none" if is_shipped or kept_text is not None else "shipped")
    if extends not in EXTENDS:
        problems.append(f"{path.name}: extends is {extends!r}; it must be \"shipped\" (add to the shipped "
                        f"indicators, replacing any of the same id) or \"none\" (this file is the whole catalogue).")
        extends = "none"
    entries = document.get("indicator", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.append(f"{path.name}: indicator entries must be [[indicator]] tables.")
        entries = []
    if not entries and extends == "none":
        problems.append(f"{path.name} has no [[indicator]] entries.")
    own: list[Indicator] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, 1):
        indicator, found = _indicator_from(entry, position, path.name)
        problems += found
        if isinstance(entry.get("id"), str) and entry["id"] in seen:
            problems.append(f"Indicator {entry['id']} in {path.name}: id: the id {entry['id']} is defined twice "
                            f"in this file.")
        seen.add(entry.get("id"))
        if indicator is not None:
            own.append(indicator)
    indicators = own
    if extends == "shipped":
        shipped = load_catalogue(CATALOGUE_PATH).indicators
        replacing = {i.id: i for i in own}
        indicators = [replacing.pop(i.id, i) for i in shipped] + [i for i in own if i.id in replacing]
    if kept_text is not None:
        text = kept_text
    elif extends == "none" and not is_shipped:
        text = _readable_text(path)
    elif is_shipped:
        text = CATALOGUE_PATH.read_text(encoding="utf-8")
    else:
        text = catalogue_text(indicators, f"{path.name} extending the shipped catalogue")
    catalogue = Catalogue(indicators=tuple(indicators), hash=hashlib.sha256(text.encode()).hexdigest(),
                          path=path, text=text)
    return catalogue, problems


def _readable_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _indicator_from(entry: dict, position: int, file_name: str) -> tuple[Indicator | None, list[str]]:
    """The indicator an entry describes (None when it has problems) and every problem found."""
    label = entry.get("id") if isinstance(entry.get("id"), str) and entry.get("id") else f"entry {position}"
    problems: list[str] = []

    def fail(field: str, reason: str) -> None:
        problems.append(f"Indicator {label} in {file_name}: {field}: {reason}.")

    for field in sorted(set(entry) - set(_FIELDS)):
        fail(field, f"unknown field (the fields are {', '.join(_FIELDS)})")
    for field in _TEXT_FIELDS:
        if field not in entry:
            fail(field, "missing")
        elif not isinstance(entry[field], str) or not entry[field].strip():
            fail(field, f"{entry[field]!r} is not a non-empty text")
    if isinstance(entry.get("id"), str) and "|" in entry["id"]:
        fail("id", "an id never contains a vertical bar |")
    for field, allowed in (("unit", UNITS), ("polarity", POLARITIES)):
        if isinstance(entry.get(field), str) and entry[field] not in allowed:
            fail(field, f"{entry[field]!r} is not one of {', '.join(allowed)}")
    source: SourceSpec | None = SOURCE_SPECS.get(entry.get("source")) if isinstance(entry.get("source"), str) else None
    if isinstance(entry.get("source"), str) and source is None:
        fail("source", f"{entry['source']!r} is not a source; the sources are {', '.join(SOURCE_SPECS)}")

    def column(field: str, name: Any, types: tuple[str, ...] | None = None) -> str | None:
        if source is None:
            return None
        if not isinstance(name, str) or source.column(name) is None:
            fail(field, f"{name!r} is not a column of the {source.name} source ({', '.join(source.column_names)})")
            return None
        kind = source.column(name).type
        if types is not None and kind not in types:
            fail(field, f"the column {name} is a {kind}; {field} needs a column of type {' or '.join(types)}")
            return None
        return name

    breakdowns = entry.get("breakdowns")
    if breakdowns is None:
        fail("breakdowns", "missing")
        breakdowns = [TOTAL]
    elif not isinstance(breakdowns, list) or not all(isinstance(b, str) for b in breakdowns):
        fail("breakdowns", "must be a list of column names")
        breakdowns = [TOTAL]
    elif TOTAL not in breakdowns:
        fail("breakdowns", "must include total")
    if len(set(breakdowns)) != len(breakdowns):
        fail("breakdowns", "a breakdown is listed twice")
    for breakdown in breakdowns:
        if breakdown == TOTAL or source is None:
            continue
        described = source.column(breakdown)
        if described is None or not described.categorical:
            fail("breakdowns", f"{breakdown!r} is not carried by the {source.name} source as a categorical "
                               f"column (its categorical columns: {', '.join(source.categorical_columns)})")
    if source is not None and isinstance(entry.get("reference_date"), str) \
            and entry["reference_date"] not in source.date_columns:
        fail("reference_date", f"{entry['reference_date']!r} is not a date of the {source.name} source "
                               f"({', '.join(source.date_columns)})")

    def filters(field: str) -> tuple[Filter, ...]:
        given = entry.get(field, [])
        if not isinstance(given, list):
            fail(field, "must be a list of {column, op, value}")
            return ()
        checked = []
        for item in given:
            if not isinstance(item, dict) or set(item) - {"column", "op", "value"} or "column" not in item:
                fail(field, f"{item!r}: each filter has the keys column, op and (unless the op is is_null "
                            f"or not_null) value")
                continue
            name = column(f"{field} column", item.get("column"))
            op = item.get("op")
            if op not in FILTER_OPS:
                fail(field, f"the operator {op!r} is not one of {', '.join(FILTER_OPS)}")
                continue
            if op in _OPS_WITHOUT_VALUE:
                if "value" in item:
                    fail(field, f"the operator {op} takes no value")
                value = None
            elif "value" not in item:
                fail(field, f"the operator {op} needs a value")
                continue
            else:
                value = item["value"]
                if op in _OPS_WITH_LIST:
                    if not isinstance(value, list) or not value:
                        fail(field, f"the operator {op} needs a non-empty list value")
                        continue
                    value = tuple(value)
                _check_value(name, op, value, field)
            if name is not None:
                checked.append(Filter(name, op, value))
        return tuple(checked)

    def _check_value(name: str | None, op: str, value: Any, field: str) -> None:
        if name is None:
            return
        kind = source.column(name).type
        values = value if op in _OPS_WITH_LIST else (value,)
        allowed = _VALUE_TYPES[kind]
        for one in values:
            wrong_bool = isinstance(one, bool) and bool not in allowed
            if wrong_bool or not isinstance(one, allowed):
                fail(field, f"the value {one!r} cannot be compared with {name}, a {kind} column")
                return
            listed = source.column(name).values
            if kind == "category" and listed and one not in listed:
                fail(field, f"the value {one!r} is not a value of {name} ({', '.join(listed)})")
                return
        if op in _ORDERING_OPS and kind in ("category", "bool"):
            fail(field, f"the operator {op} orders values; {name} is a {kind} column (use eq, ne, in or not_in)")

    population_filters = filters("population_filters")
    numerator_filters = filters("numerator_filters")
    distinct = column("distinct", entry["distinct"], ("member", "category")) if "distinct" in entry else None
    numerator_sum = column("numerator_sum", entry["numerator_sum"], ("int", "bool")) if "numerator_sum" in entry else None
    denominator_sum = column("denominator_sum", entry["denominator_sum"], ("int",)) if "denominator_sum" in entry else None
    measure = column("measure", entry["measure"], ("int",)) if "measure" in entry else None

    compute = entry.get("compute")
    unit = entry.get("unit")
    if compute is not None:
        if compute not in COMPUTE_SOURCES:
            fail("compute", f"{compute!r} is not a compute function; they are {', '.join(sorted(COMPUTE_SOURCES))}")
        elif source is not None and COMPUTE_SOURCES[compute] != source.name:
            fail("compute", f"{compute} reads the {COMPUTE_SOURCES[compute]} source, not {source.name}")
        elif COMPUTE_SOURCES[compute] == "contacts" and entry.get("distinct") != "org_id":
            fail("compute", f"{compute} counts organisations: it needs distinct = \"org_id\"")
    elif unit == "median" and "measure" not in entry:
        fail("measure", "a median needs a measure column")
    elif unit == "index":
        fail("compute", "an index needs a compute function")
    elif unit == "mean" and "numerator_sum" not in entry:
        fail("numerator_sum", "a mean needs a numerator_sum column")
    if distinct and distinct in breakdowns:
        fail("breakdowns", f"{distinct} is what the indicator counts: it cannot also break it down")
    if distinct and (numerator_sum or denominator_sum or measure):
        fail("distinct", "a distinct count counts members: it takes no numerator_sum, denominator_sum or measure")
    if distinct and unit in ("mean", "median"):
        fail("distinct", f"a {unit} is not a distinct count")
    headline = entry.get("headline", False)
    if not isinstance(headline, bool):
        fail("headline", f"{headline!r} must be true or false")
    if problems:
        return None, problems
    return Indicator(
        id=entry["id"], name=entry["name"], area=entry["area"], unit=unit, polarity=entry["polarity"],
        definition=entry["definition"], population=entry["population"], numerator=entry["numerator"],
        reference_date=entry["reference_date"], breakdowns=tuple(breakdowns), source=source.name,
        distinct=distinct, population_filters=population_filters, numerator_filters=numerator_filters,
        numerator_sum=numerator_sum, denominator_sum=denominator_sum, measure=measure, compute=compute,
        headline=headline,
    ), []


def catalogue_text(indicators: list[Indicator] | tuple[Indicator, ...], origin: str) -> str:
    """The indicators as one self-contained catalogue document (`extends = "none"`): what a run keeps
    of a catalogue merged from two files, so it reads the same after the shipped one changes."""
    lines = [f"# The indicator catalogue: {origin}.", 'extends = "none"', ""]
    for i in indicators:
        lines.append("[[indicator]]")
        for field in (*_TEXT_FIELDS[:9], "breakdowns", "source", "headline"):
            lines.append(f"{field} = {_toml_value(getattr(i, field))}")
        for field in ("distinct", "numerator_sum", "denominator_sum", "measure", "compute"):
            if getattr(i, field) is not None:
                lines.append(f"{field} = {_toml_value(getattr(i, field))}")
        for field in ("population_filters", "numerator_filters"):
            filters = getattr(i, field)
            if filters:
                written = ", ".join(
                    "{ " + ", ".join([f"column = {_toml_value(f.column)}", f"op = {_toml_value(f.op)}",
                                      *([f"value = {_toml_value(f.value)}"] if f.op not in _OPS_WITHOUT_VALUE
                                        else [])]) + " }" for f in filters)
                lines.append(f"{field} = [{written}]")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # a JSON string is a TOML basic string (the same escapes)
    return json.dumps(str(value), ensure_ascii=False)
