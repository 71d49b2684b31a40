"""Static SVG of the shared figures, for reports: one headless Chromium session renders a batch.

Plotly gives every SVG a random id (`clip76e46fxyplot`, `defs-76e46f`), which would make two
renders of the same report differ and would clash when several SVGs share one HTML page, so each
SVG's id is replaced by one derived from its key.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil

import plotly.graph_objects as go

from agora.errors import AgoraError

#: width every chart is drawn at; the page scales the SVG through its viewBox
SVG_WIDTH = 640
_PLOTLY_UID = re.compile(r'id="defs-([0-9a-f]+)"')


class ChartRenderError(AgoraError):
    """Charts cannot be drawn on this machine."""


def figure_svgs(figures: dict[str, go.Figure], width: int = SVG_WIDTH) -> dict[str, str]:
    """SVG markup of each figure, keyed as given; keys must be valid XML id fragments.

    The figures' traces are given stable uids derived from the keys.
    """
    if not figures:
        return {}
    browser = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        raise ChartRenderError(
            "Charts are drawn with Chromium, which is not installed. Install it "
            "(`apt-get install chromium`) or set BROWSER_PATH to a Chrome or Chromium program."
        )
    os.environ["BROWSER_PATH"] = browser
    for key, fig in figures.items():
        # Traces otherwise get random uids, written into the SVG as class names.
        for index, trace in enumerate(fig.data):
            trace.uid = f"{key}-{index}"
    rendered = asyncio.run(_render(list(figures.values()), width))
    return {key: stable_ids(svg.decode("utf-8"), key) for key, svg in zip(figures, rendered)}


async def _render(figures: list[go.Figure], width: int) -> list[bytes]:
    import kaleido

    # mathjax=False: kaleido would otherwise fetch MathJax from a CDN, and Agora runs offline.
    async with kaleido.Kaleido(n=min(2, len(figures)), mathjax=False) as renderer:
        return await asyncio.gather(*[
            renderer.calc_fig(fig, opts={"format": "svg", "width": width,
                                         "height": fig.layout.height or 320})
            for fig in figures
        ])


def stable_ids(svg: str, key: str) -> str:
    """The SVG with plotly's random uid replaced by `key`, and without its XML prolog if any."""
    found = _PLOTLY_UID.search(svg)
    if found:
        svg = svg.replace(found[1], key)
    return svg.removeprefix('<?xml version="1.0" encoding="utf-8"?>')
