"""Indicator explorer: any indicator x grain x breakdown as a chart and a grid, with CSV and XLSX
downloads of exactly the rows and columns the grid shows."""

from __future__ import annotations

import io

import dash
import polars as pl
import xlsxwriter
from dash import Input, Output, State, callback, dcc, html

from foundation.progress import progress
from dashboards.components import (BREAKDOWN_LABELS, GRAPH_CONFIG, breakdown_control, current, dropdown, filter_bar,
                                   filter_id, grid, labelled, page, scope_words)
from dashboards.data import Published
from dashboards.view import (View, breakdown_rows, breakdowns_of, in_range, mechanism_options, resolve_view,
                             scope_rows, view_from_controls)
from figures.charts import breakdown_figure, breakdown_trend_figure, trend_figure
from figures.labels import BREAKDOWN_VALUE_LABELS
from metrics.engine import TABLE_COLUMNS
from metrics.xlsx import Styles, neutralised, write_indicator_sheet

dash.register_page(__name__, path="/explorer", name="Indicator explorer", title="Agora · Indicator explorer", order=4)

#: the grid shows every column of the indicator table, in its order, so a download is the export's shape
SHOWN_COLUMNS = TABLE_COLUMNS
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
        grid("explorer-grid", [], column_defs(pub, breakdown), height="460px", fits=False, column_size="autoSize"),
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
    Output("explorer-definition", "children"), Output("explorer-grid", "columnDefs"),
    Input(filter_id("grain"), "value"), Input(filter_id("start"), "value"), Input(filter_id("end"), "value"),
    Input(filter_id("kind"), "value"), Input(filter_id("mechanism"), "value"),
    Input(filter_id("indicator"), "value"), Input(filter_id("breakdown"), "value"),
)
def explorer_for_filters(grain, start, end, kind, mechanism, indicator, breakdown):
    pub = current()
    view = _view(grain, start, end, kind, mechanism, indicator, breakdown)
    rows = shown_rows(pub, view)
    entry = pub.catalogue_entry(view.indicator)
    count = f"{rows.height:,} row{'s' if rows.height != 1 else ''} shown"
    definition = [html.Strong(f"{entry['name']} ({entry['unit']}). "), entry["definition"]]
    return (explorer_figure(rows, entry, view), rows.to_dicts(), count, definition,
            column_defs(pub, view.breakdown))


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
    rows = shown_rows(current(), view)
    name = f"agora-{view.indicator}-{view.grain}-{view.breakdown}-{view.start}-{view.end}"
    if dash.ctx.triggered_id == "explorer-xlsx":
        return dcc.send_bytes(xlsx_bytes(rows), f"{name}.xlsx")
    return dcc.send_string(csv_text(rows), f"{name}.csv")


def _view(grain, start, end, kind, mechanism, indicator, breakdown) -> View:
    return view_from_controls({"grain": grain, "start": start, "end": end, "kind": kind, "mechanism": mechanism,
                               "indicator": indicator, "breakdown": breakdown or "total"})


def shown_rows(pub: Published, view: View) -> pl.DataFrame:
    """The rows the grid shows: the indicator at the grain, in the period range, for the breakdown
    (the mechanism filters choose the cell of the total view, and narrow a breakdown by mechanism)."""
    if view.breakdown == "total":
        rows = in_range(scope_rows(pub, view.indicator, view), view)
    else:
        rows = breakdown_rows(pub, view.indicator, view, view.breakdown)
    return rows.select(SHOWN_COLUMNS)


def explorer_figure(rows: pl.DataFrame, entry: dict, view: View):
    unit, title = entry["unit"], f"{entry['indicator_id']} {entry['name']}"
    if view.breakdown == "total":
        return trend_figure(rows, f"{title}, {scope_words(view)}, {view.start} to {view.end}", unit, height=320)
    by = BREAKDOWN_LABELS.get(view.breakdown, view.breakdown).lower()
    if rows["breakdown_value"].n_unique() <= MAX_LINES:
        return breakdown_trend_figure(rows, f"{title} by {by}, {view.start} to {view.end}", unit, height=320)
    latest = rows["period"].max()
    return breakdown_figure(rows.filter(period=latest), f"{title} by {by}, {latest}", unit)


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


def column_defs(pub: Published, breakdown: str) -> list[dict]:
    """The grid's columns; breakdowns and their values show in words (`refData`) while the rows,
    and so the downloads, keep the codes of the export."""
    numeric = {"numerator", "denominator", "value", "baseline", "target"}
    words = {"breakdown": BREAKDOWN_LABELS,
             "breakdown_value": (mechanism_options(pub, None) if breakdown == "mechanism_id"
                                 else BREAKDOWN_VALUE_LABELS.get(breakdown, {}))}
    defs = []
    for column in SHOWN_COLUMNS:
        d = {"field": column, "headerName": column.replace("_", " ")}
        if column in words:
            d["refData"] = words[column]
        if column in numeric:
            d["type"] = "rightAligned"
            d["filter"] = "agNumberColumnFilter"
        if column in ("value", "baseline", "target"):
            d["valueFormatter"] = {"function": "agoraFormat(params)"}
        defs.append(d)
    return defs
