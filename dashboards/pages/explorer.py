"""Indicator explorer: any indicator x grain x breakdown as a chart and a grid, with CSV and XLSX
downloads of exactly the rows the grid shows, in the export's columns. The grid's key columns
(period, breakdown value, value, n, target, status, achieved, partial) come first, the first two
pinned at the left, so they are in view without scrolling and a row keeps its name when it scrolls. With a mechanism (or kind) picked, a breakdown is
that mechanism's own crossed cells, or a sentence saying it has none."""

from __future__ import annotations

import io

import dash
import plotly.graph_objects as go
import polars as pl
import xlsxwriter
from dash import Input, Output, State, callback, dcc, html

from foundation.progress import progress
from dashboards.components import (BREAKDOWN_LABELS, GRAPH_CONFIG, STATUS_WORDS, breakdown_control, breakdown_words,
                                   current, dropdown, filter_bar, filter_id, grid, labelled, page, scope_words, small_n)
from dashboards.data import Published
from dashboards.view import (View, breakdown_rows, breakdowns_of, in_range, mechanism_options, resolve_view,
                             scope_rows, unavailable_words, view_from_controls)
from figures.charts import FONT, breakdown_figure, breakdown_trend_figure, trend_figure
from figures.labels import plain_cell, value_label
from metrics.engine import TABLE_COLUMNS
from metrics.xlsx import Styles, neutralised, write_indicator_sheet

dash.register_page(__name__, path="/explorer", name="Indicator explorer", title="Agora · Indicator explorer", order=4)

#: a download has the export's columns, in its order; the grid shows them and n and achieved
SHOWN_COLUMNS = TABLE_COLUMNS
GRID_COLUMNS = (*TABLE_COLUMNS, "n", "achieved")
#: what a reader checks first, at the grid's left in this order; the row's name is pinned there (AG Grid
#: unpins columns that would leave the rest no room, so only these two)
KEY_COLUMNS = ("period", "breakdown_value", "value", "n", "target", "status", "achieved", "partial")
PINNED_COLUMNS = ("period", "breakdown_value")
#: more lines than this in one chart would be unreadable: show the last period's bars instead
MAX_LINES = 8


def layout(**query) -> html.Main:
    pub = current()
    if pub is None or not pub.has_indicators:
        return page("Indicator explorer", pub)
    view = resolve_view(pub, query)
    indicator = view.indicator or pub.catalogue["indicator_id"][0]
    choices = breakdowns_of(pub, indicator)
    breakdown = view.breakdown if view.breakdown in choices else "total"
    indicator_control = labelled("Indicator", dropdown(
        "indicator", [{"label": f"{i} {n}", "value": i} for i, n in pub.catalogue.select("indicator_id", "name").iter_rows()],
        indicator), "22rem")
    return page(
        "Indicator explorer", pub,
        filter_bar(pub, view, [indicator_control, breakdown_control(choices, breakdown)]),
        html.Div(id="explorer-definition", className="definition-line"),
        dcc.Loading(dcc.Graph(id="explorer-chart", config=GRAPH_CONFIG), delay_show=400),
        html.Div([
            html.Span(id="explorer-count", className="row-count", role="status"),
            html.Button("Download CSV", id="explorer-csv", className="button"),
            html.Button("Download XLSX", id="explorer-xlsx", className="button"),
            dcc.Download(id="explorer-download"),
        ], className="toolbar"),
        grid("explorer-grid", [], column_defs(), height="460px",
             fits=False, column_size="autoSize"),
    )


@callback(
    Output(filter_id("breakdown"), "options"), Output(filter_id("breakdown"), "value"),
    Input(filter_id("indicator"), "value"), State(filter_id("breakdown"), "value"), prevent_initial_call=True,
)
def breakdown_choices_for_indicator(indicator, breakdown):
    choices = breakdowns_of(current(), indicator)
    return ([{"label": BREAKDOWN_LABELS.get(b, b), "value": b} for b in choices],
            breakdown if breakdown in choices else "total")


