"""A small valid dataset, one row per entity, written as contract files for ingest tests."""

from __future__ import annotations

import csv
from pathlib import Path

VALID_ROWS: dict[str, dict[str, str]] = {
    "mechanisms": {"mechanism_id": "M1", "name": "Special Rapporteur on assembly", "kind": "special_procedure",
                   "theme": "assembly"},
    "organisations": {"org_id": "O1", "name": "Kenya Defenders", "org_type": "national_ngo", "country": "KEN",
                      "women_led": "yes", "youth_led": "No", "constituencies": "women;lgbti", "budget_band": "lt_50k",
                      "ecosoc_status": "false", "at_risk": "0"},
    "engagements": {"engagement_id": "E1", "mechanism_id": "M1", "kind": "consultation", "title": "Regional consultation",
                    "start_date": "2026-01-05", "end_date": "2026-01-06", "country": "KEN", "modality": "online",
                    "languages": "en;fr", "accessibility": "captioning", "output_published_on": ""},
    "participations": {"engagement_id": "E1", "org_id": "O1", "registered": "true", "attended": "true", "spoke": "true",
                       "participants_total": "10", "participants_women": "4", "outcome_communicated_on": ""},
    "submissions": {"submission_id": "S1", "engagement_id": "E1", "org_id": "O1", "received_on": "2026-01-10",
                    "language": "en", "acknowledged_on": "2026-01-12", "reflected_in_output": ""},
    "recommendations": {"recommendation_id": "R1", "mechanism_id": "M1", "engagement_id": "E1", "issued_on": "2026-02-01",
                        "addressee_country": "KEN", "text": "Protect civic space", "themes": "civic space;gender",
                        "state_response": "supported", "specificity": "3", "informed_by_cso": "yes", "due_on": "",
                        "recommending_country": "FRA", "recommending_group": "WEOG"},
    "follow_ups": {"follow_up_id": "F1", "recommendation_id": "R1", "reported_on": "2026-03-01", "source": "cso",
                   "status": "in_progress"},
    "feedback": {"response_id": "FB1", "engagement_id": "E1", "org_id": "O1", "submitted_on": "2026-01-20",
                 "satisfaction": "4", "felt_heard": "5", "informed_of_outcome": "yes", "faced_restrictions": "no"},
    "targets": {"indicator_id": "PAR-01", "period": "2026", "baseline": "0.4", "target": "0.5"},
}

KNOWN_INDICATORS = frozenset({"PAR-01", "PAR-02"})


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_valid_folder(folder: Path, **changes: dict[str, str]) -> Path:
    """Every entity's valid row as `<entity>.csv` in `folder`, with `changes[entity]` applied."""
    folder.mkdir(parents=True, exist_ok=True)
    for entity, row in VALID_ROWS.items():
        write_csv(folder / f"{entity}.csv", [{**row, **changes.get(entity, {})}])
    return folder
