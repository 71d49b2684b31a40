"""Data quality: recent loads, quarantined rows by entity and reason, the last validation of the
records (each entity's latest load) beside the last output validation, and how fresh each entity's
records are."""

from __future__ import annotations

import dash
import polars as pl
from dash import html

from dashboards.components import current, grid, message, page

dash.register_page(__name__, path="/data-quality", name="Data quality", title="Agora · Data quality", order=5)

RECENT_LOADS = 50


def layout(**_query) -> html.Main:
    pub = current()
    if pub is None:
        return page("Data quality", pub)
    return page("Data quality", pub, *_summary(pub), *_loads(pub), *_quarantine(pub), *_record_validation(pub),
                *_validation(pub),
                *_freshness(pub), needs_indicators=False)


def _summary(pub) -> list:
    loads = pub.loads
    read, loaded, quarantined = (int(loads[c].sum()) if loads.height else 0
                                 for c in ("rows_read", "rows_loaded", "rows_quarantined"))
    checks = pub.validation
    passed = int(checks["success"].sum()) if checks.height else 0
    record_checks = pub.record_validation
    records_passed = int(record_checks["success"].sum()) if record_checks.height else 0
    return [html.Div([
        _figure_box("Files loaded", f"{loads.height:,}"),
        _figure_box("Rows read", f"{read:,}"),
        _figure_box("Rows loaded", f"{loaded:,}"),
        _figure_box("Rows quarantined", f"{quarantined:,}"),
        _figure_box("Record checks passed", f"{records_passed} of {record_checks.height}"
                    if record_checks.height else "none kept yet"),
        _figure_box("Output checks passed", f"{passed} of {checks.height}" if checks.height else "no run yet"),
    ], className="figures", id="quality-summary")]


def _figure_box(label: str, value: str) -> html.Div:
    return html.Div([html.Span(value, className="figure-value"), html.Span(label, className="figure-label")],
                    className="figure-box")


def _loads(pub) -> list:
    recent = pub.loads.head(RECENT_LOADS).with_columns(
        pl.col("started_at").dt.strftime("%Y-%m-%d %H:%M:%S"), pl.col("finished_at").dt.strftime("%Y-%m-%d %H:%M:%S"))
    return [html.H2("Recent loads"),
            html.P("Every file loaded, newest first: rows read = rows loaded + rows quarantined.", className="lede"),
            grid("quality-loads", recent.to_dicts(), _columns(recent), height="300px")
            if recent.height else message("Nothing has been loaded yet: run `agora ingest`.")]


def _quarantine(pub) -> list:
    intro = ("Quarantined rows by entity and reason (a row with several reasons counts under each)."
             if pub.audience == "internal" else "Quarantined rows by entity.")
    return [html.H2("Quarantine"), html.P(intro, className="lede"),
            grid("quality-quarantine", pub.quarantine.to_dicts(), _columns(pub.quarantine), height="260px")
            if pub.quarantine.height else message("No row has been quarantined.")]


def _record_validation(pub) -> list:
    heading = html.H2("Last validation of records")
    if not pub.record_validation.height:
        return [heading, message("No load has kept its check results yet: loads made with this version of "
                                 "Agora keep them (run `agora ingest`).")]
    checks = pub.record_validation.select(
        "entity", pl.col("rule").alias("check"), "expectation", "rows_checked", "rows_failing",
        _result(pl.col("success")),
    )
    return [heading,
            html.P("Every check of each entity's latest load: the Great Expectations suite of the entity and "
                   "ingest's own checks (cells of the right type, references that exist, dates across "
                   "entities, repeated keys). Rows failing are the rows quarantined for that check.",
                   className="lede"),
            grid("quality-record-validation", checks.to_dicts(), _columns(checks), height="420px")]


def _result(success: pl.Expr) -> pl.Expr:
    return pl.when(success).then(pl.lit("✓ passed")).otherwise(pl.lit("✗ failed")).alias("result")


def _validation(pub) -> list:
    run = pub.latest_run
    if run is None:
        return [html.H2("Output validation"), message("No indicator run yet: run `agora build`.")]
    checks = pub.validation.with_columns(_result(pl.col("success"))).drop("success")
    return [html.H2("Output validation"),
            html.P(f"The checks of run {run['run_id']} (as of {run['as_of']}) on its indicator table.",
                   className="lede"),
            grid("quality-validation", checks.to_dicts(), _columns(checks), height="260px")
            if checks.height else message("The latest run recorded no validation checks.")]


def _freshness(pub) -> list:
    fresh = pub.freshness.with_columns(pl.col("latest_reference_date").cast(pl.String),
                                       pl.col("last_load").dt.strftime("%Y-%m-%d %H:%M:%S"))
    return [html.H2("Freshness"),
            html.P("Per entity: records held, the latest reference date among them, and the last load.",
                   className="lede"),
            grid("quality-freshness", fresh.to_dicts(), _columns(fresh), height="320px")]


def _columns(frame: pl.DataFrame) -> list[dict]:
    return [{"field": c, "headerName": c.replace("_", " "),
             **({"type": "rightAligned"} if frame[c].dtype.is_numeric() else {})} for c in frame.columns]