@callback(
    Output("explorer-chart", "figure"), Output("explorer-grid", "rowData"), Output("explorer-count", "children"),
    Output("explorer-definition", "children"),
    Input(filter_id("grain"), "value"), Input(filter_id("start"), "value"), Input(filter_id("end"), "value"),
    Input(filter_id("kind"), "value"), Input(filter_id("mechanism"), "value"),
    Input(filter_id("indicator"), "value"), Input(filter_id("breakdown"), "value"),
)
def explorer_for_filters(grain, start, end, kind, mechanism, indicator, breakdown):
    pub = current()
    view = _view(grain, start, end, kind, mechanism, indicator, breakdown)
    entry = pub.catalogue_entry(view.indicator)
    definition = [html.Strong(f"{entry['name']} ({entry['unit']}). "), entry["definition"]]
    rows = grid_rows(pub, view)
    if rows is None:
        by = "" if view.breakdown == "total" else f" by {breakdown_words(view.breakdown)}"
        said = f"{entry['indicator_id']}{by}: {unavailable_words(view)} ({scope_words(view)})."
        return unavailable_figure(said), [], said, definition
    count = f"{rows.height:,} row{'s' if rows.height != 1 else ''} shown"
    return explorer_figure(rows, entry, view), _with_words(pub, rows).to_dicts(), count, definition


@callback(
    Output("explorer-download", "data"),
    Input("explorer-csv", "n_clicks"), Input("explorer-xlsx", "n_clicks"),
    State(filter_id("grain"), "value"), State(filter_id("start"), "value"), State(filter_id("end"), "value"),
    State(filter_id("kind"), "value"), State(filter_id("mechanism"), "value"),
    State(filter_id("indicator"), "value"), State(filter_id("breakdown"), "value"),
    prevent_initial_call=True,
)
def download_shown_rows(_csv, _xlsx, grain, start, end, kind, mechanism, indicator, breakdown):
    view = _view(grain, start, end, kind, mechanism, indicator, breakdown)
    rows = grid_rows(current(), view)
    rows = (rows if rows is not None else current().indicators.clear()).select(SHOWN_COLUMNS)
    name = f"agora-{view.indicator}-{view.grain}-{view.breakdown}-{view.start}-{view.end}"
    if dash.ctx.triggered_id == "explorer-xlsx":
        return dcc.send_bytes(xlsx_bytes(rows), f"{name}.xlsx")
    return dcc.send_string(csv_text(rows), f"{name}.csv")


def _view(grain, start, end, kind, mechanism, indicator, breakdown) -> View:
    return view_from_controls({"grain": grain, "start": start, "end": end, "kind": kind, "mechanism": mechanism,
                               "indicator": indicator, "breakdown": breakdown or "total"})


def grid_rows(pub: Published, view: View) -> pl.DataFrame | None:
    """The rows the grid shows: the indicator at the grain, in the period range, for the breakdown,
    within the mechanism scope (its own cell for all records, its crossed cells for a breakdown);
    None where the scope has no such cells."""
    if view.breakdown == "total":
        if view.scope[0] not in pub.catalogue_entry(view.indicator)["breakdowns"]:
            return None
        rows = in_range(scope_rows(pub, view.indicator, view), view)
    else:
        rows = breakdown_rows(pub, view.indicator, view, view.breakdown)
    return None if rows is None else rows.select(GRID_COLUMNS)


def explorer_figure(rows: pl.DataFrame, entry: dict, view: View):
    unit, title, limit = entry["unit"], f"{entry['indicator_id']} {entry['name']}", small_n()
    if view.breakdown == "total":
        return trend_figure(rows, f"{title}, {scope_words(view)}, {view.start} to {view.end}", unit, height=340,
                            small_n=limit)
    by = f"{breakdown_words(view.breakdown)}, {scope_words(view)}"
    if rows["breakdown_value"].n_unique() <= MAX_LINES:
        return breakdown_trend_figure(rows, f"{title} by {by}, {view.start} to {view.end}", unit, height=340,
                                      small_n=limit)
    latest = rows["period"].max()
    return breakdown_figure(rows.filter(period=latest), f"{title} by {by}, {latest}", unit, small_n=limit)


