"""Fixtures of the fault-injection tests: one small built warehouse, copied fresh for each test."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from agora.core import Agora
from foundation.settings import Settings


@pytest.fixture(scope="session")
def built_source(tmp_path_factory) -> tuple[Path, Path]:
    """(folder of generated CSV files, a folder holding a built warehouse and its snapshot)."""
    folder = tmp_path_factory.mktemp("faults-source")
    files = folder / "files"
    agora = Agora(Settings(warehouse=folder / "built" / "agora.duckdb", backups_kept=0))
    (folder / "built").mkdir()
    agora.generate(files, scale=400, seed=5, fmt="csv")
    agora.ingest([files])
    agora.build(as_of=date(2026, 6, 30))
    return files, folder / "built"


@pytest.fixture
def built(built_source, tmp_path) -> Path:
    """A built warehouse (and its snapshot) of this test's own, in `tmp_path/wh/`."""
    target = tmp_path / "wh"
    shutil.copytree(built_source[1], target)
    return target / "agora.duckdb"


@pytest.fixture
def files(built_source) -> Path:
    return built_source[0]
