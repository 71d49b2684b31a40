"""The catalogue says what the spec says, and a mistake in it is a clear error naming the indicator."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from foundation.errors import AgoraError
from metrics.catalogue import CATALOGUE_PATH, load_catalogue

SPEC = Path("/work/shared/spec/indicators.md")
if not SPEC.exists():  # CI lays shared/ beside the clone
    SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "indicators.md"

BREAKDOWN_SETS = {
    "ORG": ["total", "mechanism_kind", "mechanism_id", "engagement_kind", "region", "org_type"],
    "EVT": ["total", "mechanism_kind", "mechanism_id", "engagement_kind", "modality"],
    "SUB": ["total", "mechanism_kind", "mechanism_id", "region", "org_type"],
    "REC": ["total", "mechanism_kind", "mechanism_id", "engagement_id", "region"],
    "FUP": ["total", "mechanism_kind", "mechanism_id", "region"],
}
BREAKDOWN_SETS["PART"] = BREAKDOWN_SETS["ORG"] + ["modality"]


def _spec_rows() -> dict[str, tuple[str, str, list[str]]]:
    """id -> (name, unit, breakdowns) from the spec's tables."""
    rows = {}
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"[A-Z]{3}-\d\d", cells[0]):
            rows[cells[0]] = (cells[1], cells[2], _breakdowns(cells[5]))
    return rows


def _breakdowns(text: str) -> list[str]:
    if " less " in text:
        base, removed = text.split(" less ")
        return [b for b in BREAKDOWN_SETS[base] if b != removed]
    if text in BREAKDOWN_SETS:
        return BREAKDOWN_SETS[text]
    return [b.strip() for b in text.split(",")]


def test_catalogue_holds_every_indicator_of_the_spec_with_its_name_unit_and_breakdowns():
    catalogue = load_catalogue()
    spec = _spec_rows()
    assert len(spec) == 29
    assert catalogue.ids == frozenset(spec)
    for indicator in catalogue.indicators:
        name, unit, breakdowns = spec[indicator.id]
        assert (indicator.name, indicator.unit) == (name, unit), indicator.id
        assert sorted(indicator.breakdowns) == sorted(breakdowns), indicator.id


def test_polarity_areas_and_hash():
    catalogue = load_catalogue()
    lower = {i.id for i in catalogue.indicators if i.polarity == "lower_is_better"}
    assert lower == {"FOL-02", "FOL-10", "FOL-13"}
    assert [len(catalogue.areas[a]) for a in ("Participation", "Inclusivity", "Follow-through")] == [7, 9, 13]
    assert catalogue.hash == hashlib.sha256(CATALOGUE_PATH.read_bytes()).hexdigest()
    assert catalogue.by_id["FOL-09"].compute == "latest_follow_up_status"


def _write_with(tmp_path: Path, old: str, new: str) -> Path:
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "catalogue.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, message", [
    ('unit = "count"', 'unit = "percent"', "PAR-01.*unit: 'percent' is not one of"),
    ('op = "eq", value = true }]\nnumerator_filters', 'op = "like", value = true }]\nnumerator_filters',
     "PAR-02.*population_filters: the operator 'like' is not one of"),
    ('"engagement_kind", "region", "org_type"]\nsource = "contacts"\ndistinct',
     '"engagement_kind", "region", "org_type", "colour"]\nsource = "contacts"\ndistinct', "PAR-01.*breakdowns: 'colour' is not carried by the contacts source"),
    ('\ncompute = "returning_organisations"', '\ncompute = "__import__"', "PAR-05.*compute: '__import__' is not a compute function"),
    ('column = "spoke"', 'column = "spoke; DROP TABLE runs"', "PAR-07.*not a column of the participations source"),
])
def test_a_mistake_in_the_catalogue_is_an_error_naming_the_indicator(tmp_path, old, new, message):
    with pytest.raises(AgoraError, match=message):
        load_catalogue(_write_with(tmp_path, old, new))


def test_an_officer_can_add_a_common_shape_indicator_by_editing_the_file_alone(tmp_path):
    text = CATALOGUE_PATH.read_text(encoding="utf-8") + '''
[[indicator]]
id = "INC-10"
name = "Youth among attendees"
area = "Inclusivity"
unit = "ratio"
polarity = "higher_is_better"
definition = "Share of attended participations that were online."
population = "Attended participations."
numerator = "Those online."
reference_date = "start_date"
breakdowns = ["total", "region"]
source = "participations"
population_filters = [{ column = "attended", op = "eq", value = true }]
numerator_filters = [{ column = "modality", op = "eq", value = "online" }]
'''
    path = tmp_path / "catalogue.toml"
    path.write_text(text, encoding="utf-8")
    catalogue = load_catalogue(path)
    assert "INC-10" in catalogue.ids and len(catalogue.indicators) == 30
    assert catalogue.by_id["INC-10"].numerator_filters[0].value == "online"


NEW_INDICATOR = '''
[[indicator]]
id = "{id}"
name = "{name}"
area = "{area}"
unit = "count"
polarity = "higher_is_better"
definition = "Organisations that attended a training."
population = "Contacts at trainings."
numerator = "Their organisations."
reference_date = "contact_date"
breakdowns = ["total", "country"]
source = "contacts"
distinct = "org_id"
population_filters = [{{ column = "engagement_kind", op = "eq", value = "training" }}]
'''


def _user_file(tmp_path: Path, head: str, *entries: dict) -> Path:
    path = tmp_path / "ours.toml"
    path.write_text(head + "".join(NEW_INDICATOR.format(**e) for e in entries), encoding="utf-8")
    return path


