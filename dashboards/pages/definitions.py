"""Definitions: the indicator catalogue, searchable (the search is kept in the URL)."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from dashboards.components import BREAKDOWN_LABELS, current, filter_id, labelled, message, page
from dashboards.data import Published
from dashboards.view import resolve_view

dash.register_page(__name__, path="/definitions", name="Definitions", title="Agora · Definitions", order=6)

SEARCHED_FIELDS = ("indicator_id", "name", "area", "unit", "definition", "population", "numerator")


def layout(**query) -> html.Main:
    pub = current()
    if pub is None:
        return page("Definitions", pub)
    search = resolve_view(pub, query).search
    return page("Definitions", pub,
                html.Div([labelled("Search the catalogue", dcc.Input(
                    id=filter_id("search"), type="search", value=search, debounce=0.3,
                    placeholder="e.g. women, follow-up, FOL-09", className="search-input"), "28rem")],
                    className="filter-bar", role="search"),
                html.Div(catalogue_entries(pub, search), id="definitions-list"),
                needs_indicators=False)


@callback(Output("definitions-list", "children"), Input(filter_id("search"), "value"), prevent_initial_call=True)
def catalogue_search(text):
    return catalogue_entries(current(), text or "")


def catalogue_entries(pub: Published, search: str) -> list:
    """The catalogue entries every word of `search` appears in (any field, any case)."""
    words = search.lower().split()
    found = [entry for entry in pub.catalogue.iter_rows(named=True)
             if all(any(w in str(entry[f]).lower() for f in SEARCHED_FIELDS) for w in words)]
    count = html.P(f"{len(found)} of {pub.catalogue.height} indicators", className="lede", role="status",
                   id="definitions-count")
    if not found:
        return [count, message(f"No indicator mentions “{search}”.")]
    return [count, *(_entry(entry) for entry in found)]


def _entry(entry: dict) -> html.Article:
    direction = "lower is better" if entry["polarity"] == "lower_is_better" else "higher is better"
    breakdowns = ", ".join(BREAKDOWN_LABELS.get(b, b).lower() for b in entry["breakdowns"] if b != "total")
    return html.Article([
        html.H2([entry["name"], " ", html.Span(entry["indicator_id"], className="indicator-id")]),
        html.P(f"{entry['area']} · {entry['unit']} · {direction}", className="entry-meta"),
        html.P(entry["definition"]),
        html.Dl([html.Dt("Population (denominator)"), html.Dd(entry["population"]),
                 html.Dt("Counted (numerator)"), html.Dd(entry["numerator"]),
                 html.Dt("Broken down by"), html.Dd(breakdowns or "totals only")], className="entry-terms"),
    ], className="indicator definition", id=f"definition-{entry['indicator_id']}")
