"""Signing in, in headless Chromium against a real `agora serve`: each role signs in with its
account, sees its audience (a viewer the suppressed cell, an analyst and an admin its numbers),
downloads what it sees, an admin reads the users and the audit log, and everyone signs out; and
single sign-on against a real OpenID Connect provider process (oidc-provider-mock) maps the
provider's groups to roles and refuses a user whose groups grant none."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from access_fixture import ACCOUNTS, agora_with_accounts
from dashboard_fixture import LiveServer, free_port

pytestmark = pytest.mark.browser

#: origins of identity providers started by these tests
IDP_ORIGINS: set[str] = set()
#: the explorer showing the fixture's small cell (PAR-02, 2024-Q1, special procedures, denominator 3)
SMALL_CELL_VIEW = "/explorer?grain=quarter&start=2024-Q1&end=2024-Q2&indicator=PAR-02&breakdown=mechanism_kind"
# the centre part of the first row (the pinned period and breakdown columns are a row of their own)
FIRST_ROW = "#explorer-grid .ag-center-cols-container .ag-row[row-index='0']"


class Visit:
    """A fresh browser context (no cookie) that records the dashboard's console errors (a CSP
    violation is one); the identity provider's own pages are not ours to judge."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error {e}"))

    def _console(self, message) -> None:
        if message.type == "error" and not self.page.url.startswith(tuple(IDP_ORIGINS)):
            self.problems.append(f"console {message.text} at {message.location.get('url')}")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(launched_chromium):
    opened = Visit(launched_chromium)
    yield opened
    opened.close()


def downloaded_small_cell(page) -> dict:
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    rows = csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8")))
    return next(r for r in rows if r["period"] == "2024-Q1" and r["breakdown_value"] == "special_procedure")


@pytest.mark.parametrize("name", ["vic", "ann", "ada"])
def test_each_role_signs_in_sees_its_audience_downloads_and_signs_out(visit, local_server, accounts_agora, name):
    role, password = ACCOUNTS[name]
    page = visit.page
    page.goto(local_server.url + SMALL_CELL_VIEW)
    page.wait_for_selector("form input[name=password]")
    assert page.url.startswith(local_server.url + "/sign-in?next=")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(FIRST_ROW, timeout=30_000)
    assert page.url == local_server.url + SMALL_CELL_VIEW

    first = page.locator(FIRST_ROW).inner_text()
    badge = page.locator(".run-line .badge").inner_text().lower()
    cell = downloaded_small_cell(page)
    if role == "viewer":
        assert badge == "public view" and "suppressed" in first and "0.0%" not in first
        assert cell["denominator"] == cell["numerator"] == cell["value"] == ""
    else:
        assert badge == "internal view" and "suppressed" not in first
        assert cell["denominator"] == "3" and float(cell["value"]) == int(cell["numerator"]) / 3
    assert page.locator(".session-user").inner_text() == f"{name} · {role}"
    download = [r for r in accounts_agora.audit(user=name) if r[3] == "download"][-1]
    assert download[5:9] == ("public" if role == "viewer" else "internal", "PAR-02", "2024-Q1..2024-Q2", "csv")

    admin_link = page.get_by_role("link", name="Users and audit log")
    if role == "admin":
        admin_link.click()
        page.wait_for_selector("#admin-users")
        assert [page.locator("#admin-users tbody tr").nth(i).locator("td").first.inner_text()
                for i in range(3)] == ["ada", "ann", "vic"]
        assert "download" in page.locator("#admin-audit tbody tr").first.inner_text()
    else:
        assert admin_link.count() == 0

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("text=You have signed out.")
    page.goto(local_server.url + "/explorer")
    page.wait_for_selector("form input[name=password]")
    assert page.url.startswith(local_server.url + "/sign-in")
    assert visit.problems == []
    actions = [r[3] for r in accounts_agora.audit(user=name)]
    assert actions[-3:] == ["sign-in", "download", "sign-out"] or actions[-2:] == ["download", "sign-out"]


def test_a_wrong_password_is_refused_with_a_sentence(visit, local_server):
    page = visit.page
    page.goto(local_server.url + "/")
    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong user name or password."
    assert page.locator(".session-user").count() == 0


# -- single sign-on ------------------------------------------------------------------------------
#: the provider's users and their groups; AGORA_OIDC_ROLES grants roles to two groups only
PROVIDER_USERS = [{"sub": "olga", "preferred_username": "olga", "groups": ["everyone", "agora-staff"]},
                  {"sub": "pat", "preferred_username": "pat", "groups": ["partners"]},
                  {"sub": "zed", "preferred_username": "zed", "groups": ["everyone"]},
                  {"sub": "nat", "preferred_username": "nat"}]
