"""A real Ampyre server on a real socket, over each database backend."""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ampyre.app import Application
from ampyre.config import Settings
from ampyre.domain.access import Role


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "http_port": 0,
        "database_url": database_url,
        "call_timeout": 5.0,
        # uploads and firmware images (e.g. from the API fuzzer) never land in the work tree;
        # the directory is created only when something is written
        "files_dir": Path(tempfile.gettempdir()) / f"ampyre-test-files-{secrets.token_hex(6)}",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to run the server with other settings."""
    return {}


@pytest.fixture
async def csms(database_url: str, settings_overrides: dict[str, Any]) -> AsyncIterator[Application]:
    application = Application(make_settings(database_url, **settings_overrides))
    await application.start(migrate=True)
    try:
        yield application
    finally:
        await application.stop()


@pytest.fixture
def ocpp_url(csms: Application) -> str:
    return f"ws://127.0.0.1:{csms.port}/ocpp"


AppFactory = Callable[..., contextlib.AbstractAsyncContextManager[Application]]


@pytest.fixture
def start_csms(database_url: str) -> AppFactory:
    """`async with start_csms(registration_policy=...) as app:` for tests that need their own
    settings or several server runs on one database."""

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Application]:
        application = Application(make_settings(database_url, **overrides))
        await application.start(migrate=True)
        try:
            yield application
        finally:
            await application.stop()

    return start


@pytest.fixture
def api_url(csms: Application) -> str:
    return f"http://127.0.0.1:{csms.http_port}/api/v1"


@pytest.fixture
async def operator_token(csms: Application) -> str:
    return (await csms.tokens.create("tests (operator)", Role.OPERATOR)).secret


@pytest.fixture
async def reader_token(csms: Application) -> str:
    return (await csms.tokens.create("tests (reader)", Role.READER)).secret


@pytest.fixture
async def api(api_url: str, operator_token: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the operator API, authenticated with an operator token."""
    async with httpx.AsyncClient(
        base_url=api_url, headers={"Authorization": f"Bearer {operator_token}"}, timeout=30
    ) as client:
        yield client
