"""The XLSX Indicator Performance Tracking Table (IPTT) of the year that contains a period.

One row per catalogue indicator: id, name, unit, direction, baseline, then target, actual and per
cent achieved for each quarter up to the period and for the year; then the life-of-programme (LOP)
baseline and target, the period the value to date is of, that value and per cent achieved against
the LOP target (`reports.programme`); and the period's status; then the "Indicator reference" and
"About" sheets the export writes too.

Per cent achieved is the run's (spec v2, `metrics.achievement`): (actual - baseline) / (target -
baseline) with a baseline; without one, actual / target where higher is better and target / actual
where lower is better (1 when the actual is 0). It is written as a formula over the row's own cells
(the period's baseline as a number in it), its value cached, so an evaluator can re-check the working.
The sheet prints on A4 landscape, fitted to the page width, with its header rows and indicator
columns repeated on every page.
"""

from __future__ import annotations

import io
from datetime import datetime, time

import polars as pl
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from metrics.export import about_lines
from metrics.xlsx import Styles, direction, neutralise, reference_rows, write_about_sheet, write_reference_sheet
from foundation.vocabulary import Period
from reports.content import status_words
from reports.programme import programme_targets
from reports.source import ReportSource

FIRST_DATA_ROW = 4
LEADING_COLUMNS = (("Indicator", 9), ("Name", 36), ("Unit", 8), ("Direction", 16), ("Baseline", 10))
PROGRAMME_COLUMNS = (("LOP baseline", 10), ("LOP target", 10), ("LOP to date: period", 11),
                     ("LOP actual to date", 10), ("LOP % achieved", 11))


def achieved_formula(target_ref: str, actual_ref: str, baseline: float | None, lower_is_better: bool) -> str:
    """The spec's per cent achieved over a row's cells (see the module's note)."""
    if baseline is not None:
        return f"=({actual_ref}-{baseline!r})/({target_ref}-{baseline!r})"
    if lower_is_better:
        return f"=IF({actual_ref}=0,1,{target_ref}/{actual_ref})"
    return f"={actual_ref}/{target_ref}"


