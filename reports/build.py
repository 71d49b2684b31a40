"""`agora report`: one periodic accountability report per --period, from a kept run.

Several periods write one report each into the --out folder, with an `index.html` listing them.
The same warehouse, run and arguments give byte-identical HTML, PDF, DOCX and XLSX files.

A period the run holds no value for is refused (a report saying "no data" is not a report); a
period that is not over at the run's as-of date is reported, marked as such on the cover and in the
summary, and refused with `strict`. Every period is checked before any file is written.
"""

from __future__ import annotations

import hashlib
import os
import time
from contextlib import contextmanager
from pathlib import Path

from foundation.errors import AgoraError
from foundation.progress import progress
from metrics.disclosure import AUDIENCES
from reports.content import build_report, period_has_data
from reports.html import index_html, report_html
from reports.docx import docx_bytes
from reports.iptt import iptt_bytes
from foundation.vocabulary import Period
from reports.source import read_report_source

FORMATS = ("html", "pdf", "docx", "xlsx")
#: where several reports go when --out is not given
DEFAULT_FOLDER = Path("agora-reports")


class ReportError(AgoraError):
    """A report that cannot be written as asked."""


def report_name(period: Period, audience: str, fmt: str) -> str:
    return f"agora-report-{period}-{audience}.{fmt}"


def report_paths(periods: list[Period], audience: str, fmt: str, out: Path | None) -> tuple[list[Path], Path | None]:
    """Where each report goes, and the index of the series (None for a single report)."""
    names = [report_name(p, audience, fmt) for p in periods]
    if len(periods) == 1:
        if out is None:
            return [Path(names[0])], None
        if out.suffix and not out.is_dir():
            if out.suffix.lower() != f".{fmt}":
                raise ReportError(f"{out} ends in {out.suffix} but the format asked for is {fmt}: "
                                  f"pass --format {out.suffix.lstrip('.').lower()}, or an --out ending in .{fmt}.")
            return [out], None
        return [out / names[0]], None
    folder = out or DEFAULT_FOLDER
    if folder.suffix and not folder.is_dir():
        raise ReportError(f"Several periods write one report each into a folder; {folder} looks like a file. "
                          f"Pass --out with a folder name.")
    return [folder / name for name in names], folder / "index.html"


def write_atomically(path: Path, content: bytes) -> None:
    """Write beside the target and rename, so a failed report never leaves half a file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_bytes(content)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def timed(timings: dict | None, step: str):
    """Add the wall and CPU seconds of a step to `timings[step]` (where the benchmark asks for them)."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    if timings is not None:
        before = timings.get(step, (0.0, 0.0))
        timings[step] = (before[0] + time.perf_counter() - wall, before[1] + time.process_time() - cpu)


def report_bytes(source, period: Period, fmt: str, timings: dict | None = None) -> bytes:
    """One report's file. `timings`, if given, gets the seconds of each step: content (reading the
    rows, drawing the charts), html (the template), layout and pdf (WeasyPrint), docx, xlsx."""
    if fmt == "xlsx":
        with timed(timings, "xlsx"):
            return iptt_bytes(source, period)
    with timed(timings, "content"):
        report = build_report(source, period, fmt)
    if fmt == "docx":
        with timed(timings, "docx"):
            return docx_bytes(report)
    with timed(timings, "html"):
        # WeasyPrint finds DejaVu on the system and embeds only the glyphs it sets
        html = report_html(report, embed_fonts=fmt == "html")
    if fmt == "html":
        return html.encode("utf-8")
    from weasyprint import HTML

    with timed(timings, "layout"):
        document = HTML(string=html).render()
    with timed(timings, "pdf"):
        # its dates come from the HTML's as-of metadata, its id from the HTML
        return document.write_pdf(
            pdf_tags=True, pdf_identifier=hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii"))


def refusal(source, period: Period, strict: bool) -> str | None:
    """Why no report of `period` may be written from this run, or None."""
    run = source.run
    if not period_has_data(source.table, period):
        return (f"Run {run.run_id} holds no indicator value for {period} (data as of {run.as_of}): "
                f"no report was written; pick a period the data cover.")
    if strict and period.is_partial(run.as_of):
        return (f"{period} is not over (it ends on {period.end}, the data are as of {run.as_of}): "
                f"--strict refuses a report on an unfinished period.")
    return None


def write_reports(warehouse: Path, periods: list[str], audience: str, fmt: str, out: Path | None,
                  run_id: str | None, small_cell_threshold: int, strict: bool = False) -> list[Path]:
    """Write one report per period (in the order given, repeats once) and return their paths."""
    if fmt not in FORMATS:
        raise ReportError(f"The report format must be one of {', '.join(FORMATS)}, not {fmt!r}.")
    if audience not in AUDIENCES:
        raise ReportError(f"The audience must be one of {', '.join(AUDIENCES)}, not {audience!r}.")
    parsed = list(dict.fromkeys(Period.parse(text) for text in periods))
    if not parsed:
        raise ReportError("Name at least one --period (2025, 2026-Q2 or 2026-05).")
    paths, index = report_paths(parsed, audience, fmt, Path(out) if out is not None else None)
    source = read_report_source(Path(warehouse), run_id, audience, small_cell_threshold)
    refused = [reason for period in parsed if (reason := refusal(source, period, strict))]
    if refused:
        raise ReportError(" ".join(refused))
    with progress(f"Writing {len(parsed)} {fmt} report(s)", total=len(parsed)) as bar:
        for period, path in zip(parsed, paths):
            bar.describe(f"Writing the {period} report")
            write_atomically(path, report_bytes(source, period, fmt))
            bar.advance()
    if index is not None:
        entries = [(str(p), path.name) for p, path in zip(parsed, paths)]
        write_atomically(index, index_html(entries, audience, source.run).encode("utf-8"))
        return [*paths, index]
    return paths
