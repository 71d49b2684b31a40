"""Layout pieces every page uses (filter bar, definition hints, cards, messages) and the callbacks
that keep the filters consistent with each other and with the URL."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import ALL, Input, Output, State, callback, clientside_callback, dcc, html, no_update
from flask import current_app, g

from dashboards.data import Published, published
from dashboards.view import View, mechanism_options, resolve_view
from figures.charts import FONT
from foundation.settings import SMALL_N
from foundation.vocabulary import GRAIN_LABELS, GRAINS
from figures.labels import KIND_LABELS
from warehouse.contract import MECHANISM_KINDS

NO_INDICATORS = "No indicators yet: run `agora build`, then reload this page."
NO_SNAPSHOT = ("Nothing has been published yet: run `agora ingest` and `agora build`; the dashboard "
               "shows the result on the next reload, no restart needed.")
BREAKDOWN_LABELS = {
    "total": "All records", "mechanism_kind": "Mechanism kind", "mechanism_id": "Mechanism",
    "engagement_kind": "Engagement kind", "modality": "Modality", "region": "UN regional group",
    "org_type": "Organisation type", "engagement_id": "Engagement",
}
#: a status in words, as a reader says it (the table's codes stay in downloads)
STATUS_WORDS = {"met": "met", "not_met": "not met", "no_target": "no target"}
GRAPH_CONFIG = {"displaylogo": False, "responsive": True,
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


def breakdown_words(breakdown: str) -> str:
    """A breakdown's label inside a sentence: `By organisation type`, `by UN regional group`."""
    label = BREAKDOWN_LABELS.get(breakdown, breakdown)
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def scope_words(view: View) -> str:
    """The mechanism filters in words, for chart titles and the overview's opening line."""
    if view.mechanism:
        return f"mechanism {view.mechanism}"
    if view.kind:
        return f"mechanism kind: {KIND_LABELS[view.kind]}"
    return "all mechanisms"


def current() -> Published | None:
    """The published snapshot as this request's audience sees it: the signed-in role's (a viewer's is
    public), else the server's (access.web sets it per request); re-read when a newer one lands."""
    config = current_app.config["AGORA"]
    return published(config["snapshot"], g.get("audience", "public"), config["threshold"])


def small_n() -> int:
    """Under this n a value is flagged, and the Overview builds no headline on it (Settings.small_n)."""
    return current_app.config["AGORA"].get("small_n", SMALL_N)


def filter_id(name: str) -> dict:
    """Filter controls share pattern ids, so one callback writes whichever a page has into the URL."""
    return {"type": "filter", "name": name}


def labelled(label: str, control, width: str = "10rem") -> html.Label:
    """A control inside its label element, so screen readers name it and clicking the label focuses it."""
    return html.Label([html.Span(label, className="filter-label"), control], className="filter",
                      style={"width": width})


def dropdown(name: str, options, value, clearable: bool = False, placeholder: str | None = None):
    return dcc.Dropdown(id=filter_id(name), options=options, value=value, clearable=clearable,
                        placeholder=placeholder, searchable=True)


def period_controls(pub: Published, view: View) -> list[html.Label]:
    periods = pub.periods(view.grain)
    return [
        labelled("Grain", dropdown("grain", [{"label": GRAIN_LABELS[g], "value": g} for g in GRAINS],
                                   view.grain), "8rem"),
        labelled("From", dropdown("start", periods, view.start), "8rem"),
        labelled("To", dropdown("end", periods, view.end), "8rem"),
    ]


def mechanism_controls(pub: Published, view: View) -> list[html.Label]:
    return [
        labelled("Mechanism kind", dropdown(
            "kind", [{"label": KIND_LABELS[k], "value": k} for k in MECHANISM_KINDS],
            view.kind, clearable=True, placeholder="All kinds"), "13rem"),
        labelled("Mechanism", dropdown(
            "mechanism", [{"label": label, "value": m} for m, label in mechanism_options(pub, view.kind).items()],
            view.mechanism, clearable=True, placeholder="All mechanisms"), "18rem"),
    ]


def filter_bar(pub: Published, view: View, extra: list | None = None) -> html.Div:
    return html.Div([
        html.Div([*period_controls(pub, view), *mechanism_controls(pub, view), *(extra or [])],
                 className="filter-bar", role="search", **{"aria-label": "Filters"}),
        html.P(swapped_words(view.end, view.start) if view.swapped else "", id="range-notice",
               className="range-notice", role="status", **{"aria-live": "polite"}),
        dcc.Store(id="range-swapped", data=[view.start, view.end] if view.swapped else None),
    ])


def swapped_words(start: str, end: str) -> str:
    """What the filter bar says when the From picked lies after the To."""
    return f"From {start} is after To {end}: the range is shown from {end} to {start} instead."


def breakdown_control(choices: list[str], value: str) -> html.Label:
    return labelled("Breakdown", dropdown(
        "breakdown", [{"label": BREAKDOWN_LABELS.get(b, b), "value": b} for b in choices], value), "12rem")