ROLE_MAP = "agora-staff=analyst,partners=viewer"


@pytest.fixture(scope="module")
def provider():
    """oidc-provider-mock as its own process on loopback: discovery, authorisation, token, JWKS."""
    port = free_port()
    args = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    for user in PROVIDER_USERS:
        args += ["--user-claims", json.dumps(user)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    issuer = f"http://127.0.0.1:{port}"
    IDP_ORIGINS.add(issuer)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the OpenID Connect provider did not start")
            time.sleep(0.3)
    yield issuer
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def oidc_server(provider, tmp_path_factory):
    agora = agora_with_accounts(tmp_path_factory.mktemp("oidc"))
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {"AGORA_OIDC_ISSUER": provider, "AGORA_OIDC_CLIENT_ID": "agora-dashboard",
                           "AGORA_OIDC_CLIENT_SECRET": "client-secret-for-tests", "AGORA_OIDC_ROLES": ROLE_MAP}.items():
            patch.setenv(key, value)
        server = LiveServer(agora.settings.warehouse, "--auth", "oidc")
    yield server, agora
    server.stop()


def sign_in_at_provider(page, base: str, subject: str) -> None:
    page.goto(base + SMALL_CELL_VIEW)
    page.get_by_role("link", name="Sign in with your organisation's account").click()
    page.wait_for_selector("text=Authorize Client")
    page.get_by_role("button", name=subject, exact=True).click()


@pytest.mark.parametrize("subject, role, badge",
                         [("olga", "analyst", "internal view"), ("pat", "viewer", "public view")])
def test_single_sign_on_maps_the_providers_groups_to_a_role(visit, oidc_server, subject, role, badge):
    server, agora = oidc_server
    page = visit.page
    sign_in_at_provider(page, server.url, subject)
    page.wait_for_selector(FIRST_ROW, timeout=30_000)
    assert page.url == server.url + SMALL_CELL_VIEW
    assert page.locator(".session-user").inner_text() == f"{subject} · {role}"
    assert page.locator(".run-line .badge").inner_text().lower() == badge
    assert ("suppressed" in page.locator(FIRST_ROW).inner_text()) is (role == "viewer")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("text=You have signed out.")
    assert visit.problems == []
    sign_in = [r for r in agora.audit(user=subject) if r[3] == "sign-in"][-1]
    assert sign_in[4] == "ok" and sign_in[9] == f"single sign-on, role {role}"


@pytest.mark.parametrize("subject, groups", [("zed", "['everyone']"), ("nat", "None")])
def test_single_sign_on_refuses_a_user_whose_groups_grant_no_role(visit, oidc_server, subject, groups):
    """zed's groups map to no role; nat has none, in the ID token nor in the userinfo answer."""
    server, agora = oidc_server
    page = visit.page
    sign_in_at_provider(page, server.url, subject)
    refusal = f"the 'groups' claim ({groups}) grants no Agora role"
    assert page.get_by_role("alert").inner_text() == f"Single sign-on refused: {refusal}."
    page.goto(server.url + "/explorer")
    page.wait_for_selector("#sign-in-oidc")
    assert page.url.startswith(server.url + "/sign-in")
    assert [r[4] for r in agora.audit(user=subject)] == [f"refused: {refusal}"]


def test_a_forged_return_from_the_provider_is_refused(oidc_server):
    """A callback with a code and state this browser never asked for (login CSRF) signs nobody in."""
    import requests

    server, agora = oidc_server
    browser = requests.Session()
    forged = browser.get(server.url + "/sign-in/oidc/callback?code=stolen&state=forged", timeout=30,
                         allow_redirects=False)
    assert forged.status_code == 403 and "Single sign-on refused" in forged.text
    assert browser.get(server.url + "/_dash-layout", timeout=30).status_code == 401
    assert agora.audit()[-1][2:5] == ("anonymous", "sign-in", "refused: the provider's answer did not check out "
                                                              "(mismatching_state: CSRF Warning! State not equal "
                                                              "in request and response.)")


def test_the_sign_in_page_the_session_bar_and_the_admin_page_pass_axe(visit, local_server):
    from axe_playwright_python.sync_playwright import Axe

    axe, page = Axe(), visit.page
    page.goto(local_server.url + "/admin")
    page.wait_for_selector("form input[name=password]")
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_label("User name").fill("ada")
    page.get_by_label("Password").fill(ACCOUNTS["ada"][1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#admin-audit")
    for part in (".session-bar", "main.page"):
        results = axe.run(page, context=part)
        assert results.violations_count == 0, results.generate_report()
