"""The station's message limits, end to end: simulated 1.6 and 2.0.1 stations with small
limits refuse larger messages; once the central system has read those limits it sends a
local list, GetVariables and SetVariables as several messages the station accepts, keeps
what the station holds, and says so when an update was cut short."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest

from ampyre.app import Application
from ampyre.protocol.errors import InternalError
from ampyre.simulator.station import SimulatedStation

from .test_commands import accepted, received
from .test_commands_local_list import kept, tokens

VERSIONS = ["1.6", "2.0.1"]
#: the simulated station's limits, and the keys the central system reads them under
LIMITS = {
    "1.6": {"SendLocalListMaxLength": "3", "LocalAuthListMaxLength": "8"},
    "2.0.1": {
        "LocalAuthListCtrlr.ItemsPerMessage": "3",
        "LocalAuthListCtrlr.BytesPerMessage": "300",
    },
}
KEYS = {
    "1.6": ["SendLocalListMaxLength", "LocalAuthListMaxLength"],
    "2.0.1": ["LocalAuthListCtrlr/ItemsPerMessage", "LocalAuthListCtrlr/BytesPerMessage"],
}


def entries(*names: str) -> list[dict[str, Any]]:
    return [{"id_token": name} for name in names]


def within_limits(requests: list[dict[str, Any]], version: str) -> None:
    """Every SendLocalList of `requests` respects the station's limits."""
    for request in requests:
        assert len(request.get("localAuthorizationList", [])) <= 3
        if version == "2.0.1":
            assert len(msgspec.json.encode(request)) <= 300


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_local_list_longer_than_one_message_goes_as_several(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, version: str
) -> None:
    async with SimulatedStation(ocpp_url, f"LIM-LL-{version}", version) as cs:
        await cs.accepted.wait()
        cs.model.config.update(LIMITS[version])
        base = f"/stations/{cs.station_id}/commands"
        version_key = "listVersion" if version == "1.6" else "versionNumber"
        names = [f"LIM-{n:02}" for n in range(7)]

        # limits not known yet: one message, which the station refuses
        refused = accepted(
            await api.post(
                f"{base}/send-local-list", json={"update": "Full", "entries": entries(*names)}
            )
        )
        assert (refused["status"], refused["result"]["accepted_version"]) == ("Failed", None)
        assert len(received(cs, "SendLocalList")) == 1
        assert await kept(api, cs.station_id) == (0, {})

        # the central system learns them from the station's configuration
        accepted(await api.post(f"{base}/get-configuration", json={"keys": KEYS[version]}))

        full = accepted(
            await api.post(
                f"{base}/send-local-list", json={"update": "Full", "entries": entries(*names)}
            )
        )
        sent = received(cs, "SendLocalList")[1:]
        assert [(r["updateType"], r[version_key]) for r in sent] == [
            ("Full", 1),
            *[("Differential", v) for v in range(2, len(sent) + 1)],
        ]
        assert [t for r in sent for t in tokens(r, version)] == names
        within_limits(sent, version)
        assert full["status"] == "Accepted"
        assert (full["result"]["version"], full["result"]["messages"]) == (len(sent), len(sent))
        assert full["result"]["accepted_entries"] == 7
        assert cs.model.local_list_version == len(sent)
        assert cs.model.local_list == dict.fromkeys(names, "Accepted")
        assert await kept(api, cs.station_id) == (len(sent), dict.fromkeys(names, "Accepted"))

        # a differential update too, numbered after the stored version
        start = len(received(cs, "SendLocalList"))
        removed = [{"id_token": name, "status": None} for name in names[:2]]
        changes = [*removed, *entries("LIM-10", "LIM-11", "LIM-12")]
        diff = accepted(
            await api.post(
                f"{base}/send-local-list", json={"update": "Differential", "entries": changes}
            )
        )
        sent = received(cs, "SendLocalList")[start:]
        assert len(sent) >= 2 and {r["updateType"] for r in sent} == {"Differential"}
        first = full["result"]["version"] + 1
        assert [r[version_key] for r in sent] == list(range(first, first + len(sent)))
        within_limits(sent, version)
        expected = dict.fromkeys([*names[2:], "LIM-10", "LIM-11", "LIM-12"], "Accepted")
        assert diff["status"] == "Accepted"
        assert cs.model.local_list == expected
        assert await kept(api, cs.station_id) == (diff["result"]["version"], expected)

        check = accepted(await api.post(f"{base}/get-local-list-version"))
        assert check["result"]["in_sync"] is True


