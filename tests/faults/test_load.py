"""A short run of `python -m bench faults`: 20 clients on a 4-worker dashboard while ingest, build
and a publish made to fail run; not one request fails (timing is the benchmark's business)."""

from __future__ import annotations

import pytest

from bench.faults import load_under_faults

pytestmark = pytest.mark.slow


def test_no_request_fails_while_ingest_build_and_a_failing_publish_run(tmp_path):
    report = load_under_faults(tmp_path, scale=300, seconds=10, clients=20, workers=4)
    assert report.failures == [], report.render()
    assert len(report.latencies_ms) > 20
    steps = {name.split()[0]: (code, note) for name, code, note in report.steps}
    assert steps["ingest"][0] == 0 and steps["build"][0] == 0, report.render()
    code, note = steps["publish"]
    assert code != 0 and note.startswith("old snapshot kept; Error: Dashboard not refreshed")
