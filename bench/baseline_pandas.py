"""All 29 indicators of `shared/spec/indicators.md` in plain pandas: the slow, obvious baseline.

Written the way an analyst would in a notebook: the warehouse tables as DataFrames, every record
copied once per grain and breakdown cell (crossed cells too), then `groupby`. It gives the same numbers as the
engine and the DuckDB SQL baseline, and the engine's benchmark reports how much faster they are.

    .venv/bin/python -m bench.baseline_pandas --scale 20000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from bench.baseline_sql import (
    benchmark_arguments, crossed, measure, participation_count, prepared_warehouse, report_line, sql_in_child,
)
from warehouse.contract import ENTITIES
from warehouse.reference import regional_group

KEYS = ["grain", "period", "breakdown", "breakdown_value"]
COLUMNS = ["indicator_id", *KEYS, "numerator", "denominator", "value"]
NO_ROWS = pd.DataFrame(columns=COLUMNS)

ORG = ["total", "mechanism_kind", "mechanism_id", "engagement_kind", "region", "org_type"]
PART = ORG + ["modality"]
EVT = ["total", "mechanism_kind", "mechanism_id", "engagement_kind", "modality"]
SUB = ["total", "mechanism_kind", "mechanism_id", "region", "org_type"]
REC = ["total", "mechanism_kind", "mechanism_id", "engagement_id", "region"]
FUP = ["total", "mechanism_kind", "mechanism_id", "region"]
MECHANISM_CELLS = ["total", "mechanism_kind", "mechanism_id"]
ORG_SIDE_CELLS = ["total", "mechanism_kind", "region", "org_type"]


def warehouse_tables(path: Path | str) -> dict[str, pd.DataFrame]:
    """Every entity table of a warehouse as a pandas DataFrame."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {name: con.sql(f"SELECT * FROM {name}").df() for name in ENTITIES}
    finally:
        con.close()


def period_labels(days: pd.Series, grain: str) -> pd.Series:
    days = pd.to_datetime(days)
    if grain == "year":
        return days.dt.strftime("%Y")
    if grain == "quarter":
        return days.dt.strftime("%Y") + "-Q" + days.dt.quarter.astype(str)
    return days.dt.strftime("%Y-%m")


def _breakdown_values(facts: pd.DataFrame, breakdown: str) -> np.ndarray:
    if breakdown == "total":
        return np.full(len(facts), "all", dtype=object)
    if "|" in breakdown:
        within, other = breakdown.split("|")
        return (facts[within].astype(str) + "|" + facts[other].astype(str)).to_numpy(dtype=object)
    return facts[breakdown].to_numpy(dtype=object)


def _in_cells(facts: pd.DataFrame, breakdowns: list[str], carried: list[str]) -> pd.DataFrame:
    """Each fact once per grain and breakdown it falls in (crossed ones too), with its period label and
    the `carried` columns the indicator needs (only those: the copies are many)."""
    grains, periods, names, values = [], [], [], []
    for grain in ("year", "quarter", "month"):
        labels = period_labels(facts["ref_date"], grain).to_numpy(dtype=object)
        for breakdown in crossed(tuple(breakdowns)):
            grains.append(np.full(len(facts), grain, dtype=object))
            periods.append(labels)
            names.append(np.full(len(facts), breakdown, dtype=object))
            values.append(_breakdown_values(facts, breakdown))
    cells = facts[carried].iloc[np.tile(np.arange(len(facts)), len(grains))].reset_index(drop=True)
    return cells.assign(grain=np.concatenate(grains), period=np.concatenate(periods),
                        breakdown=np.concatenate(names), breakdown_value=np.concatenate(values))


def _rows(indicator_id: str, grouped: pd.DataFrame) -> pd.DataFrame:
    return grouped.reset_index().assign(indicator_id=indicator_id)[COLUMNS]