def unavailable_figure(said: str) -> go.Figure:
    """An empty chart saying why it is empty (never another scope's figures in its place)."""
    fig = go.Figure()
    fig.add_annotation(text=said, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 14})
    fig.update_layout(height=200, font={"family": FONT}, plot_bgcolor="white", paper_bgcolor="white",
                      xaxis={"visible": False}, yaxis={"visible": False})
    return fig


def csv_text(rows: pl.DataFrame) -> str:
    """The shown rows as CSV, written like `agora export` writes it (text a spreadsheet would run neutralised)."""
    return neutralised(rows).write_csv(line_terminator="\n", null_value="", float_scientific=False)


def xlsx_bytes(rows: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    with progress("Writing the sheet", rows.width, enabled=False) as bar:
        write_indicator_sheet(book, Styles(book), "Indicators", rows, bar)
    book.close()
    return buffer.getvalue()


#: columns the grid shows in words while the rows, and so the downloads, keep the codes
WORDED_COLUMNS = ("breakdown", "breakdown_value")


def _with_words(pub: Published, rows: pl.DataFrame) -> pl.DataFrame:
    """The rows with the breakdown and its value in words (a crossed cell as its plain value)."""
    mechanisms = mechanism_options(pub, None)
    words = pl.DataFrame([
        (b, v, BREAKDOWN_LABELS.get(plain_cell(b, v)[0], b),
         mechanisms.get(plain_cell(b, v)[1], v) if plain_cell(b, v)[0] == "mechanism_id" else value_label(b, v))
        for b, v in rows.select("breakdown", "breakdown_value").unique().rows()
    ], schema={"breakdown": pl.String, "breakdown_value": pl.String, "breakdown_words": pl.String,
               "breakdown_value_words": pl.String}, orient="row")
    return rows.join(words, on=["breakdown", "breakdown_value"], how="left", maintain_order="left")


def column_defs() -> list[dict]:
    """The grid's columns, the key ones first; breakdowns and their values show in words (columns
    `_with_words` adds), statuses through `refData`, while the downloads keep the codes of the export."""
    numeric = {"numerator", "denominator", "value", "baseline", "target", "n", "achieved"}
    words = {"status": STATUS_WORDS}
    headers = {"breakdown_value": "breakdown value", "n": "n", "achieved": "% achieved"}
    formats = {"value": "agoraFormat(params)", "baseline": "agoraFormat(params)", "target": "agoraFormat(params)",
               "n": f"agoraN(params, {small_n()})", "achieved": "agoraAchieved(params)",
               "partial": "agoraPartial(params)"}
    order = [*KEY_COLUMNS, *(c for c in GRID_COLUMNS if c not in KEY_COLUMNS)]
    defs = []
    for column in order:
        d = {"field": column, "headerName": headers.get(column, column.replace("_", " "))}
        if column in WORDED_COLUMNS:
            # shown from a column of words sent with the rows, never from refData: columnDefs and rowData
            # arrive together, and a pinned column drawn before its new refData would stay blank
            d.update(field=f"{column}_words", colId=column)
        if column in PINNED_COLUMNS:
            d["pinned"] = "left"
        if column == "partial":
            d["cellDataType"] = False  # words, not AG Grid's checkbox
        if column in words:
            d["refData"] = words[column]
        if column in numeric:
            d["type"] = "rightAligned"
            d["filter"] = "agNumberColumnFilter"
        if column in formats:
            d["valueFormatter"] = {"function": formats[column]}
        defs.append(d)
    return defs
