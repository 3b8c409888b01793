"""OCPP 1.6 reservations and the local authorization list of the simulated station."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from ampyre.messages.v16 import types as m
from ampyre.simulator import reservations
from ampyre.simulator.model import Evse, Plug, Reservation

if TYPE_CHECKING:
    from ampyre.simulator.agent_v16 import AgentV16, Handler

log = logging.getLogger("ampyre.simulator")


def features(agent: AgentV16) -> set[str]:
    value = agent.station.model.config.get("SupportedFeatureProfiles", "")
    return {f.strip() for f in value.split(",")}


def _int_config(agent: AgentV16, key: str, default: int) -> int:
    value = agent.station.model.config.get(key, "")
    return int(value) if value.lstrip("-").isdigit() else default


class Reservations:
    """ReserveNow / CancelReservation: `evse.reservation`, Reserved status, expiry."""

    def __init__(self, agent: AgentV16) -> None:
        self.agent = agent

    def handlers(self) -> dict[str, Handler]:
        return {"ReserveNow": self.reserve_now, "CancelReservation": self.cancel_reservation}

    def find(self, reservation_id: int) -> Evse | None:
        return reservations.find(self.agent.station.model, reservation_id)

    async def reserve_now(self, req: m.ReserveNowRequest) -> m.ReserveNowResponse:
        station = self.agent.station
        status = self._refusal(req)
        if status is not None:
            log.info("%s: ReserveNow %s refused: %s", station.station_id, req.reservationId, status)
            return m.ReserveNowResponse(status=status)
        evse = station.model.evse(req.connectorId)
        previous = self.find(req.reservationId)
        if previous is not None and previous is not evse:
            self.release(previous)  # the same reservation moves to another connector
        reservation = Reservation(req.reservationId, req.idTag, req.expiryDate, req.parentIdTag)
        evse.reservation = reservation
        plug = evse.connector()
        plug.status = Plug.RESERVED
        self.agent._later(station.send_status(evse, plug.id))
        self.agent._later(self._expire(evse, reservation))
        return m.ReserveNowResponse(status=m.ReservationStatus.Accepted)

    def _refusal(self, req: m.ReserveNowRequest) -> m.ReservationStatus | None:
        model = self.agent.station.model
        if "Reservation" not in features(self.agent):
            return m.ReservationStatus.Rejected
        if req.connectorId == 0:
            # ReserveConnectorZeroSupported is false: no station-wide reservations (5.13)
            return m.ReservationStatus.Rejected
        if req.expiryDate <= self.agent.station.now():
            return m.ReservationStatus.Rejected  # it would be over before it began
        try:
            evse = model.evse(req.connectorId)
        except KeyError:
            return m.ReservationStatus.Rejected
        plug = evse.connector()
        if plug.status is Plug.FAULTED:
            return m.ReservationStatus.Faulted
        if not evse.operative or plug.status is Plug.UNAVAILABLE:
            return m.ReservationStatus.Unavailable
        busy = evse.session is not None and not evse.session.ended
        other = evse.reservation is not None and evse.reservation.id != req.reservationId
        if busy or plug.plugged or other:
            return m.ReservationStatus.Occupied
        return None

    async def cancel_reservation(
        self, req: m.CancelReservationRequest
    ) -> m.CancelReservationResponse:
        evse = self.find(req.reservationId)
        if evse is None:
            return m.CancelReservationResponse(status=m.CancelReservationStatus.Rejected)
        self.release(evse)
        return m.CancelReservationResponse(status=m.CancelReservationStatus.Accepted)

    def release(self, evse: Evse, notify: bool = True) -> None:
        """End the EVSE's reservation; a Reserved connector becomes Available again."""
        evse.reservation = None
        plug = evse.connector()
        if plug.status is Plug.RESERVED:
            plug.status = Plug.AVAILABLE if evse.operative else Plug.UNAVAILABLE
            if notify:
                self.agent._later(self.agent.station.send_status(evse, plug.id))

    async def _expire(self, evse: Evse, reservation: Reservation) -> None:
        if await reservations.expire(self.agent.station, evse, reservation):
            plug = evse.connector()
            if plug.status is Plug.RESERVED:
                plug.status = Plug.AVAILABLE if evse.operative else Plug.UNAVAILABLE
                await self.agent.station.send_status(evse, plug.id)


class LocalList:
    """SendLocalList / GetLocalListVersion on `model.local_list` (token → status)."""

    def __init__(self, agent: AgentV16) -> None:
        self.agent = agent
        #: token → parentIdTag from the list (for group reservations)
        self.parents: dict[str, str] = {}

    def handlers(self) -> dict[str, Handler]:
        return {
            "SendLocalList": self.send_local_list,
            "GetLocalListVersion": self.get_local_list_version,
        }

    def supported(self) -> bool:
        return "LocalAuthListManagement" in features(self.agent)

    async def get_local_list_version(
        self, req: m.GetLocalListVersionRequest
    ) -> m.GetLocalListVersionResponse:
        version = self.agent.station.model.local_list_version if self.supported() else -1
        return m.GetLocalListVersionResponse(listVersion=version)

    async def send_local_list(self, req: m.SendLocalListRequest) -> m.SendLocalListResponse:
        model = self.agent.station.model
        if not self.supported():
            return m.SendLocalListResponse(status=m.UpdateStatus.NotSupported)
        entries = req.localAuthorizationList or []
        tokens = [e.idTag for e in entries]
        full = req.updateType == m.UpdateType.Full
        if (
            len(entries) > _int_config(self.agent, "SendLocalListMaxLength", 100)
            or len(set(tokens)) != len(tokens)  # idTags must be unique (6.41)
            or req.listVersion < 0
            or (full and any(e.idTagInfo is None for e in entries))  # required in a full list
        ):
            return m.SendLocalListResponse(status=m.UpdateStatus.Failed)
        if not full and req.listVersion <= model.local_list_version:
            return m.SendLocalListResponse(status=m.UpdateStatus.VersionMismatch)
        statuses = {} if full else dict(model.local_list)
        parents = {} if full else dict(self.parents)
        now = self.agent.station.now()
        for entry in entries:
            statuses.pop(entry.idTag, None)
            parents.pop(entry.idTag, None)
            if entry.idTagInfo is None:
                continue  # differential: no idTagInfo removes the entry
            statuses[entry.idTag] = _status(entry.idTagInfo, now)
            if entry.idTagInfo.parentIdTag is not None:
                parents[entry.idTag] = entry.idTagInfo.parentIdTag
        if len(statuses) > _int_config(self.agent, "LocalAuthListMaxLength", 1000):
            return m.SendLocalListResponse(status=m.UpdateStatus.Failed)
        model.local_list.clear()
        model.local_list.update(statuses)
        model.local_list_version = req.listVersion
        self.parents = parents
        for token in statuses:  # list entries are never kept in the cache as well (3.5.3)
            model.auth_cache.pop(token, None)
        return m.SendLocalListResponse(status=m.UpdateStatus.Accepted)


def _status(info: m.IdTagInfo, now: datetime) -> str:
    """An entry already past its expiryDate is Expired. (`model.local_list` keeps statuses
    only, so an expiry date that passes later is not noticed.)"""
    if info.expiryDate is not None and info.expiryDate <= now:
        return m.AuthorizationStatus.Expired.value
    return info.status.value