def _ratio(indicator_id: str, facts: pd.DataFrame, breakdowns: list[str], numerator: str,
           denominator: str | None = None) -> pd.DataFrame:
    """Sum of `numerator` over the sum of `denominator` (or the number of facts) per cell."""
    if facts.empty:
        return NO_ROWS
    cells = _in_cells(facts.assign(one=1), breakdowns, [numerator, denominator or "one"])
    grouped = cells.groupby(KEYS).agg(numerator=(numerator, "sum"), denominator=(denominator or "one", "sum"))
    grouped = grouped[grouped["denominator"] > 0]
    grouped["value"] = grouped["numerator"] / grouped["denominator"]
    return _rows(indicator_id, grouped)


def _organisations_in_cells(contacts: pd.DataFrame, breakdowns: list[str],
                            carried: Sequence[str] = ()) -> pd.DataFrame:
    """One row per engaged organisation and cell, however many contacts it had there."""
    return _in_cells(contacts, breakdowns, ["org_id", *carried]).drop_duplicates([*KEYS, "org_id"])


def _share_of_organisations(indicator_id: str, contacts: pd.DataFrame, breakdowns: list[str],
                            numerator: str) -> pd.DataFrame:
    if contacts.empty:
        return NO_ROWS
    cells = _organisations_in_cells(contacts, breakdowns, [numerator])
    grouped = cells.groupby(KEYS).agg(numerator=(numerator, "sum"), denominator=("org_id", "size"))
    grouped["value"] = grouped["numerator"] / grouped["denominator"]
    return _rows(indicator_id, grouped)


