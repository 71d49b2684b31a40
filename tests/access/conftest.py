"""Fixtures of the access tests: a warehouse with one account per role, and a real
`agora serve --auth local` (two workers) over it."""

from __future__ import annotations

import pytest

from access_fixture import LiveServer, agora_with_accounts
from agora.core import Agora


@pytest.fixture(scope="module")
def accounts_agora(tmp_path_factory) -> Agora:
    return agora_with_accounts(tmp_path_factory.mktemp("access"))


@pytest.fixture(scope="module")
def local_server(accounts_agora):
    server = LiveServer(accounts_agora.settings.warehouse, "--auth", "local", "--workers", "2")
    yield server
    server.stop()
