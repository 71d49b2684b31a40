"""Tiny warehouses written row by row (real DuckDB files, bound parameters) for hand-worked tests.

Every column has a plain default so a test states only what its answer depends on.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from warehouse.db import connect

D = date.fromisoformat

DEFAULTS: dict[str, dict] = {
    "mechanisms": {"name": "Mechanism", "kind": "special_procedure", "theme": None},
    "organisations": {"name": "Org", "org_type": "national_ngo", "country": "KEN", "women_led": False,
                      "youth_led": False, "constituencies": [], "budget_band": "unknown",
                      "ecosoc_status": False, "at_risk": False},
    "engagements": {"mechanism_id": "M1", "kind": "consultation", "title": "Engagement", "country": None,
                    "modality": "in_person", "languages": ["en"], "accessibility": [],
                    "output_published_on": None},
    "participations": {"registered": True, "attended": True, "spoke": False, "participants_total": 1,
                       "participants_women": 0, "outcome_communicated_on": None},
    "submissions": {"org_id": None, "language": "en", "acknowledged_on": None, "reflected_in_output": None},
    "recommendations": {"mechanism_id": "M1", "engagement_id": None, "addressee_country": "KEN", "text": "Do",
                        "themes": [], "state_response": "none", "specificity": None, "informed_by_cso": False,
                        "due_on": None, "recommending_country": None, "recommending_group": None},
    "follow_ups": {"source": "state", "status": "no_information"},
    "feedback": {"org_id": None, "satisfaction": 3, "felt_heard": 3, "informed_of_outcome": False,
                 "faced_restrictions": False},
    "targets": {"baseline": None},
}


class HandBuilt:
    """Collects rows, then writes them into a fresh warehouse file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.rows: dict[str, list[dict]] = {entity: [] for entity in DEFAULTS}
        self.add("mechanisms", mechanism_id="M1")

    def add(self, entity: str, **values) -> "HandBuilt":
        row = {**DEFAULTS[entity], **values}
        for key, value in row.items():
            if isinstance(value, str) and key.endswith(("_date", "_on")) and value:
                row[key] = D(value)
        self.rows[entity].append(row)
        return self

    def org(self, org_id: str, **values) -> "HandBuilt":
        return self.add("organisations", org_id=org_id, **values)

    def engagement(self, engagement_id: str, start: str, end: str | None = None, **values) -> "HandBuilt":
        return self.add("engagements", engagement_id=engagement_id, start_date=start, end_date=end or start,
                        **values)

    def write(self) -> Path:
        con = connect(self.path)
        try:
            for entity, rows in self.rows.items():
                for row in rows:
                    columns = list(row)
                    con.execute(
                        f"INSERT INTO {entity} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                        [row[c] for c in columns],
                    )
        finally:
            con.close()
        return self.path