async def test_a_1_6_list_longer_than_the_station_keeps_is_refused_in_words(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "LIM-MAX-16", "1.6") as cs:
        await cs.accepted.wait()
        cs.model.config.update(LIMITS["1.6"])
        base = f"/stations/{cs.station_id}/commands"
        accepted(await api.post(f"{base}/get-configuration", json={"keys": KEYS["1.6"]}))
        names = [f"MAX-{n}" for n in range(9)]
        answer = await api.post(
            f"{base}/send-local-list", json={"update": "Full", "entries": entries(*names)}
        )
        assert answer.status_code == 409, answer.text
        assert "keeps at most 8 entries" in answer.json()["detail"]
        assert "would hold 9" in answer.json()["detail"]
        assert received(cs, "SendLocalList") == []

        # a differential update counts what the list already holds
        accepted(
            await api.post(
                f"{base}/send-local-list", json={"update": "Full", "entries": entries(*names[:6])}
            )
        )
        more = await api.post(
            f"{base}/send-local-list",
            json={"update": "Differential", "entries": entries(*names[6:])},
        )
        assert more.status_code == 409 and "would hold 9" in more.json()["detail"]
        removing = accepted(
            await api.post(
                f"{base}/send-local-list",
                json={
                    "update": "Differential",
                    "entries": [{"id_token": names[0], "status": None}, *entries(*names[6:])],
                },
            )
        )
        assert removing["status"] == "Accepted"
        assert len(cs.model.local_list) == 8


