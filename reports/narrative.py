"""The executive summary's sentences: the largest changes and the targets crossed, picked from the
numbers. Every number in them is a traced cell of the indicator table, or a change worked out from
two such cells and marked as derived.

Which changes are "largest" is presentation, not an indicator: two periods' totals are compared by
how far apart they are for the number of records behind them, so 40% to 60% of 5 records does not
outrank 40% to 44% of 5,000. For a ratio that is the two-proportion z statistic; for a count, the
difference over the square root of the two counts (Poisson); for a mean, median or index, whose
spread the table does not hold, the relative change times the square root of half the smaller n.
Only cells with n of at least the small-n setting on both sides compete.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup

from reports.traced import cell_size_field, derived, period_label, traced, with_n

#: changes the executive summary names
CHANGES_IN_SUMMARY = 5


def usable(row: dict | None) -> bool:
    return row is not None and not row["suppressed"] and row["value"] is not None


def cell_n(row: dict) -> float | None:
    """How many records stand behind a total: a count is its own n."""
    field = cell_size_field(row)
    return row[field] if field else row["value"]


def change_strength(row: dict, before: dict) -> float | None:
    """How far apart two totals are for the records behind them (see the module's note); None when
    it cannot say."""
    value, previous = row["value"], before["value"]
    n1, n0 = cell_n(row), cell_n(before)
    if value == previous:
        return 0.0
    if row["unit"] == "count":
        return (value - previous) / math.sqrt(value + previous)
    if not n1 or not n0:
        return None
    if row["unit"] == "ratio":
        pooled = (value * n1 + previous * n0) / (n1 + n0)
        spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
        return None if spread == 0 else (value - previous) / spread
    if previous == 0:
        return None
    return (value - previous) / abs(previous) * math.sqrt(min(n0, n1) / 2)


def change_phrase(row: dict, before: dict, before_label: str) -> Markup:
    """How `row` compares with the same cell of an earlier period, in the unit's own terms."""
    earlier = traced(before)
    when = period_label(before_label)
    unit, value, previous = row["unit"], row["value"], before["value"]
    if unit == "count":
        if previous == 0:
            return Markup("against {} in {}").format(earlier, when)
        percent = round((value - previous) / previous * 100)
        if percent == 0:
            return Markup("about the same as the {} of {}").format(earlier, when)
        more = "more" if percent > 0 else "fewer"
        return Markup("{} {} than the {} of {}").format(derived(f"{abs(percent)}%"), more, earlier, when)
    if unit == "ratio":
        points = round((value - previous) * 100, 1)
        if points == 0:
            return Markup("unchanged from {} in {}").format(earlier, when)
        way = "up" if points > 0 else "down"
        return Markup("{} {} percentage points from {} in {}").format(way, derived(f"{abs(points):.1f}"), earlier, when)
    if value == previous:
        return Markup("unchanged from {} in {}").format(earlier, when)
    return Markup("{} from {} in {}").format("up" if value > previous else "down", earlier, when)


def better_or_worse(indicator, row: dict, before: dict) -> str:
    if row["value"] == before["value"]:
        return ""
    better = (row["value"] < before["value"]) == indicator.lower_is_better
    return " (better)" if better else " (worse)"


@dataclass(frozen=True)
class Change:
    indicator: object
    strength: float
    sentence: Markup


def largest_changes(indicators, current: dict, previous: dict, period: str, previous_label: str,
                    small_n: int, counts_comparable: bool) -> list[Change]:
    """The changes from the previous period that stand out most for their n, strongest first.

    `current` and `previous` map indicator ids to total rows. Counts of a period that is not over are
    left out (`counts_comparable` false): a part of a period has fewer records than a whole one.
    """
    found = []
    for indicator in indicators:
        row, before = current.get(indicator.id), previous.get(indicator.id)
        if not (usable(row) and usable(before)):
            continue
        if row["unit"] == "count" and not counts_comparable:
            continue
        if min(cell_n(row) or 0, cell_n(before) or 0) < small_n:
            continue
        strength = change_strength(row, before)
        if strength is None or abs(strength) < 2:  # within what chance alone gives at this n
            continue
        sentence = Markup("{}: {} in {}, {}{}.").format(
            indicator.name, with_n(row, small_n), period_label(period), change_phrase(row, before, previous_label),
            better_or_worse(indicator, row, before))
        found.append(Change(indicator, strength, sentence))
    found.sort(key=lambda change: (-abs(change.strength), change.indicator.id))
    return found[:CHANGES_IN_SUMMARY]


def target_crossings(indicators, current: dict, previous: dict, period: str, previous_label: str,
                     small_n: int) -> list[Markup]:
    """Sentences for the indicators whose status against target changed since the previous period."""
    sentences = []
    for indicator in indicators:
        row, before = current.get(indicator.id), previous.get(indicator.id)
        if not (usable(row) and usable(before)):
            continue
        if {row["status"], before["status"]} != {"met", "not_met"}:
            continue
        reached = row["status"] == "met"
        words = ("{} reached its target of {} in {}: {}, against {} in {}." if reached else
                 "{} fell short of its target of {} in {}: {}, against {} in {}.")
        if indicator.lower_is_better:
            words = words.replace("reached its target", "came within its ceiling").replace(
                "fell short of its target", "went above its ceiling")
        sentences.append(Markup(words).format(
            indicator.name, traced(row, "target"), period_label(period), with_n(row, small_n), traced(before),
            period_label(previous_label)))
    return sentences
