"""The indicator catalogue: `catalogue.toml` read as data, checked on load, never evaluated.

Common shapes (counts, distinct counts, ratios, means, medians with filters and breakdowns) are
described by fields the engine interprets; anything more names a function of
`metrics.special.COMPUTE_FUNCTIONS`. A mistake in the file is an `AgoraError` naming the indicator.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundation.errors import AgoraError
from foundation.vocabulary import AREAS, POLARITIES, UNITS
from metrics.sources import BREAKDOWNS, SOURCES

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")

#: the only comparisons a filter may make; `value` is a literal from the file, never an expression
FILTER_OPS = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "is_null", "not_null")
_OPS_WITHOUT_VALUE = ("is_null", "not_null")
_OPS_WITH_LIST = ("in", "not_in")

_DESCRIPTIVE_FIELDS = ("id", "name", "area", "unit", "polarity", "definition", "population", "numerator",
                       "reference_date", "breakdowns")
#: descriptive fields that may be left out
_OPTIONAL_FIELDS = ("headline",)
_ENGINE_FIELDS = ("source", "distinct", "population_filters", "numerator_filters", "numerator_sum",
                  "denominator_sum", "measure", "compute")


class CatalogueError(AgoraError):
    """The catalogue file says something the engine cannot compute."""


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: Any = None

    def describe(self) -> str:
        if self.op in _OPS_WITHOUT_VALUE:
            return f"{self.column} {self.op.replace('_', ' ')}"
        return f"{self.column} {self.op} {self.value!r}"


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
    #: the record set of `metrics.sources` it is computed over
    source: str
    #: count distinct values of this column instead of records
    distinct: str | None = None
    population_filters: tuple[Filter, ...] = ()
    numerator_filters: tuple[Filter, ...] = ()
    numerator_sum: str | None = None
    denominator_sum: str | None = None
    measure: str | None = None
    #: a function of metrics.special.COMPUTE_FUNCTIONS, for what the fields above cannot say
    compute: str | None = None
    #: shown as a card on the dashboard's Overview and in a report's summary
    headline: bool = False

    @property
    def lower_is_better(self) -> bool:
        return self.polarity == "lower_is_better"


@dataclass(frozen=True)
class Catalogue:
    indicators: tuple[Indicator, ...]
    #: sha256 of the file's bytes: part of every run id
    hash: str
    path: Path

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(i.id for i in self.indicators)

    @property
    def by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    @property
    def areas(self) -> dict[str, tuple[Indicator, ...]]:
        return {area: tuple(i for i in self.indicators if i.area == area) for area in AREAS}


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read and check the catalogue (the shipped one by default)."""
    path = Path(path) if path is not None else CATALOGUE_PATH
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(f"The indicator catalogue {path} cannot be read ({exc.strerror}).") from exc
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"The indicator catalogue {path} is not valid TOML: {exc}.") from exc
    entries = document.get("indicator")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"The indicator catalogue {path} has no [[indicator]] entries.")
    indicators = tuple(_indicator_from(entry, position, path) for position, entry in enumerate(entries, 1))
    seen: set[str] = set()
    for indicator in indicators:
        if indicator.id in seen:
            raise CatalogueError(f"The indicator catalogue {path} defines {indicator.id} twice.")
        seen.add(indicator.id)
    return Catalogue(indicators=indicators, hash=hashlib.sha256(raw).hexdigest(), path=path)


