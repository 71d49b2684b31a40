"""The disclosure rule for indicator rows: the one place exports, dashboards and reports apply it.

A public row whose count or denominator is under the small-cell threshold could point at a handful
of organisations, some of which face reprisals, so its numbers are withheld and `suppressed` says so.
"""

from __future__ import annotations

import polars as pl

from foundation.errors import AgoraError
from foundation.vocabulary import AUDIENCES
from warehouse.contract import ENTITIES


#: columns the data contract marks sensitive (organisation name, id, at_risk): never public
SENSITIVE_COLUMNS = tuple(sorted({c.name for e in ENTITIES.values() for c in e.columns if c.sensitive}))


def suppression_rule(threshold: int) -> str:
    """The public rule in words, for the About sheet of exports and the notes of reports."""
    return (
        f"In public outputs a row is suppressed when its count (for counts) or its denominator "
        f"(for ratios, means, medians and the index) is under {threshold}: its numerator, "
        f"denominator and value are left empty and its 'suppressed' column is true. "
        f"Internal outputs carry every row unsuppressed. Organisation names, ids and risk "
        f"status never appear in any export."
    )


def cell_size() -> pl.Expr:
    """How many records stand behind a row: the count itself for counts, else the denominator."""
    count = pl.coalesce(pl.col("numerator").cast(pl.Float64), pl.col("value"))
    return pl.when(pl.col("unit") == "count").then(count).otherwise(pl.col("denominator"))


def apply_disclosure(table: pl.DataFrame, audience: str, threshold: int) -> pl.DataFrame:
    """The indicator rows as `audience` may see them, with `suppressed` set accordingly."""
    if audience not in AUDIENCES:
        raise AgoraError(f"The audience must be one of {', '.join(AUDIENCES)}, not {audience!r}.")
    if audience == "internal":
        return table.with_columns(suppressed=pl.lit(False))
    # A row whose size is unknown cannot be shown safely, so it counts as small.
    small = cell_size().fill_null(0) < threshold
    withheld = [pl.when(small).then(None).otherwise(pl.col(c)).alias(c) for c in ("numerator", "denominator", "value")]
    return (
        table.drop([c for c in SENSITIVE_COLUMNS if c in table.columns])
        .with_columns(*withheld, suppressed=small)
    )
