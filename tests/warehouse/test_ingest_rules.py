"""Every rule of the data contract, each broken by one row, with the exact reason it is quarantined for."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest_records import KNOWN_INDICATORS, VALID_ROWS, write_csv, write_valid_folder
from warehouse.contract import ENTITIES
from warehouse.ingest import ingest_paths
from warehouse.quarantine import quarantined_rows

E = "is not one of"


def _unknown(column: str, value: str, parent: str) -> str:
    return f"{column} '{value}' is not a known {column} (not in {parent}, in the warehouse or earlier in this load)"


CASES = [
    ("mechanisms", {"name": ""}, ["name is empty"]),
    ("mechanisms", {"kind": "court"}, [f"kind 'court' {E} special_procedure, treaty_body, upr, other"]),
    ("organisations", {"org_type": "ngo"}, [
        f"org_type 'ngo' {E} international_ngo, regional_ngo, national_ngo, community_based, network, academic, other"]),
    ("organisations", {"country": "XXA"}, ["country 'XXA' is not an ISO 3166-1 alpha-3 code"]),
    ("organisations", {"women_led": "maybe"}, ["women_led 'maybe' is not a yes/no value (true/false, yes/no or 1/0)"]),
    ("organisations", {"youth_led": ""}, ["youth_led is empty"]),
    ("organisations", {"at_risk": " "}, ["at_risk is empty"]),
    ("organisations", {"constituencies": "women;aliens"}, [
        "constituencies 'women;aliens' has an item that is not one of women, children_youth, persons_with_disabilities, "
        "indigenous_peoples, lgbti, minorities, migrants_refugees, older_persons, rural_communities, "
        "human_rights_defenders"]),
    ("organisations", {"budget_band": "huge"}, [f"budget_band 'huge' {E} lt_50k, 50k_250k, 250k_1m, gt_1m, unknown"]),
    ("engagements", {"mechanism_id": "M9"}, [
        _unknown("mechanism_id", "M9", "mechanisms")]),
    ("engagements", {"start_date": "2026-13-01"}, ["start_date '2026-13-01' is not a date of the form YYYY-MM-DD"]),
    ("engagements", {"start_date": "05/01/2026"}, ["start_date '05/01/2026' is not a date of the form YYYY-MM-DD"]),
    ("engagements", {"end_date": "2026-01-01"}, ["end_date (2026-01-01) is before start_date (2026-01-05)"]),
    ("engagements", {"country": "ZZZ"}, ["country 'ZZZ' is not an ISO 3166-1 alpha-3 code"]),
    ("engagements", {"modality": "remote"}, [f"modality 'remote' {E} in_person, online, hybrid"]),
    ("engagements", {"languages": "en;xx"}, ["languages 'en;xx' has an item that is not an ISO 639-1 language code"]),
    ("engagements", {"languages": ""}, ["languages is empty"]),
    ("engagements", {"accessibility": "ramps"}, [
        f"accessibility 'ramps' has an item that is not one of sign_language, captioning, interpretation, easy_read, "
        f"step_free_access"]),
    ("engagements", {"title": ""}, ["title is empty"]),
    ("participations", {"attended": "false"}, ["spoke is true but attended is not"]),
    ("participations", {"participants_total": "-1", "participants_women": "0"}, [
        "participants_total (-1) is less than 0", "participants_women (0) is greater than participants_total (-1)"]),
    ("participations", {"participants_women": "12"}, ["participants_women (12) is greater than participants_total (10)"]),
    ("participations", {"participants_total": "ten"}, ["participants_total 'ten' is not a whole number"]),
    ("participations", {"participants_women": "2.5"}, ["participants_women '2.5' is not a whole number"]),
    ("participations", {"engagement_id": "E9"}, [
        _unknown("engagement_id", "E9", "engagements")]),
    ("participations", {"org_id": "O9"}, [
        _unknown("org_id", "O9", "organisations")]),
    ("participations", {"registered": ""}, ["registered is empty"]),
    ("submissions", {"org_id": "O9"}, [
        _unknown("org_id", "O9", "organisations")]),
    ("submissions", {"language": "xx"}, ["language 'xx' is not an ISO 639-1 language code"]),
    ("submissions", {"acknowledged_on": "2026-01-01"}, ["acknowledged_on (2026-01-01) is before received_on (2026-01-10)"]),
    ("submissions", {"reflected_in_output": "perhaps"}, [
        "reflected_in_output 'perhaps' is not a yes/no value (true/false, yes/no or 1/0)"]),
    ("recommendations", {"specificity": "6"}, ["specificity (6) is not between 1 and 5"]),
    ("recommendations", {"state_response": "accepted"}, [f"state_response 'accepted' {E} supported, noted, pending, none"]),
    ("recommendations", {"themes": ""}, ["themes is empty"]),
    ("recommendations", {"addressee_country": "XYZ"}, ["addressee_country 'XYZ' is not an ISO 3166-1 alpha-3 code"]),
    ("recommendations", {"engagement_id": "E9"}, [
        _unknown("engagement_id", "E9", "engagements")]),
    ("recommendations", {"due_on": "soon"}, ["due_on 'soon' is not a date of the form YYYY-MM-DD"]),
    ("follow_ups", {"reported_on": "2026-01-01"}, [
        "reported_on (2026-01-01) is before the recommendation's issued_on (2026-02-01)"]),
    ("follow_ups", {"recommendation_id": "R9"}, [
        _unknown("recommendation_id", "R9", "recommendations")]),
    ("follow_ups", {"source": "press"}, [f"source 'press' {E} state, cso, mechanism, un_entity"]),
    ("follow_ups", {"status": "done"}, [
        f"status 'done' {E} no_information, not_implemented, in_progress, partially_implemented, implemented"]),
    ("feedback", {"satisfaction": "0"}, ["satisfaction (0) is not between 1 and 5"]),
    ("feedback", {"felt_heard": "6"}, ["felt_heard (6) is not between 1 and 5"]),
    ("feedback", {"engagement_id": ""}, ["engagement_id is empty"]),
    ("feedback", {"engagement_id": "E9"}, [
        _unknown("engagement_id", "E9", "engagements")]),
    ("feedback", {"org_id": "O9"}, [
        _unknown("org_id", "O9", "organisations")]),
    ("submissions", {"engagement_id": "E9"}, [
        _unknown("engagement_id", "E9", "engagements")]),
    ("recommendations", {"mechanism_id": "M9"}, [
        _unknown("mechanism_id", "M9", "mechanisms")]),
    ("recommendations", {"recommending_country": "FRANCE"}, [
        "recommending_country 'FRANCE' is not an ISO 3166-1 alpha-3 code"]),
    ("participations", {"participants_women": "-1"}, ["participants_women (-1) is less than 0"]),
    ("targets", {"indicator_id": "XYZ-99"}, ["indicator_id 'XYZ-99' is not an indicator of the catalogue"]),
    ("targets", {"period": "2026-13"}, ["period '2026-13' is not a year (2026), quarter (2026-Q3) or month (2026-07)"]),
    ("targets", {"period": "2026-Q5"}, ["period '2026-Q5' is not a year (2026), quarter (2026-Q3) or month (2026-07)"]),
    ("targets", {"target": ""}, ["target is empty"]),
    ("targets", {"target": "high"}, ["target 'high' is not a number"]),
    # Every reason of a row, in order: unreadable cells, the suite's expectations, then other records.
    ("engagements", {"mechanism_id": "M9", "kind": "party", "country": "XXA", "languages": "en;xx",
                     "end_date": "2026-01-01"}, [
        f"kind 'party' {E} consultation, public_hearing, advisory_group, country_visit, interactive_dialogue, "
        "online_consultation, call_for_input, training, side_event, review",
        "country 'XXA' is not an ISO 3166-1 alpha-3 code",
        "languages 'en;xx' has an item that is not an ISO 639-1 language code",
        "end_date (2026-01-01) is before start_date (2026-01-05)",
        _unknown("mechanism_id", "M9", "mechanisms")]),
    # A cell that cannot be read is not also reported empty.
    ("feedback", {"submitted_on": "yesterday", "satisfaction": "five"}, [
        "submitted_on 'yesterday' is not a date of the form YYYY-MM-DD", "satisfaction 'five' is not a whole number"]),
]


def _unique_key(entity: str, case: int) -> dict[str, str]:
    """Key values no other row of the files uses (participations get an organisation of their own)."""
    if entity == "participations":
        return {"org_id": f"OP{case}"}
    if entity == "targets":
        return {"indicator_id": "PAR-02", "period": str(2000 + case)}
    return {ENTITIES[entity].key[0]: f"{VALID_ROWS[entity][ENTITIES[entity].key[0]]}-{case}"}


@pytest.fixture(scope="module")
def rule_cases(tmp_path_factory) -> dict[int, dict]:
    """One load of files holding the valid rows plus one row per case; the quarantine by case."""
    folder = tmp_path_factory.mktemp("rules")
    rows = {entity: [row] for entity, row in VALID_ROWS.items()}
    where: dict[int, tuple[str, int]] = {}
    for case, (entity, change, _) in enumerate(CASES):
        rows[entity].append({**VALID_ROWS[entity], **_unique_key(entity, case), **change})
        where[case] = (entity, len(rows[entity]) + 1)
        if entity == "participations":
            rows["organisations"].append({**VALID_ROWS["organisations"], "org_id": f"OP{case}"})
    for entity, entity_rows in rows.items():
        write_csv(folder / f"{entity}.csv", entity_rows)
    warehouse = folder / "w.duckdb"
    result = ingest_paths(warehouse, [folder], None, KNOWN_INDICATORS)
    quarantined = {(r["entity"], r["row_number"]): r for r in quarantined_rows(warehouse).to_dicts()}
    return {"result": result, "warehouse": warehouse,
            "by_case": {case: quarantined.get(place) for case, place in where.items()}}


@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{e}-{'-'.join(c)}" for e, c, _ in CASES])
def test_a_row_breaking_a_rule_is_quarantined_with_its_reasons(rule_cases, case):
    _entity, _change, reasons = CASES[case]
    assert rule_cases["by_case"][case] is not None
    assert rule_cases["by_case"][case]["reasons"] == reasons


def test_only_the_rows_breaking_rules_are_quarantined(rule_cases):
    result = rule_cases["result"]
    assert result.rows_quarantined == len(CASES)
    assert result.rows_loaded == len(VALID_ROWS) + sum(1 for e, _, _ in CASES if e == "participations")
    for outcome in result.files:
        assert outcome.rows_read == outcome.rows_loaded + outcome.rows_quarantined
    with duckdb.connect(str(rule_cases["warehouse"]), read_only=True) as con:
        assert con.sql("SELECT mechanism_id FROM mechanisms").fetchall() == [("M1",)]
        assert con.sql("SELECT count(*) FROM participations WHERE org_id = 'O1'").fetchall() == [(1,)]


def test_the_valid_dataset_loads_whole_with_optional_cells_empty(tmp_path: Path):
    folder = write_valid_folder(tmp_path / "files", submissions={"org_id": "", "acknowledged_on": ""},
                                engagements={"country": "", "accessibility": ""}, feedback={"org_id": ""},
                                recommendations={"engagement_id": "", "specificity": ""})
    result = ingest_paths(tmp_path / "w.duckdb", [folder], None, KNOWN_INDICATORS)

    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (9, 9, 0)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.sql("SELECT women_led, youth_led, constituencies, at_risk FROM organisations").fetchall() == [
            (True, False, ["women", "lgbti"], False)]
        assert con.sql("SELECT languages, accessibility, country FROM engagements").fetchall() == [
            (["en", "fr"], [], None)]
        assert con.sql("SELECT specificity, engagement_id FROM recommendations").fetchall() == [(None, None)]


def test_parents_in_the_warehouse_or_earlier_in_the_same_load_satisfy_foreign_keys(tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    files = tmp_path / "files"
    files.mkdir()
    ingest_paths(warehouse, [write_csv(files / "mechanisms.csv", [VALID_ROWS["mechanisms"]])], None, KNOWN_INDICATORS)
    # Children listed before their parents: the call still loads parents first.
    result = ingest_paths(warehouse, [
        write_csv(files / "participations.csv", [VALID_ROWS["participations"]]),
        write_csv(files / "engagements.csv", [VALID_ROWS["engagements"]]),
        write_csv(files / "organisations.csv", [VALID_ROWS["organisations"]]),
    ], None, KNOWN_INDICATORS)

    assert [f.entity for f in result.files] == ["organisations", "engagements", "participations"]
    assert result.rows_quarantined == 0


def test_every_column_with_a_rule_beyond_required_has_a_case():
    changed = {(entity, column) for entity, change, _ in CASES for column in change}
    for entity in ENTITIES.values():
        for column in entity.columns:
            if column.type not in ("text", "bool", "date", "float") or column.references:
                assert (entity.name, column.name) in changed, f"{entity.name}.{column.name} has no case"
