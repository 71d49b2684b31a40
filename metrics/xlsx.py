"""The XLSX export: one sheet per area, an "Indicator reference" sheet, an "About" sheet.

Cells hold numbers (a ratio cell holds the ratio, shown as a per cent), text never starts with
something a spreadsheet would run, and the file depends on nothing but its inputs: the document's
creation date is the run's as-of date and xlsxwriter stamps every part with a fixed time.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import polars as pl
import xlsxwriter

from foundation.progress import Progress, progress
from foundation.vocabulary import AREAS, UNITS
from metrics.catalogue import Catalogue, load_catalogue

#: what a spreadsheet would read as the start of a formula (OWASP's list for CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMATS = {unit.name: unit.excel_format for unit in UNITS.values()}
INTEGER_COLUMNS = ("numerator", "denominator")
UNIT_COLUMNS = ("value", "baseline", "target")
DATE_COLUMNS = ("period_start", "period_end", "as_of")
MAX_WIDTH = 60
#: rows in an Excel sheet, its header included: xlsxwriter silently skips cells beyond it
EXCEL_ROW_LIMIT = 1_048_576
#: day 0 of Excel's (1900) date system, so a date cell holds its day count from here
EXCEL_EPOCH = date(1899, 12, 30)

BREAKDOWN_WORDS = {
    "total": "all records",
    "mechanism_kind": "mechanism kind",
    "mechanism_id": "mechanism",
    "engagement_kind": "engagement kind",
    "modality": "modality",
    "region": "UN regional group",
    "org_type": "organisation type",
    "engagement_id": "engagement",
}
#: the catalogue's reference-date columns, in the words of the spec's common rules
REFERENCE_DATE_WORDS = {
    "contact_date": "The contact's date: the engagement's start_date for an attendance, received_on for a submission.",
    "start_date": "The engagement's start_date.",
    "received_on": "The submission's received_on.",
    "issued_on": "The recommendation's issued_on.",
    "due_on": "The recommendation's due_on.",
    "submitted_on": "The feedback response's submitted_on.",
}
#: the catalogue's record sets, as the data contract's entities they are drawn from
SOURCE_WORDS = {
    "contacts": "participations (attended) and submissions made by an organisation, with the organisation and the engagement",
    "participations": "participations, with their engagement and organisation",
    "engagements": "engagements, with their participations and submissions",
    "submissions": "submissions, with their engagement and organisation",
    "recommendations": "recommendations and their follow-ups, with the engagement that produced them",
    "feedback": "feedback responses, with their engagement and (unless anonymous) organisation",
}
REFERENCE_COLUMNS = (
    ("Indicator", 10), ("Name", 30), ("Area", 14), ("Unit", 8), ("Direction", 16), ("Definition", 50),
    ("Population (denominator)", 40), ("Numerator", 40), ("Reference date", 28), ("Breakdowns", 30),
    ("Disaggregation", 40), ("Data source", 40),
)


def _sheet_name(area: str) -> str:
    """An area as Excel allows a sheet name: at most 31 characters, none of []:*?/\\."""
    return "".join("_" if c in "[]:*?/\\" else c for c in area)[:31]


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def neutralised(table: pl.DataFrame) -> pl.DataFrame:
    """`table` with `neutralise` applied to every text column."""
    return table.with_columns(
        pl.when(pl.any_horizontal(pl.col(c).str.starts_with(start) for start in FORMULA_STARTS))
        .then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in table.columns if table.schema[c] == pl.String
    )


def column_widths(table: pl.DataFrame) -> list[int]:
    """Each column as wide as its header or its longest text, within reason."""
    widths = []
    for name in table.columns:
        column = table[name]
        longest = column.str.len_chars().max() if column.dtype == pl.String else 12
        widths.append(min(MAX_WIDTH, max(len(name), longest or 0) + 2))
    return widths


class Styles:
    """The workbook's cell formats, made once (xlsxwriter formats belong to one workbook)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True, "bg_color": "#E7E6E6", "bottom": 1})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.integer = book.add_format({"num_format": NUMBER_FORMATS["count"]})
        self.unit = {unit: book.add_format({"num_format": f}) for unit, f in NUMBER_FORMATS.items()}
        self.wrapped = book.add_format({"text_wrap": True, "valign": "top"})
        self.label = book.add_format({"bold": True, "valign": "top"})


