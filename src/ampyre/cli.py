"""`ampyre serve | migrate | ...`: the command line."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import click
from pydantic import ValidationError

from ampyre.config import Settings


@click.group(help="Ampyre: an OCPP central system for OCPP 1.6 and 2.0.1 charge points.")
@click.version_option(package_name="ampyre")
def main() -> None:
    pass


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
    logging.getLogger("alembic").setLevel(logging.WARNING)


async def _serve(settings: Settings, migrate: bool) -> None:
    from ampyre.app import Application
    from ampyre.gc_tuning import tune_for_serving

    application = Application(settings)
    # handlers first: a SIGTERM while starting (workers included) stops cleanly once started
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await application.start(migrate=migrate)
    tune_for_serving()
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
        default = field.get_default(call_default_factory=True)
        shown = getattr(default, "value", default)
        help_text = f"{field.description or ''} [env {env}; default {shown!r}]"
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
    from ampyre.app import SchemaOutdated, WorkersFailed

    try:
        _run(_serve(settings, migrate))
    except (SchemaOutdated, WorkersFailed) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {settings.host}:{settings.port}: {exc}"
        ) from None


main.add_command(
    click.Command(
        "serve",
        callback=_serve_command,
        params=list(_serve_options()),
        help="Serve charge points on ws://HOST:PORT/ocpp/{stationId}. Settings come from the "
        "options, AMPYRE_* environment variables, or a TOML file (AMPYRE_CONFIG, default "
        "./ampyre.toml), in that order.",
    )
)


@main.command(hidden=True)
@click.argument("index", type=int)
@click.argument("primary")
def worker(index: int, primary: str) -> None:
    """One OCPP-J worker process of `ampyre serve --workers N` (started by it, not by hand)."""
    import os

    from ampyre.worker import WORKER_SETTINGS_ENV, Worker

    settings = Settings.model_validate_json(os.environ[WORKER_SETTINGS_ENV])
    _logging(settings.log_level)
    # Ctrl-C reaches the whole process group: the primary stops its workers in order
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    async def run() -> None:
        from ampyre.gc_tuning import tune_for_serving

        node = Worker(settings, index, primary)
        tune_for_serving()
        await node.run()

    _run(run())


@main.command()
@click.option(
    "--url",
    default=None,
    help="CSMS OCPP-J endpoint; stations append /stationId "
    "[default: the scenario's url, else ws://127.0.0.1:9000/ocpp]",
)
@click.option(
    "--stations",
    default=None,
    type=click.IntRange(min=1),
    help="Number of stations (without --scenario; default 1)",
)
@click.option(
    "--version",
    "version",
    default=None,
    help="1.6, 2.0.1, 1.5-soap, 1.6-soap, or a mix like 1.6:50,2.0.1:40,1.5-soap:10",
)
@click.option(
    "--soap-url",
    default=None,
    help="CSMS OCPP-S endpoint for 1.5-soap/1.6-soap stations "
    "[default: the scenario's soap_url, else http://127.0.0.1:8080/ocpp/soap]",
)
@click.option("--evses", default=None, type=click.IntRange(1, 32), help="EVSEs per station")
@click.option(
    "--duration",
    default=None,
    type=click.FloatRange(min=0),
    help="Seconds to run (0: until interrupted)",
)
@click.option(
    "--scenario",
    "scenario_file",
    default=None,
    type=click.Path(dir_okay=False),
    help="TOML scenario file (see docs/simulator.md)",
)
@click.option("--seed", default=None, type=int, help="Random seed (same seed, same run)")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of the live view")
def sim(
    url: str | None,
    stations: int | None,
    version: str | None,
    soap_url: str | None,
    evses: int | None,
    duration: float | None,
    scenario_file: str | None,
    seed: int | None,
    as_json: bool,
) -> None:
    """Run simulated charge points (OCPP 1.6, 2.0.1; 1.5 and 1.6 over SOAP) against any CSMS."""
    from pathlib import Path

    from ampyre.simulator import scenario as scenarios
    from ampyre.simulator.fleet import Fleet, parse_versions
    from ampyre.simulator.view import show

    try:
        plan = scenarios.load(Path(scenario_file)) if scenario_file else scenarios.Scenario()
        changes = {"count": stations, "versions": version, "evses": evses}
        group_changes = {k: v for k, v in changes.items() if v is not None}
        if group_changes:
            if len(plan.groups) > 1:
                raise click.UsageError("--stations/--version/--evses need a one-group scenario")
            group = scenarios.Group.model_validate({**plan.groups[0].model_dump(), **group_changes})
            plan = plan.model_copy(update={"groups": [group]})
        if duration is not None:
            plan = plan.model_copy(update={"duration": duration})
        if seed is not None:
            plan = plan.model_copy(update={"seed": seed})
        if soap_url is not None:
            plan = plan.model_copy(update={"soap_url": soap_url})
        parse_versions(",".join(g.versions for g in plan.groups))
    except (scenarios.ScenarioError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    target = url or plan.url or "ws://127.0.0.1:9000/ocpp"
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    async def run() -> None:
        fleet = Fleet(target, plan)
        view = asyncio.create_task(show(fleet, as_json))
        try:
            await fleet.run()
        finally:
            view.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await view

    with contextlib.suppress(KeyboardInterrupt):
        _run(run())


@main.command()
@click.option("--database-url", default=None, help="SQLAlchemy URL [env AMPYRE_DATABASE_URL]")
def migrate(database_url: str | None) -> None:
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


@main.group()
def token() -> None:
    """Operator API tokens: create, list, revoke (stored hashed; a secret is shown once)."""


async def _with_tokens(database_url: str | None, work: Callable[[Any], Awaitable[None]]) -> None:
    from ampyre.clock import SystemClock
    from ampyre.persistence.database import Database
    from ampyre.persistence.migrate import head_revision
    from ampyre.services.access import TokenService

    settings = _settings({"database_url": database_url})
    database = Database(settings.database_url)
    try:
        if await database.current_revision() != head_revision():
            raise click.ClickException("the database is not migrated: run `ampyre migrate` first")
        await work(TokenService(database.unit_of_work, SystemClock()))
    finally:
        await database.close()


_DB_OPTION = click.option(
    "--database-url", default=None, help="SQLAlchemy URL [env AMPYRE_DATABASE_URL]"
)


@token.command("create")
@click.option("--name", required=True, help="Who or what uses the token")
@click.option(
    "--role",
    type=click.Choice(["reader", "operator"]),
    default="operator",
    show_default=True,
    help="reader: read only; operator: may also change records and send commands",
)
@_DB_OPTION
def token_create(name: str, role: str, database_url: str | None) -> None:
    """Create a token and print its secret (shown only now)."""
    from ampyre.domain.access import Role

    async def work(tokens: Any) -> None:
        try:
            issued = await tokens.create(name, Role(role))
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        click.echo(issued.secret)
        click.echo(f"token {issued.token.id} ({issued.token.name}, {role}) created", err=True)

    _run(_with_tokens(database_url, work))


@token.command("list")
@_DB_OPTION
def token_list(database_url: str | None) -> None:
    """List tokens (id, role, prefix, name, created, revoked)."""

    async def work(tokens: Any) -> None:
        for t in await tokens.list():
            revoked = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            click.echo(
                f"{t.id}\t{t.role}\t{t.prefix}...\t{t.name}\t"
                f"{t.created_at:%Y-%m-%d %H:%M}\t{revoked}"
            )

    _run(_with_tokens(database_url, work))


@token.command("revoke")
@click.argument("token_id", type=int)
@_DB_OPTION
def token_revoke(token_id: int, database_url: str | None) -> None:
    """Revoke a token by id: requests with it are refused from now on."""

    async def work(tokens: Any) -> None:
        if not await tokens.revoke(token_id):
            raise click.ClickException(f"no active token with id {token_id}")
        click.echo(f"token {token_id} revoked")

    _run(_with_tokens(database_url, work))


@main.command()
@click.option(
    "--url",
    default="ws://127.0.0.1:9000/ocpp",
    show_default=True,
    help="OCPP-J endpoint; stations append /stationId",
)
@click.option("--stations", default=100, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--version",
    "version",
    default="1.6",
    show_default=True,
    help="1.6, 2.0.1, or a mix like 1.6:50,2.0.1:50",
)
@click.option(
    "--duration",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds of traffic (or of holding, with --idle) after the boot storm",
)
@click.option(
    "--rate",
    default=None,
    type=click.FloatRange(min=0.1),
    help="Total messages/s offered (default: closed loop)",
)
@click.option("--closed-loop", is_flag=True, help="Each station sends on each answer (default)")
@click.option(
    "--idle", is_flag=True, help="Hold the stations with heartbeats only; report RSS per station"
)
@click.option(
    "--heartbeat-interval",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds between heartbeats of a station in --idle mode",
)
@click.option(
    "--connect-concurrency",
    default=500,
    show_default=True,
    type=click.IntRange(min=1),
    help="Handshakes and boots in flight at once during the boot storm",
)
@click.option("--json", "json_file", default=None, help="Also write the result to this file")
@click.option("--server-pid", default=None, type=int, help="PID of the server, to report its RSS")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait per answer")
@click.option(
    "--prefix",
    default="bench",
    show_default=True,
    help="Station ids are PREFIX-00000, ...: give each of several bench processes its own",
)
def bench(
    url: str,
    stations: int,
    version: str,
    duration: float,
    rate: float | None,
    closed_loop: bool,
    idle: bool,
    heartbeat_interval: float,
    connect_concurrency: int,
    json_file: str | None,
    server_pid: int | None,
    timeout: float,
    prefix: str,
) -> None:
    """Load-test a CSMS: boot storm, then a message mix; prints throughput and latency."""
    from pathlib import Path

    from ampyre.simulator import bench as bench_module

    if sum((closed_loop, rate is not None, idle)) > 1:
        raise click.UsageError("--rate, --closed-loop and --idle exclude each other")
    try:
        bench_module.parse_mix(version)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    holder: list[bench_module.BenchResult] = []

    async def go() -> None:
        result = await bench_module.run(
            url,
            stations,
            version,
            duration,
            rate,
            server_pid,
            timeout,
            connect_concurrency=connect_concurrency,
            prefix=prefix,
            idle=idle,
            heartbeat_interval=heartbeat_interval,
        )
        holder.append(result)

    _run(go())
    for key, value in holder[0].summary().items():
        if value is not None:
            click.echo(f"{key:>26}: {value}")
    if json_file:
        bench_module.write_json(holder[0], Path(json_file))


@main.command("bench-echo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=9100, show_default=True, type=click.IntRange(0, 65535))
def bench_echo(host: str, port: int) -> None:
    """A raw OCPP-J echo CSMS (no validation, no database): the ceiling of `ampyre bench`."""
    from ampyre.simulator.echo_server import serve_forever

    serve_forever(host, port)
