"""Targets as a build reads them: per period, and for the life of the programme (period `LOP`).

A ratio is a share in 0..1, but programme documents write targets as per cents. A ratio's baseline or
target above 1 and at most 100 is read as a per cent (80 means 0.8; `80%` is read as 0.8 on ingest
already) and the build says so; a ratio target below 0 or above 100 means nothing and is left out,
named in the build's warnings. The life-of-programme target (period `LOP`) applies to no period row:
the run keeps it beside its table, for the IPTT.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from metrics.catalogue import Catalogue

#: the period of a life-of-programme target
PROGRAMME_PERIOD = "LOP"
TARGET_SCHEMA = {"indicator_id": pl.String, "period": pl.String, "baseline": pl.Float64, "target": pl.Float64}


@dataclass(frozen=True)
class ReadTargets:
    #: indicator_id, period, baseline, target: the targets of periods
    periods: pl.DataFrame
    #: indicator_id, baseline, target: the life-of-programme targets
    programme: pl.DataFrame
    #: one sentence per target read as a per cent or left out
    warnings: tuple[str, ...]


def read_targets(targets: pl.DataFrame, catalogue: Catalogue) -> ReadTargets:
    """The warehouse's targets rows for `catalogue`: ratios in 0..1, LOP apart, what was changed said."""
    ratios = {i.id for i in catalogue.indicators if i.unit == "ratio"}
    warnings: list[str] = []
    kept = []
    for row in targets.sort("indicator_id", "period").iter_rows(named=True):
        if row["indicator_id"] in ratios:
            where = f"The target row {row['indicator_id']} {row['period']}"
            out_of_range = [c for c in ("baseline", "target") if row[c] is not None and not 0 <= row[c] <= 100]
            if out_of_range:
                warnings.append(f"{where} was left out: its {' and '.join(out_of_range)} "
                                f"({', '.join(f'{row[c]:g}' for c in out_of_range)}) is neither a share "
                                f"(0 to 1) nor a per cent (0 to 100) of the ratio.")
                continue
            per_cents = [c for c in ("baseline", "target") if row[c] is not None and row[c] > 1]
            if per_cents:
                warnings.append(f"{where}: {' and '.join(f'{c} {row[c]:g}' for c in per_cents)} read as a per cent "
                                f"({', '.join(f'{row[c] / 100:g}' for c in per_cents)}).")
                row = {**row, **{c: row[c] / 100 for c in per_cents}}
        kept.append(row)
    frame = pl.DataFrame(kept, schema=TARGET_SCHEMA, orient="row")
    programme = frame.filter(pl.col("period") == PROGRAMME_PERIOD)
    return ReadTargets(periods=frame.filter(pl.col("period") != PROGRAMME_PERIOD),
                       programme=programme.select("indicator_id", "baseline", "target"), warnings=tuple(warnings))
