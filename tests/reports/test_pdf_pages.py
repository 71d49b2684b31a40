"""The PDF's pages as a reader sees them: no half-empty page, no text outside the page's text area,
no word broken, type of at least 8 pt, nothing a reader cannot do on paper ("point at it").

Two views of the same pages. WeasyPrint's own layout (the boxes it typesets, always available)
gives every line and picture with its position and type size. The pages rendered to images
(pdftoppm) and the words read back with their boxes (pdftotext -bbox) check the file itself; they
need poppler-utils and are skipped without it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from foundation.vocabulary import Period
from reports.build import write_reports
from reports.content import build_report
from reports.html import report_html
from reports.source import read_report_source

pytestmark = pytest.mark.slow

#: a page other than a section's last must be filled below this share of its text area
FILLED = 0.5
#: 8 pt in CSS pixels
SMALLEST_TYPE = 8 * 96 / 72
needs_poppler = pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("pdftotext")),
                                   reason="poppler-utils (pdftoppm, pdftotext) is not installed")


def html_of(warehouse: Path, period: str, audience: str = "public") -> str:
    source = read_report_source(warehouse, None, audience, 5)
    return report_html(build_report(source, Period.parse(period), "pdf"), embed_fonts=False)


def content_boxes(page):
    """Every box of a page's body (its running header and footer left out)."""
    for child in page._page_box.children:
        if isinstance(child, boxes.MarginBox):
            continue
        yield child
        yield from child.descendants()


def layout(html: str):
    return HTML(string=html).render().pages


@pytest.fixture(scope="module", params=["handbuilt", "generated"])
def pages(request, handbuilt_warehouse, built_agora):
    warehouse = handbuilt_warehouse if request.param == "handbuilt" else built_agora.settings.warehouse
    html = html_of(warehouse, "2026-Q2")
    return html, layout(html)


def test_no_page_but_the_cover_and_the_last_is_half_empty(pages):
    _, laid_out = pages
    assert len(laid_out) > 3
    for number, page in enumerate(laid_out[1:-1], start=2):
        area = page._page_box
        top, height = area.content_box_y(), area.height
        bottom = max(b.position_y + b.height for b in content_boxes(page)
                     if isinstance(b, (boxes.TextBox, boxes.ReplacedBox)))
        assert (bottom - top) / height > FILLED, f"page {number} ends at {(bottom - top) / height:.0%} of its height"


def test_every_line_stays_inside_the_text_area_and_is_at_least_8_pt(pages):
    _, laid_out = pages
    for number, page in enumerate(laid_out, start=1):
        area = page._page_box
        left, right = area.content_box_x(), area.content_box_x() + area.width
        for box in content_boxes(page):
            if isinstance(box, boxes.TextBox):
                assert box.style["font_size"] >= SMALLEST_TYPE - 0.01, (number, box.text)
                assert left - 0.5 <= box.position_x and box.position_x + box.width <= right + 0.5, (number, box.text)
            elif isinstance(box, boxes.ReplacedBox):
                # a chart is drawn at its own size, so its 11 px type prints at 8.25 pt
                assert box.width == 330, number
                assert box.position_x + box.width <= right + 0.5, number


def test_no_two_things_on_a_page_overlap(pages):
    _, laid_out = pages
    for number, page in enumerate(laid_out, start=1):
        placed = sorted(((b.position_x, b.position_y, b.position_x + b.width, b.position_y + b.height,
                          getattr(b, "text", "chart")) for b in content_boxes(page)
                         if isinstance(b, (boxes.TextBox, boxes.ReplacedBox)) and b.width > 0 and b.height > 0),
                        key=lambda box: box[1])
        for i, (x0, y0, x1, y1, what) in enumerate(placed):
            for ox0, oy0, ox1, oy1, other in placed[i + 1:]:
                if oy0 >= y1 - 1:
                    break  # sorted by top: nothing further down reaches this box
                # 1 px of slack: neighbouring lines of text touch
                assert not (ox0 < x1 - 1 and x0 < ox1 - 1 and oy0 < y1 - 1 and y0 < oy1 - 1), (number, what, other)


def test_no_word_is_broken_and_nothing_asks_to_point(pages):
    html, laid_out = pages
    source_words = set(re.findall(r"\w+", unescape(re.sub(r"<[^>]+>", " ", html)).lower()))
    printed = []
    for page in laid_out:
        for box in content_boxes(page):
            # long codes (hashes, ids in monospace) may wrap anywhere; words may not
            if isinstance(box, boxes.TextBox) and "Mono" not in " ".join(box.style["font_family"]):
                printed.append(box.text)
    broken = {word for word in re.findall(r"\w+", " ".join(printed).lower()) if word not in source_words}
    assert not broken
    text = " ".join(printed).lower()
    assert "hover" not in text and "point at it" not in text
    if 'id="programme"' in html:  # a run with life-of-programme targets (the hand-built one): laid out too
        assert "lop target" in text and "value to date" in text


@pytest.fixture(scope="module")
def pdf_file(handbuilt_warehouse, tmp_path_factory) -> Path:
    [path] = write_reports(handbuilt_warehouse, ["2026-Q2"], "public", "pdf",
                           tmp_path_factory.mktemp("pdf") / "report.pdf", None, 5)
    return path


@needs_poppler
def test_the_page_images_have_no_half_empty_page(pdf_file, tmp_path):
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", str(pdf_file), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) > 3
    for path in images[1:-1]:
        image = Image.open(path).convert("L")
        width, height = image.size
        # the footer ("Page n of m") sits in the bottom margin: look above it
        body = image.crop((0, 0, width, int(height * 0.93))).point(lambda v: 255 if v > 240 else 0)
        inked = [y for y in range(body.height) if body.crop((0, y, width, y + 1)).getextrema()[0] == 0]
        assert inked and inked[-1] / height > FILLED, path.name


@needs_poppler
def test_every_word_box_lies_inside_the_page(pdf_file):
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf_file), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', bbox, re.S)
    assert pages
    for width, height, words in pages:
        # A4 with 15 mm side margins: words lie between them (1 pt of slack for rounding)
        margin = 15 / 25.4 * 72
        for x0, _, x1, _, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', words):
            assert float(x0) >= margin - 1 and float(x1) <= float(width) - margin + 1, word
    assert "hover" not in bbox.lower()
