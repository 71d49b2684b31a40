"""`agora report`: one periodic accountability report per --period, from a kept run.

Several periods write one report each into the --out folder, with an `index.html` listing them.
The same warehouse, run and arguments give byte-identical HTML, PDF and XLSX files.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from foundation.errors import AgoraError
from foundation.progress import progress
from figures.static import start_renderer
from metrics.disclosure import AUDIENCES
from reports.content import build_report
from reports.html import index_html, report_html
from reports.iptt import iptt_bytes
from foundation.vocabulary import Period
from reports.source import read_report_source

FORMATS = ("html", "pdf", "xlsx")
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


def pdf_bytes(html: str) -> bytes:
    """A4, tagged PDF of the report; its dates come from the HTML's as-of metadata, its id from the HTML."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf(
        pdf_tags=True, pdf_identifier=hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii"),
    )


def write_reports(warehouse: Path, periods: list[str], audience: str, fmt: str, out: Path | None,
                  run_id: str | None, small_cell_threshold: int) -> list[Path]:
    """Write one report per period (in the order given, repeats once) and return their paths."""
    if fmt not in FORMATS:
        raise ReportError(f"The report format must be one of {', '.join(FORMATS)}, not {fmt!r}.")
    if audience not in AUDIENCES:
        raise ReportError(f"The audience must be one of {', '.join(AUDIENCES)}, not {audience!r}.")
    parsed = list(dict.fromkeys(Period.parse(text) for text in periods))
    if not parsed:
        raise ReportError("Name at least one --period (2025, 2026-Q2 or 2026-05).")
    paths, index = report_paths(parsed, audience, fmt, Path(out) if out is not None else None)
    if fmt != "xlsx":
        start_renderer()  # Chromium starts while the run is read
    source = read_report_source(Path(warehouse), run_id, audience, small_cell_threshold)
    with progress(f"Writing {len(parsed)} {fmt} report(s)", total=len(parsed)) as bar:
        for period, path in zip(parsed, paths):
            bar.describe(f"Writing the {period} report")
            if fmt == "xlsx":
                write_atomically(path, iptt_bytes(source, period))
            else:
                html = report_html(build_report(source, period, fmt))
                write_atomically(path, html.encode("utf-8") if fmt == "html" else pdf_bytes(html))
            bar.advance()
    if index is not None:
        entries = [(str(p), path.name) for p, path in zip(parsed, paths)]
        write_atomically(index, index_html(entries, audience, source.run).encode("utf-8"))
        return [*paths, index]
    return paths
