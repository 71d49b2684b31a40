"""The door over HTTP against a real `agora serve --auth local` (two workers): nothing without a
session, a viewer's callbacks and downloads carry public numbers whatever the request asks, the
audit log records sign-ins and downloads, and failed sign-ins are rate-limited across workers."""

from __future__ import annotations

import base64
import csv
import io
import json

import openpyxl
import pytest
import requests

from access.web import local_path
from access_fixture import ACCOUNTS, agora_with_accounts, csrf_token, sign_in, signed_in
from dashboard_fixture import LiveServer

#: the fixture's small cell: PAR-02, 2024-Q1, the first mechanism kind, denominator 3
SMALL_CELL = {"indicator": "PAR-02", "grain": "quarter", "start": "2024-Q1", "end": "2024-Q2",
              "breakdown": "mechanism_kind"}
FILTERS = ("grain", "start", "end", "kind", "mechanism", "indicator", "breakdown")


def download_request(view: dict, fmt: str = "csv") -> dict:
    """The POST a browser sends when Download CSV (or XLSX) is clicked on the explorer."""
    return {
        "output": "explorer-download.data", "outputs": {"id": "explorer-download", "property": "data"},
        "inputs": [{"id": "explorer-csv", "property": "n_clicks", "value": 1 if fmt == "csv" else None},
                   {"id": "explorer-xlsx", "property": "n_clicks", "value": 1 if fmt == "xlsx" else None}],
        "changedPropIds": [f"explorer-{fmt}.n_clicks"],
        "state": [{"id": {"name": name, "type": "filter"}, "property": "value", "value": view.get(name)}
                  for name in FILTERS],
    }


def post_download(session, base: str, fmt: str = "csv") -> requests.Response:
    return session.post(f"{base}/_dash-update-component", json=download_request(SMALL_CELL, fmt), timeout=60)


def small_cell_row(response: requests.Response) -> dict:
    content = response.json()["response"]["explorer-download"]["data"]["content"]
    rows = list(csv.DictReader(io.StringIO(content)))
    return next(r for r in rows if r["period"] == "2024-Q1" and r["breakdown_value"] == "special_procedure")


@pytest.mark.parametrize("path", ["/_dash-layout", "/_dash-dependencies", "/_reload-hash",
                                  "/_dash-component-suites/dash/deps/polyfill@7.v4_4_1m1.min.js"])
def test_without_a_session_dash_routes_answer_401(local_server, path):
    assert requests.get(local_server.url + path, timeout=30, allow_redirects=False).status_code == 401


def test_without_a_session_a_page_goes_to_sign_in_and_a_callback_is_refused(local_server):
    page = requests.get(local_server.url + "/explorer?grain=year", timeout=30, allow_redirects=False)
    assert page.status_code == 302
    assert page.headers["Location"] == "/sign-in?next=/explorer?grain%3Dyear"
    refused = post_download(requests, local_server.url)
    assert refused.status_code == 401 and "content" not in refused.text
    assert requests.get(local_server.url + "/admin", timeout=30, allow_redirects=False).status_code == 302


def test_security_headers_and_cookie_flags(local_server):
    response = requests.get(local_server.url + "/sign-in", timeout=30)
    headers = response.headers
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin" and headers["Cache-Control"] == "no-store"
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "http" not in policy
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_sign_in_needs_the_forms_csrf_token(local_server):
    session = requests.Session()
    session.get(local_server.url + "/sign-in", timeout=30)
    name, (role, password) = "ann", ACCOUNTS["ann"]
    forged = session.post(local_server.url + "/sign-in", data={"name": name, "password": password},
                          allow_redirects=False, timeout=30)
    assert forged.status_code == 400 and "The form expired or came from elsewhere" in forged.text
    assert post_download(session, local_server.url).status_code == 401


