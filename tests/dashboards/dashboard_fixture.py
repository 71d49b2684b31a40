"""A hand-built warehouse for the dashboard tests (known numbers, a small cell, a quarantined row),
and a real `agora serve` over a warehouse in a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, datetime
from pathlib import Path

import polars as pl

from metrics.catalogue import load_catalogue
from warehouse.db import connect

RUN_ID = "run-fixture-0001"
#: mid-quarter: 2026-Q2, 2026-05 and the year 2026 are partial periods (spec v2)
AS_OF = date(2026, 5, 15)
PERIODS = {
    "year": ["2024", "2025", "2026"],
    "quarter": [f"{y}-Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)] + ["2026-Q1", "2026-Q2"],
    "month": [f"2025-{m:02d}" for m in range(7, 13)] + [f"2026-{m:02d}" for m in range(1, 6)],
}
PARTIAL = {"year": "2026", "quarter": "2026-Q2", "month": "2026-05"}
#: the last complete period of each grain: where the dashboard's default view ends
LAST_COMPLETE = {"year": "2025", "quarter": "2026-Q1", "month": "2026-04"}
#: INC-01 has no row at all in this quarter (a trend breaks there)
MISSING = ("INC-01", "quarter", "2025-Q3")
#: FOL-05's total in 2026-Q1 rests on 3 responses, 0 of them counted: too few for a headline
TINY = ("FOL-05", "quarter", "2026-Q1", 0, 3)
VALUES = {
    "mechanism_kind": ["special_procedure", "treaty_body", "upr"],
    "mechanism_id": ["SR-EXPR", "CRC", "UPR"],
    "engagement_kind": ["consultation", "country_visit", "review"],
    "modality": ["in_person", "online", "hybrid"],
    "region": ["AG", "APG", "WEOG"],
    "org_type": ["national_ngo", "community_based", "network"],
    "engagement_id": ["E-1", "E-2", "E-3"],
}
MECHANISMS = [("SR-EXPR", "Special Rapporteur on freedom of expression", "special_procedure"),
              ("CRC", "Committee on the Rights of the Child", "treaty_body"),
              ("UPR", "Universal Periodic Review", "upr")]
INDICATOR_SCHEMA = {
    "run_id": pl.String, "indicator_id": pl.String, "indicator_name": pl.String, "area": pl.String,
    "unit": pl.String, "grain": pl.String, "period": pl.String, "period_start": pl.Date, "period_end": pl.Date,
    "breakdown": pl.String, "breakdown_value": pl.String, "numerator": pl.Int64, "denominator": pl.Int64,
    "value": pl.Float64, "baseline": pl.Float64, "target": pl.Float64, "status": pl.String, "as_of": pl.Date,
}
#: PAR-02's quarterly totals from 2025-Q1 have these targets and baselines (met by the fixture's values)
PAR02_TARGET = 0.5
PAR02_BASELINE = 0.4
PAR02_TARGETED = ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2")


def period_bounds(period: str) -> tuple[date, date]:
    year, _, part = period.partition("-")
    y = int(year)
    if not part:
        return date(y, 1, 1), date(y, 12, 31)
    if part.startswith("Q"):
        q = int(part[1:])
        start = date(y, 3 * q - 2, 1)
        end = date(y + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    else:
        m = int(part)
        start, end = date(y, m, 1), date(y + (m == 12), 1 if m == 12 else m + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


#: the checks kept for the loads L1 (organisations, 10 rows) and L2 (engagements, 5 rows)
RECORD_CHECKS = [
    ("L1", "organisations", "organisations.csv", 0, "great_expectations", "expect_column_values_to_not_be_null",
     "women_led", "organisations.women_led.required", False, 1, 10),
    ("L1", "organisations", "organisations.csv", 1, "great_expectations", "expect_column_values_to_be_in_set",
     "country", "organisations.country.country", False, 1, 10),
    ("L1", "organisations", "organisations.csv", 2, "ingest", "key_unique_in_file", None,
     "organisations.duplicate_key", True, 0, 10),
    ("L2", "engagements", "engagements.csv", 0, "ingest", "values_exist_in_parent", "mechanism_id",
     "engagements.mechanism_id.exists", True, 0, 5),
]


def cells_of(breakdowns: tuple[str, ...]) -> list[tuple[str, str]]:
    """The total, each breakdown's values, then the crossed cells of spec v2: every other breakdown
    within each mechanism (`mechanism_id|b`, `M|v`) and within each mechanism kind."""
    cells = [("total", "all")] + [(b, v) for b in breakdowns if b != "total" for v in VALUES[b]]
    crossed = [b for b in breakdowns if b not in ("total", "mechanism_id", "mechanism_kind")]
    for scope in ("mechanism_id", "mechanism_kind"):
        if scope in breakdowns:
            cells += [(f"{scope}|{b}", f"{m}|{v}") for m in VALUES[scope] for b in crossed for v in VALUES[b]]
    return cells


def fixture_rows() -> list[tuple]:
    """Deterministic indicator rows: every catalogue indicator, grain, period and cell (plain and crossed)."""
    rows = []
    for i, ind in enumerate(load_catalogue().indicators):
        for grain, periods in PERIODS.items():
            for p, period in enumerate(periods):
                if (ind.id, grain, period) == MISSING:
                    continue
                start, end = period_bounds(period)
                for c, (breakdown, value_label) in enumerate(cells_of(ind.breakdowns)):
                    denominator = 40 + 3 * p + 7 * (c % 11) + i
                    # one small cell per indicator: the first breakdown value in the first period
                    if c == 1 and p == 0:
                        denominator = 3
                    numerator = (denominator * (40 + 5 * ((p + c + i) % 9))) // 100
                    if (ind.id, grain, period) == TINY[:3] and breakdown == "total":
                        numerator, denominator = TINY[3:]
                    if ind.unit == "count":
                        num, den, value = numerator + denominator, None, float(numerator + denominator)
                    elif ind.unit == "ratio":
                        num, den, value = numerator, denominator, numerator / denominator
                    elif ind.unit == "mean":
                        num, den, value = numerator * 3, denominator, numerator * 3 / denominator
                    elif ind.unit == "median":
                        num, den, value = None, denominator, float(2 + (p + c) % 5)
                    else:
                        num, den, value = None, denominator, round(0.5 + ((p + c + i) % 5) / 10, 4)
                    target = baseline = None
                    status = "no_target"
                    if ind.id == "PAR-02" and grain == "quarter" and period in PAR02_TARGETED and breakdown == "total":
                        target, baseline = PAR02_TARGET, PAR02_BASELINE
                        status = "met" if value >= target else "not_met"
                    rows.append((RUN_ID, ind.id, ind.name, ind.area, ind.unit, grain, period, start, end,
                                 breakdown, value_label, num, den, value, baseline, target, status, AS_OF))
    return rows


def build_fixture_warehouse(path: Path) -> Path:
    con = connect(path)
    try:
        con.executemany("INSERT INTO mechanisms VALUES (?, ?, ?, NULL)", MECHANISMS)
        rows = fixture_rows()
        # executemany inserts row by row, far too slowly; a registered frame goes in as one scan
        con.register("fixture_rows", pl.DataFrame(rows, schema=INDICATOR_SCHEMA, orient="row"))
        con.execute("INSERT INTO indicator_values SELECT * FROM fixture_rows")
        validation = {"suite": "indicator_table", "success": False, "rows": 0, "checks": [
            {"rule": "every indicator has rows", "success": True},
            {"rule": "ratios lie between 0 and 1", "success": False},
        ]}
        con.execute("INSERT INTO runs VALUES (?, ?, ?, 'c', 'd', 'test', '{}', ?, ?)",
                    [RUN_ID, AS_OF, datetime(2026, 7, 1, 9, 30), json.dumps(validation), len(rows)])
        # the catalogue a build keeps with its run (the snapshot's catalogue table is copied from it)
        con.executemany(f"INSERT INTO run_catalogue_rows VALUES ({', '.join('?' * 12)})",
                        [(RUN_ID, *row) for row in load_catalogue().reference_rows()])
        con.execute("""INSERT INTO load_log VALUES
            ('L1', 'organisations.csv', 'h1', 'organisations', 10, 9, 1, [], '2026-06-01 10:00', '2026-06-01 10:00:05'),
            ('L2', 'engagements.csv', 'h2', 'engagements', 5, 5, 0, [], '2026-06-01 10:01', '2026-06-01 10:01:02')""")
        con.executemany("INSERT INTO validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", RECORD_CHECKS)
        con.execute("""INSERT INTO quarantine VALUES
            ('L1', 'organisations', 'organisations.csv', 4, ['country: XXX is not a known ISO 3166-1 alpha-3 code',
             'women_led is empty'], '{}')""")
        con.execute("""INSERT INTO engagements VALUES ('E-1', 'SR-EXPR', 'consultation', 'Consultation', '2026-05-02',
            '2026-05-03', NULL, 'online', ['en'], [], NULL)""")
    finally:
        con.close()
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`agora serve` in a subprocess, stopped (by its own pid) when the test session ends."""

    def __init__(self, warehouse: Path, *flags: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        agora = Path(sys.executable).with_name("agora")
        self.process = subprocess.Popen(
            [str(agora), "--warehouse", str(warehouse), "serve", "--port", str(self.port), *flags],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"agora serve exited: {self.process.stdout.read().decode()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("agora serve did not answer within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
