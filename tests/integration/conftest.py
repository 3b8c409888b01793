"""A real Ampyre server on a real socket, over each database backend."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from ampyre.app import Application
from ampyre.config import Settings


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "database_url": database_url,
        "call_timeout": 5.0,
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
