"""Statistical disclosure control of the public indicator table: which rows to withhold.

Two steps, both deterministic (same table, same threshold -> same rows withheld):

1. **Primary rule.** A row is withheld when a number it would publish is under the threshold:
   a count; a ratio's numerator, denominator or denominator - numerator; a mean's numerator or
   denominator; a median's or index's denominator. 0 is under the threshold ("none of 40" says
   something about each of the 40, as "40 of 40" does).
2. **Secondary (complementary) rule.** The published numbers are tied together by sums and
   identities (a breakdown's values add up to its total, months to their quarter, one indicator's
   denominator is another's count, ...). `relations(table)` lists every such relation that holds
   exactly in the internal table; `protect` withholds further rows, greedily, until the auditor
   (`metrics.disclosure_audit`) finds no withheld number that those relations determine.

A row is one cell of the public table: withholding it empties its numerator, denominator, value
and status. The quantities the relations speak of are a row's numerator (N), denominator (D) and,
for medians and the index, its value (V); a count's value is its numerator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, shortest_path
from scipy.sparse.linalg import lsqr

from foundation.errors import AgoraError
from foundation.vocabulary import CROSS, TOTAL

FIELDS = {"N": 0, "D": 1, "V": 2}


class DisclosureError(AgoraError):
    """A public table that cannot be made safe, or that fails the disclosure audit."""
#: a family of relations keeps an equality between two indicators' quantities when it holds in at
#: least this share of the cells they share (so an attacker would suspect it), then uses it in
#: every cell where it holds exactly
SUSPECTED_SHARE = 0.5
#: and in at least this many cells (two small families agreeing a few times by chance are no rule)
SUSPECTED_MIN_CELLS = 10


def small_rows(table: pl.DataFrame, threshold: int) -> pl.Series:
    """The primary rule: True where a row would publish a number under the threshold.

    A row whose size is unknown (a null where the unit needs a number) cannot be shown safely.
    """
    n, d = pl.col("numerator"), pl.col("denominator")
    under = lambda e: e.fill_null(-1) < threshold  # noqa: E731  (null counts as small)
    count = under(pl.coalesce(n.cast(pl.Float64), pl.col("value")))
    rule = (pl.when(pl.col("unit") == "count").then(count)
            .when(pl.col("unit") == "ratio").then(under(n) | under(d) | under(d - n))
            .when(pl.col("unit") == "mean").then(under(n) | under(d))
            .otherwise(under(d)))
    return table.select(rule.alias("small"))["small"]


# -- quantities and relations --------------------------------------------------------------------

def quantities(table: pl.DataFrame) -> pl.DataFrame:
    """One row per number a table row holds: row, field (N, D, V), amount, qid = 3 * row + field,
    with the row's indicator, grain, period and breakdown."""
    base = table.select(
        "indicator_id", "unit", "grain", "period", "breakdown", "breakdown_value",
        "numerator", "denominator", "value",
    ).with_row_index("row")
    keys = ["row", "indicator_id", "grain", "period", "breakdown", "breakdown_value"]
    parts = [
        base.filter(pl.col("numerator").is_not_null()).select(*keys, field=pl.lit("N"),
                                                              amount=pl.col("numerator").cast(pl.Float64)),
        base.filter(pl.col("denominator").is_not_null()).select(*keys, field=pl.lit("D"),
                                                                amount=pl.col("denominator").cast(pl.Float64)),
        base.filter(pl.col("unit").is_in(["median", "index"]) & pl.col("value").is_not_null()).select(
            *keys, field=pl.lit("V"), amount=pl.col("value")),
    ]
    found = pl.concat(parts)
    return found.with_columns(
        qid=pl.col("row").cast(pl.Int64) * 3 + pl.col("field").replace_strict(FIELDS, return_dtype=pl.Int64),
        row=pl.col("row").cast(pl.Int64),
    ).sort("qid")


