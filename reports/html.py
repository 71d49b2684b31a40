"""The report as one self-contained HTML file: styles, fonts and charts inline, no script."""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from figures.drawing import FONT_FOLDER
from figures.formatting import format_integer
from metrics.xlsx import breakdown_words
from reports.content import Report, reference_date_words
from reports.methodology import numerator_words, population_words
from reports.traced import derived, period_label, traced, with_n

FONT_FACES = {("normal", "normal"): "DejaVuSans.ttf", ("bold", "normal"): "DejaVuSans-Bold.ttf",
              ("normal", "italic"): "DejaVuSans-Oblique.ttf"}
#: the characters the report writes: Latin-1 and the typographic marks it uses
FONT_CHARACTERS = [*range(0x20, 0x7F), *range(0xA0, 0x180), *map(ord, "–—‘’“”…·•≤≥→")]


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("reports", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(traced=traced, with_n=with_n, derived=derived, period_label=period_label, integer=format_integer,
                       reference_date_words=reference_date_words, population_words=population_words,
                       numerator_words=numerator_words, breakdown_words=breakdown_words)
    return env


@lru_cache(maxsize=1)
def font_faces_css() -> Markup:
    """@font-face rules with DejaVu Sans subsets inline, so the file looks the same offline anywhere.

    Without the fonts installed the report falls back to the reader's sans-serif.
    """
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    # The subsetter logs each table it drops (FFTM, a FontForge timestamp) as a warning.
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

    rules = []
    for (weight, style), name in FONT_FACES.items():
        path = FONT_FOLDER / name
        if not path.exists():
            continue
        font = TTFont(path, recalcTimestamp=False)
        options = subset.Options()
        options.name_IDs = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=FONT_CHARACTERS)
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        rules.append(f'@font-face {{ font-family: "DejaVu Sans"; font-weight: {weight}; font-style: {style}; '
                     f'src: url(data:font/ttf;base64,{data}) format("truetype"); }}')
    return Markup("\n".join(rules))


def stylesheet() -> Markup:
    text = (Path(__file__).with_name("templates") / "report.css").read_text(encoding="utf-8")
    return Markup(text)


def report_html(report: Report, embed_fonts: bool = True) -> str:
    """The whole report. The HTML file carries its fonts; the HTML handed to WeasyPrint need not, as
    WeasyPrint finds the same DejaVu on the system and embeds only the glyphs it sets."""
    charts = {key: Markup(drawing.svg(key)) for key, drawing in report.figures.items()}
    return environment().get_template("report.html").render(
        report=report, run=report.source.run, source=report.source, charts=charts,
        fonts=font_faces_css() if embed_fonts else Markup(""), css=stylesheet(),
    )


def index_html(entries: list[tuple[str, str]], audience: str, run) -> str:
    """The list of a series of periodic reports: (period, file name) pairs."""
    return environment().get_template("index.html").render(
        entries=entries, audience=audience, run=run, fonts=font_faces_css(), css=stylesheet())
