"""OCPP 2.0.1 authorization of the simulated station: reservations (H), the local
authorization list and cache (C, D), and customer information (N09/N10).

A reservation without evseId takes a free EVSE at once and shows it Reserved (a real station
keeps it floating while other EVSEs are free). Group tokens are kept but not used to match
a reservation: the runtime compares the driver's own token.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from ampyre.messages.v201 import types as m
from ampyre.simulator import reservations
from ampyre.simulator.model import Evse, Plug, Reservation

if TYPE_CHECKING:
    from ampyre.simulator.agent_v201 import AgentV201, Handler

log = logging.getLogger("ampyre.simulator")

RESERVE = m.ReserveNowStatusEnumType
CUSTOMER_DATA_SIZE = 512


def _info(reason: str | None) -> m.StatusInfoType | None:
    return None if reason is None else m.StatusInfoType(reasonCode=reason)


class Reservations:
    """ReserveNow / CancelReservation on `evse.reservation`; ReservationStatusUpdate."""

    def __init__(self, agent: AgentV201) -> None:
        self.agent = agent

    def handlers(self) -> dict[str, Handler]:
        return {"ReserveNow": self.reserve_now, "CancelReservation": self.cancel_reservation}

    def find(self, reservation_id: int) -> Evse | None:
        return reservations.find(self.agent.station.model, reservation_id)

    def _connector_type_ok(self, evse: Evse, wanted: m.ConnectorEnumType | None) -> bool:
        if wanted is None:
            return True
        dm = self.agent.device_model
        return any(
            dm.config(f"Connector[{evse.id}:{c.id}].ConnectorType") == wanted.value
            for c in evse.connectors
        )

    def _state(self, evse: Evse, req: m.ReserveNowRequest) -> m.ReserveNowStatusEnumType | None:
        """Why this EVSE cannot take the reservation, or None."""
        plug = evse.connector()
        if plug.status is Plug.FAULTED:
            return RESERVE.Faulted
        if not evse.operative or plug.status is Plug.UNAVAILABLE:
            return RESERVE.Unavailable
        busy = evse.session is not None and not evse.session.ended
        other = evse.reservation is not None and evse.reservation.id != req.id
        if busy or other or any(c.plugged for c in evse.connectors):
            return RESERVE.Occupied
        return None

    def _choose(self, req: m.ReserveNowRequest) -> tuple[Evse | None, RESERVE, str | None]:
        dm = self.agent.device_model
        if not dm.enabled("ReservationCtrlr.Enabled"):
            return None, RESERVE.Rejected, "NotEnabled"
        if req.expiryDateTime <= self.agent.station.now():
            return None, RESERVE.Rejected, "InvalidValue"  # over before it began
        if req.evseId is None:
            if not dm.enabled("ReservationCtrlr.NonEvseSpecific"):
                return None, RESERVE.Rejected, "UnsupportedParam"
            candidates = [
                e
                for e in self.agent.station.model.evses
                if self._connector_type_ok(e, req.connectorType)
            ]
            if not candidates:
                return None, RESERVE.Rejected, "UnknownConnectorType"
            states = [self._state(e, req) for e in candidates]
            for candidate, state in zip(candidates, states, strict=True):
                if state is None:
                    return candidate, RESERVE.Accepted, None
            for worst in (RESERVE.Occupied, RESERVE.Faulted):
                if worst in states:
                    return None, worst, None
            return None, RESERVE.Unavailable, None
        evse = self.agent.evse(req.evseId)
        if evse is None:
            return None, RESERVE.Rejected, "UnknownEvse"
        if not self._connector_type_ok(evse, req.connectorType):
            return None, RESERVE.Rejected, "UnknownConnectorType"
        state = self._state(evse, req)
        return (evse, RESERVE.Accepted, None) if state is None else (None, state, None)

    async def reserve_now(self, req: m.ReserveNowRequest) -> m.ReserveNowResponse:
        evse, status, reason = self._choose(req)
        if evse is None:
            log.info("%s: ReserveNow %s: %s", self.agent.station.station_id, req.id, status)
            return m.ReserveNowResponse(status=status, statusInfo=_info(reason))
        previous = self.find(req.id)
        if previous is not None and previous is not evse:
            previous.reservation = None  # the same reservation moves (H01.FR.02)
            self.agent.show(previous)
        group = req.groupIdToken.idToken if req.groupIdToken is not None else None
        reservation = Reservation(req.id, req.idToken.idToken, req.expiryDateTime, group)
        evse.reservation = reservation
        self.agent.show(evse)
        self.agent._later(self._expire(evse, reservation))
        return m.ReserveNowResponse(status=RESERVE.Accepted)

    async def cancel_reservation(
        self, req: m.CancelReservationRequest
    ) -> m.CancelReservationResponse:
        evse = self.find(req.reservationId)
        if evse is None:
            return m.CancelReservationResponse(status=m.CancelReservationStatusEnumType.Rejected)
        evse.reservation = None
        self.agent.show(evse)
        return m.CancelReservationResponse(status=m.CancelReservationStatusEnumType.Accepted)

    def remove(self, evse: Evse) -> None:
        """From a handler: the station drops the reservation (e.g. the EVSE became
        unavailable) and tells the CSMS (H01.FR.24: ReservationStatusUpdate Removed)."""
        reservation = evse.reservation
        if reservation is None:
            return
        evse.reservation = None
        self.agent.show(evse)
        self.agent._later(self._update(reservation.id, m.ReservationUpdateStatusEnumType.Removed))

    async def _update(self, reservation_id: int, status: m.ReservationUpdateStatusEnumType) -> None:
        await self.agent.call(
            "ReservationStatusUpdate",
            m.ReservationStatusUpdateRequest(
                reservationId=reservation_id, reservationUpdateStatus=status
            ),
        )

    async def _expire(self, evse: Evse, reservation: Reservation) -> None:
        station = self.agent.station
        if not await reservations.expire(station, evse, reservation):
            return  # used, cancelled or replaced meanwhile
        for connector_id in self.agent.refresh_idle(evse):
            await station.send_status(evse, connector_id)
        await self._update(reservation.id, m.ReservationUpdateStatusEnumType.Expired)


class LocalList:
    """SendLocalList / GetLocalListVersion on `model.local_list` (token → status), and the
    authorization cache in `model.auth_cache`."""

    def __init__(self, agent: AgentV201) -> None:
        self.agent = agent
        #: token → groupIdToken from the list
        self.groups: dict[str, str] = {}

    def handlers(self) -> dict[str, Handler]:
        return {
            "SendLocalList": self.send_local_list,
            "GetLocalListVersion": self.get_local_list_version,
        }

    def enabled(self) -> bool:
        return self.agent.device_model.enabled("LocalAuthListCtrlr.Enabled")

    def cached(self, token: str, status: str) -> None:
        """Keep what the CSMS said about a token (C10), unless the list knows it."""
        model = self.agent.station.model
        if self.agent.device_model.enabled("AuthCacheCtrlr.Enabled") and (
            token not in model.local_list
        ):
            model.auth_cache[token] = status

    async def get_local_list_version(
        self, req: m.GetLocalListVersionRequest
    ) -> m.GetLocalListVersionResponse:
        version = self.agent.station.model.local_list_version if self.enabled() else 0
        return m.GetLocalListVersionResponse(versionNumber=version)

    async def send_local_list(self, req: m.SendLocalListRequest) -> m.SendLocalListResponse:
        model = self.agent.station.model
        dm = self.agent.device_model
        status = m.SendLocalListStatusEnumType
        if not self.enabled():
            return m.SendLocalListResponse(status=status.Failed, statusInfo=_info("NotEnabled"))
        entries = req.localAuthorizationList or []
        tokens = [e.idToken.idToken for e in entries]
        full = req.updateType == m.UpdateEnumType.Full
        if len(entries) > dm.integer("LocalAuthListCtrlr.ItemsPerMessage", 100):
            return m.SendLocalListResponse(
                status=status.Failed, statusInfo=_info("TooManyElements")
            )
        if len(msgspec.json.encode(req)) > dm.integer("LocalAuthListCtrlr.BytesPerMessage", 65536):
            return m.SendLocalListResponse(
                status=status.Failed, statusInfo=_info("TooLargeElement")
            )
        if (
            len(set(tokens)) != len(tokens)
            or req.versionNumber <= 0  # 0 means "no list" (D02)
            or (full and any(e.idTokenInfo is None for e in entries))  # required when Full
        ):
            return m.SendLocalListResponse(status=status.Failed, statusInfo=_info("InvalidValue"))
        if not full and req.versionNumber <= model.local_list_version:
            return m.SendLocalListResponse(status=status.VersionMismatch)
        statuses = {} if full else dict(model.local_list)
        groups = {} if full else dict(self.groups)
        now = self.agent.station.now()
        for entry in entries:
            token = entry.idToken.idToken
            statuses.pop(token, None)
            groups.pop(token, None)
            info = entry.idTokenInfo
            if info is None:
                continue  # differential: no idTokenInfo removes the entry
            statuses[token] = _status(info, now)
            if info.groupIdToken is not None:
                groups[token] = info.groupIdToken.idToken
        if len(statuses) > 1000:  # LocalAuthListCtrlr.Entries maxLimit
            return m.SendLocalListResponse(status=status.Failed, statusInfo=_info("OutOfStorage"))
        model.local_list.clear()
        model.local_list.update(statuses)
        model.local_list_version = req.versionNumber
        self.groups = groups
        for token in statuses:  # a token in the list is not kept in the cache as well
            model.auth_cache.pop(token, None)
        return m.SendLocalListResponse(status=status.Accepted)


def _status(info: m.IdTokenInfoType, now: datetime) -> str:
    if info.cacheExpiryDateTime is not None and info.cacheExpiryDateTime <= now:
        return m.AuthorizationStatusEnumType.Expired.value
    return info.status.value


class CustomerData:
    """CustomerInformation: what the station holds about a token, reported and/or cleared."""

    def __init__(self, agent: AgentV201) -> None:
        self.agent = agent

    def handlers(self) -> dict[str, Handler]:
        return {"CustomerInformation": self.customer_information}

    async def customer_information(
        self, req: m.CustomerInformationRequest
    ) -> m.CustomerInformationResponse:
        status = m.CustomerInformationStatusEnumType
        given = (req.idToken, req.customerIdentifier, req.customerCertificate)
        if all(g is None for g in given):
            return m.CustomerInformationResponse(
                status=status.Invalid, statusInfo=_info("MissingParam")
            )
        lines = self._collect(req) if req.report else []
        if req.clear and req.idToken is not None:
            # the cache is the station's own memory; the local list belongs to the CSMS
            self.agent.station.model.auth_cache.pop(req.idToken.idToken, None)
            lines.append("authorization cache entry cleared")
        self.agent._later(self._notify(req.requestId, "; ".join(lines) or "no data"))
        return m.CustomerInformationResponse(status=status.Accepted)

    def _collect(self, req: m.CustomerInformationRequest) -> list[str]:
        model = self.agent.station.model
        lines = []
        if req.customerIdentifier is not None:
            lines.append(f"customer {req.customerIdentifier}: no data kept by identifier")
        if req.customerCertificate is not None:
            lines.append("no contract certificates are kept")
        token = req.idToken.idToken if req.idToken is not None else None
        if token is not None:
            lines.append(f"idToken {token}")
            if token in model.local_list:
                lines.append(f"local list: {model.local_list[token]}")
            if token in model.auth_cache:
                lines.append(f"cache: {model.auth_cache[token]}")
            for evse in model.evses:
                session = evse.session
                if session is not None and session.id_token == token and not session.ended:
                    lines.append(f"transaction {session.local_id} on EVSE {evse.id}")
                if evse.reservation is not None and evse.reservation.id_token == token:
                    lines.append(f"reservation {evse.reservation.id} on EVSE {evse.id}")
        return lines

    async def _notify(self, request_id: int, data: str) -> None:
        parts = [data[i : i + CUSTOMER_DATA_SIZE] for i in range(0, len(data), CUSTOMER_DATA_SIZE)]
        for seq, part in enumerate(parts):
            await self.agent.call(
                "NotifyCustomerInformation",
                m.NotifyCustomerInformationRequest(
                    data=part,
                    tbc=seq < len(parts) - 1,
                    seqNo=seq,
                    generatedAt=self.agent.station.now(),
                    requestId=request_id,
                ),
            )
