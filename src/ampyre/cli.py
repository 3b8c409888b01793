"""`ampyre serve | migrate | ...`: the command line."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Coroutine
from typing import Any

import click
import typer
from pydantic import ValidationError

from ampyre.config import Settings

app = typer.Typer(help="Ampyre: an OCPP central system for OCPP 1.6 and 2.0.1 charge points.")


def _run(coro: Coroutine[Any, Any, None]) -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency where it builds
        asyncio.run(coro)
    else:
        uvloop.run(coro)


def _settings(overrides: dict[str, Any]) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise click.UsageError(f"invalid settings: {problems}") from None


def _logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


async def _serve(settings: Settings, migrate: bool) -> None:
    from ampyre.app import Application

    application = Application(settings)
    await application.start(migrate=migrate)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await application.stop()


def _serve_options() -> list[click.Option]:
    """One option per scalar setting, so `ampyre serve --help` lists them all."""
    options = []
    for name, field in Settings.model_fields.items():
        if name == "leniency":
            continue
        annotation = field.annotation
        flag = "--" + name.replace("_", "-")
        env = f"AMPYRE_{name.upper()}"
        help_text = f"{field.description or ''} [env {env}; default {field.get_default()!r}]"
        if annotation is bool:
            options.append(click.Option([flag + "/--no-" + flag[2:]], default=None, help=help_text))
        elif "list" in str(annotation):
            options.append(click.Option([flag], multiple=True, default=None, help=help_text))
        else:
            options.append(click.Option([flag], default=None, help=help_text))
    options.append(
        click.Option(
            ["--migrate/--no-migrate"],
            default=False,
            help="Migrate the database to the newest schema before serving.",
        )
    )
    return options


def _serve_command(**kwargs: Any) -> None:
    migrate = kwargs.pop("migrate")
    overrides = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items()}
    overrides = {k: v for k, v in overrides.items() if v not in (None, [])}
    settings = _settings(overrides)
    _logging(settings.log_level)
    from ampyre.app import SchemaOutdated

    try:
        _run(_serve(settings, migrate))
    except SchemaOutdated as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {settings.host}:{settings.port}: {exc}"
        ) from None


serve = click.Command(
    "serve",
    callback=_serve_command,
    params=list(_serve_options()),
    help="Serve charge points on ws://HOST:PORT/ocpp/{stationId}. Settings come from the "
    "options, AMPYRE_* environment variables, or a TOML file (AMPYRE_CONFIG, default "
    "./ampyre.toml), in that order.",
)


@app.command()
def migrate(
    database_url: str | None = typer.Option(None, help="SQLAlchemy URL [env AMPYRE_DATABASE_URL]"),
) -> None:
    """Create or upgrade the database schema to the newest version."""
    settings = _settings({"database_url": database_url})
    _logging(settings.log_level)

    async def run() -> None:
        from ampyre.persistence.database import Database

        database = Database(settings.database_url)
        try:
            await database.upgrade()
            revision = await database.current_revision()
        finally:
            await database.close()
        shown = database.url.render_as_string(hide_password=True)
        logging.getLogger("ampyre").info("database %s is at revision %s", shown, revision)

    _run(run())


@app.command()
def bench(
    url: str = typer.Option(
        "ws://127.0.0.1:9000/ocpp", help="OCPP-J endpoint (stations append /id)"
    ),
    stations: int = typer.Option(100, min=1, help="Number of stations to connect"),
    version: str = typer.Option("1.6", help="1.6, 2.0.1, or a mix like 1.6:50,2.0.1:50"),
    duration: float = typer.Option(10.0, min=0.1, help="Seconds of traffic after the boot storm"),
    rate: float | None = typer.Option(None, help="Total messages/s (default: closed loop)"),
    closed_loop: bool = typer.Option(False, "--closed-loop", help="Next message on each answer"),
    json_file: str | None = typer.Option(None, "--json", help="Also write the result here"),
    server_pid: int | None = typer.Option(None, help="PID of the server, to report its RSS"),
    timeout: float = typer.Option(30.0, help="Seconds to wait for each answer"),
) -> None:
    """Load-test a CSMS: boot storm, then a message mix; prints throughput and latency."""
    from pathlib import Path

    from ampyre.simulator import bench as bench_module

    if closed_loop and rate is not None:
        raise typer.BadParameter("--rate and --closed-loop exclude each other")
    holder: list[bench_module.BenchResult] = []

    async def go() -> None:
        holder.append(
            await bench_module.run(url, stations, version, duration, rate, server_pid, timeout)
        )

    _run(go())
    result = holder[0]
    summary = result.summary()
    for key, value in summary.items():
        typer.echo(f"{key:>18}: {value}")
    if json_file:
        bench_module.write_json(result, Path(json_file))


def main() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, click.Group)
    group.add_command(serve)
    group()
