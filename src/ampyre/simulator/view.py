"""The live terminal view of `ampyre sim` (rich), or JSON lines for machines."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys

from rich.console import Group as RenderGroup
from rich.live import Live
from rich.table import Table

from ampyre.simulator.fleet import Fleet, Snapshot

MAX_ROWS = 40


def render(snapshot: Snapshot) -> RenderGroup:
    summary = Table.grid(padding=(0, 2))
    summary.add_row(
        f"[b]{snapshot.connected}/{snapshot.stations}[/b] connected",
        f"[b]{snapshot.accepted}[/b] accepted",
        f"[b]{snapshot.sessions}[/b] sessions",
        f"[b]{snapshot.power_kw:.1f}[/b] kW",
        f"[b]{snapshot.messages_per_s:.0f}[/b] msgs/s",
        f"{snapshot.queued} queued",
        f"{snapshot.call_errors} CallErrors",
        f"{snapshot.elapsed_s:.0f} s",
    )
    table = Table(expand=True)
    for column in (
        "station",
        "version",
        "connected",
        "registration",
        "sessions",
        "power kW",
        "energy kWh",
        "queued",
        "sent",
    ):
        table.add_column(column)
    for row in snapshot.rows[:MAX_ROWS]:
        table.add_row(
            row["station"],
            row["version"],
            "yes" if row["connected"] else "[red]no[/red]",
            row["registration"],
            str(row["sessions"]),
            f"{row['power_kw']:.1f}",
            f"{row['energy_kwh']:.2f}",
            str(row["queued"]),
            str(row["sent"]),
        )
    if len(snapshot.rows) > MAX_ROWS:
        table.caption = f"{len(snapshot.rows) - MAX_ROWS} more stations not shown"
    return RenderGroup(summary, table)


async def show(fleet: Fleet, as_json: bool, every: float = 1.0) -> None:
    """Refresh the view every `every` seconds until cancelled."""
    if as_json:
        while True:
            await asyncio.sleep(every)
            snapshot = dataclasses.asdict(fleet.snapshot())
            sys.stdout.write(json.dumps(snapshot) + "\n")
            sys.stdout.flush()
    with Live(render(fleet.snapshot()), refresh_per_second=4, screen=False) as live:
        while True:
            await asyncio.sleep(every)
            live.update(render(fleet.snapshot()))
