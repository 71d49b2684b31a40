"""Overview: for the chosen period, each area's headline indicators as cards (value, change against
the previous period, target and status, a small trend), readable in a minute."""

from __future__ import annotations

from base64 import b64encode

import dash
import polars as pl
from dash import Input, Output, callback, dcc, html

from dashboards.components import current, definition_hint, filter_bar, filter_id, message, page, scope_words
from dashboards.data import AREAS, Published
from dashboards.view import View, in_range, previous_period, resolve_view, scope_rows, view_from_controls
from figures.charts import sparkline_svg
from figures.formatting import format_change, format_value

dash.register_page(__name__, path="/", name="Overview", title="Agora · Overview", order=0)

#: the indicators a programme manager reads first, per area
HEADLINES = {
    "Participation": ("PAR-01", "PAR-02", "PAR-05", "PAR-06"),
    "Inclusivity": ("INC-01", "INC-03", "INC-05", "INC-06"),
    "Follow-through": ("FOL-01", "FOL-05", "FOL-09", "FOL-12"),
}
STATUS_WORDS = {"met": "✓ Target met", "not_met": "✗ Target not met", "no_target": "No target set"}


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
    sections = [html.P(f"{view.end} compared with {previous_period(view.end)}, {scope_words(view)}; "
                       f"trends from {view.start} to {view.end}.", className="lede")]
    for area in AREAS:
        cards = [indicator_card(pub, indicator_id, view) for indicator_id in HEADLINES[area]
                 if indicator_id in set(pub.catalogue["indicator_id"].to_list())]
        sections.append(html.Section([html.H2(area), html.Div(cards, className="cards")],
                                     className="area", **{"aria-label": area}))
    return sections


def indicator_card(pub: Published, indicator_id: str, view: View) -> html.Article:
    entry = pub.catalogue_entry(indicator_id)
    heading = html.H3([entry["name"], " ", definition_hint(entry)], className="card-title")
    rows = scope_rows(pub, indicator_id, view)
    if view.scope[0] not in entry["breakdowns"]:
        return html.Article([heading, html.P("Not broken down by mechanism.", className="card-note")],
                            className="card", id=f"card-{indicator_id}")
    current_row = _row_for(rows, view.end)
    previous_row = _row_for(rows, previous_period(view.end))
    unit = entry["unit"]
    if current_row is None:
        value_text, suppressed = "–", False
    else:
        suppressed = bool(current_row["suppressed"])
        value_text = format_value(current_row["value"], unit, suppressed)
    return html.Article([
        heading,
        html.Div([html.Span(value_text, className="card-value" + (" suppressed" if suppressed else ""),
                            **{"data-value": value_text}),
                  html.Span(indicator_id, className="card-id")], className="card-main"),
        html.P(_change_text(current_row, previous_row, unit, entry["polarity"], view), className="card-change"),
        _target_line(current_row, unit),
        html.Img(src="data:image/svg+xml;base64," + b64encode(sparkline_svg(in_range(rows, view), unit).encode()).decode(),
                 className="sparkline", alt=_trend_words(in_range(rows, view), unit)),
    ], className="card", id=f"card-{indicator_id}")


def _row_for(rows: pl.DataFrame, period: str) -> dict | None:
    found = rows.filter(pl.col("period") == period)
    return found.row(0, named=True) if found.height else None


def _trend_words(rows: pl.DataFrame, unit: str) -> str:
    """The sparkline in words, for screen readers."""
    return "Trend: " + ", ".join(f"{period} {format_value(value, unit, bool(suppressed))}"
                                 for period, value, suppressed in rows.select("period", "value", "suppressed").iter_rows())


def _change_text(current_row, previous_row, unit: str, polarity: str, view: View) -> str:
    previous = previous_period(view.end)
    if current_row is None or previous_row is None:
        return f"No figure to compare for {previous}"
    if current_row["suppressed"] or previous_row["suppressed"]:
        return f"Change against {previous} suppressed"
    if current_row["value"] is None or previous_row["value"] is None:
        return f"No figure to compare for {previous}"
    delta = current_row["value"] - previous_row["value"]
    if delta == 0:
        return f"= unchanged since {previous}"
    better = (delta > 0) == (polarity == "higher_is_better")
    arrow = "▲" if delta > 0 else "▼"
    return f"{arrow} {format_change(delta, unit)} vs {previous} ({'better' if better else 'worse'})"


def _target_line(current_row, unit: str) -> html.P:
    if current_row is None or current_row["target"] is None:
        return html.P("No target set", className="card-status status-no_target")
    status = current_row["status"]
    return html.P(f"{STATUS_WORDS.get(status, status)} · target {format_value(current_row['target'], unit)}",
                  className=f"card-status status-{status}")