@pytest.mark.parametrize("version", VERSIONS)
async def test_an_update_cut_short_keeps_what_the_station_accepted_and_says_so(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, version: str
) -> None:
    async with SimulatedStation(ocpp_url, f"LIM-CUT-{version}", version) as cs:
        await cs.accepted.wait()
        cs.model.config.update(LIMITS[version])
        base = f"/stations/{cs.station_id}/commands"
        accepted(await api.post(f"{base}/get-configuration", json={"keys": KEYS[version]}))
        handlers: dict[str, Any] = cs.agent.handlers  # type: ignore[attr-defined]
        original = handlers["SendLocalList"]
        calls = 0

        async def second_fails(request: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise InternalError("storage failed")
            return await original(request)

        handlers["SendLocalList"] = second_fails
        names = [f"CUT-{n:02}" for n in range(7)]
        answer = await api.post(
            f"{base}/send-local-list", json={"update": "Full", "entries": entries(*names)}
        )
        assert answer.status_code == 502, answer.text
        problem = answer.json()
        assert problem["error_code"] == "InternalError"
        record = (await api.get(f"/commands/{problem['command_id']}")).json()
        assert record["state"] == "call-error"
        result = record["result"]
        first = received(cs, "SendLocalList")[0]
        held = tokens(first, version)
        assert result["accepted_version"] == 1
        assert result["accepted_entries"] == len(held) < 7
        assert result["messages_accepted"] == 1 and result["messages"] >= 3
        assert "not the whole update" in result["incomplete"]
        assert len(received(cs, "SendLocalList")) == 2  # nothing after the failure
        # the central system keeps what the station holds: version 1, the first entries
        assert cs.model.local_list_version == 1
        assert await kept(api, cs.station_id) == (1, dict(held))

        # sending the list again completes it
        handlers["SendLocalList"] = original
        again = accepted(
            await api.post(
                f"{base}/send-local-list", json={"update": "Full", "entries": entries(*names)}
            )
        )
        assert again["status"] == "Accepted"
        assert cs.model.local_list == dict.fromkeys(names, "Accepted")
        assert await kept(api, cs.station_id) == (
            again["result"]["version"],
            dict.fromkeys(names, "Accepted"),
        )


async def test_2_0_1_get_and_set_variables_respect_items_and_bytes_per_message(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "LIM-VAR", "2.0.1") as cs:
        await cs.accepted.wait()
        cs.model.config.update(
            {
                "DeviceDataCtrlr.ItemsPerMessage[GetVariables]": "2",
                "DeviceDataCtrlr.ItemsPerMessage[SetVariables]": "2",
                "DeviceDataCtrlr.BytesPerMessage[SetVariables]": "400",
            }
        )
        base = f"/stations/{cs.station_id}/commands"
        wanted = [
            "OCPPCommCtrlr/HeartbeatInterval",
            "AuthCtrlr/AuthorizeRemoteStart",
            "DeviceDataCtrlr/ItemsPerMessage(GetVariables)",
            "DeviceDataCtrlr/ItemsPerMessage(SetVariables)",
            "DeviceDataCtrlr/BytesPerMessage(SetVariables)",
        ]

        # limits not known yet: one message of 5, which the station refuses
        refused = await api.post(f"{base}/get-configuration", json={"keys": wanted})
        assert refused.status_code == 502, refused.text
        assert refused.json()["error_code"] == "OccurrenceConstraintViolation"

        # learn the limits (two at a time), then ask for all five
        accepted(await api.post(f"{base}/get-configuration", json={"keys": wanted[2:4]}))
        start = len(received(cs, "GetVariables"))
        got = accepted(await api.post(f"{base}/get-configuration", json={"keys": wanted}))
        sent = received(cs, "GetVariables")[start:]
        assert [len(r["getVariableData"]) for r in sent] == [2, 2, 1]
        assert [s["key"] for s in got["result"]["settings"]] == wanted
        assert {s["status"] for s in got["result"]["settings"]} == {"Accepted"}
        assert got["result"]["messages"] == 3
        assert got["result"]["settings"][2]["value"] == "2"

        # SetVariables: 2 items and at most 400 bytes a message, results joined in order
        changes = [
            {"key": "OCPPCommCtrlr/HeartbeatInterval", "value": "120"},
            {"key": "AuthCtrlr/AuthorizeRemoteStart", "value": "true"},
            {"key": "TxCtrlr/EVConnectionTimeOut", "value": "90"},
            {"key": "NoSuchCtrlr/Thing", "value": "x" * 200},
        ]
        changed = accepted(
            await api.post(f"{base}/change-configuration", json={"settings": changes})
        )
        sent = received(cs, "SetVariables")
        assert len(sent) >= 2
        for request in sent:
            assert len(request["setVariableData"]) <= 2
            assert len(msgspec.json.encode(request)) <= 400
        assert [s["key"] for s in changed["result"]["settings"]] == [c["key"] for c in changes]
        assert changed["status"] == "Partial"
        assert cs.model.config["OCPPCommCtrlr.HeartbeatInterval"] == "120"


async def test_1_6_get_configuration_names_at_most_get_configuration_max_keys(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "LIM-CFG-16", "1.6") as cs:
        await cs.accepted.wait()
        cs.model.config["GetConfigurationMaxKeys"] = "2"
        base = f"/stations/{cs.station_id}/commands"
        wanted = [
            "HeartbeatInterval",
            "NoSuchKey",
            "GetConfigurationMaxKeys",
            "MeterValueSampleInterval",
            "LocalAuthListEnabled",
        ]

        # not known yet: one message of 5 keys, which the station refuses
        refused = await api.post(f"{base}/get-configuration", json={"keys": wanted})
        assert refused.status_code == 502, refused.text
        assert received(cs, "GetConfiguration") == [{"key": wanted}]

        accepted(await api.post(f"{base}/get-configuration", json={"keys": wanted[2:3]}))
        got = accepted(await api.post(f"{base}/get-configuration", json={"keys": wanted}))
        assert received(cs, "GetConfiguration")[2:] == [
            {"key": wanted[0:2]},
            {"key": wanted[2:4]},
            {"key": wanted[4:5]},
        ]
        settings = got["result"]["settings"]
        assert {s["key"]: s["status"] for s in settings} == {
            **dict.fromkeys(wanted, "Accepted"),
            "NoSuchKey": "UnknownKey",
        }
        assert got["result"]["messages"] == 3
        # the whole configuration is still one message (no keys named)
        accepted(await api.post(f"{base}/get-configuration", json={}))
        assert received(cs, "GetConfiguration")[-1] == {}