def _indicator_from(entry: dict, position: int, path: Path) -> Indicator:
    label = entry.get("id") or f"entry {position}"

    def fail(reason: str) -> CatalogueError:
        return CatalogueError(f"Indicator {label} in {path.name}: {reason}.")

    unknown = sorted(set(entry) - set(_DESCRIPTIVE_FIELDS) - set(_OPTIONAL_FIELDS) - set(_ENGINE_FIELDS))
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)}")
    missing = [f for f in (*_DESCRIPTIVE_FIELDS, "source") if f not in entry]
    if missing:
        raise fail(f"missing field(s) {', '.join(missing)}")
    for field, allowed in (("area", AREAS), ("unit", UNITS), ("polarity", POLARITIES)):
        if entry[field] not in allowed:
            raise fail(f"{field} is {entry[field]!r}; it must be one of {', '.join(allowed)}")
    source = SOURCES.get(entry["source"])
    if source is None:
        raise fail(f"source {entry['source']!r} is not one of {', '.join(SOURCES)}")

    def column(field: str, name: Any) -> str:
        if not isinstance(name, str) or name not in source.columns:
            raise fail(f"{field} {name!r} is not a column of the {source.name} source "
                       f"({', '.join(source.columns)})")
        return name

    breakdowns = entry["breakdowns"]
    if not isinstance(breakdowns, list) or "total" not in breakdowns:
        raise fail("breakdowns must be a list that includes total")
    for breakdown in breakdowns:
        if breakdown not in BREAKDOWNS:
            raise fail(f"breakdown {breakdown!r} is not one of {', '.join(BREAKDOWNS)}")
        if breakdown != "total":
            column("breakdown", breakdown)
    if entry["reference_date"] not in source.date_columns:
        raise fail(f"reference_date {entry['reference_date']!r} is not a date of the {source.name} source "
                   f"({', '.join(source.date_columns)})")

    def filters(field: str) -> tuple[Filter, ...]:
        given = entry.get(field, [])
        if not isinstance(given, list):
            raise fail(f"{field} must be a list of {{column, op, value}}")
        checked = []
        for item in given:
            if not isinstance(item, dict) or set(item) - {"column", "op", "value"}:
                raise fail(f"{field} entries have exactly the keys column, op and value")
            op = item.get("op")
            if op not in FILTER_OPS:
                raise fail(f"filter op {op!r} is not one of {', '.join(FILTER_OPS)}")
            if op in _OPS_WITHOUT_VALUE and "value" in item:
                raise fail(f"filter op {op} takes no value")
            if op not in _OPS_WITHOUT_VALUE and "value" not in item:
                raise fail(f"filter op {op} needs a value")
            value = item.get("value")
            if op in _OPS_WITH_LIST:
                if not isinstance(value, list):
                    raise fail(f"filter op {op} needs a list value")
                value = tuple(value)
            checked.append(Filter(column("filter column", item.get("column")), op, value))
        return tuple(checked)

    compute = entry.get("compute")
    if compute is not None:
        from metrics.special import COMPUTE_FUNCTIONS

        if compute not in COMPUTE_FUNCTIONS:
            raise fail(f"compute function {compute!r} is not one of {', '.join(sorted(COMPUTE_FUNCTIONS))}")
    unit = entry["unit"]
    measure = entry.get("measure")
    if unit == "median" and measure is None and compute is None:
        raise fail("a median needs a measure column")
    if unit == "index" and compute is None:
        raise fail("an index needs a compute function")
    if unit == "mean" and entry.get("numerator_sum") is None and compute is None:
        raise fail("a mean needs a numerator_sum column")
    return Indicator(
        id=entry["id"], name=entry["name"], area=entry["area"], unit=unit, polarity=entry["polarity"],
        definition=entry["definition"], population=entry["population"], numerator=entry["numerator"],
        reference_date=entry["reference_date"], breakdowns=tuple(breakdowns), source=source.name,
        distinct=column("distinct", entry["distinct"]) if "distinct" in entry else None,
        population_filters=filters("population_filters"), numerator_filters=filters("numerator_filters"),
        numerator_sum=column("numerator_sum", entry["numerator_sum"]) if "numerator_sum" in entry else None,
        denominator_sum=column("denominator_sum", entry["denominator_sum"]) if "denominator_sum" in entry else None,
        measure=column("measure", measure) if measure is not None else None,
        compute=compute,
        headline=_headline(entry, fail),
    )


def _headline(entry: dict, fail) -> bool:
    headline = entry.get("headline", False)
    if not isinstance(headline, bool):
        raise fail(f"headline is {headline!r}; it must be true or false")
    return headline
