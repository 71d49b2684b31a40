"""The XLSX Indicator Performance Tracking Table (IPTT) of the year that contains a period.

One row per catalogue indicator: id, name, unit, direction, baseline, then target, actual and per
cent of target achieved for each quarter up to the period and for the year, and the period's
status; then the "Indicator reference" and "About" sheets the export writes too.

Per cent achieved is actual / target where higher is better and target / actual where lower is
better (so 100% or more means the target is met either way). It is a formula over the row's own
cells, with its value cached, so an evaluator can see and re-check the working.
"""

from __future__ import annotations

import io
from datetime import datetime, time

import polars as pl
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from metrics.export import about_lines
from metrics.xlsx import Styles, direction, neutralise, reference_rows, write_about_sheet, write_reference_sheet
from reports.content import STATUS_WORDS
from foundation.vocabulary import Period
from reports.source import ReportSource

FIRST_DATA_ROW = 4
LEADING_COLUMNS = (("Indicator", 9), ("Name", 36), ("Unit", 8), ("Direction", 16), ("Baseline", 10))


def per_cent_achieved(actual: float | None, target: float | None, lower_is_better: bool) -> float | None:
    """How much of its target an actual reached, 1.0 meaning exactly met; None when it cannot say."""
    if actual is None or target is None:
        return None
    numerator, denominator = (target, actual) if lower_is_better else (actual, target)
    return None if denominator == 0 else numerator / denominator


def iptt_columns(period: Period) -> list[Period]:
    return [*period.quarters_to_date(), period.calendar_year]


def _totals(table: pl.DataFrame, periods: list[Period]) -> dict[tuple[str, str], dict]:
    rows = table.filter((pl.col("breakdown") == "total") & pl.col("period").is_in([str(p) for p in periods]))
    return {(r["indicator_id"], r["period"]): r for r in rows.iter_rows(named=True)}


def iptt_bytes(source: ReportSource, period: Period) -> bytes:
    """The workbook of the IPTT of the year containing `period`, as the file's bytes."""
    columns = iptt_columns(period)
    totals = _totals(source.table, [*columns, period])
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
        f"actual / target (higher is better) or target / actual (lower is better); 100% or more meets the target."),
        note)

    headers = [*LEADING_COLUMNS]
    for p in columns:
        label = "Year" if p.grain == "year" else f"Q{p.step}"
        headers += [(f"{label} target", 10), (f"{label} actual", 10), (f"{label} % achieved", 11)]
    headers.append((f"Status {period}", 14))
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
                sheet.write_string(r, col + 1, "suppressed", styles.suppressed)
                continue
            if cell["value"] is not None:
                sheet.write_number(r, col + 1, cell["value"], unit_format)
            achieved = per_cent_achieved(cell["value"], cell["target"], ind.lower_is_better)
            if achieved is not None:
                target_ref, actual_ref = xl_rowcol_to_cell(r, col), xl_rowcol_to_cell(r, col + 1)
                formula = (f"={target_ref}/{actual_ref}" if ind.lower_is_better else f"={actual_ref}/{target_ref}")
                sheet.write_formula(r, col + 2, formula, per_cent, achieved)
        now = totals.get((ind.id, str(period)))
        if now is None:
            status = "no data"
        else:
            status = "suppressed" if now["suppressed"] else STATUS_WORDS.get(now["status"], now["status"])
        sheet.write_string(r, len(headers) - 1, status)
    sheet.freeze_panes(FIRST_DATA_ROW, 2)

    write_reference_sheet(book, styles, reference_rows([ind.id for ind in source.indicators]))
    about = about_lines(source.run, source.audience, source.threshold, {"period": str(period)})
    write_about_sheet(book, styles, [*about[:-1], (about[-1][0], about[-1][1].replace("agora export", "agora report"))])
    book.close()
    return buffer.getvalue()
