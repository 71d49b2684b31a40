"""The three area pages (Participation, Inclusivity, Follow-through) share one shape: per indicator,
a trend over the chosen periods and a breakdown for the last of them, the definition a hover away."""

from __future__ import annotations

from dash import Input, Output, callback, dcc, html

from dashboards.components import (BREAKDOWN_LABELS, GRAPH_CONFIG, breakdown_control, current, definition_hint,
                                   filter_bar, filter_id, message, page, scope_words)
from dashboards.data import Published
from dashboards.view import View, breakdown_rows, in_range, resolve_view, scope_rows, view_from_controls
from figures.charts import breakdown_figure, trend_figure

DEFAULT_BREAKDOWN = "mechanism_kind"


def area_page(area: str, slug: str):
    """The layout function of an area's page, with the callback that redraws it on a filter change."""
    body_id = f"{slug}-body"

    def layout(**query) -> html.Main:
        pub = current()
        if pub is None or not pub.has_indicators:
            return page(area, pub)
        choices = _breakdown_choices(pub, area)
        view = resolve_view(pub, query)
        breakdown = view.breakdown if view.breakdown in choices else DEFAULT_BREAKDOWN
        return page(area, pub, filter_bar(pub, view, [breakdown_control(choices, breakdown)]),
                    dcc.Loading(html.Div(area_sections(pub, area, view, breakdown), id=body_id), delay_show=400))

    @callback(
        Output(body_id, "children"),
        Input(filter_id("grain"), "value"), Input(filter_id("start"), "value"), Input(filter_id("end"), "value"),
        Input(filter_id("kind"), "value"), Input(filter_id("mechanism"), "value"),
        Input(filter_id("breakdown"), "value"),
        prevent_initial_call=True,
    )
    def area_for_filters(grain, start, end, kind, mechanism, breakdown):
        view = view_from_controls({"grain": grain, "start": start, "end": end, "kind": kind, "mechanism": mechanism})
        return area_sections(current(), area, view, breakdown)

    return layout


def _breakdown_choices(pub: Published, area: str) -> list[str]:
    used = {b for bs in pub.catalogue.filter(area=area)["breakdowns"].to_list() for b in bs}
    return [b for b in BREAKDOWN_LABELS if b in used and b != "total"]


def area_sections(pub: Published, area: str, view: View, breakdown: str) -> list:
    if view.end is None:
        return [message("There are no indicator rows at this grain.")]
    entries = pub.catalogue.filter(area=area).iter_rows(named=True)
    return [indicator_section(pub, entry, view, breakdown) for entry in entries]


def indicator_section(pub: Published, entry: dict, view: View, breakdown: str) -> html.Section:
    indicator_id, unit = entry["indicator_id"], entry["unit"]
    if view.scope[0] in entry["breakdowns"]:
        figure = pub.figure(("trend", indicator_id, view.grain, view.start, view.end, view.scope), lambda: trend_figure(
            in_range(scope_rows(pub, indicator_id, view), view), f"Trend, {scope_words(view)}", unit, height=300))
        trend = dcc.Graph(figure=figure, config=GRAPH_CONFIG, id=f"trend-{indicator_id}")
    else:
        trend = message("This indicator is not broken down by mechanism.")
    label = BREAKDOWN_LABELS[breakdown]
    if breakdown in entry["breakdowns"]:
        rows = breakdown_rows(pub, indicator_id, view, breakdown).filter(period=view.end)
        figure = pub.figure(("breakdown", indicator_id, view.grain, view.start, view.end, view.kind, breakdown),
                            lambda: breakdown_figure(rows, f"By {label.lower()}, {view.end}", unit, height=300))
        split = (dcc.Graph(figure=figure, config=GRAPH_CONFIG, id=f"breakdown-{indicator_id}")
                 if rows.height else message(f"No rows by {label.lower()} in {view.end}."))
    else:
        split = message(f"This indicator is not broken down by {label.lower()}.")
    return html.Section([
        html.H2([f"{entry['name']} ", html.Span(indicator_id, className="indicator-id"), " ", definition_hint(entry)]),
        html.Div([html.Div(trend, className="chart"), html.Div(split, className="chart")], className="chart-row"),
    ], className="indicator", id=f"section-{indicator_id}")
