"""`agora users`, `agora audit` and `agora serve --auth` at the command line: accounts with
--password-stdin or typed twice, every change audited with the operating-system account, the audit
log listed and exported (cells a spreadsheet would run neutralised), exports and reports audited,
and a server nobody signs in to refused on a non-loopback address before it binds."""

from __future__ import annotations

import csv
import getpass
import io
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from access.audit import append, cli_user
from access.serving import is_loopback, serving_audience
from access.users import add_user, authenticate
from agora.cli import main
from access_fixture import agora_with_accounts
from foundation.errors import AgoraError
from foundation.settings import Settings


def run(capsys, monkeypatch, warehouse: Path, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["--warehouse", str(warehouse), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_users_commands_change_accounts_and_are_audited(tmp_path, capsys, monkeypatch):
    warehouse = tmp_path / "agora.duckdb"
    store = Settings(warehouse=warehouse).access_store
    assert run(capsys, monkeypatch, warehouse, "users", "add", "ann", "--role", "analyst", "--password-stdin",
               stdin="first-password-1\n")[:2] == (0, "Added ann as analyst.\n")
    assert authenticate(store, "ann", "first-password-1").role == "analyst"
    code, out, _ = run(capsys, monkeypatch, warehouse, "users", "list")
    assert code == 0 and out.splitlines()[1].split()[:2] == ["ann", "analyst"]

    assert run(capsys, monkeypatch, warehouse, "users", "set-role", "ann", "admin")[0] == 0
    assert run(capsys, monkeypatch, warehouse, "users", "reset-password", "ann", "--password-stdin",
               stdin="second-password-2\n")[0] == 0
    assert authenticate(store, "ann", "first-password-1") is None
    assert authenticate(store, "ann", "second-password-2").role == "admin"
    assert run(capsys, monkeypatch, warehouse, "users", "remove", "ann")[0] == 0
    assert run(capsys, monkeypatch, warehouse, "users", "list")[1] == \
        "No users yet: `agora users add NAME --role ROLE`.\n"

    code, out, _ = run(capsys, monkeypatch, warehouse, "audit", "--user", cli_user())
    lines = out.splitlines()
    assert code == 0 and len(lines) == 5
    assert [line.split()[2:4] for line in lines[1:]] == [["user", "add"], ["user", "set-role"],
                                                        ["user", "reset-password"], ["user", "remove"]]
    assert all(line.rstrip().endswith("cli") for line in lines[1:])


def test_users_refusals_are_sentences(tmp_path, capsys, monkeypatch):
    warehouse = tmp_path / "agora.duckdb"
    add = ("users", "add", "bob", "--role", "viewer", "--password-stdin")
    assert run(capsys, monkeypatch, warehouse, *add, stdin="short\n")[2] == \
        "Error: The password is too short: use at least 10 characters.\n"
    assert run(capsys, monkeypatch, warehouse, *add, stdin="long-enough-pw\n")[0] == 0
    code, _, err = run(capsys, monkeypatch, warehouse, *add, stdin="long-enough-pw\n")
    assert code == 2 and "already exists" in err
    code, _, err = run(capsys, monkeypatch, warehouse, "users", "set-role", "nobody", "admin")
    assert code == 2 and err == "Error: No user is named 'nobody': `agora users list` shows who there is.\n"
    code, _, err = run(capsys, monkeypatch, warehouse, "users", "add", "=evil", "--role", "viewer",
                       "--password-stdin", stdin="long-enough-pw\n")
    assert code == 2 and "is not allowed" in err


def test_a_password_typed_twice_must_match(tmp_path, capsys, monkeypatch):
    warehouse = tmp_path / "agora.duckdb"
    typed = iter(["typed-password-1", "typed-password-2", "typed-password-3", "typed-password-3"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt: next(typed))
    code, _, err = run(capsys, monkeypatch, warehouse, "users", "add", "cy", "--role", "viewer")
    assert code == 2 and err == "Error: The two passwords differ: nothing was changed.\n"
    assert run(capsys, monkeypatch, warehouse, "users", "add", "cy", "--role", "viewer")[0] == 0
    assert authenticate(Settings(warehouse=warehouse).access_store, "cy", "typed-password-3").role == "viewer"


def test_audit_filters_and_its_csv_neutralises_formulas(tmp_path, capsys, monkeypatch):
    warehouse = tmp_path / "agora.duckdb"
    store = Settings(warehouse=warehouse).access_store
    # a failed sign-in records the name as typed: whatever someone typed
    append(store, "=HYPERLINK(\"http://evil.example\")", "sign-in", "10.0.0.9",
           outcome="failed: wrong name or password")
    append(store, "ann", "download", "10.0.0.8", audience="internal", indicator="PAR-02", period="2025", fmt="csv",
           detail="+agora.csv")
    out = tmp_path / "audit.csv"
    code, printed, _ = run(capsys, monkeypatch, warehouse, "audit", "--out", str(out))
    assert code == 0 and printed == f"Wrote 2 audit entries to {out}\n"
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["who"] == "'=HYPERLINK(\"http://evil.example\")" and rows[0]["origin"] == "10.0.0.9"
    assert rows[1]["detail"] == "'+agora.csv" and rows[1]["indicator"] == "PAR-02" and rows[1]["audience"] == "internal"
    assert run(capsys, monkeypatch, warehouse, "audit", "--user", "ann")[1].count("download") == 1
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert run(capsys, monkeypatch, warehouse, "audit", "--since", tomorrow)[1] == "No audit entry matches.\n"


def test_exports_and_reports_are_audited(tmp_path):
    agora = agora_with_accounts(tmp_path)
    path = agora.export(tmp_path / "public.csv", fmt="csv", audience="public", indicators=["PAR-02"], grain="year")
    agora.report(["2025"], audience="internal", fmt="html", out=tmp_path / "reports")
    export, report = [row for row in agora.audit() if row[3] in ("export", "report")]
    assert export[2:] == (cli_user(), "export", "ok", "public", "PAR-02", "year", "csv", str(path), "cli")
    assert report[3:8] == ("report", "ok", "internal", "all", "2025") and report[8] == "html"


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                            ("localhost", True), ("0.0.0.0", False), ("::", False),
                                            ("192.168.1.10", False), ("no-such-host.invalid", False)])
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback


def test_serve_without_sign_in_refuses_a_non_loopback_address_before_binding(tmp_path, capsys, monkeypatch):
    warehouse = tmp_path / "agora.duckdb"
    for flags in ((), ("--audience", "internal"), ("--auth", "none")):
        code, _, err = run(capsys, monkeypatch, warehouse, "serve", "--host", "0.0.0.0", *flags)
        assert code == 2 and err.startswith("Error: Refusing to serve on 0.0.0.0 with --auth none")
    settings = Settings(warehouse=warehouse)
    assert serving_audience(settings, "none", "0.0.0.0", "public") == "public"
    with pytest.raises(AgoraError, match="no account exists yet"):
        serving_audience(settings, "local", "0.0.0.0", None)
    add_user(settings.access_store, "ada", "admin", "admin-password-1", by="test", origin="cli")
    assert serving_audience(settings, "local", "0.0.0.0", None) == "internal"
    assert serving_audience(settings, "none", "127.0.0.1", None) == "internal"
    with pytest.raises(AgoraError, match="AGORA_OIDC_ISSUER, AGORA_OIDC_CLIENT_ID, AGORA_OIDC_CLIENT_SECRET"):
        serving_audience(settings, "oidc", "127.0.0.1", None)


def test_a_public_server_without_sign_in_may_use_every_address_and_says_so(tmp_path):
    """Run inside a private network namespace (`unshare -n`), so no real interface is exposed."""
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -n is not permitted here")
    agora = Path(sys.executable).with_name("agora")
    server = subprocess.Popen(
        ["unshare", "-n", str(agora), "--warehouse", str(tmp_path / "agora.duckdb"), "serve", "--host", "0.0.0.0",
         "--audience", "public"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        first = server.stdout.readline()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert first.startswith("Agora dashboard (public, public numbers only; nobody signs in) on http://0.0.0.0:")