def test_a_user_catalogue_adds_to_the_shipped_one_and_replaces_by_id(tmp_path):
    path = _user_file(tmp_path, "",  # extends = "shipped" is the default
                      {"id": "CAP-01", "name": "Trained", "area": "Capacity"},
                      {"id": "PAR-03", "name": "Trainings attended", "area": "Participation"},
                      {"id": "AAA-01", "name": "Other", "area": "Accountability"})
    catalogue = load_catalogue(path)
    ids = [i.id for i in catalogue.indicators]
    shipped = [i.id for i in load_catalogue().indicators]
    assert ids == shipped + ["CAP-01", "AAA-01"]
    assert catalogue.by_id["PAR-03"].name == "Trainings attended" and catalogue.by_id["PAR-03"].source == "contacts"
    assert list(catalogue.areas) == ["Participation", "Inclusivity", "Follow-through", "Capacity", "Accountability"]
    # what a run keeps reads back as the same catalogue, whatever the shipped file says later
    from metrics.catalogue import catalogue_from_text

    kept = catalogue_from_text(catalogue.text, "run x")
    assert kept.indicators == catalogue.indicators and kept.hash == catalogue.hash


def test_a_user_catalogue_can_stand_alone(tmp_path):
    path = _user_file(tmp_path, 'extends = "none"\n', {"id": "CAP-01", "name": "Trained", "area": "Capacity"})
    catalogue = load_catalogue(path)
    assert catalogue.ids == {"CAP-01"}
    assert catalogue.text == path.read_text(encoding="utf-8")
    assert catalogue.hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert list(catalogue.areas)[-1] == "Capacity"


def test_every_problem_of_a_file_is_named_with_its_indicator_and_field(tmp_path):
    from metrics.catalogue import check_catalogue_file

    path = _user_file(tmp_path, 'extends = "everything"\n',
                      {"id": "CAP-01", "name": "Trained", "area": "Capacity"},
                      {"id": "CAP-01", "name": "Again", "area": "Capacity"})
    text = path.read_text(encoding="utf-8").replace('"country"]', '"country", "colour", "contact_date"]', 1)
    first, second = text.split('name = "Again"')
    text = first.replace('op = "eq"', 'op = "like"', 1) + 'name = "Again"' + second.replace(
        'source = "contacts"', 'source = "contactz"')
    text += NEW_INDICATOR.format(id="CAP-02", name="x", area="Capacity").replace(
        '"engagement_kind", op = "eq", value = "training"', '"women_led", op = "eq", value = "yes"').replace(
        'distinct = "org_id"', 'distinct = "org_id"\ncompute = "magic"\nnumerator_sum = "country"')
    path.write_text(text, encoding="utf-8")
    problems = check_catalogue_file(path)
    expected = [
        r"ours.toml: extends is 'everything'",
        r"Indicator CAP-01 in ours.toml: source: 'contactz' is not a source",
        r"Indicator CAP-01 in ours.toml: id: the id CAP-01 is defined twice",
        r"Indicator CAP-01 in ours.toml: breakdowns: 'colour' is not carried by the contacts source",
        r"Indicator CAP-01 in ours.toml: breakdowns: 'contact_date' is not carried by the contacts source",
        r"Indicator CAP-01 in ours.toml: population_filters: the operator 'like'",
        r"Indicator CAP-02 in ours.toml: population_filters: the value 'yes' cannot be compared with women_led",
        r"Indicator CAP-02 in ours.toml: compute: 'magic' is not a compute function",
        r"Indicator CAP-02 in ours.toml: numerator_sum: the column country is a category",
    ]
    for pattern in expected:
        assert any(re.search(pattern, p) for p in problems), (pattern, problems)
    with pytest.raises(AgoraError, match="problem"):
        load_catalogue(path)


def test_agora_indicators_check_exits_non_zero_with_sentences_and_no_traceback(tmp_path, capsys):
    from agora.cli import main

    broken = _user_file(tmp_path, "", {"id": "CAP-01", "name": "Trained", "area": "Capacity"})
    broken.write_text(broken.read_text(encoding="utf-8").replace('"engagement_kind"', '"engagement_kindd"'),
                      encoding="utf-8")
    assert main(["indicators", "check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "Indicator CAP-01 in ours.toml: population_filters column: 'engagement_kindd' is not a column" in out
    assert "Traceback" not in out
    assert main(["indicators", "check", str(tmp_path / "missing.toml")]) == 1
    assert "cannot be read" in capsys.readouterr().out
    (tmp_path / "not.toml").write_text("[[indicator]\nid=", encoding="utf-8")
    assert main(["indicators", "check", str(tmp_path / "not.toml")]) == 1
    assert "is not valid TOML" in capsys.readouterr().out
    assert main(["indicators", "--catalogue", str(broken)]) == 2
    assert "engagement_kindd" in capsys.readouterr().err


def test_the_catalogue_names_exactly_the_compute_functions_and_imports_no_engine():
    import subprocess
    import sys

    from metrics.catalogue import COMPUTE_SOURCES
    from metrics.special import COMPUTE_FUNCTIONS

    assert set(COMPUTE_SOURCES) == set(COMPUTE_FUNCTIONS)
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, metrics.catalogue, warehouse.snapshot, warehouse.upr_info; "
                               "print(sorted(m for m in sys.modules if m.startswith('metrics')))"],
        capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2]).stdout
    assert eval(loaded) == ["metrics", "metrics.catalogue", "metrics.source_columns"]  # noqa: S307 (our own output)