def test_a_viewer_gets_public_numbers_and_an_analyst_internal_ones(local_server, accounts_agora):
    viewer = post_download(signed_in(local_server.url, "vic"), local_server.url)
    analyst = post_download(signed_in(local_server.url, "ann"), local_server.url)
    assert viewer.status_code == analyst.status_code == 200
    # a callback leaves the cookie alone: parallel answers never overwrite each other's session
    assert "Set-Cookie" not in viewer.headers and "Set-Cookie" not in analyst.headers
    hidden, shown = small_cell_row(viewer), small_cell_row(analyst)
    assert shown["denominator"] == "3" and shown["numerator"] != "" and shown["value"] != ""
    assert hidden["denominator"] == hidden["numerator"] == hidden["value"] == ""
    downloads = [row for row in accounts_agora.audit() if row[3] == "download"]
    assert [(r[2], r[5], r[6], r[7], r[8]) for r in downloads[-2:]] == [
        ("vic", "public", "PAR-02", "2024-Q1..2024-Q2", "csv"),
        ("ann", "internal", "PAR-02", "2024-Q1..2024-Q2", "csv")]
    assert downloads[-1][10] == "127.0.0.1"


def test_a_viewers_xlsx_download_is_public_and_audited(local_server, accounts_agora):
    response = post_download(signed_in(local_server.url, "vic"), local_server.url, "xlsx")
    data = response.json()["response"]["explorer-download"]["data"]
    assert data["filename"].endswith(".xlsx") and data["base64"] is True
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(data["content"]))).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    small = next(r for r in rows if r["period"] == "2024-Q1" and r["breakdown_value"] == "special_procedure")
    assert small["denominator"] is small["numerator"] is None and not isinstance(small["value"], (int, float))
    assert [r for r in rows if r["value"] is not None]  # the other cells are there
    download = [r for r in accounts_agora.audit(user="vic") if r[3] == "download"][-1]
    assert (download[5], download[8], download[9]) == ("public", "xlsx", data["filename"])


def test_a_session_ends_on_removal_or_sign_out_even_for_a_copied_cookie(local_server, accounts_agora):
    accounts_agora.add_user("tmp-user", "analyst", "temporary-password")
    session = requests.Session()
    assert sign_in(local_server.url, "tmp-user", "temporary-password", session).status_code == 302
    assert post_download(session, local_server.url).status_code == 200
    accounts_agora.remove_user("tmp-user")
    assert post_download(session, local_server.url).status_code == 401

    session = signed_in(local_server.url, "ann")
    copied = requests.Session()
    copied.cookies.set("agora_session", session.cookies["agora_session"])
    page = session.get(local_server.url + "/sign-in", timeout=30).text
    out = session.post(local_server.url + "/sign-out", data={"csrf_token": csrf_token(page)},
                       allow_redirects=False, timeout=30)
    assert out.status_code == 302 and out.headers["Location"].startswith("/sign-in")
    assert post_download(session, local_server.url).status_code == 401
    # the session ended on the server: a copy of its cookie is refused too
    assert post_download(copied, local_server.url).status_code == 401
    actions = [(r[2], r[3]) for r in accounts_agora.audit(user="ann")]
    assert ("ann", "sign-out") in actions


def test_sign_in_goes_back_only_to_a_path_of_this_server(local_server):
    session = requests.Session()
    token = csrf_token(session.get(local_server.url + "/sign-in", timeout=30).text)
    response = session.post(local_server.url + "/sign-in", data={
        "csrf_token": token, "name": "ann", "password": ACCOUNTS["ann"][1], "next": "//evil.example/"},
        allow_redirects=False, timeout=30)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_admin_page_is_for_admins_only(local_server):
    # the page's content is the answer of Dash's router callback: asked for directly, as a browser does
    def router(session):
        body = {"output": ".._pages_content.children..._pages_store.data..",
                "outputs": [{"id": "_pages_content", "property": "children"},
                            {"id": "_pages_store", "property": "data"}],
                "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/admin"},
                           {"id": "_pages_location", "property": "search", "value": ""}],
                "changedPropIds": ["_pages_location.pathname"], "state": []}
        response = session.post(local_server.url + "/_dash-update-component", json=body, timeout=60)
        return response.status_code, json.dumps(response.json()) if response.status_code == 200 else ""

    status, viewer_sees = router(signed_in(local_server.url, "vic"))
    assert status == 200 and "Only an administrator" in viewer_sees and "admin-users" not in viewer_sees
    status, admin_sees = router(signed_in(local_server.url, "ada"))
    assert status == 200 and "admin-users" in admin_sees and "viewer" in admin_sees


