"""`SimulatedStation`: a charge point that behaves like a real one, for tests, `ampyre sim`
and operators. Boots (retrying while Pending/Rejected), heartbeats, reports status, runs
sessions whose meter values follow a power curve, keeps charging when the network drops,
queues transaction messages and replays them in order after reconnecting with backoff.

    async with SimulatedStation(url, "CS1", version="2.0.1") as cs:
        await cs.start_charging(evse=1, token="04A2B3C4")
        ...
        await cs.stop_charging(evse=1)
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.agent import Agent, Outgoing
from ampyre.simulator.client import CallErrorReceived, JsonClient
from ampyre.simulator.model import Evse, Plug, PowerCurve, Session, StationModel
from ampyre.simulator.soap_client import SoapStationClient

log = logging.getLogger("ampyre.simulator")


class SimulatedStation:
    def __init__(
        self,
        url: str,
        station_id: str,
        version: OcppVersion | str = OcppVersion.V16,
        *,
        evses: int = 1,
        connectors_per_evse: int = 1,
        vendor: str = "Ampyre",
        model: str = "SimCharger",
        serial_number: str | None = None,
        curve: PowerCurve | None = None,
        meter_interval: float = 60.0,
        clock_aligned_interval: float = 0.0,
        reconnect_min: float = 1.0,
        reconnect_max: float = 30.0,
        call_timeout: float = 30.0,
        seed: int | None = None,
        clock: Callable[[], datetime] | None = None,
        transport: str = "json",
        listen: tuple[str, int] = ("127.0.0.1", 0),
    ) -> None:
        """`transport` "soap" makes an OCPP-S station (1.5 or 1.6): `url` is then the CSMS's
        SOAP endpoint, and the station serves its ChargePointService on `listen`."""
        self.url = url
        self.transport = transport
        self.listen = listen
        self.station_id = station_id
        self.version = OcppVersion(version)
        self.model = StationModel.build(
            station_id,
            evses,
            connectors_per_evse,
            vendor=vendor,
            model=model,
            serial_number=serial_number,
        )
        self.curve = curve or PowerCurve()
        self.meter_interval = meter_interval
        self._aligned_changed = asyncio.Event()
        self._boot_now = asyncio.Event()
        self._clock_aligned_interval = clock_aligned_interval
        self.reconnect_min = reconnect_min
        self.reconnect_max = reconnect_max
        self.call_timeout = call_timeout
        self.rng = random.Random(seed)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.agent: Agent = _agent_for(self.version, self)
        self.registration: str | None = None
        self.heartbeat_interval = 300
        self.client: JsonClient | SoapStationClient | None = None
        self.connected = asyncio.Event()
        self.accepted = asyncio.Event()
        self.changed = asyncio.Condition()
        self.queue: collections.deque[Outgoing] = collections.deque()
        self.sent: list[tuple[str, Any]] = []
        #: every CALL the CSMS sent this station, in order: (action, request)
        self.received: list[tuple[str, Any]] = []
        #: misbehaviour on demand: action -> handler used instead of the agent's (answer
        #: differently, raise an OcppError to answer with a CALLERROR, or never return)
        self.overrides: dict[str, Callable[[Any], Awaitable[Any]]] = {}
        self.errors: list[CallErrorReceived] = []
        self._network = asyncio.Event()
        self._network.set()
        self._send_lock = asyncio.Lock()
        self._needs_boot = True
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._last_tick: float | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        async with asyncio.timeout(self.call_timeout):
            await self.accepted.wait()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        self._runner = asyncio.create_task(self._run(), name=f"sim-{self.station_id}")
        self._spawn(self._clock_aligned_loop())

    async def stop(self) -> None:
        for task in [self._runner, *self._tasks]:
            if task is not None:
                task.cancel()
        for task in [self._runner, *self._tasks]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self.client is not None:
            await self.client.close()

    def after_answer(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Start `coro` once the answer to the CSMS's current request has left."""
        client = self.client
        if client is None:
            self._spawn(coro)
        else:
            client.after_answer(lambda: self._spawn(coro))

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # typically the connection dropped mid-exchange; the station carries on
            log.info("%s: %s", self.station_id, task.exception())

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        """Wait until `predicate()` holds (it is checked after every change)."""
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(predicate)

    async def drained(self, timeout: float = 30.0) -> None:
        """Wait until every queued transaction message was delivered."""
        await self.wait_for(lambda: not self.queue and self.connected.is_set(), timeout)

    # --- network --------------------------------------------------------------------------------

    async def disconnect_network(self) -> None:
        """The network drops: the station keeps charging and queues transaction messages."""
        self._network.clear()
        if self.client is not None:
            await self.client.close()
        await self.wait_for(lambda: not self.connected.is_set())

    def restore_network(self) -> None:
        self._network.set()

    async def reboot(self, reason: str = "Reboot") -> None:
        """Reset: sessions end, the connection closes, the station boots again."""
        now = self.now()
        for evse in self.model.evses:
            if evse.session is not None and not evse.session.ended:
                await self._end_session(evse, reason, now)
        self._needs_boot = True
        self.accepted.clear()
        if self.client is not None:
            await self.client.close(graceful=True)

    async def _run(self) -> None:
        backoff = self.reconnect_min
        while True:
            await self._network.wait()
            client = self._client()
            try:
                await client.connect()
            except Exception as exc:  # refused, DNS, TLS, handshake: retry with backoff
                delay = backoff + self.rng.uniform(0, self.reconnect_min)
                log.info("%s: connect failed (%s); retry in %.1f s", self.station_id, exc, delay)
                await asyncio.sleep(delay)
                backoff = min(backoff * 2, self.reconnect_max)
                continue
            backoff = self.reconnect_min
            self.client = client
            try:
                await self._serve(client)
            except (ConnectionError, TimeoutError) as exc:
                log.info("%s: connection lost: %s", self.station_id, exc)
            finally:
                self.client = None
                self.connected.clear()
                await client.close()
                await self._notify()

    def _client(self) -> JsonClient | SoapStationClient:
        if self.transport == "soap":
            return SoapStationClient(
                self.url,
                self.station_id,
                self.version,
                handler=self._handle,
                call_timeout=self.call_timeout,
                listen_host=self.listen[0],
                listen_port=self.listen[1],
            )
        return JsonClient(
            self.url,
            self.station_id,
            self.version,
            handler=self._handle,
            call_timeout=self.call_timeout,
        )

    async def _handle(self, action: str, payload: Any) -> Any:
        self.received.append((action, payload))
        await self._notify()
        override = self.overrides.get(action)
        if override is not None:
            return await override(payload)
        return await self.agent.handle(action, payload)

    async def _serve(self, client: JsonClient | SoapStationClient) -> None:
        booted = self._needs_boot
        if booted:
            await self._boot(client)
        self.connected.set()
        await self._notify()
        if booted:  # after every accepted boot, the CSMS learns every connector's status
            for evse in self.model.evses:
                for connector in evse.connectors:
                    await self.send_status(evse, connector.id)
        await self._flush()
        heartbeat = self._spawn(self._heartbeat_loop(client))
        try:
            await client.wait_closed()
        finally:
            heartbeat.cancel()

    async def _boot(self, client: JsonClient | SoapStationClient) -> None:
        while True:
            action, payload = self.agent.boot()
            answer = await client.call(action, payload)
            self.sent.append((action, payload))
            self.registration, interval = self.agent.boot_answer(answer)
            if self.registration == "Accepted":
                self.heartbeat_interval = interval or self.heartbeat_interval
                self._needs_boot = False
                self.accepted.set()
                return
            # wait the interval the CSMS gave, or less when it triggers a BootNotification
            self._boot_now.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval or self.reconnect_max):
                    await self._boot_now.wait()

    def boot_now(self) -> None:
        """A station told Pending/Rejected boots again at once (TriggerMessage BootNotification)."""
        self._boot_now.set()

    async def _heartbeat_loop(self, client: JsonClient | SoapStationClient) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            action, payload = self.agent.heartbeat()
            await client.call(action, payload)

    # --- sending --------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    async def call(self, action: str, payload: Any) -> Any:
        """Send a message that is not kept while offline; None when offline."""
        client = self.client
        if client is None or not self.connected.is_set():
            return None
        try:
            answer = await client.call(action, payload)
        except CallErrorReceived as exc:
            self.errors.append(exc)
            raise
        self.sent.append((action, payload))
        await self._notify()
        return answer

    async def send(self, outgoing: Outgoing) -> asyncio.Future[Any]:
        """Queue a transaction message (kept while offline, replayed in order)."""
        outgoing.created_offline = not self.connected.is_set()
        outgoing.answer = asyncio.get_running_loop().create_future()
        self.queue.append(outgoing)
        if self.connected.is_set():
            await self._flush()
        else:
            await self._notify()
        return outgoing.answer

    async def _flush(self) -> None:
        async with self._send_lock:
            while self.queue and self.connected.is_set() and self.client is not None:
                outgoing = self.queue[0]
                action, payload = self.agent.prepare(outgoing)
                try:
                    answer = await self.client.call(action, payload)
                except CallErrorReceived as exc:
                    self.errors.append(exc)
                    answer = exc
                except (ConnectionError, TimeoutError):
                    return  # stays queued; replayed after the reconnect
                self.queue.popleft()
                self.sent.append((action, payload))
                if outgoing.on_answer is not None and not isinstance(answer, CallErrorReceived):
                    outgoing.on_answer(answer)
                if outgoing.answer is not None and not outgoing.answer.done():
                    outgoing.answer.set_result(answer)
        await self._notify()

    async def send_status(self, evse: Evse, connector_id: int | None = None) -> None:
        connector = evse.connector(connector_id)
        action, payload = self.agent.status(evse, connector, self.now())
        await self.call(action, payload)
        await self._notify()

    # --- what a driver does ------------------------------------------------------------------

    def advance(self) -> None:
        """Let the time since the last call pass in the model (energy charged so far)."""
        loop_now = asyncio.get_running_loop().time()
        if self._last_tick is not None:
            self.model.advance(loop_now - self._last_tick)
        self._last_tick = loop_now

    async def plug_in(self, evse: int = 1, connector: int | None = None) -> None:
        target = self.model.evse(evse)
        plug = target.connector(connector)
        plug.plugged = True
        if target.session is None:
            plug.status = Plug.PREPARING
            await self.send_status(target, plug.id)

    async def authorize(self, token: str, token_type: str | None = "ISO14443") -> str:
        """The token's status: asked online, from the local list or cache offline."""
        policy = self.agent.auth_policy()
        local_list = self.model.local_list if policy.local_list else {}
        use_cache = policy.cache
        if self.connected.is_set():
            action, payload = self.agent.authorize(token, token_type)
            answer = await self.call(action, payload)
            if answer is not None:
                status = self.agent.authorize_answer(answer)
                if use_cache and token not in local_list:  # the list is not cached (1.6 3.5.3)
                    self.model.auth_cache[token] = status
                return status
        cached = self.model.auth_cache.get(token) if use_cache else None
        known = local_list.get(token) or cached
        if known is None and policy.offline_unknown:
            return "Accepted"
        return known or "Invalid"

    async def start_charging(
        self,
        evse: int = 1,
        token: str = "SIMTOKEN",
        token_type: str | None = "ISO14443",
        *,
        remote_start_id: int | None = None,
        authorize: bool = True,
        trigger: str = "Authorized",
    ) -> Session | None:
        """Plug in (if needed), present a token and start a session; None when refused."""
        target = self.model.evse(evse)
        if not target.operative or target.session is not None:
            return None
        if target.reservation is not None and target.reservation.id_token != token:
            return None  # reserved for someone else
        plug = target.connector()
        if not plug.plugged:
            await self.plug_in(evse)
        if authorize and await self.authorize(token, token_type) != "Accepted":
            return None
        reservation = target.reservation
        self.advance()
        session = Session(
            local_id=self.model.new_session_id(),
            evse_id=evse,
            connector_id=plug.id,
            id_token=token,
            token_type=token_type,
            started_at=self.now(),
            meter_start_wh=target.register_wh,
            soc=self.curve.start_soc,
            curve=self.curve,
            remote_start_id=remote_start_id,
            reservation_id=reservation.id
            if reservation and reservation.id_token == token
            else None,
        )
        target.session = session
        target.reservation = None
        plug.status = Plug.CHARGING
        plug.locked = True
        start = self.agent.start(session, self.now(), trigger)
        start.on_answer = lambda answer: self._started(target, session, answer)
        await self.send(start)
        await self.send_status(target, plug.id)
        self._spawn(self._meter_loop(target, session))
        return session

    def _started(self, evse: Evse, session: Session, answer: Any) -> None:
        status = self.agent.start_answer(session, answer)
        if status not in (None, "Accepted") and not session.ended:
            # the CSMS refused the token: stop as a real station does (StopTransactionOnInvalidId)
            self._spawn(self._end_session(evse, "DeAuthorized", self.now()))

    async def _meter_loop(self, evse: Evse, session: Session) -> None:
        while not session.ended:
            await asyncio.sleep(self.meter_interval)
            if session.ended:
                return
            self.advance()
            await self.send(self.agent.meter(evse, session, self.now(), "Sample.Periodic"))

    @property
    def clock_aligned_interval(self) -> float:
        """Seconds between clock-aligned meter values (0: none); a change applies at once."""
        return self._clock_aligned_interval

    @clock_aligned_interval.setter
    def clock_aligned_interval(self, seconds: float) -> None:
        self._clock_aligned_interval = seconds
        self._aligned_changed.set()

    async def _clock_aligned_loop(self) -> None:
        while True:
            self._aligned_changed.clear()
            interval = self._clock_aligned_interval
            if interval <= 0:
                await self._aligned_changed.wait()
                continue
            now = self.now().timestamp()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval - now % interval):
                    await self._aligned_changed.wait()
                    continue  # the interval changed: align to the new one
            self.advance()
            for evse in self.model.evses:
                outgoing = self.agent.meter(evse, None, self.now(), "Sample.Clock")
                await self.call(outgoing.action, outgoing.payload)

    async def stop_charging(self, evse: int = 1, reason: str = "Local") -> Session | None:
        target = self.model.evse(evse)
        if target.session is None or target.session.ended:
            return None
        return await self._end_session(target, reason, self.now())

    async def _end_session(self, evse: Evse, reason: str, now: datetime) -> Session:
        session = evse.session
        assert session is not None
        self.advance()
        session.ended = True
        session.stop_reason = reason
        session.power_w = 0.0
        plug = evse.connector(session.connector_id)
        plug.locked = False
        plug.status = Plug.FINISHING if plug.plugged else Plug.AVAILABLE
        await self.send(self.agent.stop(session, now, reason))
        evse.session = None
        if evse.pending_inoperative:
            evse.pending_inoperative = False
            evse.operative = False
            plug.status = Plug.UNAVAILABLE
        await self.send_status(evse, plug.id)
        return session

    async def unplug(self, evse: int = 1) -> None:
        target = self.model.evse(evse)
        if target.session is not None and not target.session.ended:
            await self._end_session(target, "EVDisconnected", self.now())
        plug = target.connector()
        plug.plugged = False
        plug.status = Plug.AVAILABLE if target.operative else Plug.UNAVAILABLE
        if target.reservation is not None:
            plug.status = Plug.RESERVED
        await self.send_status(target, plug.id)


def _agent_for(version: OcppVersion, station: SimulatedStation) -> Agent:
    # a 1.5 (SOAP) station is the 1.6 agent; its client bridges the messages to 1.5
    if version in (OcppVersion.V16, OcppVersion.V15):
        from ampyre.simulator.agent_v16 import AgentV16

        return AgentV16(station)
    if version is OcppVersion.V201:
        from ampyre.simulator.agent_v201 import AgentV201

        return AgentV201(station)
    raise ValueError(f"no simulated OCPP {version} station")
