"""Fixtures of the dashboard tests: the hand-built warehouse, published."""

from __future__ import annotations

import pytest

from foundation.settings import Settings
from agora.core import Agora
from dashboard_fixture import build_fixture_warehouse


@pytest.fixture(scope="session")
def fixture_agora(tmp_path_factory) -> Agora:
    """A warehouse holding one hand-built run, and its published snapshot."""
    folder = tmp_path_factory.mktemp("dash")
    agora = Agora(Settings(warehouse=build_fixture_warehouse(folder / "agora.duckdb")))
    agora.publish()
    return agora