def indicator_table_pandas(tables: dict[str, pd.DataFrame], as_of: date) -> pd.DataFrame:
    """The indicator table (indicator_id, grain, period, breakdown, breakdown_value, numerator,
    denominator, value) computed from the warehouse tables at the build date `as_of`."""
    build_date = pd.Timestamp(as_of)
    t = {name: frame.copy() for name, frame in tables.items()}
    for frame in t.values():
        for column in frame.columns:
            if column.endswith(("_date", "_on")):
                frame[column] = pd.to_datetime(frame[column])

    def days_between(earlier: pd.Series, later: pd.Series) -> pd.Series:
        return (later - earlier).dt.days

    countries = set(t["organisations"]["country"]) | set(t["recommendations"]["addressee_country"])
    region_of = {code: regional_group(code) or "none" for code in countries}

    mechanisms = t["mechanisms"][["mechanism_id", "kind"]].rename(columns={"kind": "mechanism_kind"})
    engagements = t["engagements"].rename(columns={"kind": "engagement_kind"}).merge(mechanisms, on="mechanism_id")
    engagements["language_count"] = engagements["languages"].map(lambda values: len(set(values)))
    engagements["accessibility_count"] = engagements["accessibility"].map(lambda values: len(set(values)))
    started = engagements[engagements["start_date"] <= build_date]
    organisations = t["organisations"].copy()
    organisations["region"] = organisations["country"].map(region_of)
    organisations["has_constituency"] = organisations["constituencies"].map(lambda values: len(values) > 0)
    org_columns = ["org_id", "region", "org_type", "women_led", "has_constituency", "budget_band"]
    eng_columns = ["engagement_id", "mechanism_id", "mechanism_kind", "engagement_kind", "modality",
                   "start_date", "end_date"]

    participations = t["participations"].merge(started[eng_columns], on="engagement_id").merge(
        organisations[org_columns], on="org_id")
    participations["ref_date"] = participations["start_date"]
    attended = participations[participations["attended"]]

    submissions = t["submissions"][t["submissions"]["received_on"] <= build_date]
    submissions = submissions.merge(engagements[eng_columns], on="engagement_id").merge(
        organisations[org_columns], on="org_id", how="left")
    submissions["ref_date"] = submissions["received_on"]
    submissions[["region", "org_type"]] = submissions[["region", "org_type"]].astype(object).fillna("unknown")
    acknowledged = submissions["acknowledged_on"].where(submissions["acknowledged_on"] <= build_date)
    submissions["days_to_acknowledge"] = days_between(submissions["received_on"], acknowledged)

    contacts = pd.concat([attended, submissions[submissions["org_id"].notna()]], ignore_index=True)
    contacts = contacts[["org_id", "ref_date", "mechanism_kind", "mechanism_id", "engagement_kind"]].merge(
        organisations[org_columns], on="org_id")
    contacts["first_contact"] = contacts.groupby("org_id")["ref_date"].transform("min")
    contacts["women_led"] = contacts["women_led"].astype(int)
    contacts["has_constituency"] = contacts["has_constituency"].astype(int)
    contacts["community_based"] = (contacts["org_type"] == "community_based").astype(int)
    contacts["small"] = contacts["budget_band"].isin(["lt_50k", "50k_250k"]).astype(int)

    events = started[started["engagement_kind"] != "call_for_input"].copy()
    attended_per_event = attended.groupby("engagement_id").size()
    events["attended_count"] = events["engagement_id"].map(attended_per_event).fillna(0)
    events["accessible"] = (events["accessibility_count"] >= 1).astype(int)
    events["multilingual"] = (events["language_count"] >= 2).astype(int)
    events["remote"] = events["modality"].isin(["online", "hybrid"]).astype(int)
    events["ref_date"] = events["start_date"]

    calls = started[started["engagement_kind"] == "call_for_input"].copy()
    calls["submission_count"] = calls["engagement_id"].map(
        t["submissions"][t["submissions"]["received_on"] <= build_date].groupby("engagement_id").size()).fillna(0)
    calls["ref_date"] = calls["start_date"]

    recommendations = t["recommendations"][t["recommendations"]["issued_on"] <= build_date].merge(
        mechanisms, on="mechanism_id")
    recommendations["ref_date"] = recommendations["issued_on"]
    recommendations["region"] = recommendations["addressee_country"].map(region_of)
    recommendations["engagement_id"] = recommendations["engagement_id"].fillna("unknown")
    follow_ups = t["follow_ups"][t["follow_ups"]["reported_on"] <= build_date]

    feedback = t["feedback"][t["feedback"]["submitted_on"] <= build_date]
    feedback = feedback.merge(engagements[eng_columns], on="engagement_id").merge(
        organisations[org_columns], on="org_id", how="left")
    feedback["ref_date"] = feedback["submitted_on"]
    feedback[["region", "org_type"]] = feedback[["region", "org_type"]].fillna("unknown")

    results = [
        _returning_organisations(contacts, build_date),
        _regional_balance(contacts),
        _engaged_organisations(contacts),
        _newcomer_share(contacts),
        _share_of_organisations("INC-01", contacts, ORG, "women_led"),
        _share_of_organisations("INC-02", contacts, [b for b in ORG if b != "org_type"], "community_based"),
        _share_of_organisations("INC-03", contacts, ORG, "has_constituency"),
        _share_of_organisations("INC-04", contacts[contacts["budget_band"] != "unknown"],
                                [b for b in ORG if b != "org_type"], "small"),
    ]

    registered = participations[participations["registered"]].assign(
        attended_flag=lambda f: f["attended"].astype(int))
    results.append(_ratio("PAR-02", registered, PART, "attended_flag"))
    results.append(_ratio("PAR-03", events, EVT, "attended_count"))
    results.append(_ratio("PAR-04", calls, MECHANISM_CELLS, "submission_count"))
    results.append(_ratio("PAR-07", attended.assign(spoke_flag=attended["spoke"].astype(int)), PART, "spoke_flag"))
    results.append(_ratio("INC-06", attended, PART, "participants_women", "participants_total"))
    results.append(_ratio("INC-07", events, EVT, "accessible"))
    results.append(_ratio("INC-08", events, EVT, "multilingual"))
    results.append(_ratio("INC-09", events, [b for b in EVT if b != "modality"], "remote"))

    due_for_acknowledgement = submissions[(build_date - submissions["received_on"]).dt.days >= 14]
    results.append(_ratio("FOL-01", due_for_acknowledgement.assign(
        timely=(due_for_acknowledgement["days_to_acknowledge"] <= 14).astype(int)), SUB, "timely"))
    results.append(_median_days_to_acknowledge(submissions[submissions["days_to_acknowledge"].notna()]))
    assessed = submissions[submissions["reflected_in_output"].notna()]
    results.append(_ratio("FOL-03", assessed.assign(reflected=assessed["reflected_in_output"].astype(int)),
                          SUB, "reflected"))

    ended = attended[(build_date - attended["end_date"]).dt.days >= 90]
    communicated = ended["outcome_communicated_on"].where(ended["outcome_communicated_on"] <= build_date)
    results.append(_ratio("FOL-04", ended.assign(
        closed=(days_between(ended["end_date"], communicated) <= 90).astype(int)), ORG, "closed"))

    responded = recommendations[recommendations["state_response"].isin(["supported", "noted"])]
    results.append(_ratio("FOL-05", responded.assign(
        supported=(responded["state_response"] == "supported").astype(int)), REC, "supported"))
    rated = recommendations[recommendations["specificity"].notna()]
    results.append(_ratio("FOL-06", rated.assign(specific=(rated["specificity"] == 5).astype(int)), REC, "specific"))
    results.append(_ratio("FOL-07", recommendations.assign(
        informed=recommendations["informed_by_cso"].astype(int)), REC, "informed"))
    results += _follow_up_indicators(recommendations, follow_ups, build_date)

    results.append(_ratio("FOL-11", feedback, ORG, "satisfaction"))
    results.append(_ratio("FOL-12", feedback.assign(heard=(feedback["felt_heard"] >= 4).astype(int)), ORG, "heard"))
    results.append(_ratio("FOL-13", feedback.assign(
        restricted=feedback["faced_restrictions"].astype(int)), ORG, "restricted"))

    table = pd.concat([r for r in results if not r.empty], ignore_index=True)
    table["numerator"] = table["numerator"].astype("Int64")
    table["denominator"] = table["denominator"].astype("Int64")
    table["value"] = table["value"].astype(float)
    return table.sort_values(["indicator_id", *KEYS], ignore_index=True)


