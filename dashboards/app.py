"""`create_app`: the Dash app over a published snapshot, for one audience."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Dash, dcc, html

from access.web import protect, session_bar
from foundation.settings import SMALL_CELL_THRESHOLD, Settings
from foundation.errors import AgoraError
from dashboards.area import catalogue_area_links
from dashboards.components import current
from dashboards.data import SnapshotUnreadable
from dashboards.guard import install_guards, unreadable_page
from figures.formatting import format_integer
from metrics.disclosure import AUDIENCES

HERE = Path(__file__).parent
NAVIGATION = (
    ("overview", "/", "Overview"),
    ("participation", "/participation", "Participation"),
    ("inclusivity", "/inclusivity", "Inclusivity"),
    ("follow_through", "/follow-through", "Follow-through"),
    ("explorer", "/explorer", "Indicator explorer"),
    ("data_quality", "/data-quality", "Data quality"),
    ("definitions", "/definitions", "Definitions"),
)


def create_app(snapshot: Path, audience: str = "internal", threshold: int = SMALL_CELL_THRESHOLD,
               small_n: int | None = None, settings: Settings | None = None, auth: str = "none") -> Dash:
    """The dashboard reading `snapshot`; `audience="public"` applies the small-cell rule everywhere;
    a value resting on fewer than `small_n` (Settings.small_n by default) is flagged. `auth` local or
    oidc asks everyone to sign in, and their role lowers the audience (access.web)."""
    if audience not in AUDIENCES:
        raise AgoraError(f"The dashboard's audience must be one of {', '.join(AUDIENCES)}, not {audience!r}.")
    app = Dash(
        __name__, use_pages=True, pages_folder=str(HERE / "pages"), assets_folder=str(HERE / "assets"),
        serve_locally=True, title="Agora", update_title=None, suppress_callback_exceptions=True,
        compress=False, include_pages_meta=False,
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    app.server.config["AGORA"] = {"snapshot": Path(snapshot), "audience": audience, "threshold": threshold,
                                  "small_n": Settings().small_n if small_n is None else small_n}
    app.layout = _layout
    protect(app, settings, auth)
    install_guards(app)
    return app


def _layout() -> html.Div:
    try:
        pub = current()
    except SnapshotUnreadable as exc:
        return html.Div([unreadable_page(str(exc))], className="shell")
    return html.Div([
        html.A("Skip to content", href="#content", className="skip-link"),
        html.Header([
            html.Div([html.Span("Agora", className="brand"),
                      html.Span("Civil society engagement with UN human-rights mechanisms", className="tagline")],
                     className="brand-row"),
            html.Nav([dcc.Link(label, href=path, id={"type": "nav", "page": name, "path": path},
                               className="nav-link")
                      for name, path, label in navigation(pub)], className="nav", **{"aria-label": "Pages"}),
            html.Div(_run_line(pub), className="run-line"),
            session_bar(),
        ], className="header"),
        html.Div(dash.page_container, id="content"),
    ], className="shell")


def navigation(pub) -> list[tuple[str, str, str]]:
    """The pages, with an area a user catalogue adds placed after the shipped areas."""
    areas_end = [name for name, _, _ in NAVIGATION].index("follow_through") + 1
    return [*NAVIGATION[:areas_end], *catalogue_area_links(pub), *NAVIGATION[areas_end:]]


def _run_line(pub) -> list:
    if pub is None:
        return ["No snapshot published yet"]
    run = pub.latest_run
    audience = html.Span(f"{pub.audience} view", className=f"badge badge-{pub.audience}")
    if run is None:
        return [audience, " No indicator run yet"]
    return [audience, f" Run {run['run_id']} · as of {run['as_of']} · built {run['built_at']:%Y-%m-%d %H:%M} · "
            f"{format_integer(run['row_count'])} indicator rows"]
