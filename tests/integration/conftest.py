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

#: the OCPP-J transports; modules marked `transports` run on each (see pytest_generate_tests)
DEFAULT_TRANSPORT: str = Settings.model_fields["transport"].default
TRANSPORTS = [DEFAULT_TRANSPORT] + [t for t in ("websockets", "picows") if t != DEFAULT_TRANSPORT]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if (
        metafunc.definition.get_closest_marker("transports")
        and "transport" in metafunc.fixturenames
    ):
        metafunc.parametrize("transport", TRANSPORTS, indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The other transport runs on SQLite only: transports do not depend on the database."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        other = params.get("transport", DEFAULT_TRANSPORT) != DEFAULT_TRANSPORT
        (dropped if other and params.get("database_url") == "postgres" else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def transport(request: pytest.FixtureRequest) -> str:
    """The OCPP-J transport of the server under test (the default, unless parametrized)."""
    return str(getattr(request, "param", DEFAULT_TRANSPORT))


def make_settings(database_url: str, transport: str | None = None, **overrides: Any) -> Settings:
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
    if transport is not None:
        values["transport"] = transport
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to run the server with other settings."""
    return {}


@pytest.fixture
async def csms(
    database_url: str, transport: str, settings_overrides: dict[str, Any]
) -> AsyncIterator[Application]:
    application = Application(make_settings(database_url, transport, **settings_overrides))
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
def start_csms(database_url: str, transport: str) -> AppFactory:
    """`async with start_csms(registration_policy=...) as app:` for tests that need their own
    settings or several server runs on one database."""

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Application]:
        application = Application(make_settings(database_url, transport, **overrides))
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
