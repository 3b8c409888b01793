"""get-configuration and change-configuration in OCPP 2.0.1: GetVariables and SetVariables,
keys in the notation of domain/configuration.py.

Replies in neutral shape: `details["settings"]` lists `{key, status, value}` (and `reason`
when the station gave one), keys as the station's results name them. NotifyReport messages
(base reports, reports) are read into settings the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ampyre.adapters.command_codec import (
    Codecs,
    CommandCodec,
    call_size,
    encoded_size,
    joined_settings,
    raw,
    refuse,
)
from ampyre.domain.commands import CommandReply
from ampyre.domain.configuration import (
    AttributeType,
    ChangeConfiguration,
    GetConfiguration,
    InvalidKey,
    SettingSource,
    StoredSetting,
    VariableKey,
    overall,
)
from ampyre.domain.message_limits import LimitKeys, MessageLimits, split
from ampyre.messages.v201 import types as m

NAME_LENGTH = 50
VALUE_LENGTH = 1000


def variable_key(key: str) -> VariableKey:
    try:
        parsed = VariableKey.parse(key)
    except InvalidKey as exc:
        raise refuse(str(exc)) from None
    for name in (
        parsed.component,
        parsed.component_instance,
        parsed.variable,
        parsed.variable_instance,
    ):
        if name is not None and len(name) > NAME_LENGTH:
            raise refuse(f"{key!r}: 2.0.1 names have at most {NAME_LENGTH} characters")
    return parsed


def component(key: VariableKey) -> m.ComponentType:
    evse = None
    if key.evse_id is not None:
        evse = m.EVSEType(id=key.evse_id, connectorId=key.connector_id)
    return m.ComponentType(name=key.component, instance=key.component_instance, evse=evse)


def variable(key: VariableKey) -> m.VariableType:
    return m.VariableType(name=key.variable, instance=key.variable_instance)


def key_of(
    found: m.ComponentType, var: m.VariableType, attribute: m.AttributeEnumType | None
) -> str:
    """The key of a component variable the station names (in a result or a report)."""
    evse = found.evse
    return str(
        VariableKey(
            component=found.name,
            component_instance=found.instance,
            evse_id=None if evse is None else evse.id,
            connector_id=None if evse is None else evse.connectorId,
            variable=var.name,
            variable_instance=var.instance,
            attribute=AttributeType(attribute.value) if attribute else AttributeType.ACTUAL,
        )
    )


def _attribute(key: VariableKey) -> m.AttributeEnumType | None:
    if key.attribute is AttributeType.ACTUAL:
        return None
    return m.AttributeEnumType(key.attribute.value)


def _get(command: GetConfiguration) -> m.GetVariablesRequest:
    if not command.keys:
        raise refuse(
            "OCPP 2.0.1 has no message asking for every variable: name the keys "
            "(e.g. OCPPCommCtrlr/HeartbeatInterval), or ask for a report (get-base-report)"
        )
    data = []
    for key in command.keys:
        parsed = variable_key(key)
        data.append(
            m.GetVariableDataType(
                component=component(parsed),
                variable=variable(parsed),
                attributeType=_attribute(parsed),
            )
        )
    return m.GetVariablesRequest(getVariableData=data)


def _reason(info: m.StatusInfoType | None) -> dict[str, Any]:
    return {} if info is None else {"reason": info.reasonCode}


def _get_reply(command: GetConfiguration, answer: Any) -> CommandReply:
    settings: list[dict[str, Any]] = []
    for result in answer.getVariableResult:
        setting: dict[str, Any] = {
            "key": key_of(result.component, result.variable, result.attributeType),
            "status": str(result.attributeStatus),
            **_reason(result.attributeStatusInfo),
        }
        if result.attributeValue is not None:
            setting["value"] = result.attributeValue
        settings.append(setting)
    return CommandReply(status=None, details={"settings": settings}, raw=raw(answer))


def _set(command: ChangeConfiguration) -> m.SetVariablesRequest:
    data = []
    for change in command.changes:
        if len(change.value) > VALUE_LENGTH:
            raise refuse(f"OCPP 2.0.1 variable values have at most {VALUE_LENGTH} characters")
        parsed = variable_key(change.key)
        data.append(
            m.SetVariableDataType(
                component=component(parsed),
                variable=variable(parsed),
                attributeType=_attribute(parsed),
                attributeValue=change.value,
            )
        )
    return m.SetVariablesRequest(setVariableData=data)


def _set_reply(command: ChangeConfiguration, answer: Any) -> CommandReply:
    asked = {str(VariableKey.parse(c.key)): c.value for c in command.changes}
    settings: list[dict[str, Any]] = []
    for result in answer.setVariableResult:
        key = key_of(result.component, result.variable, result.attributeType)
        setting: dict[str, Any] = {
            "key": key,
            "status": str(result.attributeStatus),
            **_reason(result.attributeStatusInfo),
        }
        if key in asked:
            setting["value"] = asked[key]
        settings.append(setting)
    return CommandReply(
        status=overall([s["status"] for s in settings]),
        details={"settings": settings},
        raw=raw(answer),
    )


def _limit_keys(action: str) -> LimitKeys:
    return LimitKeys(
        items=f"DeviceDataCtrlr/ItemsPerMessage({action})",
        bytes=f"DeviceDataCtrlr/BytesPerMessage({action})",
    )


#: where a station reports its limits for GetVariables and SetVariables (B06.FR.05)
GET_LIMITS = _limit_keys("GetVariables")
SET_LIMITS = _limit_keys("SetVariables")
#: what a list field adds to a message without items: `"getVariableData":[]` at most
DATA_FIELD = len('"setVariableData":[]')


def _cut(count: int, limits: MessageLimits, fixed: int, size: Callable[[int], int]) -> list[range]:
    if limits.items is None and limits.bytes is None:
        return [range(0, count)]
    sizes = [0] * count if limits.bytes is None else [size(i) for i in range(count)]
    return split(sizes, limits, fixed=fixed)


def _get_parts(command: GetConfiguration, limits: MessageLimits) -> list[GetConfiguration]:
    """As many GetVariables as the station's limits ask, keys in order."""
    fixed = call_size("GetVariables", {}) + DATA_FIELD

    def size(index: int) -> int:
        return encoded_size(_get(GetConfiguration(keys=(command.keys[index],))).getVariableData[0])

    runs = _cut(len(command.keys), limits, fixed, size)
    return [dataclasses.replace(command, keys=command.keys[r.start : r.stop]) for r in runs]