def _sums(children: pl.DataFrame, parents: pl.DataFrame, on: list[str], tag: pl.Expr) -> pl.DataFrame:
    """Relations parent = sum of children, kept where they hold exactly in the table.

    `children` and `parents` are quantity frames; a child's parent is the parent row matching it on
    `on`; `tag` names the partition (two partitions of one parent are two relations)."""
    linked = children.with_columns(tag=tag).join(
        parents.select(*on, parent=pl.col("qid"), parent_amount=pl.col("amount")), on=on, how="inner")
    totals = linked.group_by("parent", "tag").agg(pl.col("amount").sum(), pl.col("parent_amount").first())
    held = totals.filter(pl.col("amount") == pl.col("parent_amount")).select("parent", "tag")
    members = linked.join(held, on=["parent", "tag"], how="semi")
    return pl.concat([
        members.select("parent", "tag", "qid", coef=pl.lit(1.0)),
        held.select("parent", "tag", qid=pl.col("parent"), coef=pl.lit(-1.0)),
    ])


def _crossed_parts(frame: pl.DataFrame) -> pl.DataFrame:
    """Crossed rows split: outer breakdown (mechanism_id or mechanism_kind), inner breakdown, outer
    value (M or K) and inner value (v)."""
    return frame.with_columns(
        outer=pl.col("breakdown").str.split_exact(CROSS, 1).struct.field("field_0"),
        inner=pl.col("breakdown").str.split_exact(CROSS, 1).struct.field("field_1"),
        outer_value=pl.col("breakdown_value").str.split_exact(CROSS, 1).struct.field("field_0"),
        inner_value=pl.col("breakdown_value").str.split_exact(CROSS, 1).struct.field("field_1"),
    )


def mechanism_kinds(q: pl.DataFrame) -> pl.DataFrame:
    """Each mechanism's kind, as an attacker can tell it from the table: the one kind whose row
    exists wherever the mechanism's does and is never smaller. Mechanisms with no single such kind
    are left out (their sums are then not relations anyone can rely on)."""
    sized = q.filter(pl.col("field").is_in(["N", "D"]))
    mechs = sized.filter(pl.col("breakdown") == "mechanism_id")
    kinds = sized.filter(pl.col("breakdown") == "mechanism_kind")
    cell = ["indicator_id", "grain", "period", "field"]
    pairs = mechs.select(*cell, mechanism=pl.col("breakdown_value"), m=pl.col("amount")).join(
        kinds.select(*cell, kind=pl.col("breakdown_value"), k=pl.col("amount")), on=cell)
    seen = mechs.group_by(mechanism=pl.col("breakdown_value")).len("cells")
    fits = pairs.filter(pl.col("m") <= pl.col("k")).group_by("mechanism", "kind").len("cells")
    candidates = fits.join(seen, on=["mechanism", "cells"], how="semi")
    single = candidates.group_by("mechanism").agg(pl.col("kind").first(), pl.len().alias("n")).filter(pl.col("n") == 1)
    return single.select("mechanism", "kind").sort("mechanism")


