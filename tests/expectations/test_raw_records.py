"""The raw-record suites: kept as files that agree with the contract, and run for real by GX."""

from __future__ import annotations

import string

import pandas as pd

from expectations.languages import ISO_639_1_CODES
from expectations.raw_records import (CROSS_ENTITY_RULES, DATE_RANGE_FIELDS, stored_suite, suite_path, suite_text,
                                      unexpected_rows)
from warehouse.contract import ENTITIES


def test_the_suite_files_agree_with_the_contract():
    for name in ENTITIES:
        assert suite_path(name).read_text(encoding="utf-8") == suite_text(name), (
            f"{suite_path(name)} is stale: run `python -m expectations.raw_records`")


def test_every_row_rule_is_an_expectation_or_a_cross_entity_check():
    for entity in ENTITIES.values():
        rules = {e["meta"]["rule"] for e in stored_suite(entity.name)["expectations"]}
        for rule_id, _ in entity.row_rules:
            assert f"{entity.name}.{rule_id}" in rules or rule_id in CROSS_ENTITY_RULES


def test_every_required_column_has_a_not_null_expectation():
    for entity in ENTITIES.values():
        not_null = {e["kwargs"]["column"] for e in stored_suite(entity.name)["expectations"]
                    if e["type"] == "expect_column_values_to_not_be_null"}
        assert not_null == {c.name for c in entity.columns if c.required and not c.may_be_empty}


def test_reasons_name_only_columns_of_their_entity():
    for entity in ENTITIES.values():
        for expectation in stored_suite(entity.name)["expectations"]:
            fields = {f for _, f, _, _ in string.Formatter().parse(expectation["meta"]["reason"]) if f}
            assert fields <= {*entity.column_names, *DATE_RANGE_FIELDS}, expectation["meta"]["rule"]


def test_the_language_list_is_iso_639_1():
    assert len(ISO_639_1_CODES) == 184 == len(set(ISO_639_1_CODES))
    assert {"en", "fr", "es", "ar", "zh", "ru", "sw"} <= set(ISO_639_1_CODES)


def test_a_suite_runs_in_gx_and_finds_the_breaking_rows():
    frame = pd.DataFrame({
        "indicator_id": ["PAR-01", "NOPE", "PAR-01", None],
        "period": ["2026", "2026-Q3", "2026-7", "2026-07"],
        "baseline": [None, 0.1, 0.2, 0.3],
        "target": [0.5, None, 0.6, 0.7],
    })

    found = {u.rule: u.rows for u in unexpected_rows("targets", frame, {"known_indicators": ["PAR-01"],
                                                                         "known_countries": []})}

    assert found == {"targets.indicator_id.required": [3], "targets.target.required": [1],
                     "targets.known_indicator": [1], "targets.period_format": [2]}
