"""What stands between a request and a page: callback input checked before any callback runs (a
crafted request gets 400, never a 500 with a traceback in the log), and an unreadable snapshot
shown as a sentence that goes away by itself once a readable one is published.
"""

from __future__ import annotations

import logging
import threading

from dash import Dash, Input, Output, clientside_callback, dcc, html
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboards.data import SnapshotUnreadable
from foundation.errors import AgoraError
from foundation.vocabulary import GRAINS, Period
from warehouse.contract import MECHANISM_KINDS

_log = logging.getLogger(__name__)

CALLBACK_PATH = "/_dash-update-component"
#: how often the "cannot read" page asks whether a readable snapshot has arrived
RECHECK_MS = 5000
#: the longest text a filter may hold (ids, a search)
LONGEST_TEXT = 500


class BadCallbackInput(AgoraError):
    """A callback request no page of this dashboard sends."""


def _text(value) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= LONGEST_TEXT)


def _period(value) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    try:
        Period.parse(value)
    except Exception:  # noqa: BLE001 - any refusal of the parser means "not a period"
        return False
    return True


#: what each filter's value may be (the filters are pattern ids {"type": "filter", "name": ...})
_FILTER_VALUES = {
    "grain": lambda v: v is None or v in GRAINS,
    "start": _period,
    "end": _period,
    "kind": lambda v: v is None or v in MECHANISM_KINDS,
    "mechanism": _text,
    "indicator": _text,
    "breakdown": _text,
    "search": _text,
}


def _check_entry(entry) -> None:
    if isinstance(entry, list):  # a wildcard (ALL) input: one entry per matching component
        for item in entry:
            _check_entry(item)
        return
    if not isinstance(entry, dict) or not isinstance(entry.get("property"), str) \
            or not isinstance(entry.get("id"), (str, dict)):
        raise BadCallbackInput("a callback input is not an {id, property, value} entry")
    component, prop, value = entry["id"], entry["property"], entry.get("value")
    if isinstance(component, dict) and component.get("type") == "filter" and prop == "value":
        name = component.get("name")
        if name not in _FILTER_VALUES or not _FILTER_VALUES[name](value):
            raise BadCallbackInput(f"the filter {name!r} cannot take the value given")
    elif prop == "n_clicks" and not (value is None or (isinstance(value, int) and not isinstance(value, bool)
                                                          and value >= 0)):
        raise BadCallbackInput("a click count is not a count")
    elif prop in ("pathname", "search", "href") and not (value is None or isinstance(value, str)):
        raise BadCallbackInput("a location is not text")


def check_callback_request(body) -> None:
    """Refuse a callback request whose shape or values no page sends (`BadCallbackInput`)."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        raise BadCallbackInput("the request is not a callback request")
    for part in ("inputs", "state"):
        entries = body.get(part, [])
        if not isinstance(entries, list):
            raise BadCallbackInput(f"the callback {part} are not a list")
        for entry in entries:
            _check_entry(entry)


def install_guards(app: Dash) -> None:
    """Check callback input before Dash sees it; answer every failure with one line in the log."""
    server: Flask = app.server

    @server.before_request
    def _check_callback_input():
        if request.path.endswith(CALLBACK_PATH) and request.method == "POST":
            check_callback_request(request.get_json(silent=True))

    @server.errorhandler(BadCallbackInput)
    def _bad_input(exc: BadCallbackInput):
        _log.warning("Refused a callback request from %s: %s.", request.remote_addr, exc)
        return jsonify(error=f"Bad callback input: {exc}."), 400

    @server.errorhandler(SnapshotUnreadable)
    def _unreadable(exc: SnapshotUnreadable):
        return jsonify(error=str(exc)), 503

    @server.errorhandler(Exception)
    def _failed(exc: Exception):
        if isinstance(exc, HTTPException):
            return exc
        if request.path.endswith(CALLBACK_PATH) and isinstance(exc, (KeyError, ValueError, TypeError, IndexError)):
            # Input that passed the checks above and still does not fit a callback: the request's fault.
            _log.warning("Refused a callback request from %s: %s: %s.", request.remote_addr,
                         type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
            return jsonify(error="Bad callback input."), 400
        _log.error("Request %s %s failed: %s: %s", request.method, request.path, type(exc).__name__, exc,
                   exc_info=exc)
        return jsonify(error="The dashboard could not answer this request."), 500

    @app.callback(Output("snapshot-readable", "data"), Input("snapshot-recheck", "n_intervals"),
                  prevent_initial_call=True)
    def _recheck(_n):
        from dashboards.components import current

        try:
            current()
        except SnapshotUnreadable:
            return False
        return True

    # Reload the page once the snapshot reads again: every page then shows its own content.
    clientside_callback(
        "function(readable) { if (readable) { window.location.reload(); } return ''; }",
        Output("snapshot-reloading", "children"), Input("snapshot-readable", "data"), prevent_initial_call=True,
    )


def set_up_before_serving(server: Flask) -> None:
    """Dash sets itself up (copies the pages' callbacks into the app) on its first request, and another
    request arriving meanwhile on a second thread finds no callback for its output. One request
    here, in each server process before it accepts any (not in a parent that forks: the snapshot
    read it sets off starts threads a forked child cannot use)."""
    server.test_client().get("/_dash-dependencies")


def set_up_on_first_request(server: Flask) -> None:
    """`set_up_before_serving` done by the first request a process receives, the others waiting for
    it: for a WSGI server Agora does not start itself (`gunicorn dashboards.wsgi:server`, with or
    without --preload, any number of threads), where no hook runs in each worker before it serves."""
    lock = threading.RLock()
    state = {"ready": False, "busy": False}
    app = server.wsgi_app

    def set_up_first(environ, start_response):
        if not state["ready"]:
            with lock:  # re-entrant: the set-up's own request passes through here on this thread
                if not state["ready"] and not state["busy"]:
                    state["busy"] = True
                    try:
                        set_up_before_serving(server)
                        state["ready"] = True
                    finally:
                        state["busy"] = False
        return app(environ, start_response)

    server.wsgi_app = set_up_first


def unreadable_page(text: str) -> html.Main:
    """The page shown instead of any other while the snapshot cannot be read."""
    return html.Main([
        html.H1("Data temporarily unavailable"),
        html.P(text, className="message", role="status"),
        dcc.Interval(id="snapshot-recheck", interval=RECHECK_MS),
        dcc.Store(id="snapshot-readable"),
        html.Span(id="snapshot-reloading"),
    ], className="page", id="content")
