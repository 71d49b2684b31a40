from __future__ import annotations

from pathlib import Path

import pytest

from report_fixture_data import build_handbuilt_warehouse


@pytest.fixture(scope="session")
def handbuilt_warehouse(tmp_path_factory) -> Path:
    """The hand-built warehouse of `report_fixture_data` (read it only)."""
    return build_handbuilt_warehouse(tmp_path_factory.mktemp("handbuilt") / "agora.duckdb")
