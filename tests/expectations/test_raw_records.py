"""The raw-record suites: kept as files that agree with the contract, and run for real by GX."""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

import polars as pl
import pytest

from expectations.languages import ISO_639_1_CODES
from expectations.raw_records import (CROSS_ENTITY_RULES, DATE_RANGE_FIELDS, date_range_parameters, stored_suite,
                                      suite_path, suite_text, unexpected_rows)
from expectations.runner import ROW_BY_ROW_EXPECTATIONS, breaking_rows, run_suite
from warehouse.coerce import coerce_records
from warehouse.contract import ENTITIES
from warehouse.ingest import _frame_for_expectations


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
    frame = pl.DataFrame({
        "indicator_id": ["PAR-01", "NOPE", "PAR-01", None],
        "period": ["2026", "2026-Q3", "2026-7", "2026-07"],
        "baseline": [None, 0.1, 0.2, 0.3],
        "target": [0.5, None, 0.6, 0.7],
    })

    found = {u.rule: u.rows for u in unexpected_rows("targets", frame, {"known_indicators": ["PAR-01"],
                                                                         "known_countries": []})}

    assert found == {"targets.indicator_id.required": [3], "targets.target.required": [1],
                     "targets.known_indicator": [1], "targets.period_format": [2]}


# -- GX on distinct values names the same rows as GX on every row --------------------------------

def _messy_values(rng: random.Random, rows: int, good: list, bad: list, bad_share: float = 0.2) -> list:
    """`rows` cells: mostly good values, the rest bad ones (each bad value many times) or empty."""
    return [rng.choice(bad) if rng.random() < bad_share else rng.choice(good) for _ in range(rows)]


def _dates(rng: random.Random, rows: int, first_year: int, years: int) -> list[str]:
    return [(date(first_year, 1, 1) + timedelta(days=rng.randrange(365 * years))).isoformat() for _ in range(rows)]


def _messy_frames() -> dict[str, pl.DataFrame]:
    """Raw records of four entities with empty cells, values outside their sets, out-of-bounds dates,
    pairs in the wrong order, list items off the list, `|` in ids, NaN, and unique ids (so GX runs on
    frames of very different lengths, shared and on their own)."""
    rng = random.Random(11)
    n = 9_000
    starts = _dates(rng, n, 2000, 20)
    engagements = {
        "engagement_id": [f"E{i}" if rng.random() > 0.01 else rng.choice([None, "E|1"]) for i in range(n)],
        "mechanism_id": _messy_values(rng, n, ["M1", "M2"], [None, "M|2"]),
        "kind": _messy_values(rng, n, ["consultation", "review", "training"], ["consulation", "Review", None, "x"]),
        "title": _messy_values(rng, n, ["a title"], [None]),
        "start_date": [rng.choice([s, s, s, "0226-03-01", "2200-01-01", None, "2026-13-01"]) for s in starts],
        "end_date": [rng.choice([s, "2010-06-30", "2015-01-01", None, "1900-01-01"]) for s in starts],
        "country": _messy_values(rng, n, ["KEN", "FRA", "BRA"], ["XXX", "ken", None]),
        "modality": _messy_values(rng, n, ["online", "hybrid"], ["zoom", None]),
        "languages": _messy_values(rng, n, ["en;fr", "en", "es;ar;zh"], ["", "xx;en", "en|fr", "english", None]),
        "accessibility": _messy_values(rng, n, ["captioning", "captioning;sign_language"],
                                       ["captions", "", "easy_read;braille", None]),
        "output_published_on": _messy_values(rng, n, [None, "2026-01-01"], ["3000-01-01", "1800-05-05"]),
    }
    m = 3_000
    participations = {
        "engagement_id": _messy_values(rng, m, [f"E{i}" for i in range(50)], [None, "E|9"]),
        "org_id": [f"O{i}" for i in range(m)],
        "registered": _messy_values(rng, m, ["true", "false"], [None, "maybe"]),
        "attended": _messy_values(rng, m, ["true", "false"], [None]),
        "spoke": _messy_values(rng, m, ["true", "false"], [None]),
        "participants_total": _messy_values(rng, m, [str(k) for k in range(20)], ["-1", None, "many"]),
        "participants_women": _messy_values(rng, m, [str(k) for k in range(25)], ["-3", None]),
        "outcome_communicated_on": _messy_values(rng, m, [None, "2026-05-05"], ["0001-01-01"]),
    }
    organisations = {
        "org_id": [f"O{i}" for i in range(m)],
        "name": _messy_values(rng, m, ["A", "B"], [None]),
        "org_type": _messy_values(rng, m, ["network", "other"], ["netwrok", None]),
        "country": _messy_values(rng, m, ["KEN", "FRA"], ["ZZZ", None]),
        "women_led": _messy_values(rng, m, ["yes", "no"], [None]),
        "youth_led": _messy_values(rng, m, ["yes", "no"], [None]),
        "constituencies": _messy_values(rng, m, ["women;lgbti", "minorities"], ["woman;lgbti", "", "x|y", None]),
        "budget_band": _messy_values(rng, m, ["lt_50k", "unknown"], ["huge", None]),
        "ecosoc_status": _messy_values(rng, m, ["true"], [None]),
        "at_risk": _messy_values(rng, m, ["false"], [None]),
    }
    targets = {
        "indicator_id": _messy_values(rng, 400, ["PAR-01", "PAR-02"], ["NOPE", None]),
        "period": _messy_values(rng, 400, ["2026", "2026-Q3", "LOP", "2026-07"], ["2026-7", "26", None]),
        "baseline": _messy_values(rng, 400, ["0.4", "1.5"], [None, "NaN"]),
        "target": _messy_values(rng, 400, ["0.5", "2"], [None, "NaN", "nan"]),
    }
    raw = {"engagements": engagements, "participations": participations, "organisations": organisations,
           "targets": targets}
    return {name: pl.DataFrame(columns, schema={c: pl.String for c in columns}) for name, columns in raw.items()}