def write_indicator_sheet(book: xlsxwriter.Workbook, styles: Styles, name: str, rows: pl.DataFrame,
                          bar: Progress) -> None:
    """The rows of one area; written a column at a time, so each column picks its cell writer once."""
    sheet = book.add_worksheet(name)
    for col, (header, width) in enumerate(zip(rows.columns, column_widths(rows))):
        sheet.write_string(0, col, header, styles.header)
        sheet.set_column(col, col, width)
    # Day counts computed per column: xlsxwriter's per-cell date conversion is slow.
    cells = neutralised(rows).with_columns((pl.col(c) - EXCEL_EPOCH).dt.total_days() for c in DATE_COLUMNS)
    unit_formats = [styles.unit.get(unit) for unit in rows["unit"]]
    for col, column in enumerate(rows.columns):
        values = cells[column].to_list()
        if column in UNIT_COLUMNS:
            # A withheld number is an empty cell (its row says `suppressed`): text in a number
            # column would make every reader take the column for text.
            for r, (value, number_format) in enumerate(zip(values, unit_formats), start=1):
                if value is not None:
                    sheet.write_number(r, col, value, number_format)
        else:
            write, cell_format = {
                pl.String: (sheet.write_string, None), pl.Boolean: (sheet.write_boolean, None),
            }.get(rows.schema[column], (sheet.write_number, styles.date if column in DATE_COLUMNS else styles.integer))
            for r, value in enumerate(values, start=1):
                if value is not None:
                    write(r, col, value, cell_format)
        bar.advance(rows.height)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(rows.height, 1), len(rows.columns) - 1)


def direction(polarity: str) -> str:
    """A catalogue polarity in words."""
    return "Lower is better" if polarity == "lower_is_better" else "Higher is better"


def breakdown_words(breakdowns) -> str:
    return "; ".join(BREAKDOWN_WORDS.get(b, b.replace("_", " ")) for b in breakdowns if b != "total")


def reference_rows(indicator_ids: list[str], catalogue: Catalogue | None = None) -> list[tuple[str, ...]]:
    """Per indicator of `catalogue` (a run's; the shipped one when not given), its full definition the
    way evaluators' reference sheets write it."""
    rows = []
    for ind in (catalogue or load_catalogue()).indicators:
        if ind.id not in indicator_ids:
            continue
        by = breakdown_words(ind.breakdowns)
        rows.append((
            ind.id, ind.name, ind.area, ind.unit, direction(ind.polarity), ind.definition,
            ind.population, ind.numerator or "(none)",
            REFERENCE_DATE_WORDS.get(ind.reference_date, ind.reference_date.replace("_", " ")),
            ", ".join(ind.breakdowns),
            "By year, quarter and month" + (f"; by {by}" if by else "") + ". Each breakdown row is separate; "
            "only total rows carry baseline, target and status.",
            f"Agora warehouse: {SOURCE_WORDS.get(ind.source, ind.source)}, as loaded under the Agora data "
            f"contract v1, up to the run's as-of date (see the About sheet). Filters: {ind.filters_in_words()}.",
        ))
    return rows


def write_reference_sheet(book: xlsxwriter.Workbook, styles: Styles, rows: list[tuple[str, ...]]) -> None:
    sheet = book.add_worksheet("Indicator reference")
    for col, (header, width) in enumerate(REFERENCE_COLUMNS):
        sheet.write_string(0, col, header, styles.header)
        sheet.set_column(col, col, width, styles.wrapped)
    for r, row in enumerate(rows, start=1):
        for col, text in enumerate(row):
            sheet.write_string(r, col, neutralise(str(text)), styles.wrapped)
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, max(len(rows), 1), len(REFERENCE_COLUMNS) - 1)


def write_about_sheet(book: xlsxwriter.Workbook, styles: Styles, lines: list[tuple[str, str]]) -> None:
    sheet = book.add_worksheet("About")
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 100)
    for r, (label, text) in enumerate(lines):
        sheet.write_string(r, 0, label, styles.label)
        sheet.write_string(r, 1, neutralise(text), styles.wrapped)


def write_xlsx(table: pl.DataFrame, path: Path, about: list[tuple[str, str]], as_of: date,
               catalogue: Catalogue) -> None:
    """The workbook of an export: `table` is the disclosed indicator table in export order, `catalogue`
    the one its run was built with (a sheet per area of it, the shipped areas always)."""
    book = xlsxwriter.Workbook(str(path), {
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
    })
    book.set_properties({
        "title": "Agora indicator table", "author": "Agora", "created": datetime.combine(as_of, time()),
        "comments": "Written by agora export; see the About sheet.",
    })
    styles = Styles(book)
    with progress("Writing the workbook's cells", total=table.height * table.width) as bar:
        for area in catalogue.areas:
            rows = table.filter(pl.col("area") == area)
            if area in AREAS or not rows.is_empty():
                write_indicator_sheet(book, styles, _sheet_name(area), rows, bar)
        write_reference_sheet(book, styles, reference_rows(table["indicator_id"].unique().to_list(), catalogue))
        write_about_sheet(book, styles, about)
        bar.describe("Packing the workbook")
        book.close()
