"""The dashboard under faults: an unreadable snapshot is a sentence (not a 500) and heals by itself;
crafted callback input is a 400 with no traceback in the log; file paths never reach a page."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import pytest

from dashboards.app import create_app
from dashboards.data import UNREADABLE
from dashboard_fixture import build_fixture_warehouse
from warehouse.snapshot import publish_snapshot

CALLBACK = "/_dash-update-component"


@pytest.fixture(scope="module")
def good_snapshot(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("faults-dash")
    return publish_snapshot(build_fixture_warehouse(folder / "agora.duckdb"), folder / "good.published.duckdb")


def _client(snapshot: Path):
    app = create_app(snapshot)
    return app, app.server.test_client()


def _overwrite(path: Path, offset: int, length: int) -> None:
    with open(path, "r+b") as file:
        file.seek(offset)
        file.write(os.urandom(length))


def _damaged_copy(good: Path, folder: Path, how: str) -> Path:
    target = folder / "agora.published.duckdb"
    shutil.copyfile(good, target)
    size = target.stat().st_size
    if how == "header":
        _overwrite(target, 0, 4096)
    elif how == "middle":
        _overwrite(target, size // 2, 65536)
    elif how == "end":
        _overwrite(target, size - 65536, 65536)
    elif how == "truncated":
        os.truncate(target, size // 2)
    elif how == "no tables":
        import duckdb

        target.unlink()
        duckdb.connect(str(target)).close()
    return target


def _layout_text(client) -> tuple[int, str]:
    response = client.get("/_dash-layout")
    return response.status_code, response.get_data(as_text=True)


def _page_content(client, path: str = "/"):
    """The routing callback Dash pages fires for a page's content."""
    return client.post(CALLBACK, json={
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname"], "state": [],
    })


@pytest.mark.parametrize("how", ["header", "middle", "end", "truncated", "no tables"])
def test_an_unreadable_snapshot_is_a_clear_page_that_heals_by_itself(good_snapshot, tmp_path, how, caplog):
    snapshot = _damaged_copy(good_snapshot, tmp_path, how)
    app, client = _client(snapshot)
    with caplog.at_level(logging.WARNING):
        assert client.get("/").status_code == 200
        status, text = _layout_text(client)
        assert status == 200
        assert UNREADABLE[:60] in text
        assert str(tmp_path) not in text and "duckdb" not in text.lower().replace("`agora", "")
        content = _page_content(client)
        assert content.status_code in (200, 503)
        assert str(tmp_path) not in content.get_data(as_text=True)
    assert "Traceback" not in caplog.text
    # A good snapshot published over it: the next request shows the dashboard, no restart.
    shutil.copyfile(good_snapshot, tmp_path / "next.duckdb")
    os.replace(tmp_path / "next.duckdb", snapshot)
    status, text = _layout_text(client)
    assert status == 200 and UNREADABLE[:60] not in text and "Run run-fixture-0001" in text
    assert _page_content(client).status_code == 200


BAD_INPUTS = [
    ("grain x", {"id": {"type": "filter", "name": "grain"}, "property": "value", "value": "x"}),
    ("period 2026-13", {"id": {"type": "filter", "name": "end"}, "property": "value", "value": "2026-13"}),
    ("a list for a string", {"id": {"type": "filter", "name": "start"}, "property": "value", "value": ["2026"]}),
    ("a number for a kind", {"id": {"type": "filter", "name": "kind"}, "property": "value", "value": 7}),
    ("an unknown filter", {"id": {"type": "filter", "name": "nope"}, "property": "value", "value": "a"}),
    ("a text click count", {"id": "explorer-csv", "property": "n_clicks", "value": "many"}),
    ("not an entry", "grain"),
]


