"""A tiny vector drawing written out as SVG (HTML, PDF) or PNG (Word), with no browser.

A `Drawing` is a list of shapes in pixel coordinates with one type size. Text is measured with the
advance widths of DejaVu Sans (the reports' font) read from the font file, so labels are laid out
where they will really fall; without the font an average width stands in. The same shapes give
the same bytes every time: numbers are written with fixed decimals and nothing random is drawn.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path

#: DejaVu, as Debian's fonts-dejavu-core installs it
FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
FONT_FAMILY = "DejaVu Sans, Verdana, sans-serif"
#: the one type size of every chart, in CSS pixels: 11 px is 8.25 pt when a chart is printed at its size
FONT_SIZE = 11
#: width of an average character in ems, when the font file is not there to measure with
_FALLBACK_EM = 0.62


@lru_cache(maxsize=2)
def _advances(bold: bool) -> tuple[dict[int, float], float] | None:
    """Advance width of each character in ems, and the width of a character the font lacks."""
    path = FONT_FOLDER / FONT_FILES[bold]
    if not path.exists():
        return None
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True)
    units = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {code: metrics[glyph][0] / units for code, glyph in font.getBestCmap().items()}
    return widths, metrics[".notdef"][0] / units


def text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """How wide `text` is set in DejaVu Sans at `size` pixels."""
    found = _advances(bold)
    if found is None:
        return len(text) * _FALLBACK_EM * size
    widths, missing = found
    return sum(widths.get(ord(c), missing) for c in text) * size


def fitted(text: str, width: float, size: float = FONT_SIZE) -> str:
    """The text, cut at the end with an ellipsis if it is wider than `width`."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrapped(text: str, width: float, lines: int, size: float = FONT_SIZE) -> list[str]:
    """The text broken between words into at most `lines` lines of `width`; the last is cut if it must be."""
    words, result = text.split(), []
    while words and len(result) < lines - 1:
        line = words.pop(0)
        while words and text_width(f"{line} {words[0]}", size) <= width:
            line = f"{line} {words.pop(0)}"
        result.append(line)
    if words:
        result.append(fitted(" ".join(words), width, size))
    return [fitted(line, width, size) for line in result]


def _n(value: float) -> str:
    """A coordinate, written the same way every time."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    width: float = 1.0
    #: dash and gap lengths in pixels; () is a solid line
    dash: tuple[float, ...] = ()


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class Circle:
    x: float
    y: float
    radius: float
    colour: str
    #: a hollow circle is drawn as a ring with a white middle
    hollow: bool = False


@dataclass(frozen=True)
class Text:
    x: float
    #: the baseline of the text
    y: float
    text: str
    colour: str = "#1b1f24"
    #: start, middle or end: which point of the text x names
    anchor: str = "start"
    bold: bool = False
    italic: bool = False


@dataclass
class Drawing:
    width: int
    height: int
    #: what the chart shows, in words (the SVG's accessible name)
    title: str
    shapes: list = field(default_factory=list)

    def add(self, *shapes) -> None:
        self.shapes.extend(shapes)

    def svg(self, key: str) -> str:
        """The drawing as inline SVG markup; `key` makes its title id unique on the page."""
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
            f'viewBox="0 0 {self.width} {self.height}" role="img" aria-labelledby="{escape(key)}-title" '
            f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}">',
            f'<title id="{escape(key)}-title">{escape(self.title)}</title>',
        ]
        for shape in self.shapes:
            parts.append(_svg_shape(shape))
        parts.append("</svg>")
        return "".join(parts)

    def png(self, scale: float = 3.0) -> bytes:
        """The drawing as PNG at `scale` pixels per drawing pixel (Word takes no SVG)."""
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (round(self.width * scale), round(self.height * scale)), "white")
        pen = ImageDraw.Draw(image)
        for shape in self.shapes:
            _png_shape(pen, shape, scale)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=False, dpi=(96 * scale, 96 * scale))
        return buffer.getvalue()


def _svg_shape(shape) -> str:
    if isinstance(shape, Line):
        dash = f' stroke-dasharray="{" ".join(_n(d) for d in shape.dash)}"' if shape.dash else ""
        return (f'<line x1="{_n(shape.x1)}" y1="{_n(shape.y1)}" x2="{_n(shape.x2)}" y2="{_n(shape.y2)}" '
                f'stroke="{shape.colour}" stroke-width="{_n(shape.width)}"{dash}/>')
    if isinstance(shape, Rect):
        return (f'<rect x="{_n(shape.x)}" y="{_n(shape.y)}" width="{_n(shape.width)}" '
                f'height="{_n(shape.height)}" fill="{shape.colour}"/>')
    if isinstance(shape, Circle):
        fill = "white" if shape.hollow else shape.colour
        return (f'<circle cx="{_n(shape.x)}" cy="{_n(shape.y)}" r="{_n(shape.radius)}" fill="{fill}" '
                f'stroke="{shape.colour}" stroke-width="1.5"/>')
    style = (' font-weight="bold"' if shape.bold else "") + (' font-style="italic"' if shape.italic else "")
    anchor = "" if shape.anchor == "start" else f' text-anchor="{shape.anchor}"'
    return (f'<text x="{_n(shape.x)}" y="{_n(shape.y)}" fill="{shape.colour}"{anchor}{style}>'
            f'{escape(shape.text, quote=False)}</text>')


@lru_cache(maxsize=4)
def _png_font(size: int, bold: bool):
    from PIL import ImageFont

    path = FONT_FOLDER / FONT_FILES[bold]
    return ImageFont.truetype(str(path), size) if path.exists() else ImageFont.load_default(size)


def _png_shape(pen, shape, scale: float) -> None:
    if isinstance(shape, Line):
        width = max(1, round(shape.width * scale))
        if not shape.dash:
            pen.line([(shape.x1 * scale, shape.y1 * scale), (shape.x2 * scale, shape.y2 * scale)],
                     fill=shape.colour, width=width)
            return
        # Pillow draws no dashes: lay them along the line one by one.
        length = ((shape.x2 - shape.x1) ** 2 + (shape.y2 - shape.y1) ** 2) ** 0.5 or 1.0
        ux, uy = (shape.x2 - shape.x1) / length, (shape.y2 - shape.y1) / length
        at, pattern = 0.0, 0
        while at < length:
            step = shape.dash[pattern % len(shape.dash)]
            if pattern % 2 == 0:
                end = min(at + step, length)
                pen.line([((shape.x1 + ux * at) * scale, (shape.y1 + uy * at) * scale),
                          ((shape.x1 + ux * end) * scale, (shape.y1 + uy * end) * scale)],
                         fill=shape.colour, width=width)
            at += step
            pattern += 1
    elif isinstance(shape, Rect):
        if shape.width > 0 and shape.height > 0:
            pen.rectangle([shape.x * scale, shape.y * scale, (shape.x + shape.width) * scale,
                           (shape.y + shape.height) * scale], fill=shape.colour)
    elif isinstance(shape, Circle):
        r = shape.radius * scale
        pen.ellipse([shape.x * scale - r, shape.y * scale - r, shape.x * scale + r, shape.y * scale + r],
                    fill="white" if shape.hollow else shape.colour, outline=shape.colour,
                    width=max(1, round(1.5 * scale)))
    else:
        anchor = {"start": "ls", "middle": "ms", "end": "rs"}[shape.anchor]
        pen.text((shape.x * scale, shape.y * scale), shape.text, fill=shape.colour, anchor=anchor,
                 font=_png_font(round(FONT_SIZE * scale), shape.bold))
