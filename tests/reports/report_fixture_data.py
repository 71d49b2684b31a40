"""A small hand-built warehouse for report tests: one kept run whose indicator rows are written
here by hand (bound parameters), with the load log, quarantine and records behind them."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from foundation.vocabulary import Period
from warehouse.db import connect

AS_OF = date(2026, 6, 30)
RUN_ID = "run-handbuilt-1"
#: an organisation that must never appear in a public report
SECRET_ORG = ("ORG-0042", "Secret Defenders Collective")

NAMES = {
    "PAR-01": ("Organisations engaged", "Participation", "count"),
    "PAR-02": ("Attendance rate", "Participation", "ratio"),
    "INC-05": ("Regional balance", "Inclusivity", "index"),
    "FOL-02": ("Days to acknowledge", "Follow-through", "median"),
    "FOL-11": ("Satisfaction", "Follow-through", "mean"),
    "FOL-13": ("Restrictions reported", "Follow-through", "ratio"),
}


def row(indicator, period, numerator, denominator, value, breakdown="total", breakdown_value="all",
        baseline=None, target=None, status="no_target"):
    name, area, unit = NAMES[indicator]
    p = Period.parse(period)
    return (RUN_ID, indicator, name, area, unit, p.grain, period, p.start, p.end, breakdown, breakdown_value,
            numerator, denominator, value, baseline, target, status, AS_OF)


def indicator_rows() -> list[tuple]:
    rows = []
    # PAR-01, a count where higher is better: a quarterly series, breakdowns, targets.
    series = {"2024-Q3": 300, "2024-Q4": 310, "2025-Q1": 320, "2025-Q2": 330, "2025-Q3": 340,
              "2025-Q4": 350, "2026-Q1": 368, "2026-Q2": 412}
    for period, n in series.items():
        target = {"2026-Q1": 400.0, "2026-Q2": 400.0}.get(period)
        status = "no_target" if target is None else ("met" if n >= target else "not_met")
        rows.append(row("PAR-01", period, n, None, float(n), baseline=300.0 if target else None,
                        target=target, status=status))
    rows.append(row("PAR-01", "2026", 2751, None, 2751.0, baseline=1000.0, target=1500.0, status="met"))
    rows += [row("PAR-01", "2026-Q2", 409, None, 409.0, "region", "AG"),
             row("PAR-01", "2026-Q2", 3, None, 3.0, "region", "WEOG"),
             row("PAR-01", "2026-Q2", 250, None, 250.0, "org_type", "national_ngo"),
             row("PAR-01", "2026-Q2", 162, None, 162.0, "org_type", "community_based"),
             row("PAR-01", "2026-Q2", 412, None, 412.0, "mechanism_kind", "upr"),
             # a crossed cell (spec v2): one mechanism's own regional breakdown, never a plain regional row
             row("PAR-01", "2026-Q2", 407, None, 407.0, "mechanism_id|region", "UPR|AG")]
    # PAR-02, a ratio: 73.2% now, 65.1% before (of 1,000 each: a change far beyond chance); one small
    # regional cell.
    rows += [row("PAR-02", "2026-Q1", 651, 1000, 0.651),
             row("PAR-02", "2026-Q2", 732, 1000, 0.732, baseline=0.6, target=0.75, status="not_met"),
             row("PAR-02", "2025-Q2", 650, 1000, 0.65),
             row("PAR-02", "2026-Q2", 3, 4, 0.75, "region", "WEOG"),
             row("PAR-02", "2026-Q2", 729, 996, 729 / 996, "region", "AG")]
    rows += [row("INC-05", "2026-Q2", None, 120, 0.98), row("INC-05", "2026-Q1", None, 110, 0.95)]
    # FOL-02, a median where lower is better.
    rows += [row("FOL-02", "2026-Q1", None, 35, 8.0),
             row("FOL-02", "2026-Q2", None, 40, 6.0, target=7.0, status="met")]
    rows += [row("FOL-11", "2026-Q2", 765, 50, 15.3)]
    # FOL-13, a ratio where lower is better: 10% against a ceiling of 8% in Q2; 5% against 8% in Q1.
    rows += [row("FOL-13", "2026-Q1", 2, 40, 0.05, target=0.08, status="met"),
             row("FOL-13", "2026-Q2", 5, 50, 0.10, baseline=0.12, target=0.08, status="not_met"),
             row("FOL-13", "2026", 7, 90, 7 / 90, target=0.08, status="met"),
             # a suppressed public total: count under 5
             row("FOL-13", "2025-Q2", 1, 3, 1 / 3)]
    return rows


#: the run's life-of-programme targets (indicator, baseline, target): a ratio from a baseline, a
#: lower-is-better ratio without one, a lower-is-better median from a baseline, one with no data yet
PROGRAMME_TARGETS = [("PAR-02", 0.5, 0.8), ("FOL-13", None, 0.06), ("FOL-02", 10.0, 5.0), ("FOL-08", None, 0.1)]


#: the checks kept for L1 (organisations, in 2026-Q2) and L2 (engagements, after the run was built)
RECORD_CHECKS = [
    ("L1", "organisations", "/data/in/organisations.csv", 0, "great_expectations",
     "expect_column_values_to_not_be_null", "name", "organisations.name.required", True, 0, 3),
    ("L1", "organisations", "/data/in/organisations.csv", 1, "great_expectations",
     "expect_column_values_to_be_in_set", "country", "organisations.country.country", False, 1, 3),
    ("L1", "organisations", "/data/in/organisations.csv", 2, "ingest", "key_unique_in_file", None,
     "organisations.duplicate_key", False, 1, 3),
    ("L2", "engagements", "/data/in/engagements.csv", 0, "ingest", "values_exist_in_parent", "mechanism_id",
     "engagements.mechanism_id.exists", True, 0, 1),
]


def build_handbuilt_warehouse(path: Path) -> Path:
    con = connect(path)
    try:
        con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            RUN_ID, AS_OF, datetime(2026, 7, 1, 9, 0), "cat-hash-1", "data-hash-1", "0.1.0-test", "{}",
            json.dumps({"suite": "indicator table", "success": True, "rows": 42,
                        "checks": [{"rule": "values of ratios lie in 0..1", "success": True}]}), 42,
        ])
        con.executemany(f"INSERT INTO indicator_values VALUES ({', '.join('?' * 18)})", indicator_rows())
        con.executemany("INSERT INTO run_programme_targets VALUES (?, ?, ?, ?)",
                        [(RUN_ID, *target) for target in PROGRAMME_TARGETS])
        con.execute("INSERT INTO organisations VALUES (?, ?, 'national_ngo', 'KEN', true, false, [], 'lt_50k', false, true)",
                    list(SECRET_ORG))
        con.execute("INSERT INTO mechanisms VALUES ('UPR', 'Universal Periodic Review', 'upr', NULL)")
        con.execute("INSERT INTO engagements VALUES ('ENG-1', 'UPR', 'consultation', 'Consultation', ?, ?, 'KEN', "
                    "'hybrid', ['en'], [], NULL)", [date(2026, 5, 4), date(2026, 5, 5)])
        con.executemany("INSERT INTO load_log VALUES (?, ?, ?, ?, ?, ?, ?, [], ?, ?)", [
            ("L1", "/data/in/organisations.csv", "h1", "organisations", 3, 1, 2,
             datetime(2026, 5, 2, 10, 0), datetime(2026, 5, 2, 10, 1)),
            ("L2", "/data/in/engagements.csv", "h2", "engagements", 1, 1, 0,
             datetime(2026, 8, 2, 10, 0), datetime(2026, 8, 2, 10, 1)),
        ])
        con.executemany("INSERT INTO validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", RECORD_CHECKS)
        con.executemany("INSERT INTO quarantine VALUES ('L1', 'organisations', '/data/in/organisations.csv', ?, ?, ?)", [
            (2, [f"org_id '{SECRET_ORG[0]}' appears twice in the file"], json.dumps({"org_id": SECRET_ORG[0]})),
            (3, ["country 'XXX' is not a known ISO 3166-1 alpha-3 code"], json.dumps({"country": "XXX"})),
        ])
    finally:
        con.close()
    return path