def _row_by_row(entity: str, frame: pl.DataFrame, parameters: dict) -> list[tuple]:
    """The suite run by GX on every row of the frame, as ingest ran it before."""
    outcomes = run_suite(stored_suite(entity), frame.to_pandas(), parameters)
    return [(o.meta["rule"], o.meta["reason"], o.kwargs.get("column"), [int(i) for i in o.result["unexpected_index_list"]])
            for o in outcomes if not o.success]


def test_gx_on_distinct_values_names_exactly_the_rows_gx_on_every_row_names():
    parameters = {"known_countries": ["BRA", "FRA", "KEN"], "known_indicators": ["PAR-01", "PAR-02"],
                  **date_range_parameters((date(1945, 1, 1), date(2100, 12, 31)))}
    broken_rules = 0
    for entity, raw in _messy_frames().items():
        frame = _frame_for_expectations(coerce_records(ENTITIES[entity], raw).typed)

        found = [(u.rule, u.reason, u.column, u.rows) for u in unexpected_rows(entity, frame, parameters)]

        assert found == _row_by_row(entity, frame, parameters), entity
        broken_rules += len(found)
        assert unexpected_rows(entity, frame.head(0), parameters) == [] == _row_by_row(entity, frame.head(0), parameters)
    # every kind of expectation broke somewhere: not_null, in_set, regex, no_bar, between, pairs
    assert broken_rules >= 35


def test_a_rule_over_several_rows_is_refused_rather_than_run_on_distinct_values():
    suite = {"name": "s", "expectations": [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "a"}, "meta": {"rule": "unique_a"}}]}

    with pytest.raises(ValueError, match="unique_a does not test each row on its own"):
        breaking_rows(suite, pl.DataFrame({"a": [1, 1]}))


def test_every_raw_record_expectation_tests_each_row_on_its_own():
    for entity in ENTITIES:
        for expectation in stored_suite(entity)["expectations"]:
            assert expectation["type"] in ROW_BY_ROW_EXPECTATIONS and "mostly" not in expectation["kwargs"]
