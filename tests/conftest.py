"""Fixtures shared by every room's tests. The generated dataset (the same generator `agora demo`
uses, with a fixed seed) is the canonical fixture; hand-built datasets live beside their tests."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from foundation.settings import Settings
from agora.core import Agora

#: the build date of the shared fixture warehouse
FIXTURE_AS_OF = date(2026, 6, 30)


@pytest.fixture
def agora(tmp_path: Path) -> Agora:
    """An Agora on an empty warehouse of its own."""
    return Agora(Settings(warehouse=tmp_path / "agora.duckdb"))


@pytest.fixture(scope="session")
def generated_files(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    Agora(Settings(warehouse=out / "unused.duckdb")).generate(out, scale=3_000, seed=11)
    return out


@pytest.fixture(scope="session")
def built_agora(tmp_path_factory, generated_files: Path) -> Agora:
    """A warehouse with the generated dataset ingested and built at FIXTURE_AS_OF (read it only)."""
    folder = tmp_path_factory.mktemp("built")
    built = Agora(Settings(warehouse=folder / "agora.duckdb"))
    built.ingest([generated_files])
    built.build(as_of=FIXTURE_AS_OF)
    return built


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium; CI sets AGORA_REQUIRE_BROWSER=1 so a missing browser fails, not skips."""
    path = chromium_path()
    if path is None:
        if os.environ.get("AGORA_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (apt-get install chromium) but was not found")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path


#: Chromium flags for headless runs offline in a container
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def launched_chromium(chromium):
    """Headless Chromium driven by Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
