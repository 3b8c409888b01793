"""Device management commands (reports, variable monitoring) against simulated stations: the
report parts collected per command, the monitors kept, and 1.6 refusing them all."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest

from ampyre.app import Application
from ampyre.simulator.station import SimulatedStation

from .test_commands import accepted, received

HEARTBEAT = {
    "component": {"name": "OCPPCommCtrlr"},
    "variable": {"name": "HeartbeatInterval"},
}


def sent(cs: SimulatedStation, action: str) -> list[dict[str, Any]]:
    """What the station sent (and got answered) for `action`."""
    return [msgspec.to_builtins(p) for name, p in cs.sent if name == action]


def last_part_sent(cs: SimulatedStation, action: str, request_id: int) -> bool:
    return any(p["requestId"] == request_id and not p.get("tbc") for p in sent(cs, action))


async def test_reports_are_collected_per_command(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "DM-REPORT", "2.0.1", evses=2) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        full = accepted(
            await api.post(f"{base}/get-base-report", json={"report_base": "FullInventory"})
        )
        assert full["status"] == "Accepted"
        assert received(cs, "GetBaseReport") == [
            {"requestId": full["id"], "reportBase": "FullInventory"}
        ]
        await cs.wait_for(lambda: last_part_sent(cs, "NotifyReport", full["id"]))
        parts = sent(cs, "NotifyReport")
        collected = (await api.get(f"/commands/{full['id']}/reports")).json()
        assert collected["complete"] is True
        assert [p["content"]["seqNo"] for p in collected["parts"]] == [p["seqNo"] for p in parts]
        assert {p["kind"] for p in collected["parts"]} == {"device-report"}
        reported = {
            (d["component"]["name"], d["variable"]["name"])
            for p in collected["parts"]
            for d in p["content"]["reportData"]
        }
        assert ("OCPPCommCtrlr", "HeartbeatInterval") in reported
        async with csms.database.unit_of_work() as uow:
            stored = await uow.reports.for_request(cs.station_id, full["id"])
        assert len(stored) == len(parts)

        custom = accepted(await api.post(f"{base}/get-report", json={"variables": [HEARTBEAT]}))
        assert custom["status"] == "Accepted"
        assert received(cs, "GetReport") == [
            {"requestId": custom["id"], "componentVariable": [HEARTBEAT]}
        ]
        await cs.wait_for(lambda: last_part_sent(cs, "NotifyReport", custom["id"]))
        [part] = (await api.get(f"/commands/{custom['id']}/reports")).json()["parts"]
        [data] = part["content"]["reportData"]
        assert data["variable"]["name"] == "HeartbeatInterval"
        assert data["variableAttribute"][0]["value"] == "300"

        none = accepted(
            await api.post(
                f"{base}/get-report",
                json={"variables": [{"component": {"name": "NoSuchCtrlr"}}]},
            )
        )
        assert (none["status"], none["accepted"]) == ("EmptyResultSet", False)
        assert none["result"]["reason"] == "NotFound"


async def test_monitors_are_set_replaced_reported_and_cleared(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "DM-MON", "2.0.1", evses=1) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        upper = {**HEARTBEAT, "type": "UpperThreshold", "value": 600, "severity": 5}
        unknown = {
            "component": {"name": "NoSuchCtrlr"},
            "variable": {"name": "X"},
            "type": "Delta",
            "value": 1,
            "severity": 8,
        }
        body = accepted(
            await api.post(f"{base}/set-variable-monitoring", json={"monitors": [upper, unknown]})
        )
        assert body["status"] == "Mixed"
        first, second = body["result"]["results"]
        assert (first["status"], second["status"]) == ("Accepted", "UnknownComponent")
        monitor_id = first["id"]
        [request] = received(cs, "SetVariableMonitoring")
        assert request["setMonitoringData"][0] == {
            "transaction": False,
            "value": 600.0,
            "type": "UpperThreshold",
            "severity": 5,
            **HEARTBEAT,
        }
        [kept] = (await api.get(f"/stations/{cs.station_id}/monitors")).json()
        assert (kept["monitor_id"], kept["type"], kept["value"], kept["set_by"]) == (
            monitor_id,
            "UpperThreshold",
            600.0,
            body["id"],
        )
        assert kept["component"]["name"] == "OCPPCommCtrlr"

        # the same id replaces
        again = accepted(
            await api.post(
                f"{base}/set-variable-monitoring",
                json={"monitors": [{**upper, "id": monitor_id, "value": 900}]},
            )
        )
        assert again["status"] == "Accepted"
        [kept] = (await api.get(f"/stations/{cs.station_id}/monitors")).json()
        assert (kept["value"], kept["set_by"]) == (900.0, again["id"])

        report = accepted(
            await api.post(
                f"{base}/get-monitoring-report", json={"criteria": ["ThresholdMonitoring"]}
            )
        )
        assert report["status"] == "Accepted"
        await cs.wait_for(lambda: last_part_sent(cs, "NotifyMonitoringReport", report["id"]))
        [part] = (await api.get(f"/commands/{report['id']}/reports")).json()["parts"]
        assert part["kind"] == "monitoring-report"
        [monitored] = part["content"]["monitor"]
        assert monitored["variableMonitoring"][0]["id"] == monitor_id

        level = accepted(await api.post(f"{base}/set-monitoring-level", json={"severity": 3}))
        assert level["status"] == "Accepted"
        assert received(cs, "SetMonitoringLevel") == [{"severity": 3}]

        cleared = accepted(
            await api.post(
                f"{base}/clear-variable-monitoring", json={"monitor_ids": [monitor_id, 4242]}
            )
        )
        assert cleared["status"] == "Mixed"
        assert [(r["id"], r["status"]) for r in cleared["result"]["results"]] == [
            (monitor_id, "Accepted"),
            (4242, "NotFound"),
        ]
        assert (await api.get(f"/stations/{cs.station_id}/monitors")).json() == []
        history = (
            await api.get(f"/stations/{cs.station_id}/monitors", params={"history": "true"})
        ).json()
        assert [(h["state"], h["ended_by"]) for h in history] == [
            ("replaced", again["id"]),
            ("cleared", cleared["id"]),
        ]

        # FactoryDefault removes every custom monitor
        accepted(await api.post(f"{base}/set-variable-monitoring", json={"monitors": [upper]}))
        assert len((await api.get(f"/stations/{cs.station_id}/monitors")).json()) == 1
        factory = accepted(
            await api.post(f"{base}/set-monitoring-base", json={"base": "FactoryDefault"})
        )
        assert factory["status"] == "Accepted"
        assert (await api.get(f"/stations/{cs.station_id}/monitors")).json() == []
        async with csms.database.unit_of_work() as uow:
            rows = await uow.monitors.list(cs.station_id, active_only=False)
        assert [r.state.value for r in rows] == ["replaced", "cleared", "cleared"]


async def test_a_rejected_monitor_changes_nothing(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "DM-MON-NO", "2.0.1") as cs:
        await cs.accepted.wait()
        # a periodic monitor needs a positive period
        body = accepted(
            await api.post(
                f"/stations/{cs.station_id}/commands/set-variable-monitoring",
                json={"monitors": [{**HEARTBEAT, "type": "Periodic", "value": 0, "severity": 1}]},
            )
        )
        assert (body["status"], body["accepted"]) == ("Rejected", False)
        assert body["result"]["results"][0]["reason"] == "ValueOutOfRange"
        assert (await api.get(f"/stations/{cs.station_id}/monitors")).json() == []
        async with csms.database.unit_of_work() as uow:
            assert await uow.monitors.list(cs.station_id, active_only=False) == []


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("get-base-report", {"report_base": "ConfigurationInventory"}),
        ("get-report", {}),
        ("get-monitoring-report", {}),
        (
            "set-variable-monitoring",
            {"monitors": [{**HEARTBEAT, "type": "Delta", "value": 1, "severity": 1}]},
        ),
        ("clear-variable-monitoring", {"monitor_ids": [1]}),
        ("set-monitoring-base", {"base": "All"}),
        ("set-monitoring-level", {"severity": 1}),
    ],
)
async def test_1_6_has_no_device_model_commands(
    ocpp_url: str, api: httpx.AsyncClient, command: str, body: dict[str, Any]
) -> None:
    async with SimulatedStation(ocpp_url, f"DM-16-{command}", "1.6") as cs:
        await cs.accepted.wait()
        answer = await api.post(f"/stations/{cs.station_id}/commands/{command}", json=body)
        assert answer.status_code == 409, answer.text
        assert f"OCPP 1.6 has no message for {command}" in answer.json()["detail"]
        assert cs.received == []


@pytest.mark.parametrize(
    ("command", "body", "message"),
    [
        ("get-base-report", {"report_base": "Everything"}, "report_base"),
        ("set-variable-monitoring", {"monitors": []}, "monitors"),
        (
            "set-variable-monitoring",
            {"monitors": [{**HEARTBEAT, "type": "Delta", "value": 1, "severity": 10}]},
            "severity",
        ),
        (
            "get-report",
            {"variables": [{"component": {"name": "EVSE", "connector_id": 1}}]},
            "connector_id needs its evse_id",
        ),
        ("set-monitoring-level", {"severity": -1}, "severity"),
    ],
)
async def test_invalid_device_model_bodies_are_refused(
    api: httpx.AsyncClient, command: str, body: dict[str, Any], message: str
) -> None:
    answer = await api.post(f"/stations/ANY/commands/{command}", json=body)
    assert answer.status_code == 422, answer.text
    assert message in answer.json()["detail"]
