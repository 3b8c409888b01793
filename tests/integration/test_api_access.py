"""The operator API's front door: HTTP server on its own port, tokens, roles, problem documents."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from ampyre.app import Application
from ampyre.cli import main
from ampyre.domain.access import Role

from .conftest import AppFactory

PROBLEM = "application/problem+json"


async def test_health_needs_no_token(api_url: str, csms: Application) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{api_url}/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert csms.http_port != csms.port


async def test_missing_unknown_and_revoked_tokens_get_401_problems(
    api_url: str, csms: Application
) -> None:
    issued = await csms.tokens.create("short-lived", Role.READER)
    async with httpx.AsyncClient(base_url=api_url) as client:
        missing = await client.get("/whoami")
        unknown = await client.get("/whoami", headers={"Authorization": "Bearer amp_nope"})
        good = await client.get("/whoami", headers={"Authorization": f"Bearer {issued.secret}"})
        assert await csms.tokens.revoke(issued.token.id)
        revoked = await client.get("/whoami", headers={"Authorization": f"Bearer {issued.secret}"})
    for response in (missing, unknown, revoked):
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"] == "Bearer"
        body = response.json()
        assert body["status"] == 401 and body["title"] == "Unauthorized" and body["detail"]
    assert "ampyre token create" in missing.json()["detail"]
    assert "revoked" in revoked.json()["detail"]
    assert good.json() == {"name": "short-lived", "role": "reader"}


async def test_unknown_path_and_wrong_method_are_problems(api: httpx.AsyncClient) -> None:
    missing = await api.get("/no-such-thing")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert "/api/v1/no-such-thing" in missing.json()["detail"]
    wrong = await api.delete("/health")
    assert wrong.status_code == 405 and "DELETE" in wrong.json()["detail"]


async def test_openapi_document_and_docs_page(api_url: str) -> None:
    root = api_url.removesuffix("/api/v1")
    async with httpx.AsyncClient(base_url=root) as client:
        document = (await client.get("/api/openapi.json")).json()
        docs = await client.get("/api/docs")
    assert document["openapi"].startswith("3.")
    assert "/api/v1/whoami" in document["paths"]
    assert "HTTPBearer" in document["components"]["securitySchemes"]
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_tokens_are_stored_hashed(csms: Application) -> None:
    issued = await csms.tokens.create("hashed", Role.OPERATOR)
    assert issued.secret.startswith("amp_") and len(issued.secret) > 40
    listed = {t.id: t for t in await csms.tokens.list()}[issued.token.id]
    assert listed.prefix == issued.secret[:12] and issued.secret not in repr(listed)
    async with csms.database.unit_of_work() as uow:
        stored = await uow.api_tokens.by_digest(issued.secret)
    assert stored is None  # looked up by the secret itself, nothing is found


async def test_first_start_prints_a_token_once(
    start_csms: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="ampyre"):
        async with start_csms() as app:
            tokens = await app.tokens.list()
        async with start_csms() as app:
            again = await app.tokens.list()
    printed = [r.getMessage() for r in caplog.records if "first start" in r.getMessage()]
    assert len(printed) == 1 and len(tokens) == 1 and len(again) == 1
    (token,) = tokens
    assert token.role is Role.OPERATOR and token.prefix in printed[0]
    secret = _secret_in(printed[0])
    async with start_csms() as app, httpx.AsyncClient() as client:
        response = await client.get(
            f"http://127.0.0.1:{app.http_port}/api/v1/whoami",
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert response.json()["role"] == "operator"


def _secret_in(message: str) -> str:
    (secret,) = [word for word in message.split() if word.startswith("amp_")]
    return secret


def test_token_cli_create_list_revoke(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    not_migrated = runner.invoke(main, ["token", "list", "--database-url", url])
    assert not_migrated.exit_code != 0 and "ampyre migrate" in not_migrated.output
    assert runner.invoke(main, ["migrate", "--database-url", url]).exit_code == 0
    created = runner.invoke(
        main, ["token", "create", "--name", "ci bot", "--role", "reader", "--database-url", url]
    )
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert secret.startswith("amp_")
    listed = runner.invoke(main, ["token", "list", "--database-url", url])
    assert "ci bot" in listed.stdout and "reader" in listed.stdout and "active" in listed.stdout
    assert secret not in listed.stdout
    token_id = listed.stdout.split()[0]
    revoked = runner.invoke(main, ["token", "revoke", token_id, "--database-url", url])
    assert revoked.exit_code == 0
    again = runner.invoke(main, ["token", "revoke", token_id, "--database-url", url])
    assert again.exit_code != 0 and "no active token" in again.output
    assert "revoked" in runner.invoke(main, ["token", "list", "--database-url", url]).stdout
    empty = runner.invoke(main, ["token", "create", "--name", " ", "--database-url", url])
    assert empty.exit_code != 0 and "needs a name" in empty.output
