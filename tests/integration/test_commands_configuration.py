"""get-configuration and change-configuration against simulated 1.6 and 2.0.1 stations: what
the station received, what the API answered, and the configuration kept of the station."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ampyre.app import Application
from ampyre.domain.configuration import InvalidKey, VariableKey
from ampyre.domain.events import EventKind
from ampyre.protocol.errors import InternalError
from ampyre.simulator.station import SimulatedStation

from .test_commands import Events, accepted, events, received

__all__ = ["events"]  # the fixture, used by name


async def stored(api: httpx.AsyncClient, station_id: str) -> dict[str, dict[str, Any]]:
    answer = await api.get(f"/stations/{station_id}/configuration")
    assert answer.status_code == 200, answer.text
    return {s["key"]: s for s in answer.json()["settings"]}


async def test_1_6_configuration_is_read_changed_and_kept(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "CFG-16", "1.6") as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        assert await stored(api, cs.station_id) == {}

        got = accepted(
            await api.post(
                f"{base}/get-configuration", json={"keys": ["HeartbeatInterval", "NoSuchKey"]}
            )
        )
        assert received(cs, "GetConfiguration") == [{"key": ["HeartbeatInterval", "NoSuchKey"]}]
        heartbeat = cs.model.config["HeartbeatInterval"]
        assert got["result"]["settings"] == [
            {
                "key": "HeartbeatInterval",
                "status": "Accepted",
                "value": heartbeat,
                "readonly": False,
            },
            {"key": "NoSuchKey", "status": "UnknownKey"},
        ]
        kept = await stored(api, cs.station_id)
        assert list(kept) == ["HeartbeatInterval"]
        assert (kept["HeartbeatInterval"]["value"], kept["HeartbeatInterval"]["source"]) == (
            heartbeat,
            "get",
        )

        # no keys: the whole configuration, which replaces what was kept
        accepted(await api.post(f"{base}/get-configuration", json={}))
        assert received(cs, "GetConfiguration")[-1] == {}
        kept = await stored(api, cs.station_id)
        assert set(kept) == set(cs.model.config)
        assert kept["SupportedFeatureProfiles"]["readonly"] is True

        changed = accepted(
            await api.post(
                f"{base}/change-configuration",
                json={
                    "settings": [
                        {"key": "HeartbeatInterval", "value": "120"},
                        {"key": "SupportedFeatureProfiles", "value": "Core"},
                        {"key": "NoSuchKey", "value": "1"},
                    ]
                },
            )
        )
        # 1.x changes one key per message
        assert received(cs, "ChangeConfiguration") == [
            {"key": "HeartbeatInterval", "value": "120"},
            {"key": "SupportedFeatureProfiles", "value": "Core"},
            {"key": "NoSuchKey", "value": "1"},
        ]
        assert changed["status"] == "Partial" and not changed["accepted"]
        assert [(s["key"], s["status"]) for s in changed["result"]["settings"]] == [
            ("HeartbeatInterval", "Accepted"),
            ("SupportedFeatureProfiles", "Rejected"),
            ("NoSuchKey", "NotSupported"),
        ]
        assert len(changed["raw"]["answers"]) == 3
        assert cs.model.config["HeartbeatInterval"] == "120"
        kept_after = await stored(api, cs.station_id)
        assert kept_after["HeartbeatInterval"]["value"] == "120"
        assert kept_after["HeartbeatInterval"]["source"] == "change"
        assert kept_after["HeartbeatInterval"]["readonly"] is False  # kept from the get
        # a Rejected or NotSupported change leaves the kept configuration alone
        assert kept_after["SupportedFeatureProfiles"] == kept["SupportedFeatureProfiles"]
        assert "NoSuchKey" not in kept_after

        single = accepted(
            await api.post(
                f"{base}/change-configuration",
                json={"settings": [{"key": "MeterValueSampleInterval", "value": "30"}]},
            )
        )
        assert (single["status"], single["accepted"]) == ("Accepted", True)
        assert single["raw"] == {"status": "Accepted"}

        async with csms.database.unit_of_work() as uow:
            rows = {s.key: s for s in await uow.configuration.list(cs.station_id)}
        assert rows["MeterValueSampleInterval"].value == "30"

        too_long = await api.post(
            f"{base}/change-configuration", json={"settings": [{"key": "K" * 51, "value": "1"}]}
        )
        assert too_long.status_code == 409 and "50 characters" in too_long.json()["detail"]


async def test_2_0_1_variables_are_read_changed_and_kept(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "CFG-201", "2.0.1", evses=2) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        keys = ["OCPPCommCtrlr/HeartbeatInterval", "EVSE@1/AvailabilityState", "Nope/Thing"]
        got = accepted(await api.post(f"{base}/get-configuration", json={"keys": keys}))
        assert received(cs, "GetVariables") == [
            {
                "getVariableData": [
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                    },
                    {
                        "component": {"name": "EVSE", "evse": {"id": 1}},
                        "variable": {"name": "AvailabilityState"},
                    },
                    {"component": {"name": "Nope"}, "variable": {"name": "Thing"}},
                ]
            }
        ]
        settings = {s["key"]: s for s in got["result"]["settings"]}
        assert settings["OCPPCommCtrlr/HeartbeatInterval"]["status"] == "Accepted"
        assert settings["EVSE@1/AvailabilityState"]["value"] == "Available"
        assert settings["Nope/Thing"]["status"] == "UnknownComponent"
        kept = await stored(api, cs.station_id)
        assert set(kept) == {"OCPPCommCtrlr/HeartbeatInterval", "EVSE@1/AvailabilityState"}

        changed = accepted(
            await api.post(
                f"{base}/change-configuration",
                json={
                    "settings": [
                        {"key": "OCPPCommCtrlr/HeartbeatInterval", "value": "120"},
                        {"key": "LocalAuthListCtrlr/Available", "value": "false"},
                    ]
                },
            )
        )
        [request] = received(cs, "SetVariables")
        assert request["setVariableData"][0] == {
            "attributeValue": "120",
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "HeartbeatInterval"},
        }
        assert changed["status"] == "Partial"
        assert [(s["key"], s["status"]) for s in changed["result"]["settings"]] == [
            ("OCPPCommCtrlr/HeartbeatInterval", "Accepted"),
            ("LocalAuthListCtrlr/Available", "Rejected"),
        ]
        kept = await stored(api, cs.station_id)
        assert kept["OCPPCommCtrlr/HeartbeatInterval"]["value"] == "120"
        assert kept["OCPPCommCtrlr/HeartbeatInterval"]["source"] == "change"
        assert "LocalAuthListCtrlr/Available" not in kept  # a Rejected change keeps nothing

        # 2.0.1 has no "everything" request, and keys follow the notation
        everything = await api.post(f"{base}/get-configuration", json={})
        assert everything.status_code == 409
        assert "get-base-report" in everything.json()["detail"]
        wrong = await api.post(f"{base}/get-configuration", json={"keys": ["HeartbeatInterval"]})
        assert wrong.status_code == 409
        assert "Component[(instance)]" in wrong.json()["detail"]
        assert len(received(cs, "GetVariables")) == 1  # nothing refused was sent


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_configuration_problems(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, events: Events, version: str
) -> None:
    key = "HeartbeatInterval" if version == "1.6" else "OCPPCommCtrlr/HeartbeatInterval"
    async with SimulatedStation(ocpp_url, f"CFG-BAD-{version}", version) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        for body in ({"settings": []}, {"settings": [{"key": key}]}, {"keys": [key]}):
            answer = await api.post(f"{base}/change-configuration", json=body)
            assert answer.status_code == 422, answer.text
        bad = await api.post(f"{base}/get-configuration", json={"keys": [""]})
        assert bad.status_code == 422
        assert cs.received == []
    await events.wait(EventKind.STATION_DISCONNECTED, cs.station_id)
    offline = await api.post(
        f"{base}/change-configuration", json={"settings": [{"key": key, "value": "60"}]}
    )
    assert offline.status_code == 409 and "not connected" in offline.json()["detail"]
    assert await stored(api, cs.station_id) == {}
    unknown = await api.get("/stations/NOPE/configuration")
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "key",
    [
        "OCPPCommCtrlr/HeartbeatInterval",
        "EVSE@1/AvailabilityState",
        "Connector@1.2/ConnectorType",
        "DeviceDataCtrlr/ItemsPerMessage(GetReport)",
        "TokenReader(front)@2/Enabled:Target",
        "SampledDataCtrlr/TxUpdatedInterval:MaxSet",
    ],
)
def test_variable_keys_round_trip(key: str) -> None:
    parsed = VariableKey.parse(key)
    assert str(parsed) == key and parsed.expressible


@pytest.mark.parametrize(
    "key", ["HeartbeatInterval", "/Variable", "Component/", "A/B:Bogus", "A@x/B", "A/B/C"]
)
def test_invalid_variable_keys(key: str) -> None:
    with pytest.raises(InvalidKey):
        VariableKey.parse(key)


async def test_a_2_0_1_base_report_fills_the_kept_configuration(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "CFG-REPORT", "2.0.1", evses=2) as cs:
        await cs.accepted.wait()
        answer = await api.post(
            f"/stations/{cs.station_id}/call",
            json={
                "action": "GetBaseReport",
                "payload": {"requestId": 7, "reportBase": "FullInventory"},
            },
        )
        assert answer.status_code == 200 and answer.json()["status"] == "Accepted"
        await cs.wait_for(
            lambda: any(a == "NotifyReport" and not p.tbc for a, p in cs.sent), timeout=20
        )
        reported = [data for a, p in cs.sent if a == "NotifyReport" for data in p.reportData or ()]
        kept = await stored(api, cs.station_id)
        assert len(kept) == sum(len(d.variableAttribute) for d in reported)
        heartbeat = kept["OCPPCommCtrlr/HeartbeatInterval"]
        assert (heartbeat["source"], heartbeat["readonly"]) == ("report", False)
        assert kept["LocalAuthListCtrlr/Available"]["readonly"] is True
        assert kept["EVSE@2/AvailabilityState"]["value"] == "Available"

        # what a get reads next replaces what the report said
        accepted(
            await api.post(
                f"/stations/{cs.station_id}/commands/get-configuration",
                json={"keys": ["OCPPCommCtrlr/HeartbeatInterval"]},
            )
        )
        after = (await stored(api, cs.station_id))["OCPPCommCtrlr/HeartbeatInterval"]
        assert (after["source"], after["readonly"]) == ("get", False)


async def test_a_1_6_change_failing_midway_keeps_what_was_answered(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "CFG-MIDWAY", "1.6") as cs:
        await cs.accepted.wait()
        calls = 0
        handler: Any = cs.agent.change_configuration

        async def flaky(request: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise InternalError("flash write failed")
            return await handler(request)

        cs.overrides["ChangeConfiguration"] = flaky
        answer = await api.post(
            f"/stations/{cs.station_id}/commands/change-configuration",
            json={
                "settings": [
                    {"key": "HeartbeatInterval", "value": "90"},
                    {"key": "MeterValueSampleInterval", "value": "15"},
                    {"key": "ClockAlignedDataInterval", "value": "900"},
                ]
            },
        )
        assert answer.status_code == 502, answer.text
        problem = answer.json()
        assert problem["error_code"] == "InternalError"
        assert calls == 2  # the third key was not sent
        command = (await api.get(f"/commands/{problem['command_id']}")).json()
        assert command["state"] == "call-error"
        assert command["result"]["settings"] == [
            {"key": "HeartbeatInterval", "status": "Accepted", "value": "90"}
        ]
        kept = await stored(api, cs.station_id)
        assert list(kept) == ["HeartbeatInterval"]
        assert kept["HeartbeatInterval"]["value"] == cs.model.config["HeartbeatInterval"] == "90"
