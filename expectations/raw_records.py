"""The row rules of the data contract as Great Expectations suites, one JSON file per entity.

The suites are generated from `warehouse.contract` (run `python -m expectations.raw_records` after
changing the contract) and kept in `expectations/suites/`, where a test checks they still agree
with the contract. Ingest runs them on every load. Each expectation carries, in its `meta`, the
`rule` it checks and the `reason` a row breaking it is quarantined with: a sentence template whose
`{column}` fields are filled with the row's values (`{column!r}` quotes the value).

Two value sets are parameters, not inline lists, because they are reference data owned elsewhere:
`known_countries` (ISO 3166-1 alpha-3) and `known_indicators` (the indicator catalogue). The
plausible date range (contract v2) is a setting, so its ends are parameters too: `earliest_date`
and `latest_date` (`date_range_parameters`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from expectations.languages import ISO_639_1_CODES
from expectations.runner import breaking_rows
from foundation.vocabulary import CROSS
from warehouse.contract import ENTITIES, Column, Entity

SUITES_DIR = Path(__file__).with_name("suites")

#: a year, a quarter, a month, or LOP: the life of the programme (a target beside the period targets)
PERIOD_PATTERN = r"^(?:[0-9]{4}(?:-Q[1-4]|-(?:0[1-9]|1[0-2]))?|LOP)$"

#: contract row rules that GX cannot express (they need another entity); ingest checks them
CROSS_ENTITY_RULES = frozenset({"reported_after_issue"})


def _expectation(kind: str, rule: str, reason: str, **kwargs) -> dict:
    return {"type": kind, "kwargs": kwargs, "meta": {"rule": rule, "reason": reason}}


#: the suite parameters a reason may name beside its entity's columns (filled from the setting)
DATE_RANGE_FIELDS = ("earliest_date", "latest_date")


def date_range_parameters(plausible: tuple[date, date]) -> dict:
    """The suite parameters of the plausible date range (GX compares pandas timestamps)."""
    import pandas as pd

    return {"earliest_date": pd.Timestamp(plausible[0]), "latest_date": pd.Timestamp(plausible[1])}


def _list_pattern(values: tuple[str, ...]) -> str:
    """A regex matching a `;`-joined list whose every item is one of `values`."""
    item = "(?:" + "|".join(values) + ")"
    return f"^{item}(?:;{item})*$"


def _column_expectations(entity: Entity, column: Column) -> list[dict]:
    name = column.name
    rule = f"{entity.name}.{name}"
    found = []
    if column.required and not column.may_be_empty:
        found.append(_expectation("expect_column_values_to_not_be_null", f"{rule}.required",
                                  f"{name} is empty", column=name))
    if column.type == "enum":
        found.append(_expectation("expect_column_values_to_be_in_set", f"{rule}.in_set",
                                  f"{name} {{{name}!r}} is not one of {', '.join(column.values)}",
                                  column=name, value_set=list(column.values)))
    elif column.type == "country":
        found.append(_expectation("expect_column_values_to_be_in_set", f"{rule}.country",
                                  f"{name} {{{name}!r}} is not an ISO 3166-1 alpha-3 code",
                                  column=name, value_set={"$PARAMETER": "known_countries"}))
    elif column.type == "language":
        found.append(_expectation("expect_column_values_to_be_in_set", f"{rule}.language",
                                  f"{name} {{{name}!r}} is not an ISO 639-1 language code",
                                  column=name, value_set=list(ISO_639_1_CODES)))
    elif column.type == "list_enum":
        found.append(_expectation("expect_column_values_to_match_regex", f"{rule}.items_in_set",
                                  f"{name} {{{name}!r}} has an item that is not one of "
                                  f"{', '.join(column.values)}",
                                  column=name, regex=_list_pattern(column.values)))
    elif column.type == "list_language":
        found.append(_expectation("expect_column_values_to_match_regex", f"{rule}.languages",
                                  f"{name} {{{name}!r}} has an item that is not an ISO 639-1 language code",
                                  column=name, regex=_list_pattern(ISO_639_1_CODES)))
    if column.bar_free:
        what = "an item" if column.is_list else "the value"
        found.append(_expectation("expect_column_values_to_not_match_regex", f"{rule}.no_bar",
                                  f"{name} {{{name}!r}} contains '{CROSS}', which {what} of {name} may not "
                                  f"contain (it separates crossed breakdowns)",
                                  column=name, regex=re.escape(CROSS)))
    if column.is_date:
        found.append(_expectation("expect_column_values_to_be_between", f"{rule}.plausible",
                                  f"{name} ({{{name}}}) is outside the plausible dates "
                                  f"{{earliest_date}}..{{latest_date}} (the setting AGORA_PLAUSIBLE_DATES)",
                                  column=name, min_value={"$PARAMETER": "earliest_date"},
                                  max_value={"$PARAMETER": "latest_date"}))
    if column.minimum is not None or column.maximum is not None:
        if column.maximum is None:
            reason = f"{name} ({{{name}}}) is less than {column.minimum:g}"
        else:
            reason = f"{name} ({{{name}}}) is not between {column.minimum:g} and {column.maximum:g}"
        found.append(_expectation("expect_column_values_to_be_between", f"{rule}.range", reason,
                                  column=name, min_value=column.minimum, max_value=column.maximum))
    return found


def _not_before(later: str, earlier: str, rule: str) -> dict:
    return _expectation(
        "expect_column_pair_values_a_to_be_greater_than_b", rule,
        f"{later} ({{{later}}}) is before {earlier} ({{{earlier}}})",
        column_A=later, column_B=earlier, or_equal=True, ignore_row_if="either_value_is_missing",
    )


def _row_rule_expectation(entity: Entity, rule_id: str) -> dict:
    rule = f"{entity.name}.{rule_id}"
    if rule_id == "end_after_start":
        return _not_before("end_date", "start_date", rule)
    if rule_id == "acknowledged_after_received":
        return _not_before("acknowledged_on", "received_on", rule)
    if rule_id == "women_within_total":
        return _expectation(
            "expect_column_pair_values_a_to_be_greater_than_b", rule,
            "participants_women ({participants_women}) is greater than participants_total ({participants_total})",
            column_A="participants_total", column_B="participants_women", or_equal=True,
            ignore_row_if="either_value_is_missing",
        )
    if rule_id == "spoke_only_if_attended":
        # attended >= spoke on booleans: GX runs this vectorised (its pair-in-set check is row by row).
        return _expectation(
            "expect_column_pair_values_a_to_be_greater_than_b", rule, "spoke is true but attended is not",
            column_A="attended", column_B="spoke", or_equal=True, ignore_row_if="either_value_is_missing",
        )
    if rule_id == "known_indicator":
        return _expectation(
            "expect_column_values_to_be_in_set", rule,
            "indicator_id {indicator_id!r} is not an indicator of the catalogue",
            column="indicator_id", value_set={"$PARAMETER": "known_indicators"},
        )
    if rule_id == "period_format":
        return _expectation(
            "expect_column_values_to_match_regex", rule,
            "period {period!r} is not a year (2026), quarter (2026-Q3) or month (2026-07)",
            column="period", regex=PERIOD_PATTERN,
        )
    raise KeyError(f"the contract rule {entity.name}.{rule_id} has no expectation; add one here")


def suite_definition(entity_name: str) -> dict:
    """The GX suite of one entity, as the JSON document kept in `expectations/suites/`."""
    entity = ENTITIES[entity_name]
    expectations = [e for column in entity.columns for e in _column_expectations(entity, column)]
    expectations += [
        _row_rule_expectation(entity, rule_id)
        for rule_id, _ in entity.row_rules
        if rule_id not in CROSS_ENTITY_RULES
    ]
    return {"name": f"raw_{entity.name}", "expectations": expectations, "meta": {
        "generated_from": "warehouse/contract.py by `python -m expectations.raw_records`",
    }}


def suite_path(entity_name: str) -> Path:
    return SUITES_DIR / f"{entity_name}.json"


def suite_text(entity_name: str) -> str:
    return json.dumps(suite_definition(entity_name), indent=2, ensure_ascii=False) + "\n"


def write_suites() -> list[Path]:
    SUITES_DIR.mkdir(exist_ok=True)
    written = []
    for name in ENTITIES:
        suite_path(name).write_text(suite_text(name), encoding="utf-8")
        written.append(suite_path(name))
    return written


def stored_suite(entity_name: str) -> dict:
    """The suite as kept in the repository (what ingest runs)."""
    return json.loads(suite_path(entity_name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Unexpected:
    """The rows of a frame that break one expectation."""
    rule: str
    #: a sentence template filled with the row's values (see the module's docstring)
    reason: str
    #: the column the expectation checks (None for a rule over a pair of columns)
    column: str | None
    rows: list[int]


def unexpected_rows(entity_name: str, frame: pl.DataFrame, parameters: dict[str, list]) -> list[Unexpected]:
    """Run the entity's suite on a polars frame (lists already `;`-joined text): for each expectation
    some rows break, which rows (positions from 0), in the suite's order. Every expectation of a
    raw-record suite tests a row on its own, so GX runs on distinct values (`runner.breaking_rows`)."""
    return [
        Unexpected(b.expectation["meta"]["rule"], b.expectation["meta"]["reason"],
                   b.expectation["kwargs"].get("column"), b.rows)
        for b in breaking_rows(stored_suite(entity_name), frame, parameters)
    ]


if __name__ == "__main__":
    for path in write_suites():
        print(f"Wrote {path}")
