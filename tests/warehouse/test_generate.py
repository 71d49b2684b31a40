"""The generator's files obey the data contract (checked with plain polars against warehouse.contract),
are byte-identical for a seed, and look like real engagement data."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from foundation.errors import AgoraError
from warehouse import contract
from warehouse.generate import generate
from warehouse.reference import known_country_codes

ROOT = Path(__file__).resolve().parents[2]
LAST_DAY = date(2026, 12, 31)


def _indicator_ids() -> set[str]:
    catalogue = tomllib.loads((ROOT / "metrics" / "catalogue.toml").read_text())
    return {indicator["id"] for indicator in catalogue["indicator"]}


def _read(folder: Path, entity: str, fmt: str) -> pl.DataFrame:
    if fmt == "parquet":
        return pl.read_parquet(folder / f"{entity}.parquet")
    return _read_contract_csv(folder / f"{entity}.csv", contract.ENTITIES[entity])


def _read_contract_csv(path: Path, entity: contract.Entity) -> pl.DataFrame:
    """Read a CSV the way the contract words it: true/false, ISO dates, `;` lists, empty = null."""
    raw = pl.read_csv(path, infer_schema=False)
    assert raw.columns == list(entity.column_names)
    casts = []
    for column in entity.columns:
        cell = pl.col(column.name)
        if column.type == "bool":
            assert raw[column.name].drop_nulls().is_in(["true", "false"]).all(), column.name
            casts.append((cell == "true").alias(column.name))
        elif column.type == "date":
            casts.append(cell.str.to_date("%Y-%m-%d", strict=True))
        elif column.type == "int":
            casts.append(cell.cast(pl.Int64, strict=True))
        elif column.type == "float":
            casts.append(cell.cast(pl.Float64, strict=True))
        elif column.is_list:
            casts.append(pl.when(cell.is_null()).then(pl.lit([], dtype=pl.List(pl.String)))
                         .otherwise(cell.str.split(";")).alias(column.name))
        else:
            casts.append(cell)
    return raw.select(casts)


def _broken_rules(frames: dict[str, pl.DataFrame]) -> list[str]:
    """Every way the frames break the contract, as readable lines (empty when valid)."""
    problems: list[str] = []
    countries = list(known_country_codes())
    indicators = list(_indicator_ids())
    for name, entity in contract.ENTITIES.items():
        frame = frames[name]
        if frame.columns != list(entity.column_names):
            problems.append(f"{name}: columns {frame.columns}")
            continue
        if frame.select(entity.key).is_duplicated().any():
            problems.append(f"{name}: duplicate key {entity.key}")
        for column in entity.columns:
            values = frame[column.name]
            if column.required and values.null_count():
                problems.append(f"{name}.{column.name}: {values.null_count()} empty required cells")
            present = values.drop_nulls()
            if column.type in ("text",) and column.required and (present.str.strip_chars() == "").any():
                problems.append(f"{name}.{column.name}: blank text")
            if column.type == "enum" and not present.is_in(list(column.values)).all():
                problems.append(f"{name}.{column.name}: values outside {column.values}")
            if column.type == "country" and not present.is_in(countries).all():
                problems.append(f"{name}.{column.name}: unknown country codes")
            if column.type == "language" and not present.str.contains(r"^[a-z]{2}$").all():
                problems.append(f"{name}.{column.name}: not ISO 639-1")
            if column.is_list:
                items = present.explode().drop_nulls()
                if not column.may_be_empty and (present.list.len() == 0).any():
                    problems.append(f"{name}.{column.name}: empty lists")
                if column.type == "list_enum" and not items.is_in(list(column.values)).all():
                    problems.append(f"{name}.{column.name}: list values outside {column.values}")
                if column.type == "list_language" and not items.str.contains(r"^[a-z]{2}$").all():
                    problems.append(f"{name}.{column.name}: list values not ISO 639-1")
            if column.type == "date" and (present > LAST_DAY).any():
                problems.append(f"{name}.{column.name}: dates after {LAST_DAY}")
            if column.minimum is not None and (present < column.minimum).any():
                problems.append(f"{name}.{column.name}: below {column.minimum}")
            if column.maximum is not None and (present > column.maximum).any():
                problems.append(f"{name}.{column.name}: above {column.maximum}")
            if column.references:
                parent = frames[column.references][contract.ENTITIES[column.references].key[0]]
                if not present.is_in(parent.implode()).all():
                    problems.append(f"{name}.{column.name}: keys missing from {column.references}")
    rules = {
        "engagements": pl.col("end_date") < pl.col("start_date"),
        "participations": (pl.col("spoke") & ~pl.col("attended"))
        | (pl.col("participants_women") > pl.col("participants_total")),
        "submissions": pl.col("acknowledged_on") < pl.col("received_on"),
        "targets": ~pl.col("indicator_id").is_in(indicators)
        | ~pl.col("period").str.contains(r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"),
    }
    for name, broken in rules.items():
        if frames[name].filter(broken).height:
            problems.append(f"{name}: {frames[name].filter(broken).height} rows break a row rule")
    late = frames["follow_ups"].join(frames["recommendations"], on="recommendation_id").filter(
        pl.col("reported_on") < pl.col("issued_on"))
    if late.height:
        problems.append(f"follow_ups: {late.height} reported before the recommendation was issued")
    return problems


@pytest.fixture(scope="module")
def parquet_files(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("parquet")
    return out, generate(out, scale=4_000, seed=3)


@pytest.fixture(scope="module")
def frames(parquet_files) -> dict[str, pl.DataFrame]:
    out, _ = parquet_files
    return {name: _read(out, name, "parquet") for name in contract.ENTITIES}


def test_counts_are_proportional_to_the_scale(parquet_files, frames):
    _, counts = parquet_files
    assert list(counts) == list(contract.LOAD_ORDER)
    assert {name: frame.height for name, frame in frames.items()} == counts
    assert counts["participations"] == 4_000
    assert counts["engagements"] == 200
    assert counts["organisations"] == 500
    assert counts["submissions"] == 1_333
    assert counts["recommendations"] == 400
    assert counts["feedback"] == 1_000
    assert 1.0 <= counts["follow_ups"] / counts["recommendations"] <= 1.5


def test_parquet_files_obey_the_contract(frames):
    assert _broken_rules(frames) == []


def test_csv_files_obey_the_contract_and_match_parquet(tmp_path, parquet_files, frames):
    counts = generate(tmp_path, scale=4_000, seed=3, fmt="csv")
    assert counts == parquet_files[1]
    from_csv = {name: _read(tmp_path, name, "csv") for name in contract.ENTITIES}
    assert _broken_rules(from_csv) == []
    for name, frame in frames.items():
        assert from_csv[name].equals(frame), name
    assert "en;" in (tmp_path / "engagements.csv").read_text()


def test_the_checker_catches_broken_rows(frames):
    """The validity check above must be able to fail."""
    broken = dict(frames)
    broken["participations"] = frames["participations"].with_columns(
        participants_women=pl.col("participants_total") + 1)
    broken["submissions"] = frames["submissions"].with_columns(engagement_id=pl.lit("ENG-NOPE"))
    problems = _broken_rules(broken)
    assert "participations: 4000 rows break a row rule" in problems
    assert "submissions.engagement_id: keys missing from engagements" in problems


def test_same_seed_gives_byte_identical_files(tmp_path, parquet_files):
    out, _ = parquet_files
    generate(tmp_path, scale=4_000, seed=3)
    for name in contract.ENTITIES:
        assert (tmp_path / f"{name}.parquet").read_bytes() == (out / f"{name}.parquet").read_bytes(), name


def test_another_seed_gives_other_data(tmp_path, frames):
    generate(tmp_path, scale=4_000, seed=4)
    assert not pl.read_parquet(tmp_path / "participations.parquet").equals(frames["participations"])


def test_the_data_look_real(frames):
    mechanisms, orgs = frames["mechanisms"], frames["organisations"]
    engagements, parts = frames["engagements"], frames["participations"]
    assert set(mechanisms["kind"]) == set(contract.MECHANISM_KINDS)
    assert mechanisms.height >= 50
    assert set(engagements["kind"]) == set(contract.ENGAGEMENT_KINDS)
    assert set(orgs["org_type"]) == set(contract.ORG_TYPES)
    assert set(orgs["budget_band"]) == set(contract.BUDGET_BANDS)
    from warehouse.reference import regional_group
    assert {regional_group(c) for c in orgs["country"]} == {"AG", "APG", "EEG", "GRULAC", "WEOG", "none"}
    assert 0.33 <= orgs["women_led"].mean() <= 0.47
    assert 0.05 <= orgs["at_risk"].mean() <= 0.11
    assert 0.5 <= (orgs["constituencies"].list.len() > 0).mean() <= 0.85
    years = engagements["start_date"].dt.year()
    assert years.min() == 2019 and years.max() == 2026
    months = engagements["start_date"].dt.month().value_counts().sort("start_date")["count"].to_list()
    assert months[7] < min(months[:7] + months[8:])  # August is quiet
    upr_reviews = engagements.join(mechanisms.select("mechanism_id", mechanism_kind="kind"), on="mechanism_id") \
        .filter((pl.col("mechanism_kind") == "upr") & (pl.col("kind") == "review"))
    assert set(upr_reviews["start_date"].dt.month()) <= {1, 4, 5, 11}
    online = engagements.group_by(pl.col("start_date").dt.year() >= 2020).agg(
        (pl.col("modality") != "in_person").mean()).sort("start_date")["modality"].to_list()
    assert online[1] - online[0] >= 0.2, online  # calls for input are online in any year
    assert engagements["languages"].list.len().is_between(1, 4).all()
    assert (engagements["accessibility"].list.len() == 0).any()
    assert 0.83 <= parts["registered"].mean() <= 0.95
    attended = parts.filter("attended")
    assert 0.2 <= attended["spoke"].mean() <= 0.5
    assert 0.4 <= attended["participants_women"].sum() / attended["participants_total"].sum() <= 0.6


def test_anonymous_records_and_follow_up_chains(frames):
    subs, recs, follow_ups = frames["submissions"], frames["recommendations"], frames["follow_ups"]
    assert 0.06 <= subs["org_id"].is_null().mean() <= 0.14
    assert 0.05 <= frames["feedback"]["org_id"].is_null().mean() <= 0.25
    acknowledged = subs.drop_nulls("acknowledged_on")
    delays = (acknowledged["acknowledged_on"] - acknowledged["received_on"]).dt.total_days()
    assert delays.min() == 0 and delays.max() == 40
    assert subs["acknowledged_on"].is_null().any()
    assert subs["reflected_in_output"].is_null().any()
    upr = recs.filter(pl.col("mechanism_id") == "UPR")
    assert set(upr["state_response"]) <= {"supported", "noted", "pending"}
    assert {"supported", "noted"} <= set(upr["state_response"])
    assert set(recs.filter(pl.col("mechanism_id") != "UPR")["state_response"]) == {"none", "pending"}
    assert recs["specificity"].is_null().any() and recs["due_on"].is_not_null().any()
    assert recs["engagement_id"].is_null().any()
    # Within a chain dates never go back and the status never moves away from implementation.
    level = {s: i for i, s in enumerate(contract.FOLLOW_UP_STATUSES)}
    chains = follow_ups.sort("follow_up_id").with_columns(
        pl.col("status").replace_strict(level).alias("level")).group_by("recommendation_id").agg(
        pl.col("reported_on").diff().dt.total_days().min().alias("step"), pl.col("level").diff().min().alias("up"),
        pl.len())
    assert chains["len"].max() >= 3
    assert chains["step"].drop_nulls().min() >= 0 and chains["up"].drop_nulls().min() >= 0


def test_small_scales_still_work(tmp_path):
    counts = generate(tmp_path, scale=1, seed=1)
    assert counts["participations"] == 1 and counts["engagements"] == 8
    frames = {name: pl.read_parquet(tmp_path / f"{name}.parquet") for name in contract.ENTITIES}
    assert _broken_rules(frames) == []


def test_bad_arguments_are_plain_errors(tmp_path):
    with pytest.raises(AgoraError, match="at least 1 participation"):
        generate(tmp_path, scale=0, seed=1)
    with pytest.raises(AgoraError, match="parquet or csv"):
        generate(tmp_path, scale=10, seed=1, fmt="xlsx")


def test_cli_writes_csv_when_asked(tmp_path, capsys):
    from agora.cli import main

    assert main(["generate", "--out", str(tmp_path), "--scale", "500", "--seed", "2", "--format", "csv"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{name}.csv" for name in contract.ENTITIES)
    assert "participations            500" in capsys.readouterr().out
