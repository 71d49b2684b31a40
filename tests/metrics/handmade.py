"""Tiny hand-made warehouses for tests: a real DuckDB file made by `warehouse.db.connect`, rows
inserted with bound parameters, and defaults for every column a test does not care about.

    path = (HandmadeWarehouse(tmp_path / "w.duckdb")
            .mechanism("M1", kind="upr")
            .organisation("O1", women_led=True)
            .engagement("E1", start_date="2026-03-02")
            .participation("E1", "O1")
            .write())
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from warehouse.contract import ENTITIES
from warehouse.db import connect

_DEFAULTS: dict[str, dict[str, object]] = {
    "mechanisms": {"name": "A mechanism", "kind": "special_procedure", "theme": None},
    "organisations": {
        "name": "An organisation", "org_type": "national_ngo", "country": "KEN", "women_led": False,
        "youth_led": False, "constituencies": [], "budget_band": "unknown", "ecosoc_status": False,
        "at_risk": False,
    },
    "engagements": {
        "mechanism_id": "M1", "kind": "consultation", "title": "An engagement", "end_date": None,
        "country": None, "modality": "in_person", "languages": ["en"], "accessibility": [],
        "output_published_on": None,
    },
    "participations": {
        "registered": True, "attended": True, "spoke": False, "participants_total": 1,
        "participants_women": 0, "outcome_communicated_on": None,
    },
    "submissions": {"org_id": None, "language": "en", "acknowledged_on": None, "reflected_in_output": None},
    "recommendations": {
        "mechanism_id": "M1", "engagement_id": None, "addressee_country": "KEN", "text": "A recommendation",
        "themes": [], "state_response": "none", "specificity": None, "informed_by_cso": False, "due_on": None,
        "recommending_country": None, "recommending_group": None,
    },
    "follow_ups": {"source": "state", "status": "no_information"},
    "feedback": {
        "org_id": None, "satisfaction": 3, "felt_heard": 3, "informed_of_outcome": False,
        "faced_restrictions": False,
    },
    "targets": {"baseline": None},
}

_DATE_COLUMNS = {
    (entity.name, column.name) for entity in ENTITIES.values() for column in entity.columns if column.type == "date"
}


class HandmadeWarehouse:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.rows: dict[str, list[dict[str, object]]] = {name: [] for name in ENTITIES}

    def _add(self, entity: str, given: dict[str, object]) -> HandmadeWarehouse:
        row = {**_DEFAULTS[entity], **given}
        unknown = set(row) - set(ENTITIES[entity].column_names)
        missing = set(ENTITIES[entity].column_names) - set(row)
        if unknown or missing:
            raise TypeError(f"{entity}: unknown columns {sorted(unknown)}, missing columns {sorted(missing)}")
        for column, value in row.items():
            if (entity, column) in _DATE_COLUMNS and isinstance(value, str):
                row[column] = date.fromisoformat(value)
        self.rows[entity].append(row)
        return self

    def mechanism(self, mechanism_id: str, **columns) -> HandmadeWarehouse:
        return self._add("mechanisms", {"mechanism_id": mechanism_id, **columns})

    def organisation(self, org_id: str, **columns) -> HandmadeWarehouse:
        return self._add("organisations", {"org_id": org_id, **columns})

    def engagement(self, engagement_id: str, start_date: str | date, **columns) -> HandmadeWarehouse:
        columns.setdefault("end_date", None)
        if columns["end_date"] is None:
            columns["end_date"] = start_date
        return self._add("engagements", {"engagement_id": engagement_id, "start_date": start_date, **columns})

    def participation(self, engagement_id: str, org_id: str, **columns) -> HandmadeWarehouse:
        return self._add("participations", {"engagement_id": engagement_id, "org_id": org_id, **columns})

    def submission(self, submission_id: str, engagement_id: str, received_on: str | date,
                   **columns) -> HandmadeWarehouse:
        return self._add("submissions", {"submission_id": submission_id, "engagement_id": engagement_id,
                                         "received_on": received_on, **columns})

    def recommendation(self, recommendation_id: str, issued_on: str | date, **columns) -> HandmadeWarehouse:
        return self._add("recommendations", {"recommendation_id": recommendation_id, "issued_on": issued_on,
                                             **columns})

    def follow_up(self, follow_up_id: str, recommendation_id: str, reported_on: str | date,
                  **columns) -> HandmadeWarehouse:
        return self._add("follow_ups", {"follow_up_id": follow_up_id, "recommendation_id": recommendation_id,
                                        "reported_on": reported_on, **columns})

    def feedback(self, response_id: str, engagement_id: str, submitted_on: str | date,
                 **columns) -> HandmadeWarehouse:
        return self._add("feedback", {"response_id": response_id, "engagement_id": engagement_id,
                                      "submitted_on": submitted_on, **columns})

    def target(self, indicator_id: str, period: str, target: float, **columns) -> HandmadeWarehouse:
        return self._add("targets", {"indicator_id": indicator_id, "period": period, "target": target, **columns})

    def write(self) -> Path:
        """Create the warehouse (migrated) and insert every row; return its path."""
        con = connect(self.path)
        try:
            con.execute("BEGIN TRANSACTION")
            for entity, rows in self.rows.items():
                columns = ENTITIES[entity].column_names
                statement = (f"INSERT INTO {entity} ({', '.join(columns)}) "
                             f"VALUES ({', '.join('?' for _ in columns)})")
                for row in rows:
                    con.execute(statement, [row[c] for c in columns])
            con.execute("COMMIT")
        finally:
            con.close()
        return self.path


def cell(table: pl.DataFrame, indicator_id: str, grain: str, period: str, breakdown: str = "total",
         breakdown_value: str = "all") -> tuple[int | None, int | None, float | None] | None:
    """(numerator, denominator, value) of one row of an indicator table, None when the row is absent."""
    found = table.filter(
        (pl.col("indicator_id") == indicator_id) & (pl.col("grain") == grain) & (pl.col("period") == period)
        & (pl.col("breakdown") == breakdown) & (pl.col("breakdown_value") == breakdown_value)
    )
    assert found.height <= 1, f"{indicator_id} has {found.height} rows for one cell"
    if found.height == 0:
        return None
    row = found.row(0, named=True)
    numerator = None if row["numerator"] is None else int(row["numerator"])
    denominator = None if row["denominator"] is None else int(row["denominator"])
    return numerator, denominator, row["value"]


def periods(table: pl.DataFrame, indicator_id: str, grain: str, breakdown: str = "total",
            breakdown_value: str = "all") -> list[str]:
    """The periods that have a row for this indicator, grain and cell, in order."""
    return sorted(table.filter(
        (pl.col("indicator_id") == indicator_id) & (pl.col("grain") == grain)
        & (pl.col("breakdown") == breakdown) & (pl.col("breakdown_value") == breakdown_value)
    )["period"].to_list())