def set_up_printing(sheet, header_row: int, title: str) -> None:
    """A4 landscape, as wide as the page, header rows and indicator columns on every page."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, header_row)
    sheet.repeat_columns(0, 1)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_header(f"&L&8{neutralise(title)}")
    sheet.set_footer("&R&8Page &P of &N")


def iptt_columns(period: Period) -> list[Period]:
    return [*period.quarters_to_date(), period.calendar_year]


def _totals(table: pl.DataFrame, periods: list[Period]) -> dict[tuple[str, str], dict]:
    rows = table.filter((pl.col("breakdown") == "total") & pl.col("period").is_in([str(p) for p in periods]))
    return {(r["indicator_id"], r["period"]): r for r in rows.iter_rows(named=True)}


def write_programme_cells(sheet, r: int, col: int, lop, indicator, unit_format, per_cent) -> None:
    """The LOP baseline, target, period to date, actual to date and per cent achieved of one row."""
    if lop.baseline is not None:
        sheet.write_number(r, col, lop.baseline, unit_format)
    sheet.write_number(r, col + 1, lop.target, unit_format)
    if lop.to_date is None:
        return
    sheet.write_string(r, col + 2, lop.to_date_period)
    if lop.to_date["suppressed"] or lop.to_date["value"] is None:
        return  # withheld: no actual, and no achievement to tell it
    sheet.write_number(r, col + 3, lop.to_date["value"], unit_format)
    if lop.achieved is not None:
        formula = achieved_formula(xl_rowcol_to_cell(r, col + 1), xl_rowcol_to_cell(r, col + 3),
                                   lop.baseline, indicator.lower_is_better)
        sheet.write_formula(r, col + 4, formula, per_cent, lop.achieved)


def iptt_bytes(source: ReportSource, period: Period) -> bytes:
    """The workbook of the IPTT of the year containing `period`, as the file's bytes."""
    columns = iptt_columns(period)
    totals = _totals(source.table, [*columns, period])
    programme = programme_targets(source, period)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
    })
    book.set_properties({
        "title": f"Agora IPTT {period.year}", "author": "Agora",
        "created": datetime.combine(source.run.as_of, time()),
        "comments": "Written by agora report; see the About sheet.",
    })
    styles = Styles(book)
    title = book.add_format({"bold": True, "font_size": 14})
    note = book.add_format({"italic": True, "font_color": "#595959"})
    per_cent = book.add_format({"num_format": "0%"})
    sheet = book.add_worksheet(f"IPTT {period.year}")
    sheet.write_string(0, 0, f"Indicator Performance Tracking Table {period.year}, to {period}", title)
    sheet.write_string(1, 0, neutralise(
        f"Run {source.run.run_id}, data as of {source.run.as_of}, {source.audience} edition. Per cent achieved: "
        f"(actual - baseline) / (target - baseline); without a baseline actual / target (higher is better) or "
        f"target / actual (lower is better); 100% or more meets the target. LOP: life of the programme, "
        f"its actual to date the latest {period.grain}'s up to {period} with a value, not over or complete."),
        note)

    headers = [*LEADING_COLUMNS]
    for p in columns:
        label = "Year" if p.grain == "year" else f"Q{p.step}"
        headers += [(f"{label} target", 10), (f"{label} actual", 10), (f"{label} % achieved", 11)]
    headers += [*PROGRAMME_COLUMNS, (f"Status {period}", 14)]
    first_programme_column = len(headers) - len(PROGRAMME_COLUMNS) - 1
    header_row = FIRST_DATA_ROW - 1
    for col, (text, width) in enumerate(headers):
        sheet.write_string(header_row, col, text, styles.header)
        sheet.set_column(col, col, width)

    for r, ind in enumerate(source.indicators, start=FIRST_DATA_ROW):
        unit_format = styles.unit[ind.unit]
        sheet.write_string(r, 0, ind.id)
        sheet.write_string(r, 1, neutralise(ind.name))
        sheet.write_string(r, 2, ind.unit)
        sheet.write_string(r, 3, direction(ind.polarity))
        cells = [totals.get((ind.id, str(p))) for p in columns]
        baseline = next((c["baseline"] for c in [cells[-1], *cells] if c and c["baseline"] is not None), None)
        if baseline is not None:
            sheet.write_number(r, 4, baseline, unit_format)
        for k, cell in enumerate(cells):
            col = len(LEADING_COLUMNS) + 3 * k
            if cell is None:
                continue
            if cell["target"] is not None:
                sheet.write_number(r, col, cell["target"], unit_format)
            if cell["suppressed"]:
                continue  # a withheld actual is an empty cell, in the IPTT as in every public format
            if cell["value"] is not None:
                sheet.write_number(r, col + 1, cell["value"], unit_format)
            if cell["achieved"] is not None:
                formula = achieved_formula(xl_rowcol_to_cell(r, col), xl_rowcol_to_cell(r, col + 1),
                                           cell["baseline"], ind.lower_is_better)
                sheet.write_formula(r, col + 2, formula, per_cent, cell["achieved"])
        if ind.id in programme:
            write_programme_cells(sheet, r, first_programme_column, programme[ind.id], ind, unit_format, per_cent)
        now = totals.get((ind.id, str(period)))
        sheet.write_string(r, len(headers) - 1, "no data" if now is None else status_words(now))
    sheet.freeze_panes(FIRST_DATA_ROW, 2)
    set_up_printing(sheet, header_row, f"Indicator Performance Tracking Table {period.year}, to {period}")

    write_reference_sheet(book, styles, reference_rows([ind.id for ind in source.indicators]))
    about = about_lines(source.run, source.audience, source.threshold, {"period": str(period)})
    write_about_sheet(book, styles, [*about[:-1], (about[-1][0], about[-1][1].replace("agora export", "agora report"))])
    book.close()
    return buffer.getvalue()