@pytest.mark.parametrize("label,entry", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_crafted_callback_input_is_a_400_without_traceback(good_snapshot, label, entry, caplog):
    app, client = _client(good_snapshot)
    with caplog.at_level(logging.INFO):
        response = client.post(CALLBACK, json={
            "output": "overview-body.children", "outputs": {"id": "overview-body", "property": "children"},
            "inputs": [entry], "changedPropIds": [], "state": []})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("body", [
    b"not json", json.dumps([1, 2]).encode(), json.dumps({"output": 5}).encode(),
    json.dumps({"output": "no-such.children", "outputs": {"id": "no-such", "property": "children"},
                "inputs": [], "state": []}).encode(),
])
def test_malformed_callback_requests_are_400(good_snapshot, body, caplog):
    app, client = _client(good_snapshot)
    with caplog.at_level(logging.INFO):
        response = client.post(CALLBACK, data=body, content_type="application/json")
    assert response.status_code == 400
    assert "Traceback" not in caplog.text


def test_a_valid_callback_still_answers(good_snapshot):
    app, client = _client(good_snapshot)
    response = client.post(CALLBACK, json={
        "output": "overview-body.children", "outputs": {"id": "overview-body", "property": "children"},
        "inputs": [{"id": {"type": "filter", "name": n}, "property": "value", "value": v}
                   for n, v in (("grain", "quarter"), ("start", "2025-Q3"), ("end", "2026-Q2"), ("kind", None),
                                ("mechanism", None))],
        "changedPropIds": [], "state": []})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "PAR-" in response.get_data(as_text=True)


def test_the_data_quality_page_shows_file_names_not_server_paths(tmp_path):
    from dashboards.data import published

    folder = tmp_path / "deep" / "server" / "folder"
    folder.mkdir(parents=True)
    warehouse = build_fixture_warehouse(tmp_path / "agora.duckdb")
    import duckdb

    con = duckdb.connect(str(warehouse))
    con.execute("UPDATE load_log SET file = ? || '/' || file", [str(folder)])
    con.close()
    snapshot = publish_snapshot(warehouse, tmp_path / "agora.published.duckdb")
    pub = published(snapshot, "internal", 5)
    assert pub.loads.height > 0
    assert not any("/" in f for f in pub.loads["file"].to_list())
    app, client = _client(snapshot)
    text = _page_content(client, "/data-quality").get_data(as_text=True)
    assert str(folder) not in text


def test_serve_refuses_a_busy_port_before_saying_it_is_on_it_and_takes_ipv6(tmp_path):
    import socket
    import subprocess
    import sys

    from dashboards.server import CannotBind, bind_address, check_bind

    assert bind_address("::", 8050) == "[::]:8050" and bind_address("127.0.0.1", 80) == "127.0.0.1:80"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(CannotBind, match=f"The port {port} on 127.0.0.1 is already in use"):
            check_bind("127.0.0.1", port)
        done = subprocess.run([sys.executable, "-m", "agora.cli", "--warehouse", str(tmp_path / "w.duckdb"), "serve",
                               "--port", str(port)], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert done.returncode != 0 and "dashboard on" not in done.stdout
    assert done.stderr.strip() == (f"Error: The port {port} on 127.0.0.1 is already in use (another dashboard or "
                                   f"program listens there): stop it, or choose another port with --port.")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
            free = probe.getsockname()[1]
    except OSError:
        free = None  # no IPv6 loopback on this machine
    if free is not None:
        check_bind("::1", free)  # an IPv6 literal is a host, not "host:port"
    with pytest.raises(CannotBind, match="cannot listen on host 'no-such-host.invalid'"):
        check_bind("no-such-host.invalid", 8050)


def test_gunicorn_run_directly_answers_concurrent_first_requests(fixture_agora, tmp_path):
    """`gunicorn dashboards.wsgi:server` (no `agora serve` hook): the first requests of a worker,
    arriving at once on several threads, all get their callback's answer."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    from dashboard_fixture import free_port

    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}", "--threads", "8",
         "--worker-class", "gthread", "dashboards.wsgi:server"],
        env={**os.environ, "AGORA_WAREHOUSE": str(fixture_agora.settings.warehouse)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:  # listening, with no request made yet
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        body = json.dumps({
            "output": "overview-body.children", "outputs": {"id": "overview-body", "property": "children"},
            "inputs": [{"id": {"type": "filter", "name": n}, "property": "value", "value": v}
                       for n, v in (("grain", "quarter"), ("start", "2025-Q3"), ("end", "2026-Q2"), ("kind", None),
                                    ("mechanism", None))],
            "changedPropIds": [], "state": []}).encode()

        def callback(_):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{CALLBACK}", data=body,
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return response.status, b"PAR-" in response.read()
            except urllib.error.HTTPError as error:
                return error.code, False

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(callback, range(8)))
        assert answers == [(200, True)] * 8
    finally:
        process.terminate()
        process.wait(timeout=20)
