"""Static SVG of the shared figures, for reports: one headless Chromium per process draws them.

Plotly gives every SVG a random id (`clip76e46fxyplot`, `defs-76e46f`), which would make two
renders of the same report differ and would clash when several SVGs share one HTML page, so each
SVG's id is replaced by one derived from its key.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import re
import shutil
import threading

import plotly.graph_objects as go

from foundation.errors import AgoraError

#: width a chart is drawn at unless its layout sets one; the page scales the SVG through its viewBox
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
    browser = _browser_path()
    if not browser:
        raise ChartRenderError(
            "Charts are drawn with Chromium, which is not installed. Install it "
            "(`apt-get install chromium`) or set BROWSER_PATH to a Chrome or Chromium program."
        )
    for key, fig in figures.items():
        # Traces otherwise get random uids, written into the SVG as class names.
        for index, trace in enumerate(fig.data):
            trace.uid = f"{key}-{index}"
    rendered = _renderer().render(list(figures.values()), width)
    return {key: stable_ids(svg.decode("utf-8"), key) for key, svg in zip(figures, rendered)}


def _browser_path() -> str | None:
    browser = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if browser:
        os.environ["BROWSER_PATH"] = browser  # where kaleido looks for it
    return browser


class _Renderer:
    """One Chromium (two tabs) kept for the life of the process, so a series of reports, or a
    report in HTML and then PDF, pays for starting the browser once."""

    def __init__(self) -> None:
        import kaleido

        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True, name="chart-renderer").start()
        # mathjax=False: kaleido would otherwise fetch MathJax from a CDN, and Agora runs offline.
        self._kaleido = kaleido.Kaleido(n=2, mathjax=False)
        try:
            self._call(self._kaleido.open())
        except Exception as exc:
            raise ChartRenderError(
                f"Chromium ({os.environ['BROWSER_PATH']}) did not start to draw the charts: {exc}. "
                f"Check that it runs (`chromium --headless --version`) or set BROWSER_PATH to another."
            ) from exc
        atexit.register(self.close)

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def render(self, figures: list[go.Figure], width: int) -> list[bytes]:
        async def all_figures():
            return await asyncio.gather(*[
                self._kaleido.calc_fig(fig, opts={"format": "svg", "width": fig.layout.width or width,
                                                  "height": fig.layout.height or 320})
                for fig in figures
            ])
        return self._call(all_figures())

    def close(self) -> None:
        self._call(self._kaleido.close())
        self._loop.call_soon_threadsafe(self._loop.stop)


_renderer_lock = threading.Lock()
_renderers: list[_Renderer] = []


def _renderer() -> _Renderer:
    with _renderer_lock:
        if not _renderers:
            _renderers.append(_Renderer())
        return _renderers[0]


def start_renderer() -> None:
    """Start Chromium in the background, so it is ready by the time the first charts are asked for."""
    def start() -> None:
        try:
            _renderer()
        except ChartRenderError:
            pass  # said when the charts are asked for: the renderer is tried again then

    if _browser_path():
        threading.Thread(target=start, daemon=True, name="chart-renderer-start").start()


def stable_ids(svg: str, key: str) -> str:
    """The SVG with plotly's random uid replaced by `key`, and without its XML prolog if any."""
    found = _PLOTLY_UID.search(svg)
    if found:
        svg = svg.replace(found[1], key)
    return svg.removeprefix('<?xml version="1.0" encoding="utf-8"?>')