def definition_hint(entry: dict) -> html.Span:
    """The definition one hover (or one Tab) away: a focusable mark with a CSS tooltip."""
    return html.Span([
        html.Span("i", className="hint-mark", **{"aria-hidden": "true"}),
        html.Span([html.Strong("Definition. "), entry["definition"], html.Br(),
                   html.Strong("Population: "), entry["population"], html.Br(),
                   html.Strong("Counted: "), entry["numerator"]],
                  className="hint-text", role="tooltip"),
    ], className="hint", tabIndex=0, role="group", **{"aria-label": f"Definition of {entry['name']}"})


def message(text: str) -> html.P:
    return html.P(text, className="message", role="status")


def page(title: str, pub: Published | None, *body, needs_indicators: bool = True) -> html.Main:
    """A page: its heading, then the body, or a sentence saying why there is nothing to show."""
    if pub is None:
        content = [message(NO_SNAPSHOT)]
    elif needs_indicators and not pub.has_indicators:
        content = [message(NO_INDICATORS)]
    else:
        content = list(body)
    return html.Main([html.H1(title), *content], className="page")


#: a grid with at most this many rows grows to fit them instead of scrolling
FIT_ROWS = 12


def grid(grid_id: str, rows: list[dict], columns: list[dict], height: str = "420px", fits: bool | None = None,
         column_size: str = "responsiveSizeToFit", **options) -> dag.AgGrid:
    """An AG Grid: sortable, filterable, keyboard navigable; short tables take only the room they need."""
    fits = len(rows) <= FIT_ROWS if fits is None else fits
    return dag.AgGrid(
        id=grid_id, rowData=rows, columnDefs=columns,
        defaultColDef={"sortable": True, "resizable": True, "filter": True, "minWidth": 90},
        columnSize=column_size, className="ag-theme-quartz",
        dashGridOptions={"animateRows": False, "ensureDomOrder": True, "suppressColumnVirtualisation": True,
                         **({"domLayout": "autoHeight"} if fits else {}), **options},
        style={"fontFamily": FONT, **({} if fits else {"height": height})},
    )


@callback(
    Output(filter_id("start"), "options"), Output(filter_id("start"), "value"),
    Output(filter_id("end"), "options"), Output(filter_id("end"), "value"),
    Input(filter_id("grain"), "value"), prevent_initial_call=True,
)
def period_choices_for_grain(grain):
    """A new grain brings its own periods; the range resets to its most recent ones."""
    view = resolve_view(current(), {"grain": grain})
    periods = current().periods(grain)
    return periods, view.start, periods, view.end


@callback(
    Output(filter_id("start"), "value", allow_duplicate=True), Output(filter_id("end"), "value", allow_duplicate=True),
    Output("range-notice", "children"), Output("range-swapped", "data"),
    Input(filter_id("start"), "value"), Input(filter_id("end"), "value"), State("range-swapped", "data"),
    prevent_initial_call=True,
)
def ordered_range(start, end, swapped):
    """A From picked after the To is swapped, visibly: the controls change and a notice says why
    (the pages' callbacks read the pair in order meanwhile: `view_from_controls`)."""
    if start and end and start > end:
        return end, start, swapped_words(start, end), [end, start]
    if swapped == [start, end]:
        return no_update, no_update, no_update, None  # the echo of our own swap: keep the notice
    return no_update, no_update, "", None


@callback(
    Output(filter_id("mechanism"), "options"), Output(filter_id("mechanism"), "value"),
    Input(filter_id("kind"), "value"), State(filter_id("mechanism"), "value"), prevent_initial_call=True,
)
def mechanism_choices_for_kind(kind, mechanism):
    choices = mechanism_options(current(), kind)
    return ([{"label": label, "value": m} for m, label in choices.items()],
            mechanism if mechanism in choices else None)


# The URL mirrors the filters with history.replaceState: Dash's page router re-renders on a
# search change it hears of, and re-rendering the page on every click would lose keyboard focus.
# The navigation links then carry the same filters to the next page.
clientside_callback(
    """
    function(values, ids, hrefs) {
        const params = new URLSearchParams();
        const order = ["grain", "start", "end", "kind", "mechanism", "indicator", "breakdown", "search"];
        const byName = {};
        ids.forEach((id, i) => { byName[id.name] = values[i]; });
        order.forEach(name => {
            const v = byName[name];
            if (v !== null && v !== undefined && v !== "") { params.set(name, v); }
        });
        const search = params.toString() ? "?" + params.toString() : "";
        if (window.location.search !== search) {
            window.history.replaceState(window.history.state, "", window.location.pathname + search);
        }
        return hrefs.map(href => href.split("?")[0] + search);
    }
    """,
    Output({"type": "nav", "page": ALL, "path": ALL}, "href"),
    Input({"type": "filter", "name": ALL}, "value"),
    State({"type": "filter", "name": ALL}, "id"),
    State({"type": "nav", "page": ALL, "path": ALL}, "href"),
)

# The navigation link of the current page is marked (by its id's path).
clientside_callback(
    """
    function(pathname, ids) {
        return ids.map(id => (id.path === pathname ? "nav-link active" : "nav-link"));
    }
    """,
    Output({"type": "nav", "page": ALL, "path": ALL}, "className"),
    Input("_pages_location", "pathname"),
    State({"type": "nav", "page": ALL, "path": ALL}, "id"),
)
