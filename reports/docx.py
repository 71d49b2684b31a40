"""The report as an editable Word file, for teams that finish their reports in Word.

The same content as the HTML (`reports.content.Report`), in Word's own headings, tables and
pictures: charts are the same drawings as PNG (Word takes no SVG), drawn by Pillow, no browser.
Word has no place for the HTML's source-row attributes, so numbers are plain text here; the HTML
edition of the same run is the one to check them against. The bytes are the same for the same run:
the document's dates are the run's as-of date and every part of the zip carries that date too.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, time

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Inches, Pt, RGBColor
from markupsafe import Markup

from figures.static import CHART_WIDTH
from metrics.xlsx import breakdown_words
from reports.content import Report, reference_date_words
from reports.methodology import numerator_words, population_words
from reports.traced import shown_text

#: Word's pixels: a chart of CHART_WIDTH CSS pixels is as wide on paper as in the PDF
PIXELS_PER_INCH = 96
MUTED = RGBColor(0x5A, 0x62, 0x70)


def plain(text) -> str:
    """A sentence of the HTML report as text: tags dropped, entities read."""
    return Markup(text).striptags() if isinstance(text, Markup) else ("" if text is None else str(text))


def _table(document, header: list[str], rows: list[list[str]], numeric_from: int = 1) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Light List"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
    for values in rows:
        cells = table.add_row().cells
        for k, (cell, text) in enumerate(zip(cells, values)):
            cell.text = text
            if k >= numeric_from:
                cell.paragraphs[0].alignment = 2  # right: numbers line up
    document.add_paragraph()


def _note(document, text: str) -> None:
    run = document.add_paragraph().add_run(text)
    run.font.color.rgb = MUTED
    run.italic = True


def _summary(document, report: Report) -> None:
    document.add_heading("Executive summary", 1)
    if report.caveats:
        document.add_heading("Before reading the numbers", 2)
        for caveat in report.caveats:
            document.add_paragraph(plain(caveat), style="List Bullet")
    document.add_heading(f"Largest changes since {report.period.previous}", 2)
    for change in report.changes:
        document.add_paragraph(plain(change.sentence), style="List Bullet")
    if not report.changes:
        document.add_paragraph("No indicator moved by more than chance alone would explain at its number of records.")
    document.add_heading(f"Targets for {report.period}", 2)
    for sentence in report.crossings:
        document.add_paragraph(plain(sentence), style="List Bullet")
    if report.targets:
        _table(document, ["Indicator", "Value", "Baseline", "Target", "% achieved", "Status"],
               [[f"{s.indicator.id} {s.indicator.name}", plain(s.value), plain(s.baseline) or "–", plain(s.target),
                 plain(s.achieved) or "–", s.status] for s in report.targets])
    else:
        document.add_paragraph(f"No indicator has a target for {report.period}.")
    if report.programme:
        document.add_heading("Life-of-programme targets", 2)
        _table(document, ["Indicator", "LOP baseline", "LOP target", "To date", "Value to date", "% achieved"],
               [[f"{p.indicator.id} {p.indicator.name}", plain(p.baseline) or "–", plain(p.target),
                 (p.to_date_period or "no value yet") + (" (not over)" if p.to_date_partial else ""),
                 plain(p.value) or "–", plain(p.achieved) or "–"] for p in report.programme])


def _scorecard(document, report: Report) -> None:
    document.add_heading("Scorecard", 1)
    period = report.period
    header = ["Indicator", str(period), str(period.previous)]
    if report.shows_year_earlier:
        header.append(str(period.year_earlier))
    header += ["Baseline", "Target", "% achieved", "Status"]
    rows = []
    for area in report.areas:
        rows.append([area.name] + [""] * (len(header) - 1))
        for s in area.scorecard:
            arrow = "↓" if s.indicator.lower_is_better else "↑"
            earlier = [plain(s.previous) or "–"] + ([plain(s.year_earlier) or "–"] if report.shows_year_earlier else [])
            if s.no_data:
                rows.append([f"{s.indicator.id} {s.indicator.name} {arrow}", "no data", *earlier, s.no_data, "", "", ""])
            else:
                rows.append([f"{s.indicator.id} {s.indicator.name} {arrow}", plain(s.value), *earlier,
                             plain(s.baseline) or "–", plain(s.target) or "–", plain(s.achieved) or "–", s.status])
    _table(document, header, rows)


def _rows_table(document, rows, unit: str, first: str, small_n: int) -> None:
    header = [first, "Value"] + (["Numerator"] if unit in ("ratio", "mean") else []) + (["n"] if unit != "count" else [])
    body = []
    for label, row in rows:
        line = [label + (" (not over)" if row and row["partial"] else ""),
                shown_text(row, "value") if row else "no data"]
        if unit in ("ratio", "mean"):
            line.append(shown_text(row, "numerator") if row else "")
        if unit != "count":
            small = row and not row["suppressed"] and row["denominator"] is not None and row["denominator"] < small_n
            line.append((shown_text(row, "denominator") + (" small n" if small else "")) if row else "")
        body.append(line)
    _table(document, header, body)


def _picture(document, report: Report, key: str, caption: str) -> None:
    drawing = report.figures[key]
    document.add_picture(io.BytesIO(drawing.png()), width=Inches(CHART_WIDTH / PIXELS_PER_INCH))
    _note(document, caption)


def _areas(document, report: Report) -> None:
    grain = report.period.grain
    for area in report.areas:
        document.add_heading(area.name, 1)
        for sec in area.sections:
            ind = sec.indicator
            document.add_heading(f"{ind.id} {ind.name} ({sec.direction.lower()})", 2)
            document.add_paragraph(ind.definition)
            _picture(document, report, sec.trend_chart_key, f"{ind.name}, last {len(sec.trend)} {grain}s")
            _rows_table(document, sec.trend, ind.unit, "Period", report.small_n)
            for b in sec.breakdowns:
                if b.chart_key:
                    _picture(document, report, b.chart_key, f"{ind.name} by {b.label}, {report.period}")
                _rows_table(document, b.rows, ind.unit, b.label[:1].upper() + b.label[1:], report.small_n)
        if area.without_data:
            listed = "; ".join(f"{ind.id} {ind.name}" for ind in area.without_data)
            _note(document, f"No data in the last {report.trend_periods} {grain}s: {listed}. "
                            f"The scorecard says why.")


def _quality_and_methodology(document, report: Report) -> None:
    source = report.source
    document.add_heading("Data quality", 1)
    document.add_heading("Rows behind the run, by entity", 2)
    _table(document, ["Entity", "Files", "Rows read", "Loaded", "Quarantined"],
           [[r["entity"], f"{r['files']:,}", f"{r['rows_read']:,}", f"{r['rows_loaded']:,}",
             f"{r['rows_quarantined']:,}"] for r in report.loads_by_entity().iter_rows(named=True)])
    if source.quarantine.height:
        document.add_heading("Quarantine by entity and reason", 2)
        _table(document, ["Entity", "Reason", "Rows"],
               [[q["entity"], q["reason"], f"{q['rows']:,}"] for q in source.quarantine.iter_rows(named=True)], 2)
    verdict = "passed: every check of the output suite held" if source.validation.get("success") else \
        "failed: at least one check of the output suite did not hold"
    document.add_paragraph(f"Output validation of the run {verdict}.")

    document.add_heading("Methodology", 1)
    document.add_paragraph(
        f"Every number is read from the indicator table of run {report.short(source.run.run_id)}, built with data "
        f"as of {source.run.as_of}; the report computes no indicator itself. Changes between periods are worked out "
        f"from two such numbers. Totals under {report.small_n} records are flagged small n. A period whose last day "
        f"is after the as-of date is not over and marked so.")
    if report.programme:
        document.add_paragraph(report.programme_note)
    document.add_paragraph(report.suppression_rule)
    for area in report.areas:
        for s in area.scorecard:
            ind = s.indicator
            document.add_heading(f"{ind.id} {ind.name}", 3)
            parts = [ind.definition]
            if population := population_words(ind):
                parts.append(f"Counted over: {population}")
            if numerator := numerator_words(ind):
                parts.append(f"Value: {numerator}")
            parts.append(f"Dated by: {reference_date_words(ind)}")
            parts.append(f"Broken down by: {breakdown_words(ind.breakdowns) or 'nothing: total only'}.")
            document.add_paragraph(" ".join(parts))

    document.add_heading("Annex: identifiers of this report", 1)
    run = source.run
    _table(document, ["Identifier", "Value"],
           [["Run", run.run_id], ["Data hash", run.data_hash], ["Catalogue hash", run.catalogue_hash],
            ["Code version", run.code_version], ["Data as of", str(run.as_of)]], numeric_from=2)
    document.add_paragraph(report.reproduce_command)


def docx_bytes(report: Report) -> bytes:
    """The Word file of the report, the same bytes for the same run and arguments."""
    source = report.source
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Inches(8.27), Inches(11.69)  # A4
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Inches(0.7))
    document.styles["Normal"].font.name = "DejaVu Sans"
    document.styles["Normal"].font.size = Pt(9)
    stamp = datetime.combine(source.run.as_of, time())
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = report.title, "Agora", "Agora"
    properties.created = properties.modified = properties.last_printed = stamp
    properties.revision = 1
    properties.comments = f"Written by agora report from run {source.run.run_id}."

    document.add_heading(report.title, 0)
    document.add_paragraph(f"How the UN human-rights mechanisms engaged civil society organisations in "
                           f"{report.period.grain} {report.period}.")
    if report.partial:
        document.add_paragraph().add_run(
            f"Unfinished period. {report.period} runs to {report.period.end} but the data are as of "
            f"{source.run.as_of}: every figure covers only part of the period and will change.").bold = True
    if report.audience == "internal":
        document.add_paragraph().add_run(
            "Internal report: do not publish. It holds every cell unsuppressed, including small cells that "
            "could identify organisations.").bold = True
    else:
        document.add_paragraph(f"Public edition. Figures resting on fewer than {source.threshold} records read "
                               f"“suppressed”. No organisation is named or identified.")
    document.add_paragraph(f"Period {report.period} ({report.period.start} to {report.period.end}); data as of "
                           f"{source.run.as_of}; run {report.short(source.run.run_id)} (identifiers in full in the annex).")
    _summary(document, report)
    _scorecard(document, report)
    _areas(document, report)
    _quality_and_methodology(document, report)
    buffer = io.BytesIO()
    document.save(buffer)
    return dated_zip(buffer.getvalue(), stamp)


def dated_zip(data: bytes, stamp: datetime) -> bytes:
    """The zip again with every member dated `stamp` (python-docx dates them with the clock)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = member.external_attr
            target.writestr(info, source.read(member.filename))
    return out.getvalue()
