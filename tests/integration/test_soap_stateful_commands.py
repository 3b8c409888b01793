"""The commands that keep state (configuration, reservations, local list) to SOAP stations
(the 1.5 and 1.6 simulator): the same API, the same state kept as for JSON stations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ampyre.app import Application

from .test_soap_commands import answered, received, soap_station


@pytest.mark.parametrize("version", ["1.5", "1.6"])
async def test_configuration_reservation_and_local_list_over_soap(
    csms: Application, api: httpx.AsyncClient, version: str
) -> None:
    async with soap_station(csms, f"SSTATE-{version}", version, evses=2) as cs:
        base = f"/stations/{cs.station_id}/commands"

        got = answered(
            await api.post(f"{base}/get-configuration", json={"keys": ["HeartbeatInterval"]})
        )
        assert received(cs, "GetConfiguration") == [{"key": ["HeartbeatInterval"]}]
        assert got["result"]["settings"][0]["status"] == "Accepted"
        changed = answered(
            await api.post(
                f"{base}/change-configuration",
                json={
                    "settings": [
                        {"key": "HeartbeatInterval", "value": "300"},
                        {"key": "NoSuchKey", "value": "1"},
                    ]
                },
            )
        )
        assert [s["status"] for s in changed["result"]["settings"]] == [
            "Accepted",
            "NotSupported",
        ]
        assert len(received(cs, "ChangeConfiguration")) == 2
        kept = (await api.get(f"/stations/{cs.station_id}/configuration")).json()["settings"]
        assert [(s["key"], s["value"], s["source"]) for s in kept] == [
            ("HeartbeatInterval", "300", "change")
        ]

        expiry = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        made = answered(
            await api.post(
                f"{base}/reserve-now",
                json={"id_token": "SOAP-RES", "expires_at": expiry, "evse_id": 2},
            )
        )
        assert made["status"] == "Accepted"
        [request] = received(cs, "ReserveNow")
        assert (request["reservationId"], request["connectorId"]) == (made["id"], 2)
        answered(await api.post(f"{base}/cancel-reservation", json={"reservation_id": made["id"]}))
        assert (await api.get(f"/reservations/{made['id']}")).json()["state"] == "cancelled"

        sent = answered(
            await api.post(
                f"{base}/send-local-list",
                json={"update": "Full", "entries": [{"id_token": "SOAP-A"}]},
            )
        )
        assert (sent["status"], sent["result"]["version"]) == ("Accepted", 1)
        assert cs.model.local_list == {"SOAP-A": "Accepted"}
        check = answered(await api.post(f"{base}/get-local-list-version"))
        assert (check["result"]["version"], check["result"]["in_sync"]) == (1, True)
        listed = (await api.get(f"/stations/{cs.station_id}/local-list")).json()
        assert (listed["version"], [e["id_token"] for e in listed["entries"]]) == (1, ["SOAP-A"])