def _engaged_organisations(contacts: pd.DataFrame) -> pd.DataFrame:
    if contacts.empty:
        return NO_ROWS
    grouped = _organisations_in_cells(contacts, ORG).groupby(KEYS).agg(numerator=("org_id", "size"))
    grouped["denominator"] = np.nan
    grouped["value"] = grouped["numerator"].astype(float)
    return _rows("PAR-01", grouped)


def _newcomer_share(contacts: pd.DataFrame) -> pd.DataFrame:
    if contacts.empty:
        return NO_ROWS
    cells = _organisations_in_cells(contacts, ORG_SIDE_CELLS, ["first_contact"])
    first_periods = pd.Series(index=cells.index, dtype=object)
    for grain in ("year", "quarter", "month"):
        in_grain = cells["grain"] == grain
        first_periods[in_grain] = period_labels(cells.loc[in_grain, "first_contact"], grain)
    cells["newcomer"] = (first_periods == cells["period"]).astype(int)
    grouped = cells.groupby(KEYS).agg(numerator=("newcomer", "sum"), denominator=("org_id", "size"))
    grouped["value"] = grouped["numerator"] / grouped["denominator"]
    return _rows("PAR-06", grouped)


def _next_period(period: str, grain: str) -> str:
    if grain == "year":
        return str(int(period) + 1)
    if grain == "quarter":
        year, quarter = int(period[:4]), int(period[-1])
        return f"{year + 1}-Q1" if quarter == 4 else f"{year}-Q{quarter + 1}"
    year, month = int(period[:4]), int(period[5:])
    return f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"


def _returning_organisations(contacts: pd.DataFrame, build_date: pd.Timestamp) -> pd.DataFrame:
    if contacts.empty:
        return NO_ROWS
    engaged = _organisations_in_cells(contacts, ORG_SIDE_CELLS)[[*KEYS, "org_id"]]
    before = engaged.copy()
    before["period"] = [_next_period(p, g) for p, g in zip(before["period"], before["grain"])]
    last_period = {grain: period_labels(pd.Series([build_date]), grain)[0] for grain in ("year", "quarter", "month")}
    before = before[before["period"] <= before["grain"].map(last_period)]
    matched = before.merge(engaged.assign(returned=1), on=[*KEYS, "org_id"], how="left")
    grouped = matched.groupby(KEYS).agg(numerator=("returned", "count"), denominator=("org_id", "size"))
    grouped["value"] = grouped["numerator"] / grouped["denominator"]
    return _rows("PAR-05", grouped)


