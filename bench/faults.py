"""Load under faults: 20 clients on a 4-worker dashboard while ingest, build and a failing publish run.

    .venv/bin/python -m bench faults --scale 8000 --seconds 60 --clients 20 --workers 4

A real `agora serve` (gunicorn, loopback only) over a built warehouse; a bounded pool of client
threads requests pages and callbacks for --seconds, while a writer repeats: ingest another
generated dataset, build, and a publish made to fail mid-write (its file size limited with
RLIMIT_FSIZE, so DuckDB's write fails with "File too large" partway through the new snapshot).
Reported: requests, failed requests (any status but 200, any connection error), p50 and p95
latency, and each writer step with its exit code. The failing publish must say "dashboard not
refreshed" and leave the serving snapshot as it was.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the new snapshot may grow to this many bytes before its write fails (smaller than any snapshot)
PUBLISH_SIZE_LIMIT = 512 * 1024
#: what a client asks for, in turn: pages, the layout, each page's content callback, a filter callback
PAGES = ["/", "/participation", "/inclusivity", "/follow-through", "/explorer", "/data-quality", "/definitions"]


@dataclass
class LoadReport:
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    steps: list[tuple[str, int, str]] = field(default_factory=list)
    #: what the dashboard server logged (a refused or failed request is one line there)
    server_log: str = ""

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0

    def render(self) -> str:
        lines = [f"requests        {len(self.latencies_ms) + len(self.failures):>8,}",
                 f"failed          {len(self.failures):>8,}",
                 f"p50 latency     {self.percentile(0.50):>8.1f} ms",
                 f"p95 latency     {self.percentile(0.95):>8.1f} ms"]
        lines += [f"writer: {name:28} exit {code}  {note}" for name, code, note in self.steps]
        lines += [f"failure: {text}" for text in self.failures[:10]]
        if self.failures:
            lines += ["server log:", *self.server_log.splitlines()[-10:]]
        return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _requests() -> list[tuple[str, str, dict | None]]:
    """(method, path, JSON body) of what a browser sends while someone reads the dashboard."""
    asked: list[tuple[str, str, dict | None]] = [("GET", "/_dash-layout", None)]
    for path in PAGES:
        asked.append(("GET", path, None))
        asked.append(("POST", "/_dash-update-component", {
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}))
    for grain in ("year", "quarter", "month"):
        asked.append(("POST", "/_dash-update-component", {
            "output": "overview-body.children", "outputs": {"id": "overview-body", "property": "children"},
            "inputs": [{"id": {"type": "filter", "name": n}, "property": "value", "value": v}
                       for n, v in (("grain", grain), ("start", None), ("end", None), ("kind", None),
                                    ("mechanism", None))],
            "changedPropIds": [], "state": []}))
    return asked


def _client(port: int, deadline: float, report: LoadReport, lock: threading.Lock, offset: int) -> None:
    asked = _requests()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    turn = offset
    while time.monotonic() < deadline:
        method, path, body = asked[turn % len(asked)]
        turn += 1
        started = time.perf_counter()
        try:
            payload = json.dumps(body).encode() if body is not None else None
            connection.request(method, path, body=payload,
                               headers={"Content-Type": "application/json"} if payload else {})
            response = connection.getresponse()
            response.read()
            failed = None if response.status == 200 else f"{method} {path}: HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            failed = f"{method} {path}: {type(exc).__name__}: {exc}"
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            if failed:
                report.failures.append(failed)
            else:
                report.latencies_ms.append(elapsed)
    connection.close()


def _agora(args: list[str], warehouse: Path, size_limit: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:  # in the child, before it runs Agora
        resource.setrlimit(resource.RLIMIT_FSIZE, (size_limit, size_limit))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "AGORA_BACKUPS": "0"}
    return subprocess.run([sys.executable, "-m", "agora.cli", "--warehouse", str(warehouse), *args],
                          capture_output=True, text=True, env=env, preexec_fn=limit if size_limit else None,
                          timeout=1800)


def _writer(warehouse: Path, datasets: list[Path], deadline: float, report: LoadReport) -> None:
    """Ingest, build and a failing publish, again and again until the deadline."""
    turn = 0
    snapshot = warehouse.with_name(warehouse.stem + ".published.duckdb")
    while time.monotonic() < deadline:
        data = datasets[turn % len(datasets)]
        done = _agora(["ingest", str(data)], warehouse)
        report.steps.append((f"ingest {data.name}", done.returncode, done.stderr.strip()[:120]))
        done = _agora(["build", "--as-of", "2026-06-30"], warehouse)
        report.steps.append(("build", done.returncode, done.stderr.strip()[:120]))
        before = snapshot.stat().st_ino
        done = _agora(["publish"], warehouse, size_limit=PUBLISH_SIZE_LIMIT)
        kept = snapshot.stat().st_ino == before
        report.steps.append(("publish (made to fail)", done.returncode,
                             ("old snapshot kept; " if kept else "SNAPSHOT REPLACED; ") + done.stderr.strip()[:160]))
        turn += 1


def wait_until_serving(port: int, server: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the dashboard stopped before serving: {server.stderr.read()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/_dash-layout")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the dashboard did not start serving")


def prepare(workdir: Path, scale: int) -> tuple[Path, list[Path]]:
    """A built, published warehouse, and two generated datasets for the writer to ingest in turn."""
    from agora.core import Agora
    from foundation.settings import Settings

    warehouse = workdir / "agora.duckdb"
    agora = Agora(Settings(warehouse=warehouse, backups_kept=0))
    datasets = []
    for seed in (7, 8):
        folder = workdir / f"data-{seed}"
        agora.generate(folder, scale=scale, seed=seed)
        datasets.append(folder)
    agora.ingest([datasets[0]])
    agora.build(as_of=date(2026, 6, 30))
    return warehouse, datasets


def load_under_faults(workdir: Path, scale: int, seconds: float, clients: int, workers: int) -> LoadReport:
    warehouse, datasets = prepare(workdir, scale)
    port = free_port()
    # The server's log goes to a file (a pipe nobody reads would fill and stall the workers).
    log = open(workdir / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "agora.cli", "--warehouse", str(warehouse), "serve", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=log, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    report, lock = LoadReport(), threading.Lock()
    try:
        wait_until_serving(port, server)
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=_client, args=(port, deadline, report, lock, n)) for n in range(clients)]
        threads.append(threading.Thread(target=_writer, args=(warehouse, datasets, deadline, report)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)
        log.close()
    report.server_log = (workdir / "server.log").read_text()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench faults", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=8000, help="generated participations (default 8000)")
    parser.add_argument("--seconds", type=float, default=60, help="how long the clients run (default 60)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--workers", type=int, default=4, help="dashboard worker processes (default 4)")
    parser.add_argument("--workdir", type=Path, default=Path("bench-work/faults"),
                        help="where data and warehouse go (default bench-work/faults)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    report = load_under_faults(args.workdir, args.scale, args.seconds, args.clients, args.workers)
    print(f"load under faults: {args.clients} clients, {args.workers} workers, {args.seconds:.0f} s, "
          f"scale {args.scale:,}")
    print(report.render())
    sys.exit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
