"""Reservations and the local authorization list in OCPP 2.0.1: ReserveNow,
CancelReservation, SendLocalList, GetLocalListVersion."""

from __future__ import annotations

from typing import Any

from ampyre.adapters import local_list_parts
from ampyre.adapters.command_codec import Codecs, CommandCodec, raw, refuse, status_reply
from ampyre.domain.commands import CommandReply
from ampyre.domain.local_list import GetLocalListVersion, LocalListEntry, SendLocalList
from ampyre.domain.message_limits import LimitKeys, MessageLimits
from ampyre.domain.reservations import CancelReservation, ReserveNow
from ampyre.messages.v201 import types as m

TOKEN_LENGTH = 36

#: where a station reports its limits for SendLocalList (the most entries it keeps is the
#: maxLimit of LocalAuthListCtrlr/Entries, a characteristic we do not keep)
LIMITS = LimitKeys(
    items="LocalAuthListCtrlr/ItemsPerMessage", bytes="LocalAuthListCtrlr/BytesPerMessage"
)


def _id_token(value: str, kind: str | None, what: str = "id token") -> m.IdTokenType:
    if len(value) > TOKEN_LENGTH:
        raise refuse(f"OCPP 2.0.1 id tokens have at most {TOKEN_LENGTH} characters: {what}")
    kind = kind or "Central"
    if kind not in m.IdTokenEnumType.__members__:
        kinds = ", ".join(m.IdTokenEnumType.__members__)
        raise refuse(f"token_type {kind!r} is not one of {kinds}")
    return m.IdTokenType(idToken=value, type=m.IdTokenEnumType(kind))


def _reserve(command: ReserveNow) -> m.ReserveNowRequest:
    if command.reservation_id is None:
        raise ValueError("a reservation needs its id (the command id)")
    connector_type = None
    if command.connector_type is not None:
        if command.connector_type not in m.ConnectorEnumType.__members__.values():
            kinds = ", ".join(m.ConnectorEnumType)
            raise refuse(f"connector_type {command.connector_type!r} is not one of {kinds}")
        connector_type = m.ConnectorEnumType(command.connector_type)
    group = None
    if command.group_id is not None:
        group = _id_token(command.group_id, "Central", "group id")
    return m.ReserveNowRequest(
        id=command.reservation_id,
        expiryDateTime=command.expires_at,
        idToken=_id_token(command.id_token, command.token_type),
        evseId=command.evse_id or None,
        connectorType=connector_type,
        groupIdToken=group,
    )


def _reserve_reply(command: ReserveNow, answer: Any) -> CommandReply:
    return status_reply(answer, reservation_id=command.reservation_id)


def _cancel(command: CancelReservation) -> m.CancelReservationRequest:
    return m.CancelReservationRequest(reservationId=command.reservation_id)


def _entry(entry: LocalListEntry) -> m.AuthorizationData:
    token = _id_token(entry.id_token, entry.token_type)
    if entry.status is None:
        return m.AuthorizationData(idToken=token)
    if entry.status not in m.AuthorizationStatusEnumType.__members__:
        kinds = ", ".join(m.AuthorizationStatusEnumType.__members__)
        raise refuse(f"list entries have a status among {kinds}, not {entry.status!r}")
    group = None if entry.group_id is None else _id_token(entry.group_id, "Central", "group id")
    return m.AuthorizationData(
        idToken=token,
        idTokenInfo=m.IdTokenInfoType(
            status=m.AuthorizationStatusEnumType(entry.status),
            cacheExpiryDateTime=entry.expires_at,
            groupIdToken=group,
        ),
    )


def _send_list(command: SendLocalList) -> m.SendLocalListRequest:
    return m.SendLocalListRequest(
        versionNumber=command.version,
        updateType=m.UpdateEnumType.Full if command.full else m.UpdateEnumType.Differential,
        localAuthorizationList=[_entry(e) for e in command.entries] or None,
    )


def _send_list_parts(command: SendLocalList, limits: MessageLimits) -> list[SendLocalList]:
    return local_list_parts.parts(command, limits, _send_list, _entry)


def _send_list_reply(command: SendLocalList, answer: Any) -> CommandReply:
    return status_reply(answer, version=command.version)


def _version_reply(command: GetLocalListVersion, answer: Any) -> CommandReply:
    # 0: no list, or local lists are not enabled (D01.FR.19)
    return CommandReply(
        status=None, details={"version": answer.versionNumber, "supported": None}, raw=raw(answer)
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
