"""Per cent achieved (spec v2): how far a total row has come from its baseline to its target.

With a baseline: (value - baseline) / (target - baseline); without one: value / target where
higher is better, target / value where lower is better (1 when the value is 0). Not clipped: a
row can exceed its target (> 1) or fall back behind its baseline (< 0). Empty where there is no
target, where the target equals the baseline, where the value is withheld, and (a reading of
ours) where a higher-is-better target without a baseline is 0, which no ratio can measure against.
"""

from __future__ import annotations

import polars as pl

from metrics.catalogue import Catalogue


def achieved(lower_is_better: pl.Expr) -> pl.Expr:
    """The per cent achieved of each row (a fraction: 0.8 is 80 %), from its value, baseline and target."""
    value, baseline, target = pl.col("value"), pl.col("baseline"), pl.col("target")
    against_baseline = (value - baseline) / (target - baseline)
    without_baseline = (pl.when(lower_is_better)
                        .then(pl.when(value == 0).then(pl.lit(1.0)).otherwise(target / value))
                        .otherwise(pl.when(target != 0).then(value / target)))
    return (pl.when(target.is_null() | value.is_null() | (target == baseline)).then(None)
            .when(baseline.is_not_null()).then(against_baseline)
            .otherwise(without_baseline)).cast(pl.Float64)


def with_achieved(table: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """The table with `achieved` after `status` (the IPTT's and the reports' column; exports keep the spec's)."""
    lower = {i.id for i in catalogue.indicators if i.lower_is_better}
    columns = list(table.columns)
    columns.insert(columns.index("status") + 1, "achieved")
    return table.with_columns(
        achieved=achieved(pl.col("indicator_id").is_in(sorted(lower)))).select(columns)
