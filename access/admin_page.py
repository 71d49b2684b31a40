"""The admin page of a signed-in dashboard: its users and the latest audit entries (changes to users
stay at the command line, `agora users`, where they are audited with the operator's account)."""

from __future__ import annotations

import dash
from dash import html
from flask import current_app
from flask_login import current_user

from access.audit import COLUMNS, entries
from access.users import list_users

#: the audit entries the page shows, newest first (`agora audit` lists them all)
SHOWN_ENTRIES = 200


def register_admin_page() -> None:
    if "access.admin_page" not in dash.page_registry:
        dash.register_page("access.admin_page", path="/admin", name="Users and audit log",
                           title="Agora · Users and audit log", layout=layout, order=99)


def _table(table_id: str, headers: tuple[str, ...], rows: list[tuple]) -> html.Table:
    return html.Table([
        html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
        html.Tbody([html.Tr([html.Td("" if v is None else str(v)) for v in row]) for row in rows]),
    ], id=table_id, className="admin-table")


def layout(**_query) -> html.Main:
    """Checked here on the server, per request: the page's content is itself a callback's answer."""
    signed_in = current_app.config["AGORA"].get("auth", "none") != "none" and current_user.is_authenticated
    if not signed_in or current_user.role != "admin":
        return html.Main([html.H1("Users and audit log"),
                          html.P("Only an administrator sees this page.", className="message", role="status")],
                         className="page")
    store = current_app.config["AGORA"]["access"].access_store
    users = list_users(store)
    latest = entries(store)[-SHOWN_ENTRIES:][::-1]
    return html.Main([
        html.H1("Users and audit log"),
        html.H2("Users"),
        _table("admin-users", ("name", "role", "created", "changed"),
               [(u.name, u.role, u.created_at, u.changed_at) for u in users]),
        html.P("Add, remove or change users with `agora users` on the server.", className="lede"),
        html.H2(f"Audit log: the latest {min(len(latest), SHOWN_ENTRIES)} entries"),
        _table("admin-audit", COLUMNS, latest),
    ], className="page")
