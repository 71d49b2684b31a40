"""Helpers of the access tests: the dashboard tests' hand-built warehouse with one account per role,
and signing in over HTTP as a browser would."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboards"))

from dashboard_fixture import LiveServer, build_fixture_warehouse  # noqa: E402
from agora.core import Agora  # noqa: E402
from foundation.settings import Settings  # noqa: E402

#: one account per role: name -> (role, password)
ACCOUNTS = {"vic": ("viewer", "viewer-password-1"), "ann": ("analyst", "analyst-password-1"),
            "ada": ("admin", "admin-password-1")}


def agora_with_accounts(folder: Path) -> Agora:
    agora = Agora(Settings(warehouse=build_fixture_warehouse(folder / "agora.duckdb")))
    agora.publish()
    for name, (role, password) in ACCOUNTS.items():
        agora.add_user(name, role, password)
    return agora


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def sign_in(base: str, name: str, password: str, session: requests.Session | None = None) -> requests.Response:
    """Sign in through the form, CSRF token and all; the session keeps the cookie."""
    session = session or requests.Session()
    token = csrf_token(session.get(f"{base}/sign-in", timeout=30).text)
    return session.post(f"{base}/sign-in", data={"csrf_token": token, "name": name, "password": password,
                                                 "next": "/"}, allow_redirects=False, timeout=30)


def signed_in(base: str, name: str) -> requests.Session:
    session = requests.Session()
    response = sign_in(base, name, ACCOUNTS[name][1], session)
    assert response.status_code == 302, response.text
    return session
