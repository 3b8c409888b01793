"""Keeping a simulated station's EVSE limits following its charging profiles, version-neutral.

Each OCPP version's smart-charging agent keeps its own wire profiles and hands this follower
the `charging_limits.Profile` values; the follower puts the limit in force on every EVSE
(`apply`) and, once following, re-applies it whenever a schedule period may change or the
profiles change (`changed`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ampyre.simulator import charging_limits as cl
from ampyre.simulator.model import Evse, Session

if TYPE_CHECKING:
    from ampyre.simulator.station import SimulatedStation


class LimitFollower:
    def __init__(
        self,
        station: SimulatedStation,
        profiles: Callable[[], Sequence[cl.Profile]],
        transaction_id: Callable[[Session], str | None],
    ) -> None:
        self.station = station
        self._profiles = profiles
        self._transaction_id = transaction_id
        self._changed = asyncio.Event()
        self._following = False

    def context(self, evse: Evse | None) -> cl.Context:
        """The limit context of an EVSE (None: the station as a whole)."""
        curve = self.station.curve
        supply = cl.Supply(curve.voltage, curve.phases)
        if evse is None:
            return cl.Context(0, supply, in_session=False)
        session = evse.session if evse.session is not None and not evse.session.ended else None
        if session is None:
            return cl.Context(evse.id, supply, in_session=False)
        return cl.Context(
            evse.id,
            cl.Supply(session.curve.voltage, session.curve.phases),
            session_start=session.started_at,
            transaction_id=self._transaction_id(session),
        )

    def changed(self) -> None:
        """The profiles changed: apply them now and wake the follower."""
        self.apply()
        self._changed.set()

    def follow(self) -> None:
        """From a request handler: keep the limits following the schedules from now on."""
        if not self._following:
            self._following = True
            self.station.after_answer(self._follow())

    def apply(self) -> None:
        """Put the limit in force now on every EVSE (settling the energy charged so far)."""
        station = self.station
        now = station.now()
        profiles = self._profiles()
        limits = {e.id: cl.limit_w(profiles, self.context(e), now) for e in station.model.evses}
        if all(e.limit_w == limits[e.id] for e in station.model.evses):
            return
        station.advance()  # the energy charged so far, at the old limit
        for evse in station.model.evses:
            evse.limit_w = limits[evse.id]
            session = evse.session
            if session is not None and not session.ended:
                session.power_w = session.curve.power_at(session.soc, evse.limit_w)

    async def _follow(self) -> None:
        """Re-apply the limits whenever a schedule period may change or profiles change."""
        try:
            while True:
                self._changed.clear()
                self.apply()
                now = self.station.now()
                profiles = self._profiles()
                waits = [
                    cl.next_change(profiles, self.context(e), now) for e in self.station.model.evses
                ]
                wait = min((w for w in waits if w is not None), default=None)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._changed.wait()
        finally:
            self._following = False
