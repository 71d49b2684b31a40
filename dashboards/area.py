"""Area pages share one shape: per indicator of the area, a trend over the chosen periods and a
breakdown for the last of them, the definition a hover away. The shipped areas keep their own
URLs (/participation, ...); any area a user catalogue adds gets /area/<slug>, listed in the
navigation from the published catalogue (no restart, no code)."""

from __future__ import annotations

import re

from dash import Input, Output, State, callback, dcc, html

from dashboards.components import (BREAKDOWN_LABELS, GRAPH_CONFIG, breakdown_control, breakdown_words, current,
                                   definition_hint, filter_bar, filter_id, message, page, scope_words, small_n)
from dashboards.data import AREAS, Published
from dashboards.view import (View, breakdown_rows, in_range, resolve_view, scope_rows, unavailable_words,
                             view_from_controls)
from figures.charts import breakdown_figure, trend_figure

DEFAULT_BREAKDOWN = "mechanism_kind"
#: where the page of an area a user catalogue adds lives
AREA_PATH = "/area/"


def area_slug(area: str) -> str:
    """An area's name as a URL segment: `Follow-through` -> `follow-through`, `Digital access` -> `digital-access`."""
    return re.sub(r"[^a-z0-9]+", "-", area.lower()).strip("-")


def catalogue_area_links(pub: Published | None) -> list[tuple[str, str, str]]:
    """(name, path, label) of each area the catalogue has beyond the shipped ones, in its order."""
    if pub is None:
        return []
    return [(f"area-{area_slug(a)}", AREA_PATH + area_slug(a), a) for a in pub.areas if a not in AREAS]


def area_page(area: str):
    """The layout function of one shipped area's page."""
    def layout(**query) -> html.Main:
        return area_layout(current(), area, query)

    return layout


def area_by_slug(pub: Published | None, slug: str | None) -> str | None:
    return next((a for a in (pub.areas if pub else AREAS) if area_slug(a) == slug), None)


def area_layout(pub: Published | None, area: str, query: dict) -> html.Main:
    if pub is None or not pub.has_indicators:
        return page(area, pub)
    choices = _breakdown_choices(pub, area)
    view = resolve_view(pub, query)
    breakdown = view.breakdown if view.breakdown in choices else _default_breakdown(view, choices)
    return page(area, pub, filter_bar(pub, view, [breakdown_control(choices, breakdown)]),
                dcc.Store(id="area-name", data=area),
                dcc.Loading(html.Div(area_sections(pub, area, view, breakdown), id="area-body"), delay_show=400))


@callback(
    Output("area-body", "children"),
    Input(filter_id("grain"), "value"), Input(filter_id("start"), "value"), Input(filter_id("end"), "value"),
    Input(filter_id("kind"), "value"), Input(filter_id("mechanism"), "value"),
    Input(filter_id("breakdown"), "value"), State("area-name", "data"),
    prevent_initial_call=True,
)
def area_for_filters(grain, start, end, kind, mechanism, breakdown, area):
    view = view_from_controls({"grain": grain, "start": start, "end": end, "kind": kind, "mechanism": mechanism})
    return area_sections(current(), area, view, breakdown)


def _default_breakdown(view: View, choices: list[str]) -> str:
    """By mechanism kind; within one mechanism, where by kind says nothing, its first own breakdown."""
    if not view.mechanism:
        return DEFAULT_BREAKDOWN
    return next((b for b in choices if b not in ("mechanism_kind", "mechanism_id")), DEFAULT_BREAKDOWN)


def _breakdown_choices(pub: Published, area: str) -> list[str]:
    used = {b for bs in pub.catalogue.filter(area=area)["breakdowns"].to_list() for b in bs}
    return [b for b in BREAKDOWN_LABELS if b in used and b != "total"]


def area_sections(pub: Published, area: str, view: View, breakdown: str) -> list:
    if view.end is None:
        return [message("There are no indicator rows at this grain.")]
    entries = list(pub.catalogue.filter(area=area).iter_rows(named=True))
    if not entries:
        return [message(f"The catalogue has no indicator in the area {area}.")]
    return [indicator_section(pub, entry, view, breakdown) for entry in entries]


def indicator_section(pub: Published, entry: dict, view: View, breakdown: str) -> html.Section:
    indicator_id, unit, limit = entry["indicator_id"], entry["unit"], small_n()
    if view.scope[0] in entry["breakdowns"]:
        figure = pub.figure(
            ("trend", indicator_id, view.grain, view.start, view.end, view.scope, limit),
            lambda: trend_figure(in_range(scope_rows(pub, indicator_id, view), view), f"Trend, {scope_words(view)}",
                                 unit, height=320, small_n=limit))
        trend = dcc.Graph(figure=figure, config=GRAPH_CONFIG, id=f"trend-{indicator_id}")
    else:
        trend = message(f"Trend {unavailable_words(view)}: this indicator is not broken down by mechanism.")
    words = breakdown_words(breakdown)
    rows = breakdown_rows(pub, indicator_id, view, breakdown) if breakdown in entry["breakdowns"] else None
    if breakdown not in entry["breakdowns"]:
        split = message(f"This indicator is not broken down by {words}.")
    elif rows is None:
        split = message(f"By {words}: {unavailable_words(view)} ({scope_words(view)}).")
    elif not rows.filter(period=view.end).height:
        split = message(f"No rows by {words} in {view.end}, {scope_words(view)}.")
    else:
        latest = rows.filter(period=view.end)
        figure = pub.figure(
            ("breakdown", indicator_id, view.grain, view.end, view.scope, breakdown, limit),
            lambda: breakdown_figure(latest, f"By {words}, {view.end}, {scope_words(view)}", unit,
                                     height=300, small_n=limit))
        split = dcc.Graph(figure=figure, config=GRAPH_CONFIG, id=f"breakdown-{indicator_id}")
    return html.Section([
        html.H2([f"{entry['name']} ", html.Span(indicator_id, className="indicator-id"), " ", definition_hint(entry)]),
        html.Div([html.Div(trend, className="chart"), html.Div(split, className="chart")], className="chart-row"),
    ], className="indicator", id=f"section-{indicator_id}")
