"""Numbers from the indicator table as traceable elements: the text as shown, and the source row.

`data-indicator`, `data-grain`, `data-period`, `data-breakdown`, `data-breakdown-value` and
`data-field` name the one cell a number comes from, and `title` says it in words for a reader who
hovers. Derived figures (changes, per cent achieved) are written with `derived` and carry none.
"""

from __future__ import annotations

from markupsafe import Markup

from figures.formatting import format_integer, format_value

#: the fields of an indicator row a report may show
FIELDS = ("value", "numerator", "denominator", "baseline", "target", "achieved")


def format_achieved(achieved: float | None) -> str:
    """Per cent achieved (spec v2), a fraction of the way from baseline to target: `85%`, `112%`, `-20%`."""
    return "–" if achieved is None else f"{achieved * 100:.0f}%"


def shown_text(row: dict, field: str) -> str:
    """A field of a row as the report writes it, in its indicator's format."""
    if field == "achieved":
        return format_achieved(row["achieved"])
    if field in ("numerator", "denominator"):
        return format_integer(row[field], bool(row["suppressed"]))
    if field == "value":
        return format_value(row["value"], row["unit"], bool(row["suppressed"]))
    # Baselines and targets are plans, not records, so disclosure does not withhold them.
    return format_value(row[field], row["unit"])


def traced(row: dict, field: str = "value") -> Markup:
    """One element holding one number of one indicator row."""
    text = shown_text(row, field)
    cell = "" if row["breakdown"] == "total" else f", {row['breakdown']} {row['breakdown_value']}"
    title = f"{row['indicator_id']} {field}, {row['grain']} {row['period']}{cell}"
    return Markup(
        '<span class="n" data-indicator="{}" data-grain="{}" data-period="{}" data-breakdown="{}" '
        'data-breakdown-value="{}" data-field="{}" title="{}">{}</span>'
    ).format(row["indicator_id"], row["grain"], row["period"], row["breakdown"],
             row["breakdown_value"], field, title, text)


def cell_size_field(row: dict) -> str | None:
    """The field holding how many records stand behind a row (its n): none for a count, which is its own n."""
    return None if row["unit"] == "count" else "denominator"


def with_n(row: dict, small_n: int) -> Markup:
    """The value with its n beside it, `73.2% (n = 1,000)`, and a small n flagged as such."""
    value = traced(row)
    field = cell_size_field(row)
    if field is None or row["suppressed"] or row[field] is None:
        return value
    flag = Markup(' <span class="small-n">small n</span>') if row[field] < small_n else Markup("")
    return Markup('{} <span class="n-of">(n = {})</span>{}').format(value, traced(row, field), flag)


def programme_figure(indicator_id: str, field: str, value: float | None, unit: str) -> Markup | None:
    """A life-of-programme baseline or target (`field`): the run's plan, not a row of the indicator table."""
    if value is None:
        return None
    return Markup('<span class="n programme" data-programme="{}" data-field="{}" title="{} life-of-programme {}">'
                  '{}</span>').format(indicator_id, field, indicator_id, field, format_value(value, unit))


def derived(text: str) -> Markup:
    """A figure worked out from table numbers (a change, a per cent achieved): no source row."""
    return Markup('<span class="derived">{}</span>').format(text)


def period_label(text: str) -> Markup:
    """A period's name in running text (its digits are a label, not a number)."""
    return Markup('<span class="period">{}</span>').format(text)