def test_failed_sign_ins_are_limited_across_workers(tmp_path):
    agora = agora_with_accounts(tmp_path)
    server = LiveServer(agora.settings.warehouse, "--auth", "local", "--workers", "2")
    try:
        limit = agora.settings.sign_in_attempts
        codes = [sign_in(server.url, "ann", f"wrong-{i}").status_code for i in range(limit)]
        assert codes == [401] * limit
        # the right password no longer helps, for this account nor for another from this address
        assert sign_in(server.url, "ann", ACCOUNTS["ann"][1]).status_code == 429
        refused = sign_in(server.url, "vic", ACCOUNTS["vic"][1])
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    finally:
        server.stop()
    outcomes = [r[4] for r in agora.audit() if r[3] == "sign-in"]
    assert outcomes.count("failed: wrong name or password") == limit
    assert outcomes.count("refused: too many failed attempts") == 2


def test_behind_a_tls_proxy_cookies_are_secure_and_the_visitors_address_is_audited(tmp_path, monkeypatch):
    agora = agora_with_accounts(tmp_path)
    monkeypatch.setenv("AGORA_PROXY_HOPS", "1")
    server = LiveServer(agora.settings.warehouse, "--auth", "local", "--secure-cookies")
    try:
        proxied = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
        form = requests.get(server.url + "/sign-in", headers=proxied, timeout=30)
        cookie = form.headers["Set-Cookie"]
        assert "; Secure" in cookie and "HttpOnly" in cookie
        # the client speaks plain HTTP to the test server, so it hands the Secure cookie over itself
        response = requests.post(server.url + "/sign-in", data={
            "csrf_token": csrf_token(form.text), "name": "ann", "password": "not-her-password", "next": "/"},
            headers={**proxied, "Cookie": cookie.split(";")[0], "Referer": f"https://127.0.0.1:{server.port}/sign-in"},
            allow_redirects=False, timeout=30)
        assert response.status_code == 401
    finally:
        server.stop()
    failed = [r for r in agora.audit() if r[3] == "sign-in"][-1]
    assert (failed[2], failed[4], failed[10]) == ("ann", "failed: wrong name or password", "203.0.113.9")


def test_a_public_server_with_sign_in_shows_public_numbers_to_every_role(tmp_path):
    agora = agora_with_accounts(tmp_path)
    server = LiveServer(agora.settings.warehouse, "--auth", "local", "--audience", "public")
    try:
        for name in ACCOUNTS:
            row = small_cell_row(post_download(signed_in(server.url, name), server.url))
            assert row["denominator"] == row["numerator"] == row["value"] == "", name
    finally:
        server.stop()
    assert {r[5] for r in agora.audit() if r[3] in ("download", "sign-in")} == {"public"}


def test_without_sign_in_a_download_is_audited_as_anonymous(tmp_path):
    agora = agora_with_accounts(tmp_path)
    server = LiveServer(agora.settings.warehouse)
    try:
        row = small_cell_row(post_download(requests, server.url))
    finally:
        server.stop()
    assert row["denominator"] == "3"  # a loopback server without sign-in is the internal one
    download = [r for r in agora.audit() if r[3] == "download"]
    assert [(r[2], r[5], r[10]) for r in download] == [("anonymous", "internal", "127.0.0.1")]


@pytest.mark.parametrize("asked, kept", [
    ("/explorer?grain=year", "/explorer?grain=year"), ("//evil.example/", "/"), ("/\t/evil.example", "/"),
    ("/\\evil.example", "/"), ("https://evil.example/", "/"), ("explorer", "/"), (None, "/"), ("/?", "/")])
def test_after_sign_in_only_a_path_of_this_server_is_followed(asked, kept):
    assert local_path(asked) == kept
