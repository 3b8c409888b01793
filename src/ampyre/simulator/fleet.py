"""Many simulated stations driven by a scenario: drivers plug in, charge and leave; networks
drop and come back. Everything random comes from the scenario's seed."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import time
from typing import Any

from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.model import PowerCurve
from ampyre.simulator.scenario import Group, Scenario
from ampyre.simulator.station import SimulatedStation


@dataclasses.dataclass
class Snapshot:
    """What the live view shows."""

    elapsed_s: float
    stations: int
    connected: int
    accepted: int
    sessions: int
    power_kw: float
    messages: int
    messages_per_s: float
    queued: int
    call_errors: int
    rows: list[dict[str, Any]]


#: the default Central System service of OCPP-S stations (ampyre serve's http_port)
SOAP_URL = "http://127.0.0.1:8080/ocpp/soap"


def parse_versions(text: str) -> list[tuple[tuple[OcppVersion, str], int]]:
    """ "1.6:50,1.5-soap:10" → [((1.6, "json"), 50), ((1.5, "soap"), 10)]."""
    mix = []
    for part in text.split(","):
        name, _, weight = part.partition(":")
        version, _, transport = name.strip().partition("-")
        transport = transport or "json"
        if transport not in ("json", "soap") or (transport == "json" and version == "1.5"):
            raise ValueError(
                f"unknown station kind {name.strip()!r}: use 1.6, 2.0.1, 1.5-soap or 1.6-soap"
            )
        mix.append(((OcppVersion(version), transport), int(weight or 1)))
    return mix


class Fleet:
    def __init__(self, url: str, scenario: Scenario) -> None:
        self.url = url
        self.scenario = scenario
        self.rng = random.Random(scenario.seed)
        self.stations: list[SimulatedStation] = []
        self._plans: list[tuple[SimulatedStation, Group]] = []
        for group in scenario.groups:
            mix = parse_versions(group.versions)
            for index in range(group.count):
                version, transport = self.rng.choices([v for v, _ in mix], [w for _, w in mix])[0]
                station_id = f"{group.prefix}-{index + 1:04d}"
                station = SimulatedStation(
                    (scenario.soap_url or SOAP_URL) if transport == "soap" else url,
                    station_id,
                    version,
                    transport=transport,
                    evses=group.evses,
                    vendor=group.vendor,
                    model=group.model,
                    serial_number=station_id[-25:],
                    curve=PowerCurve(max_power_w=group.max_power_w),
                    meter_interval=group.meter_interval,
                    clock_aligned_interval=group.clock_aligned_interval,
                    seed=self.rng.randrange(2**32),
                )
                self.stations.append(station)
                self._plans.append((station, group))
        self._tasks: list[asyncio.Task[None]] = []
        self._started = 0.0
        self._last = (0.0, 0)

    async def run(self) -> None:
        """Run until the scenario's duration has passed (forever when it is 0)."""
        self._started = time.monotonic()
        for station in self.stations:
            await station.start()
        for station, group in self._plans:
            for evse in station.model.evses:
                seed = self.rng.randrange(2**32)
                self._tasks.append(asyncio.create_task(self._driver(station, evse.id, group, seed)))
        for outage in self.scenario.outages:
            count = round(outage.fraction * len(self.stations))
            for station in self.rng.sample(self.stations, count):
                self._tasks.append(
                    asyncio.create_task(self._outage(station, outage.at, outage.duration))
                )
        try:
            if self.scenario.duration > 0:
                await asyncio.sleep(self.scenario.duration)
            else:
                await asyncio.Event().wait()
        finally:
            await self.stop()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await asyncio.gather(*(s.stop() for s in self.stations), return_exceptions=True)

    async def _driver(self, station: SimulatedStation, evse: int, group: Group, seed: int) -> None:
        rng = random.Random(seed)

        def jittered(value: float, jitter: float) -> float:
            return max(0.0, value * (1 + rng.uniform(-jitter, jitter)))

        await station.accepted.wait()
        await asyncio.sleep(rng.uniform(0, group.session_every))
        while True:
            token = rng.choice(group.tokens)
            with contextlib.suppress(ConnectionError, TimeoutError):
                await station.start_charging(evse, token)
                await asyncio.sleep(jittered(group.session_duration, group.session_duration_jitter))
                await station.unplug(evse)
            await asyncio.sleep(jittered(group.session_every, group.session_jitter))

    async def _outage(self, station: SimulatedStation, at: float, duration: float) -> None:
        await asyncio.sleep(at)
        await station.disconnect_network()
        await asyncio.sleep(duration)
        station.restore_network()

    def snapshot(self) -> Snapshot:
        now = time.monotonic()
        elapsed = now - self._started if self._started else 0.0
        messages = sum(len(s.sent) for s in self.stations)
        last_time, last_count = self._last
        rate = (messages - last_count) / (now - last_time) if last_time and now > last_time else 0.0
        self._last = (now, messages)
        rows: list[dict[str, Any]] = []
        for station in self.stations:
            sessions = station.model.sessions()
            rows.append(
                {
                    "station": station.station_id,
                    "version": str(station.version)
                    + ("-soap" if station.transport == "soap" else ""),
                    "connected": station.connected.is_set(),
                    "registration": station.registration or "-",
                    "sessions": len(sessions),
                    "power_kw": round(sum(s.power_w for s in sessions) / 1000, 2),
                    "energy_kwh": round(sum(e.register_wh for e in station.model.evses) / 1000, 3),
                    "queued": len(station.queue),
                    "sent": len(station.sent),
                }
            )
        return Snapshot(
            elapsed_s=round(elapsed, 1),
            stations=len(self.stations),
            connected=sum(r["connected"] for r in rows),
            accepted=sum(s.accepted.is_set() for s in self.stations),
            sessions=sum(r["sessions"] for r in rows),
            power_kw=round(sum(r["power_kw"] for r in rows), 2),
            messages=messages,
            messages_per_s=round(rate, 1),
            queued=sum(r["queued"] for r in rows),
            call_errors=sum(len(s.errors) for s in self.stations),
            rows=rows,
        )
