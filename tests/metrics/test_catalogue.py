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
