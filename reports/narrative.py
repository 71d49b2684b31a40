"""The summary's sentences, from fixed templates: every number in them is a traced cell of the
indicator table, or a change worked out from two such cells and marked as derived."""

from __future__ import annotations

from markupsafe import Markup

from reports.traced import derived, period_label, traced

#: sentences per area in the summary; the scorecard lists every indicator
SENTENCES_PER_AREA = 4


def usable(row: dict | None) -> bool:
    return row is not None and not row["suppressed"] and row["value"] is not None


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


def target_sentence(row: dict, lower_is_better: bool) -> Markup:
    if row["target"] is None or row["status"] not in ("met", "not_met"):
        return Markup("")
    target = traced(row, "target")
    if row["status"] == "met":
        words = "It stays within its ceiling of {}." if lower_is_better else "It meets its target of {}."
    else:
        words = "It is above its ceiling of {}." if lower_is_better else "It falls short of its target of {}."
    return Markup(" ") + Markup(words).format(target)


def indicator_sentence(indicator, row: dict, before: dict | None, period: str, before_label: str) -> Markup:
    """One sentence on one indicator's total for the period: value, change, target."""
    now = period_label(period)
    if row["suppressed"]:
        return Markup("{} for {} is suppressed: too few records stand behind it to publish.").format(
            indicator.name, now)
    sentence = Markup("{}: {} in {}").format(indicator.name, traced(row), now)
    if usable(before):
        sentence += Markup(", ") + change_phrase(row, before, before_label)
    return sentence + Markup(".") + target_sentence(row, indicator.lower_is_better)


def area_sentences(indicators, current: dict, previous: dict, period: str, previous_label: str) -> list[Markup]:
    """A few sentences for one area: indicators with a target first, then in catalogue order.

    `current` and `previous` map indicator ids to their total rows of the period and the one before.
    """
    with_data = [ind for ind in indicators if ind.id in current]
    chosen = sorted(with_data, key=lambda ind: current[ind.id]["target"] is None)[:SENTENCES_PER_AREA]
    return [
        indicator_sentence(ind, current[ind.id], previous.get(ind.id), period, previous_label)
        for ind in chosen
    ]