def _period_parents(q: pl.DataFrame) -> pl.DataFrame:
    """Quantities with the quarter and year their period lies in."""
    year = pl.col("period").str.slice(0, 4)
    month = pl.col("period").str.slice(5, 2).cast(pl.Int32, strict=False)
    return q.with_columns(
        year=year,
        quarter=pl.when(pl.col("grain") == "month").then(
            pl.format("{}-Q{}", year, ((month - 1) // 3 + 1).cast(pl.String))).otherwise(None),
    )


def relations(table: pl.DataFrame) -> pl.DataFrame:
    """Every linear relation among the table's quantities an attacker may use, kept where it holds
    exactly in this (internal) table: columns rel, qid, coef (sum of coef * amount = 0)."""
    q = quantities(table)
    found: list[pl.DataFrame] = []
    sized = q.filter(pl.col("field").is_in(["N", "D"]))
    crossed = sized.filter(pl.col("breakdown").str.contains(CROSS, literal=True))
    plain = sized.filter(~pl.col("breakdown").str.contains(CROSS, literal=True))
    cell = ["indicator_id", "grain", "period", "field"]
    totals = plain.filter(pl.col("breakdown") == TOTAL)

    # A breakdown's values sum to the total (where the breakdown partitions the records).
    found.append(_sums(plain.filter(pl.col("breakdown") != TOTAL), totals, cell,
                       pl.format("breakdown {}", pl.col("breakdown"))))

    # Crossed cells: over v to the plain M (or K) cell, and over M (or K) to the plain v cell.
    parts = _crossed_parts(crossed)
    found.append(_sums(parts, plain.select(*cell, "qid", "amount", outer=pl.col("breakdown"),
                                           outer_value=pl.col("breakdown_value")),
                       [*cell, "outer", "outer_value"], pl.format("crossed {}", pl.col("breakdown"))))
    found.append(_sums(parts, plain.select(*cell, "qid", "amount", inner=pl.col("breakdown"),
                                           inner_value=pl.col("breakdown_value")),
                       [*cell, "inner", "inner_value"], pl.format("across {}", pl.col("outer"))))

    # Mechanisms to their kind, plain and crossed.
    kinds = mechanism_kinds(q)
    mech_rows = plain.filter(pl.col("breakdown") == "mechanism_id").join(
        kinds, left_on="breakdown_value", right_on="mechanism")
    found.append(_sums(mech_rows, plain.filter(pl.col("breakdown") == "mechanism_kind").select(
        *cell, "qid", "amount", kind=pl.col("breakdown_value")), [*cell, "kind"], pl.lit("kinds")))
    mech_crossed = parts.filter(pl.col("outer") == "mechanism_id").join(
        kinds, left_on="outer_value", right_on="mechanism")
    found.append(_sums(mech_crossed, parts.filter(pl.col("outer") == "mechanism_kind").select(
        *cell, "qid", "amount", "inner", "inner_value", kind=pl.col("outer_value")),
        [*cell, "inner", "inner_value", "kind"], pl.lit("kinds crossed")))

    # Months to their quarter and year, quarters to their year.
    dated = _period_parents(sized)
    place = ["indicator_id", "breakdown", "breakdown_value", "field"]
    quarters = dated.filter(pl.col("grain") == "quarter").select(*place, "qid", "amount", quarter=pl.col("period"))
    years = dated.filter(pl.col("grain") == "year").select(*place, "qid", "amount", year=pl.col("period"))
    found.append(_sums(dated.filter(pl.col("grain") == "month"), quarters, [*place, "quarter"], pl.lit("months")))
    found.append(_sums(dated.filter(pl.col("grain") == "month"), years, [*place, "year"], pl.lit("months")))
    found.append(_sums(dated.filter(pl.col("grain") == "quarter"), years, [*place, "year"], pl.lit("quarters")))

    # One indicator's number equal to another's in the same cell (or the previous period's).
    found.append(_equalities(plain, crossed))
    # A median or index equal to another row's of the same indicator and period over the same records.
    found.append(_same_cells(q))

    tagged = [f.select(rel=pl.format("{}#{}", pl.col("parent"), pl.col("tag")), qid="qid", coef="coef")
              for f in found if f.height]
    if not tagged:
        return pl.DataFrame(schema={"rel": pl.Int64, "qid": pl.Int64, "coef": pl.Float64})
    every = pl.concat(tagged)
    return every.with_columns(rel=pl.col("rel").rank("dense").cast(pl.Int64) - 1).sort("rel", "qid")


def _families(sized: pl.DataFrame, shift: bool) -> pl.DataFrame:
    """Quantities keyed by cell; with `shift`, keyed by the next period's cell (so a quantity meets
    the one a period later)."""
    if not shift:
        return sized.with_columns(cell_period=pl.col("period"))
    from foundation.vocabulary import Period

    periods = sized.select("period").unique()
    following = periods.with_columns(cell_period=pl.col("period").map_elements(
        lambda p: str(Period.parse(p).shifted(1)), return_dtype=pl.String))
    return sized.join(following, on="period")


def _equalities(plain: pl.DataFrame, crossed: pl.DataFrame) -> pl.DataFrame:
    """X's quantity = Y's quantity, for pairs of (indicator, field) families equal in most of the
    total cells they share, in every cell (plain or crossed) where the equality holds exactly."""
    sized = pl.concat([plain, crossed])
    cell = ["grain", "cell_period", "breakdown", "breakdown_value"]
    found = []
    for shift in (False, True):
        left = _families(sized, shift)
        right = sized.with_columns(cell_period=pl.col("period"))
        totals_left = left.filter(pl.col("breakdown") == TOTAL)
        totals_right = right.filter(pl.col("breakdown") == TOTAL)
        pairs = totals_left.join(totals_right, on=cell, suffix="_r").filter(
            pl.col("indicator_id") != pl.col("indicator_id_r"))
        agreement = pairs.group_by("indicator_id", "field", "indicator_id_r", "field_r").agg(
            cells=pl.len(), equal=(pl.col("amount") == pl.col("amount_r")).sum())
        suspected = agreement.filter((pl.col("equal") >= SUSPECTED_MIN_CELLS)
                                     & (pl.col("equal") >= SUSPECTED_SHARE * pl.col("cells")))
        if not shift:
            # a = b and b = a are one relation
            suspected = suspected.filter(pl.concat_str("indicator_id", "field") < pl.concat_str("indicator_id_r", "field_r"))
        if suspected.is_empty():
            continue
        families = ["indicator_id", "field"]
        lhs = left.join(suspected.select(families), on=families, how="semi")
        rhs = right.join(suspected.select(indicator_id="indicator_id_r", field="field_r"), on=families, how="semi")
        matched = lhs.join(rhs, on=cell, suffix="_r").join(
            suspected.select(*families, "indicator_id_r", "field_r"),
            on=[*families, "indicator_id_r", "field_r"], how="semi",
        ).filter(pl.col("amount") == pl.col("amount_r"))
        tag = pl.format("equal {}", pl.col("qid_r"))
        found.append(pl.concat([
            matched.select(parent="qid", tag=tag, qid="qid", coef=pl.lit(1.0)),
            matched.select(parent="qid", tag=tag, qid="qid_r", coef=pl.lit(-1.0)),
        ]))
    return pl.concat(found) if found else pl.DataFrame(
        schema={"parent": pl.Int64, "tag": pl.String, "qid": pl.Int64, "coef": pl.Float64})


def _same_cells(q: pl.DataFrame) -> pl.DataFrame:
    """Medians and indexes of one indicator and period with the same population size and value:
    the same records seen through two breakdowns (a kind with one mechanism, a total with one
    region), so one published tells the other. Chained: each equals the first of its group."""
    values = q.filter(pl.col("field") == "V")
    sizes = q.filter(pl.col("field") == "D").select("row", size="amount")
    grouped = values.join(sizes, on="row").with_columns(
        first=pl.col("qid").min().over("indicator_id", "grain", "period", "size", "amount"))
    pairs = grouped.filter(pl.col("qid") != pl.col("first"))
    tag = pl.format("same {}", pl.col("qid"))
    return pl.concat([
        pairs.select(parent="first", tag=tag, qid="qid", coef=pl.lit(1.0)),
        pairs.select(parent="first", tag=tag, qid="first", coef=pl.lit(-1.0)),
    ])


# -- what the relations determine ------------------------------------------------------------------

#: a singular value (relative to the largest) or null-space entry below this counts as zero
TOLERANCE = 1e-7
#: a projected probe entry below this is zero (probe entries are of order 1; a moving unknown's
#: entry is far above it with probability ~1)
NULL_TOLERANCE = 1e-6
#: the projected probe is a null vector when every relation holds to this
RESIDUAL_TOLERANCE = 1e-9


def determined(rel: pl.DataFrame, unknown: np.ndarray, memo: dict | None = None) -> np.ndarray:
    """Which unknown quantities (qids) the relations pin down, given every other quantity.

    x is determined iff its unit vector lies in the row space of the relation matrix restricted
    to the unknowns. First peel relations with a single unknown (it is determined; substitute and
    repeat), then test the rest at once (`_pinned`): x_i is determined iff every null-space vector
    is 0 at i.

    The answer is a function of each connected block (relations linked by unknowns) on its own, and
    a block is fixed by its set of unknowns (the relations being those of one table). With a `memo`
    (kept across calls on the same relations), blocks answered before are not solved again: secondary
    suppression asks after each round, and a round changes only the blocks it withholds in."""
    unknown = np.unique(unknown)
    found = np.zeros(len(unknown), dtype=bool)
    if rel.is_empty() or not len(unknown):
        return unknown[found]
    is_unknown = rel["qid"].is_in(unknown)
    # relations that speak of a published number: a block of relations with none of them pins its
    # unknowns (at most) to constants of their own, from no published number
    informed = np.zeros(int(rel["rel"].max()) + 1, dtype=bool)
    informed[rel.filter(~is_unknown)["rel"].to_numpy()] = True
    frame = rel.filter(is_unknown)
    rels = frame["rel"].to_numpy()
    cols = np.searchsorted(unknown, frame["qid"].to_numpy())
    coefs = frame["coef"].to_numpy()
    if not len(rels):
        return unknown[found]
    blocks = _blocks(rels, cols, len(informed), len(unknown))
    col_block = blocks[len(informed):]
    informed_blocks = np.unique(col_block[cols][informed[rels]])
    from_published = np.isin(col_block, informed_blocks)
    in_some_relation = np.isin(col_block, np.unique(col_block[cols]))
    keys = _block_keys(unknown[in_some_relation], col_block[in_some_relation]) if memo is not None else {}
    answered = np.zeros(len(blocks), dtype=bool)
    known_before = [memo[key] for key in keys.values() if key in memo] if memo is not None else []
    if known_before:
        answered[[label for label, key in keys.items() if key in memo]] = True
        found[np.searchsorted(unknown, np.concatenate(known_before))] = True
    unanswered = ~answered[col_block[cols]]
    rels, cols, coefs = rels[unanswered], cols[unanswered], coefs[unanswered]
    if len(rels):
        found |= _determined_in_blocks(rels, cols, coefs, len(unknown))
    result = found & from_published
    if memo is not None:
        fresh = in_some_relation & ~answered[col_block]
        labels, qids = col_block[fresh & result], unknown[fresh & result]
        order = np.argsort(labels, kind="stable")
        labels, qids = labels[order], qids[order]
        cuts = np.flatnonzero(np.diff(labels)) + 1
        answers = {int(group[0]): pinned for group, pinned in zip(np.split(labels, cuts), np.split(qids, cuts))
                   if len(pinned)}
        for label, key in keys.items():
            if not answered[label]:
                memo[key] = answers.get(label, unknown[:0])
    return unknown[result]


def _determined_in_blocks(rels: np.ndarray, cols: np.ndarray, coefs: np.ndarray, n_col: int) -> np.ndarray:
    """`determined` for the relation entries (rels, cols, coefs) among `n_col` unknowns: peel, then `_pinned`."""
    found = np.zeros(n_col, dtype=bool)
    alive = np.ones(len(rels), dtype=bool)
    while True:
        live_cols = cols[alive]
        live_rels = rels[alive]
        keep = ~found[live_cols]
        counts = np.bincount(live_rels[keep], minlength=int(rels.max()) + 1)
        newly = np.unique(live_cols[keep & (counts == 1)[live_rels]])
        if not len(newly):
            break
        found[newly] = True
        alive &= ~found[cols]
    alive &= ~found[cols]
    if not alive.any():
        return found
    rels, cols, coefs = rels[alive], cols[alive], coefs[alive]
    _, rels = np.unique(rels, return_inverse=True)
    col_ids, cols = np.unique(cols, return_inverse=True)
    matrix = csr_matrix((coefs, (rels, cols)), shape=(int(rels.max()) + 1, len(col_ids)))
    found[col_ids[_pinned(matrix)]] = True
    return found


def _mixed(values: np.ndarray, salt: int) -> np.ndarray:
    """splitmix64 of the values: well-spread 64-bit numbers, so that sums of them tell sets apart."""
    z = values.astype(np.uint64) + np.uint64(salt)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _block_keys(qids: np.ndarray, labels: np.ndarray) -> dict[int, tuple[int, int, int]]:
    """For each block label, a key of its set of unknowns: its size and two 64-bit sums of mixed qids
    (independent of order; two different sets share a key with probability about 2**-128)."""
    if not len(qids):
        return {}
    order = np.argsort(labels, kind="stable")
    ordered = labels[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(ordered)])
    first = np.add.reduceat(_mixed(qids[order], 0x9E3779B97F4A7C15), starts)
    second = np.add.reduceat(_mixed(qids[order], 0x632BE59BD9B4E019), starts)
    return dict(zip(ordered[starts].tolist(), zip(sizes.tolist(), first.tolist(), second.tolist())))


def _blocks(rels: np.ndarray, cols: np.ndarray, n_rel: int, n_col: int) -> np.ndarray:
    """Connected blocks of the graph relations - unknowns: labels of the relations, then of the unknowns."""
    graph = coo_matrix((np.ones(len(rels)), (rels, n_rel + cols)), shape=(n_rel + n_col,) * 2)
    return connected_components(graph, directed=False)[1]


def _pinned(matrix: csr_matrix) -> np.ndarray:
    """Columns of `matrix` whose unknown every solution of matrix @ x = b shares.

    A random vector projected onto the null space (by sparse least squares) is, with probability
    1, non-zero at every column some null vector moves, and zero at the pinned ones. Where the
    projection is not accurate enough to tell (a connected block whose residual is not ~0), that
    block is solved exactly by a singular value decomposition."""
    rng = np.random.default_rng(20261130)
    probe = rng.standard_normal(matrix.shape[1])
    dual = lsqr(matrix.T.tocsr(), probe, atol=1e-15, btol=1e-15, iter_lim=50 * matrix.shape[1] + 1000)[0]
    null = probe - matrix.T @ dual
    pinned = np.abs(null) < NULL_TOLERANCE
    residual = np.abs(matrix @ null)
    if residual.max(initial=0.0) <= RESIDUAL_TOLERANCE:
        return pinned
    n_rel, n_col = matrix.shape
    entries = matrix.tocoo()
    label = _blocks(entries.row, entries.col, n_rel, n_col)
    for block in np.unique(label[:n_rel][residual > RESIDUAL_TOLERANCE]):
        rows_here = np.flatnonzero(label[:n_rel] == block)
        members = np.flatnonzero(label[n_rel:] == block)
        dense = matrix[rows_here][:, members].toarray()
        _, singular, vt = np.linalg.svd(dense, full_matrices=len(rows_here) < len(members))
        rank = int((singular > TOLERANCE * max(1.0, singular[0])).sum())
        pinned[members] = (np.abs(vt[rank:]) < TOLERANCE).all(axis=0)
    return pinned


@dataclass(frozen=True)
class Exposure:
    """What an attacker could learn from a public table."""

    #: qids of withheld quantities that must stay unknown but the relations determine
    recoverable: np.ndarray
    #: rows published although the primary rule withholds them
    small_published: np.ndarray

    @property
    def safe(self) -> bool:
        return not len(self.recoverable) and not len(self.small_published)


def protected_quantities(q: pl.DataFrame, internal: pl.DataFrame, withheld: np.ndarray, threshold: int) -> pl.DataFrame:
    """The quantities of withheld rows that must stay unknown: each withheld row's value (a count's
    or ratio's or mean's numerator, a median's or index's value), its denominator when under the
    threshold, and for a ratio its denominator - numerator when under the threshold (a
    pseudo-quantity: qid -1 - row)."""
    units = internal.select("unit", "numerator", "denominator").with_row_index("row").with_columns(
        pl.col("row").cast(pl.Int64))
    hidden = units.filter(pl.col("row").is_in(withheld))
    mine = q.join(hidden, on="row")
    value_like = ((pl.col("field") == "N") & pl.col("unit").is_in(["count", "ratio", "mean"])) | (
        (pl.col("field") == "V"))
    small_d = (pl.col("field") == "D") & (pl.col("amount") < threshold)
    return mine.filter(value_like | small_d).select("row", "qid", "field")


def exposure(internal: pl.DataFrame, withheld: np.ndarray, threshold: int,
             rel: pl.DataFrame | None = None, guarded: np.ndarray | None = None, memo: dict | None = None) -> Exposure:
    """Audit: the numbers a public table withholding `withheld` rows of `internal` gives away.

    `guarded` are the withheld rows whose numbers must stay unknown (default: all of them; a
    file holding some rows of a run leaves the others out without withholding them). `memo`: see
    `determined`, for repeated audits of one table with the same relations."""
    rel = relations(internal) if rel is None else rel
    q = quantities(internal)
    withheld = np.unique(np.asarray(withheld, dtype=np.int64))
    guarded = withheld if guarded is None else np.unique(np.asarray(guarded, dtype=np.int64))
    unknown_q = q.filter(pl.col("row").is_in(withheld))["qid"].to_numpy()
    pinned = set(determined(rel, unknown_q, memo).tolist())
    targets = protected_quantities(q, internal, guarded, threshold)
    recoverable = [int(x) for x in targets["qid"].to_list() if x in pinned]
    recoverable += _recoverable_complements(internal, rel, guarded, threshold, unknown_q, memo)
    small = small_rows(internal, threshold).to_numpy()
    published_small = np.setdiff1d(np.flatnonzero(small), withheld)
    return Exposure(recoverable=np.array(sorted(recoverable), dtype=np.int64), small_published=published_small)


def _recoverable_complements(internal: pl.DataFrame, rel: pl.DataFrame, withheld: np.ndarray,
                             threshold: int, unknown_q: np.ndarray, memo: dict | None = None) -> list[int]:
    """Ratios withheld with denominator - numerator under the threshold whose complement the
    relations determine: tested by adding the complement as one more relation c = D - N with c
    a fresh unknown (qid -1 - row)."""
    frame = internal.select("unit", "numerator", "denominator").with_row_index("row").with_columns(
        pl.col("row").cast(pl.Int64)).filter(
        pl.col("row").is_in(withheld) & (pl.col("unit") == "ratio")
        & ((pl.col("denominator") - pl.col("numerator")) < threshold))
    if frame.is_empty():
        return []
    base = int(rel["rel"].max()) + 1 if rel.height else 0
    rows = frame["row"].to_numpy()
    extra = pl.DataFrame({
        "rel": np.repeat(base + np.arange(len(rows)), 3),
        "qid": np.column_stack([-1 - rows, rows * 3 + 1, rows * 3]).ravel(),
        "coef": np.tile([1.0, -1.0, 1.0], len(rows)),
    }, schema={"rel": pl.Int64, "qid": pl.Int64, "coef": pl.Float64})
    complements = -1 - rows
    pinned = determined(pl.concat([rel, extra]), np.concatenate([unknown_q, complements]), memo)
    return sorted(int(q) for q in pinned if q < 0)


# -- choosing what to withhold --------------------------------------------------------------------

def protect(internal: pl.DataFrame, threshold: int, rel: pl.DataFrame | None = None) -> np.ndarray:
    """The rows (positions in `internal`) the public table withholds: the primary rule's, then, until
    the audit passes, for each recoverable quantity one more row from a relation that gives it
    away: the relation with the fewest unknowns, its smallest published row (totals last)."""
    rel = relations(internal) if rel is None else rel
    withheld = np.flatnonzero(small_rows(internal, threshold).to_numpy())
    q = quantities(internal)
    sizes = q.filter(pl.col("field") != "V").group_by("row").agg(size=pl.col("amount").max())
    is_total = internal.select(total=pl.col("breakdown") == TOTAL).with_row_index("row").with_columns(
        pl.col("row").cast(pl.Int64))
    members = rel.with_columns(row=pl.when(pl.col("qid") >= 0).then(pl.col("qid") // 3)).join(
        sizes, on="row", how="left").join(is_total, on="row", how="left")
    memo: dict = {}
    while True:
        found = exposure(internal, withheld, threshold, rel, memo=memo)
        if not len(found.recoverable):
            return withheld
        added = _breakers(members, found.recoverable, withheld)
        if not len(added):
            raise DisclosureError(
                "Secondary suppression found no published row left to withhold while a withheld "
                "number could still be worked back; the public table is not written.")
        withheld = np.union1d(withheld, added)


def _breakers(members: pl.DataFrame, leaked: np.ndarray, withheld: np.ndarray) -> np.ndarray:
    """For each leaked quantity, the row to withhold next (see `protect`). A leaked complement
    (qid -1 - row) is given away through its row's numerator and denominator. A quantity whose own
    relations have no published row left is given away through others linked to it: the nearest
    relation of its block (relations linked by withheld quantities) with a published row serves."""
    flagged = members.with_columns(hidden=pl.col("row").is_in(withheld))
    per_rel = flagged.group_by("rel").agg(unknowns=pl.col("hidden").sum(), published=(~pl.col("hidden")).sum())
    plain = [(int(q), int(q)) for q in leaked if q >= 0]
    complements = [(int(q), int((-1 - q) * 3 + f)) for q in leaked if q < 0 for f in (0, 1)]
    via = pl.DataFrame(plain + complements, schema={"leaked": pl.Int64, "qid": pl.Int64}, orient="row")
    touching = flagged.select("rel", "qid").join(via, on="qid").select("rel", "leaked").unique()
    options = touching.join(per_rel.filter(pl.col("published") > 0), on="rel").with_columns(
        distance=pl.lit(0.0))
    stranded = touching.join(options, on="leaked", how="anti")
    if stranded.height:
        options = pl.concat([options, _nearest(flagged, per_rel, via.join(stranded.select("leaked").unique(), on="leaked"))])
    best_rel = options.sort("leaked", "distance", "unknowns", "rel").group_by("leaked", maintain_order=True).first()
    candidates = best_rel.select("leaked", "rel").join(flagged.filter(~pl.col("hidden")), on="rel")
    chosen = candidates.sort("leaked", "total", "size", "row", nulls_last=True).group_by(
        "leaked", maintain_order=True).first()
    return np.unique(chosen["row"].drop_nulls().to_numpy())


def _nearest(flagged: pl.DataFrame, per_rel: pl.DataFrame, via: pl.DataFrame) -> pl.DataFrame:
    """For each leaked quantity, the relations with a published row nearest to it in the graph of
    relations and withheld quantities (breadth-first distance). `via` pairs each leaked quantity
    with the quantities it is reached through (itself; a complement's row numerator and denominator)."""
    hidden = flagged.filter(pl.col("hidden"))
    sources = np.unique(via["qid"].to_numpy())
    qids, cols = np.unique(np.concatenate([hidden["qid"].to_numpy(), sources]), return_inverse=True)
    cols = cols[:hidden.height]
    n_rel = int(flagged["rel"].max()) + 1
    rels = hidden["rel"].to_numpy()
    graph = coo_matrix((np.ones(len(rels)), (rels, n_rel + cols)), shape=(n_rel + len(qids),) * 2).tocsr()
    distances = shortest_path(graph, directed=False, unweighted=True,
                              indices=n_rel + np.searchsorted(qids, sources))[:, :n_rel]
    usable = per_rel.filter(pl.col("published") > 0)
    usable_rels = usable["rel"].to_numpy()
    found = []
    for leaked_qid, through in via.group_by("leaked", maintain_order=True).agg("qid").iter_rows():
        reach = distances[np.searchsorted(sources, through)][:, usable_rels].min(axis=0)
        if np.isfinite(reach).any():
            nearest = usable.filter(pl.Series(reach == reach.min()))
            found.append(nearest.with_columns(leaked=pl.lit(int(leaked_qid)), distance=pl.lit(float(reach.min()))))
    if not found:
        return pl.DataFrame(schema={"rel": pl.Int64, "leaked": pl.Int64, "unknowns": pl.UInt32,
                                    "published": pl.UInt32, "distance": pl.Float64})
    return pl.concat(found).select("rel", pl.col("leaked").cast(pl.Int64), "unknowns", "published", "distance")
