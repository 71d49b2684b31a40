"""The disclosure rule for indicator rows: the one place exports, dashboards and reports apply it.

A public row could point at a handful of organisations, some of which face reprisals. So the
public table withholds every row that would publish a small number (the primary rule) and every
further row needed so that no withheld number can be worked back from published ones
(`metrics.protection`), then audits the result (`metrics.disclosure_audit`): a public table that
fails the audit is never returned. A withheld row keeps its labels, baseline and target; its
numerator, denominator, value and status are empty and `suppressed` is true.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from foundation.errors import AgoraError
from foundation.vocabulary import AUDIENCES, CROSS
from warehouse.contract import ENTITIES

#: columns the data contract marks sensitive (organisation name, id, at_risk): never public
SENSITIVE_COLUMNS = tuple(sorted({c.name for e in ENTITIES.values() for c in e.columns if c.sensitive}))
#: what a withheld row leaves empty (status too: `met` against a target of 1 would tell the count)
WITHHELD_COLUMNS = ("numerator", "denominator", "value", "status")
#: the grains the public edition publishes: months are left out (most month cells are small, and
#: every month would be one more equation tying a quarter's numbers together)
PUBLIC_GRAINS = ("year", "quarter")
#: breakdowns the public edition leaves out: one engagement's cells are a handful of organisations at
#: one meeting (at 1M participations 92% of them are under the threshold), and the public reads
#: engagements through their kind, modality and mechanism
INTERNAL_BREAKDOWNS = ("engagement_id",)
#: the key of a row, so protection does not depend on the order rows come in
ROW_KEY = ("indicator_id", "grain", "period", "breakdown", "breakdown_value")


def suppression_rule(threshold: int) -> str:
    """The public rule in words, for the About sheet of exports and the notes of reports."""
    return (
        f"In public outputs a row is withheld when it would show a number under {threshold} "
        f"(0 included): a count, a ratio's numerator, denominator or denominator minus numerator, "
        f"a mean's numerator or denominator, a median's or index's denominator. Further rows are "
        f"withheld where a withheld number could otherwise be worked back from published ones "
        f"(a breakdown summing to its total, quarters to their year, one indicator's count being "
        f"another's denominator). The public edition has years and quarters only, no cell of one "
        f"mechanism by another breakdown and no cell of a single engagement. A withheld row's "
        f"numerator, denominator, value and status are left empty and its 'suppressed' column is "
        f"true. Internal outputs carry every row "
        f"unsuppressed. Organisation names, ids and risk status never appear in any export."
    )


def apply_disclosure(table: pl.DataFrame, audience: str, threshold: int) -> pl.DataFrame:
    """The indicator rows as `audience` may see them, with `suppressed` set accordingly.

    For the public, pass the whole table of a run (then select rows): which rows are withheld
    depends on the rows around them, and every public output of a run must withhold the same ones."""
    if audience not in AUDIENCES:
        raise AgoraError(f"The audience must be one of {', '.join(AUDIENCES)}, not {audience!r}.")
    if audience == "internal":
        return table.with_columns(suppressed=pl.lit(False))
    return public_table(table, threshold)


def in_public_edition() -> pl.Expr:
    """The rows the public edition has at all: years and quarters, no crossed cell (a mechanism's
    own breakdowns are for the team: cells of one mechanism by region or type are small, and each
    crossed family adds equations over the plain cells that secondary suppression must then break),
    and no breakdown of `INTERNAL_BREAKDOWNS`."""
    return (pl.col("grain").is_in(PUBLIC_GRAINS) & ~pl.col("breakdown").str.contains(CROSS, literal=True)
            & ~pl.col("breakdown").is_in(INTERNAL_BREAKDOWNS))


def public_table(table: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """The public edition of an indicator table: the coarser scope (`in_public_edition`), protected,
    audited, sensitive columns dropped."""
    from metrics.disclosure_audit import audit
    from metrics.protection import DisclosureError, protect

    table = table.drop([c for c in SENSITIVE_COLUMNS if c in table.columns]).filter(in_public_edition())
    if table.is_empty():
        return table.with_columns(suppressed=pl.lit(False))
    ordered = table.with_row_index("_position").sort(ROW_KEY)
    withheld = pl.Series(protect(ordered, threshold), dtype=pl.UInt32)
    hidden = pl.int_range(pl.len(), dtype=pl.UInt32).is_in(withheld.implode())
    public = ordered.with_columns(
        *[pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in WITHHELD_COLUMNS],
        suppressed=hidden,
    )
    report = audit(ordered.drop("_position"), public.drop("_position"), threshold)
    if not report.safe:
        raise DisclosureError(
            f"The public table failed the disclosure audit ({report.summary()}), so it is not "
            f"published; report this to the Agora maintainers with the run id."
        )
    return public.sort("_position").drop("_position")


def publish_public(snapshot: Path, public: Path, threshold: int) -> Path:
    """Write the public snapshot `public` beside the published `snapshot`: its indicator table is
    the public edition, so a public dashboard never holds an internal number."""
    from warehouse.snapshot import publish_public_snapshot

    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        # only the edition's rows leave DuckDB (a few percent of a table with crossed cells); the
        # rest of the rows never reach the public snapshot
        grains, left_out = ", ".join("?" * len(PUBLIC_GRAINS)), ", ".join("?" * len(INTERNAL_BREAKDOWNS))
        internal = con.sql(
            f"SELECT * FROM indicator_values WHERE grain IN ({grains}) AND NOT contains(breakdown, ?) "
            f"AND breakdown NOT IN ({left_out})", params=[*PUBLIC_GRAINS, CROSS, *INTERNAL_BREAKDOWNS]).pl()
    finally:
        con.close()
    return publish_public_snapshot(snapshot, public, public_table(internal, threshold))
