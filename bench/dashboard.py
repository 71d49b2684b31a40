"""Benchmark of the dashboard: time to first render of Overview, server time per callback.

    .venv/bin/python -m bench.dashboard --scale 1000000

--scale is the number of generated participations. The warehouse is generated and ingested once
per scale (bench.baseline_sql.prepared_warehouse), copied, built at --as-of and published; a real
`agora serve` runs in a child process and headless Chromium drives it.

Overview: from navigation to the cards drawn, cold (the first request after the server started,
which also reads the snapshot) and warm (p50 of later loads). Callbacks: the browser's timing of
each `_dash-update-component` request (request sent to first response byte: the server's time on
loopback), p50 and p95 per interaction. Baseline, measured in the same run: the same selection read
straight from the snapshot with DuckDB on each request (what a dashboard without the in-memory
snapshot would pay), p50. Peak memory: the highest RSS (VmHWM) among the server's processes.
"""

from __future__ import annotations

import shutil
import statistics
import time
from datetime import date
from pathlib import Path

import duckdb

from foundation.settings import Settings
from agora.core import Agora
from bench.baseline_sql import benchmark_arguments, participation_count, prepared_warehouse

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
REPEATS = 12
#: interaction -> (page, filter to change, the values it cycles through)
INTERACTIONS = {
    "overview: grain": ("/", "grain", ["Year", "Month", "Quarter"]),
    "overview: mechanism kind": ("/", "kind", ["Treaty body", "UPR", "Special procedure"]),
    "participation: breakdown": ("/participation", "breakdown", ["UN regional group", "Organisation type",
                                                                 "Mechanism kind"]),
    "explorer: indicator": ("/explorer", "indicator", ["PAR-02 Attendance rate", "FOL-09 Recommendations acted on",
                                                       "INC-05 Regional balance"]),
}


def built_copy(scale: int, seed: int, workdir: Path, as_of: date) -> Agora:
    """A built and published copy of the generated warehouse (the ingested original stays as it is)."""
    warehouse = workdir / f"dashboard-{scale}-{seed}.duckdb"
    agora = Agora(Settings(warehouse=warehouse))
    if not agora.settings.snapshot.exists():
        shutil.copyfile(prepared_warehouse(scale, seed, workdir), warehouse)
        agora.build(as_of=as_of)
    return agora


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def peak_rss_bytes(pid: int) -> int:
    """The highest resident set among a process and its children (gunicorn's master and workers)."""
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    peaks = []
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) * 1024)
    return max(peaks)


def choose(page, name: str, label: str) -> None:
    page.locator(f"[id='{{\"name\":\"{name}\",\"type\":\"filter\"}}']").click()
    page.get_by_role("option", name=label, exact=True).click()


def callback_times(page, base: str, path: str, name: str, labels: list[str]) -> list[float]:
    """Server milliseconds of the callbacks each change of the filter sets off."""
    page.goto(base + path)
    page.wait_for_selector(".filter-bar .dash-dropdown", timeout=60_000)
    page.wait_for_load_state("networkidle")
    times: list[float] = []

    def record(request) -> None:
        if "_dash-update-component" in request.url:
            timing = request.timing
            times.append(timing["responseStart"] - timing["requestStart"])

    page.on("requestfinished", record)
    for i in range(REPEATS):
        choose(page, name, labels[i % len(labels)])
        page.wait_for_load_state("networkidle")
    page.remove_listener("requestfinished", record)
    return times


def direct_query_ms(snapshot: Path) -> list[float]:
    """The baseline: open the snapshot and select one indicator's rows at one grain, per request."""
    times = []
    for indicator, grain in [("PAR-02", "year"), ("FOL-09", "month"), ("INC-05", "quarter")] * (REPEATS // 3):
        started = time.perf_counter()
        con = duckdb.connect(str(snapshot), read_only=True)
        con.sql("SELECT * FROM indicator_values WHERE indicator_id = ? AND grain = ?", params=[indicator, grain]).pl()
        con.close()
        times.append((time.perf_counter() - started) * 1000)
    return times


def overview_render_seconds(browser, base: str) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    started = time.perf_counter()
    page.goto(base + "/")
    page.wait_for_selector("#card-FOL-12 .card-value", timeout=120_000)
    seconds = time.perf_counter() - started
    page.close()
    return seconds


def main() -> None:
    arguments = benchmark_arguments("Time the dashboard: Overview's first render and server time per callback.")
    from playwright.sync_api import sync_playwright

    from tests.dashboards.dashboard_fixture import LiveServer

    agora = built_copy(arguments.scale, arguments.seed, arguments.workdir, arguments.as_of)
    participations = participation_count(agora.settings.warehouse)
    con = duckdb.connect(str(agora.settings.snapshot), read_only=True)
    indicator_rows = con.sql("SELECT count(*) FROM indicator_values").fetchall()[0][0]
    con.close()
    print(f"{participations:,} participations; snapshot {agora.settings.snapshot.stat().st_size / 2**20:.1f} MiB "
          f"with {indicator_rows:,} indicator rows")
    server = LiveServer(agora.settings.warehouse)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            cold = overview_render_seconds(browser, server.url)
            warm = [overview_render_seconds(browser, server.url) for _ in range(5)]
            print(f"overview first render: cold {cold:.2f} s, warm p50 {statistics.median(warm):.2f} s "
                  f"({participations / cold:,.0f} participations/s cold)")
            baseline = direct_query_ms(agora.settings.snapshot)
            base_p50 = statistics.median(baseline)
            print(f"{'baseline: DuckDB query per request':34} p50 {base_p50:7.1f} ms  p95 "
                  f"{percentile(baseline, 0.95):7.1f} ms")
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            for label, (path, name, values) in INTERACTIONS.items():
                times = callback_times(page, server.url, path, name, values)
                p50, p95 = statistics.median(times), percentile(times, 0.95)
                print(f"{label:34} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({len(times)} callbacks, "
                      f"p50 {p50 / base_p50:.2f}x baseline)")
            browser.close()
        print(f"server peak RSS {peak_rss_bytes(server.process.pid) / 2**20:.0f} MiB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
