"""Reservations and the local authorization list in OCPP 1.x: ReserveNow, CancelReservation,
SendLocalList, GetLocalListVersion. 1.x has no token types and no connector types."""

from __future__ import annotations

from typing import Any

from ampyre.adapters import local_list_parts
from ampyre.adapters.command_codec import Codecs, CommandCodec, raw, refuse, status_reply
from ampyre.domain.commands import CommandReply
from ampyre.domain.local_list import GetLocalListVersion, LocalListEntry, SendLocalList
from ampyre.domain.message_limits import LimitKeys, MessageLimits
from ampyre.domain.reservations import CancelReservation, ReserveNow
from ampyre.messages.v16 import types as m

TOKEN_LENGTH = 20

#: where a station reports its limits for SendLocalList
LIMITS = LimitKeys(items="SendLocalListMaxLength", total="LocalAuthListMaxLength")


def _token(value: str, what: str = "id token") -> str:
    if len(value) > TOKEN_LENGTH:
        raise refuse(f"OCPP 1.x idTags have at most {TOKEN_LENGTH} characters: {what} {value!r}")
    return value


def _reserve(command: ReserveNow) -> m.ReserveNowRequest:
    if command.reservation_id is None:
        raise ValueError("a reservation needs its id (the command id)")
    if command.connector_type is not None:
        raise refuse("OCPP 1.x reservations cannot ask for a connector type")
    return m.ReserveNowRequest(
        connectorId=command.evse_id or 0,
        expiryDate=command.expires_at,
        idTag=_token(command.id_token),
        parentIdTag=None if command.group_id is None else _token(command.group_id, "group id"),
        reservationId=command.reservation_id,
    )


def _reserve_reply(command: ReserveNow, answer: Any) -> CommandReply:
    return status_reply(answer, reservation_id=command.reservation_id)


def _cancel(command: CancelReservation) -> m.CancelReservationRequest:
    return m.CancelReservationRequest(reservationId=command.reservation_id)


def _entry(entry: LocalListEntry) -> m.AuthorizationData:
    token = _token(entry.id_token)
    if entry.status is None:
        return m.AuthorizationData(idTag=token)
    if entry.status not in m.AuthorizationStatus.__members__:
        kinds = ", ".join(m.AuthorizationStatus.__members__)
        raise refuse(f"OCPP 1.x list entries have a status among {kinds}, not {entry.status!r}")
    return m.AuthorizationData(
        idTag=token,
        idTagInfo=m.IdTagInfo(
            status=m.AuthorizationStatus(entry.status),
            expiryDate=entry.expires_at,
            parentIdTag=None if entry.group_id is None else _token(entry.group_id, "group id"),
        ),
    )


def _send_list(command: SendLocalList) -> m.SendLocalListRequest:
    return m.SendLocalListRequest(
        listVersion=command.version,
        updateType=m.UpdateType.Full if command.full else m.UpdateType.Differential,
        localAuthorizationList=[_entry(e) for e in command.entries] or None,
    )


def _send_list_parts(command: SendLocalList, limits: MessageLimits) -> list[SendLocalList]:
    return local_list_parts.parts(command, limits, _send_list, _entry)


def _send_list_reply(command: SendLocalList, answer: Any) -> CommandReply:
    return status_reply(answer, version=command.version)


def _version_reply(command: GetLocalListVersion, answer: Any) -> CommandReply:
    # -1: the station has no local list (1.6 section 6.31)
    version = answer.listVersion
    return CommandReply(
        status=None,
        details={"version": max(version, 0), "supported": version >= 0},
        raw=raw(answer),
    )


CODECS: Codecs = {
    ReserveNow: CommandCodec("ReserveNow", _reserve, _reserve_reply),
    CancelReservation: CommandCodec("CancelReservation", _cancel),
    SendLocalList: CommandCodec(
        "SendLocalList",
        _send_list,
        _send_list_reply,
        split=_send_list_parts,
        join=local_list_parts.joined,
        limits=LIMITS,
        until_refused=True,
    ),
    GetLocalListVersion: CommandCodec(
        "GetLocalListVersion", lambda command: m.GetLocalListVersionRequest(), _version_reply
    ),
}
