"""OCPP 1.6 ⇄ 1.5 messages, for the operations the two versions share.

Every 1.5 operation is also a 1.6 operation with (nearly) the same fields, so a command the
operator sends as 1.6 reaches a 1.5 SOAP station translated here, and the simulator's 1.6
agent plays a 1.5 station through the same table. What 1.5 cannot say raises
`Inexpressible` (a ValueError: nothing is sent): a 1.6 status or measurand 1.5 does not
have, a charging profile on RemoteStartTransaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from ampyre.messages.v15 import actions as v15
from ampyre.messages.v16 import actions as v16

Hook = Callable[[dict[str, Any]], dict[str, Any]]


class Inexpressible(ValueError):
    """The message cannot be said in the other version."""


_STATUS_15 = {
    "Preparing": "Occupied",
    "Charging": "Occupied",
    "SuspendedEV": "Occupied",
    "SuspendedEVSE": "Occupied",
    "Finishing": "Occupied",
}
_ERROR_15 = {
    "EVCommunicationError": "Mode3Error",
    "InternalError": "OtherError",
    "LocalListConflict": "OtherError",
    "OverVoltage": "OtherError",
}
_UNIT_15 = {"A": "Amp", "V": "Volt"}
_UNITS_15 = {"Wh", "kWh", "varh", "kvarh", "W", "kW", "var", "kvar", "Amp", "Volt", "Celsius"}
_MEASURANDS_15 = {
    f"{kind}.{flow}.{what}"
    for kind in ("Energy.Active", "Energy.Reactive")
    for flow in ("Export", "Import")
    for what in ("Register", "Interval")
} | {
    "Power.Active.Export",
    "Power.Active.Import",
    "Power.Reactive.Export",
    "Power.Reactive.Import",
    "Current.Export",
    "Current.Import",
    "Voltage",
    "Temperature",
}
_CONTEXTS_15 = {
    "Interruption.Begin",
    "Interruption.End",
    "Sample.Clock",
    "Sample.Periodic",
    "Transaction.Begin",
    "Transaction.End",
}


def _sample_15(sample: dict[str, Any]) -> dict[str, Any] | None:
    measurand = sample.get("measurand")
    if measurand is not None and measurand not in _MEASURANDS_15:
        return None
    unit = _UNIT_15.get(sample.get("unit", ""), sample.get("unit"))
    if unit is not None and unit not in _UNITS_15:
        return None
    out = {"value": sample["value"], "measurand": measurand, "unit": unit}
    if sample.get("context") in _CONTEXTS_15:
        out["context"] = sample["context"]
    if sample.get("format") is not None:
        out["format"] = sample["format"]
    if sample.get("location") in ("Inlet", "Outlet", "Body"):
        out["location"] = sample["location"]
    return {k: v for k, v in out.items() if v is not None}


def _meter_values_15(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for value in values:
        samples = [s for s in map(_sample_15, value.get("sampledValue", [])) if s is not None]
        if samples:
            out.append({"timestamp": value["timestamp"], "value": samples})
    return out


def _status_15(d: dict[str, Any]) -> dict[str, Any]:
    return {
        **d,
        "status": _STATUS_15.get(d["status"], d["status"]),
        "errorCode": _ERROR_15.get(d["errorCode"], d["errorCode"]),
    }


def _meter_15(d: dict[str, Any]) -> dict[str, Any]:
    values = _meter_values_15(d.pop("meterValue", []))
    return {**d, "values": values} if values else d


def _stop_15(d: dict[str, Any]) -> dict[str, Any]:
    d.pop("reason", None)
    values = _meter_values_15(d.pop("transactionData", None) or [])
    return {**d, "transactionData": [{"values": values}]} if values else d


def _boot_answer_16(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": d["status"],
        "currentTime": d["currentTime"],
        "interval": d["heartbeatInterval"],
    }


def _boot_answer_15(d: dict[str, Any]) -> dict[str, Any]:
    status = "Accepted" if d["status"] == "Accepted" else "Rejected"  # 1.5 has no Pending
    return {"status": status, "currentTime": d["currentTime"], "heartbeatInterval": d["interval"]}


def _remote_start_15(d: dict[str, Any]) -> dict[str, Any]:
    if d.get("chargingProfile") is not None:
        raise Inexpressible("OCPP 1.5 RemoteStartTransaction has no chargingProfile")
    return d


def _rename(old: str, new: str) -> Hook:
    def hook(d: dict[str, Any]) -> dict[str, Any]:
        if old in d:
            d[new] = d.pop(old)
        return d

    return hook


def _status_map(mapping: dict[str, str]) -> Hook:
    def hook(d: dict[str, Any]) -> dict[str, Any]:
        return {**d, "status": mapping.get(d["status"], d["status"])}

    return hook


def _send_list_answer_16(d: dict[str, Any]) -> dict[str, Any]:
    status = "Failed" if d["status"] == "HashError" else d["status"]
    return {"status": status}


#: (action, is_response) → hook, per direction; absent means the fields are the same
_TO_15: dict[tuple[str, bool], Hook] = {
    ("BootNotification", True): _boot_answer_15,
    ("StatusNotification", False): _status_15,
    ("MeterValues", False): _meter_15,
    ("StopTransaction", False): _stop_15,
    ("RemoteStartTransaction", False): _remote_start_15,
    ("SendLocalList", False): _rename("localAuthorizationList", "localAuthorisationList"),
    ("UnlockConnector", True): _status_map({"Unlocked": "Accepted"}),
    ("ChangeConfiguration", True): _status_map({"RebootRequired": "Accepted"}),
}
_TO_16: dict[tuple[str, bool], Hook] = {
    ("BootNotification", True): _boot_answer_16,
    ("SendLocalList", False): _rename("localAuthorisationList", "localAuthorizationList"),
    ("SendLocalList", True): _send_list_answer_16,
    ("UnlockConnector", True): _status_map({"Accepted": "Unlocked", "Rejected": "UnlockFailed"}),
}


def _convert(
    action: str,
    response: bool,
    message: Any,
    hooks: dict[tuple[str, bool], Hook],
    tables: tuple[dict[str, type[Any]], dict[str, type[Any]]],
    target: str,
) -> Any:
    table = tables[1] if response else tables[0]
    if action not in table:
        raise Inexpressible(f"{action} is not an OCPP {target} operation")
    data = msgspec.to_builtins(message)
    hook = hooks.get((action, response))
    if hook is not None:
        data = hook(data)
    try:
        return msgspec.convert(data, table[action])
    except msgspec.ValidationError as exc:
        raise Inexpressible(f"{action} cannot be said in OCPP {target}: {exc}") from None


def to_v15(action: str, message: Any, response: bool = False) -> Any:
    """The 1.5 form of a 1.6 request (or response)."""
    if type(message) is (v15.RESPONSES if response else v15.REQUESTS).get(action):
        return message  # already 1.5
    return _convert(action, response, message, _TO_15, (v15.REQUESTS, v15.RESPONSES), "1.5")


def to_v16(action: str, message: Any, response: bool = False) -> Any:
    """The 1.6 form of a 1.5 request (or response)."""
    if type(message) is (v16.RESPONSES if response else v16.REQUESTS).get(action):
        return message  # already 1.6
    return _convert(action, response, message, _TO_16, (v16.REQUESTS, v16.RESPONSES), "1.6")
