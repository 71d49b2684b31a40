"""Overview: for the chosen period, each area's headline indicators (`headline = true` in the
catalogue) as cards: value and the n it rests on, change against the previous period, target,
status and per cent achieved, a small trend; a partial period and a small n are said, and no
headline number is built on an n under Settings.small_n."""

from __future__ import annotations

from base64 import b64encode

import dash
import polars as pl
from dash import Input, Output, callback, dcc, html

from dashboards.components import (STATUS_WORDS, current, definition_hint, filter_bar, filter_id, message, page,
                                   scope_words, small_n)
from dashboards.data import Published
from dashboards.view import (View, in_range, previous_period, resolve_view, scope_rows, unavailable_words,
                             view_from_controls)
from figures.charts import sparkline_svg
from figures.formatting import format_change, format_n, format_value

dash.register_page(__name__, path="/", name="Overview", title="Agora · Overview", order=0)

def layout(**query) -> html.Main:
    pub = current()
    if pub is None or not pub.has_indicators:
        return page("Overview", pub)
    view = resolve_view(pub, query)
    return page("Overview", pub, filter_bar(pub, view),
                dcc.Loading(html.Div(overview_cards(pub, view), id="overview-body"), delay_show=400))


@callback(
    Output("overview-body", "children"),
    Input(filter_id("grain"), "value"), Input(filter_id("start"), "value"), Input(filter_id("end"), "value"),
    Input(filter_id("kind"), "value"), Input(filter_id("mechanism"), "value"),
    prevent_initial_call=True,
)
def overview_for_filters(grain, start, end, kind, mechanism):
    view = view_from_controls({"grain": grain, "start": start, "end": end, "kind": kind, "mechanism": mechanism})
    return overview_cards(current(), view)


def overview_cards(pub: Published, view: View) -> list:
    if view.end is None:
        return [message("There are no indicator rows at this grain.")]
    partial = view.end in pub.partial_periods.get(view.grain, ())
    lede = (f"{view.end} compared with {previous_period(view.end)}, {scope_words(view)}; "
            f"trends from {view.start} to {view.end}.")
    sections = [html.P(lede, className="lede")]
    if partial:
        sections.append(html.P(f"{view.end} is a partial period: data to {pub.as_of}. Its figures will change.",
                               className="message partial-note", id="overview-partial"))
    headlines = pub.catalogue.filter(pl.col("headline"))
    if not headlines.height:
        return [*sections, message("The catalogue marks no indicator as a headline (`headline = true`).")]
    for area in pub.areas:
        ids = headlines.filter(pl.col("area") == area)["indicator_id"].to_list()
        if ids:
            sections.append(html.Section([html.H2(area), html.Div([indicator_card(pub, i, view) for i in ids],
                                                                  className="cards")],
                                         className="area", **{"aria-label": area}))
    return sections


def indicator_card(pub: Published, indicator_id: str, view: View) -> html.Article:
    entry = pub.catalogue_entry(indicator_id)
    heading = html.H3([entry["name"], " ", definition_hint(entry)], className="card-title")
    rows = scope_rows(pub, indicator_id, view)
    if view.scope[0] not in entry["breakdowns"]:
        return html.Article([heading, html.P(f"Not broken down by mechanism: {unavailable_words(view)}.",
                                             className="card-note")],
                            className="card", id=f"card-{indicator_id}")
    current_row = _row_for(rows, view.end)
    previous_row = _row_for(rows, previous_period(view.end))
    unit, limit = entry["unit"], small_n()
    too_few = current_row is not None and current_row["n"] is not None and current_row["n"] < limit
    if current_row is None:
        value_text, suppressed = "–", False
    elif too_few:
        value_text, suppressed = f"too few: n = {current_row['n']:,}", False
    else:
        suppressed = bool(current_row["suppressed"])
        value_text = format_value(current_row["value"], unit, suppressed)
    value_class = "card-value" + (" suppressed" if suppressed else "") + (" too-few" if too_few else "")
    return html.Article([
        heading,
        html.Div([html.Span(value_text, className=value_class, **{"data-value": value_text}),
                  html.Span(indicator_id, className="card-id")], className="card-main"),
        html.P(_n_text(current_row, limit), className="card-n" + (" small-n" if too_few else "")),
        *([html.P(f"partial: data to {current_row['as_of']}", className="card-partial")]
          if current_row is not None and current_row["partial"] else []),
        html.P(_change_text(current_row, previous_row, unit, entry["polarity"], view, limit),
               className="card-change"),
        _target_line(current_row, unit),
        html.Img(src="data:image/svg+xml;base64," + b64encode(sparkline_svg(in_range(rows, view), unit).encode()).decode(),
                 className="sparkline", alt=_trend_words(in_range(rows, view), unit)),
    ], className="card", id=f"card-{indicator_id}")


def _row_for(rows: pl.DataFrame, period: str) -> dict | None:
    found = rows.filter(pl.col("period") == period)
    return found.row(0, named=True) if found.height else None


def _n_text(row, limit: int) -> str:
    if row is None:
        return "n –"
    words = format_n(row["n"], limit)
    return words.replace(", small", f", small (under {limit})") if words.endswith(", small") else words


def _trend_words(rows: pl.DataFrame, unit: str) -> str:
    """The sparkline in words, for screen readers."""
    return "Trend: " + ", ".join(
        f"{period} {format_value(value, unit, bool(suppressed))}{' (partial)' if partial else ''}"
        for period, value, suppressed, partial in rows.select("period", "value", "suppressed", "partial").iter_rows())


def _change_text(current_row, previous_row, unit: str, polarity: str, view: View, limit: int) -> str:
    previous = previous_period(view.end)
    if current_row is None or previous_row is None:
        return f"No figure to compare for {previous}"
    if current_row["suppressed"] or previous_row["suppressed"]:
        return f"Change against {previous} suppressed"
    if current_row["value"] is None or previous_row["value"] is None:
        return f"No figure to compare for {previous}"
    smallest = min((n for n in (current_row["n"], previous_row["n"]) if n is not None), default=None)
    if smallest is not None and smallest < limit:
        return f"Not compared with {previous}: too few (n = {smallest:,})"
    marked = f" ({view.end} partial)" if current_row["partial"] else ""
    delta = current_row["value"] - previous_row["value"]
    if delta == 0:
        return f"= unchanged since {previous}{marked}"
    better = (delta > 0) == (polarity == "higher_is_better")
    arrow = "▲" if delta > 0 else "▼"
    return f"{arrow} {format_change(delta, unit)} vs {previous} ({'better' if better else 'worse'}){marked}"


def _target_line(current_row, unit: str) -> html.P:
    if current_row is None or current_row["target"] is None:
        return html.P("No target set", className="card-status status-no_target")
    status = current_row["status"]
    if status is None:
        # a withheld value's status is withheld too: met or not met would tell the hidden number
        return html.P(f"Target {format_value(current_row['target'], unit)}: status withheld with the value",
                      className="card-status status-no_target")
    achieved = current_row["achieved"]
    parts = [f"Target {format_value(current_row['target'], unit)}: {STATUS_WORDS.get(status, status)}"]
    if achieved is not None:
        parts.append(f"{achieved * 100:.0f}% achieved")
    return html.P(" · ".join(parts), className=f"card-status status-{status}")