def _regional_balance(contacts: pd.DataFrame) -> pd.DataFrame:
    in_groups = contacts[~contacts["region"].isin(["none", "unknown"])]
    if in_groups.empty:
        return NO_ROWS
    cells = _organisations_in_cells(in_groups, ["total", "mechanism_kind", "mechanism_id", "engagement_kind"],
                                    ["region"])
    per_group = cells.groupby([*KEYS, "region"]).size().rename("engaged").reset_index()
    per_group["population"] = per_group.groupby(KEYS)["engaged"].transform("sum")
    share = per_group["engaged"] / per_group["population"]
    per_group["entropy_term"] = share * np.log(1 / share)
    grouped = per_group.groupby(KEYS).agg(denominator=("engaged", "sum"), entropy=("entropy_term", "sum"))
    grouped["numerator"] = np.nan
    grouped["value"] = grouped["entropy"] / np.log(5)
    return _rows("INC-05", grouped)


def _median_days_to_acknowledge(acknowledged: pd.DataFrame) -> pd.DataFrame:
    if acknowledged.empty:
        return NO_ROWS
    cells = _in_cells(acknowledged, MECHANISM_CELLS, ["days_to_acknowledge"])
    grouped = cells.groupby(KEYS).agg(denominator=("days_to_acknowledge", "size"),
                                      value=("days_to_acknowledge", "median"))
    grouped["numerator"] = np.nan
    return _rows("FOL-02", grouped)


def _follow_up_indicators(recommendations: pd.DataFrame, follow_ups: pd.DataFrame,
                          build_date: pd.Timestamp) -> list[pd.DataFrame]:
    with_follow_ups = recommendations.merge(follow_ups[["recommendation_id", "follow_up_id", "reported_on", "status"]],
                                            on="recommendation_id")
    within_year = with_follow_ups[(with_follow_ups["reported_on"] - with_follow_ups["issued_on"]).dt.days <= 365]
    old_enough = recommendations[(build_date - recommendations["issued_on"]).dt.days >= 365]
    followed = old_enough.assign(followed_up=old_enough["recommendation_id"].isin(
        within_year["recommendation_id"]).astype(int))

    latest = with_follow_ups.sort_values(["reported_on", "follow_up_id"]).groupby("recommendation_id").tail(1)
    acted = latest.assign(acted_on=latest["status"].isin(["implemented", "partially_implemented"]).astype(int))

    due = recommendations[recommendations["due_on"].notna() & (recommendations["due_on"] < build_date)]
    on_time = with_follow_ups[with_follow_ups["reported_on"] <= with_follow_ups["due_on"]]
    overdue = due.assign(ref_date=due["due_on"],
                         overdue=(~due["recommendation_id"].isin(on_time["recommendation_id"])).astype(int))
    return [
        _ratio("FOL-08", followed, FUP, "followed_up"),
        _ratio("FOL-09", acted, FUP, "acted_on"),
        _ratio("FOL-10", overdue, FUP, "overdue"),
    ]


def _pandas_in_child(warehouse: str, as_of: date) -> int:
    return len(indicator_table_pandas(warehouse_tables(warehouse), as_of))


def main() -> None:
    arguments = benchmark_arguments("Time the plain pandas indicator table against the DuckDB SQL one.")
    warehouse = prepared_warehouse(arguments.scale, arguments.seed, arguments.workdir)
    participations = participation_count(warehouse)
    sql = measure(sql_in_child, warehouse, arguments.as_of)
    pandas = measure(_pandas_in_child, warehouse, arguments.as_of)
    print(report_line("duckdb-sql", sql, participations))
    print(report_line("pandas", pandas, participations, baseline=sql))


if __name__ == "__main__":
    main()