def _set_parts(command: ChangeConfiguration, limits: MessageLimits) -> list[ChangeConfiguration]:
    """As many SetVariables as the station's limits ask, changes in order."""
    fixed = call_size("SetVariables", {}) + DATA_FIELD

    def size(index: int) -> int:
        one = ChangeConfiguration(changes=(command.changes[index],))
        return encoded_size(_set(one).setVariableData[0])

    runs = _cut(len(command.changes), limits, fixed, size)
    return [dataclasses.replace(command, changes=command.changes[r.start : r.stop]) for r in runs]


def _get_join(
    command: GetConfiguration, parts: Sequence[GetConfiguration], replies: list[CommandReply]
) -> CommandReply:
    return joined_settings(replies, by_status=False)


def _set_join(
    command: ChangeConfiguration, parts: Sequence[ChangeConfiguration], replies: list[CommandReply]
) -> CommandReply:
    return joined_settings(replies, by_status=True)


CODECS: Codecs = {
    GetConfiguration: CommandCodec(
        "GetVariables", _get, _get_reply, split=_get_parts, join=_get_join, limits=GET_LIMITS
    ),
    ChangeConfiguration: CommandCodec(
        "SetVariables", _set, _set_reply, split=_set_parts, join=_set_join, limits=SET_LIMITS
    ),
}


def reported_settings(
    station_id: str, report: m.NotifyReportRequest, now: datetime
) -> list[StoredSetting]:
    """The variables a NotifyReport (base report or report) carries, one setting per
    attribute, keyed as get-configuration keys them."""
    settings = []
    for data in report.reportData or ():
        for attribute in data.variableAttribute:
            mutability = attribute.mutability
            settings.append(
                StoredSetting(
                    station_id=station_id,
                    key=key_of(data.component, data.variable, attribute.type),
                    value=attribute.value,
                    readonly=None
                    if mutability is None
                    else mutability is m.MutabilityEnumType.ReadOnly,
                    updated_at=now,
                    source=SettingSource.REPORT,
                )
            )
    return settings
