"""Smart charging to SOAP stations: a 1.6 station over OCPP-S takes the same commands and the
same profiles are kept; 1.5 has no smart charging, so it is refused before sending."""

from __future__ import annotations

import httpx

from ampyre.app import Application

from .test_soap_commands import answered, received, soap_station

PROFILE = {
    "id": 3,
    "stack_level": 1,
    "purpose": "TxDefaultProfile",
    "schedule": {"unit": "A", "periods": [{"start_s": 0, "limit": 13.5}]},
}


async def test_a_1_6_soap_station_takes_charging_profiles(
    csms: Application, api: httpx.AsyncClient
) -> None:
    async with soap_station(csms, "SSC-16", "1.6", evses=1) as cs:
        base = f"/stations/{cs.station_id}/commands"
        body = answered(
            await api.post(f"{base}/set-charging-profile", json={"evse_id": 1, "profile": PROFILE})
        )
        assert body["status"] == "Accepted"
        [sent] = received(cs, "SetChargingProfile")
        assert sent["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"] == [
            {"startPeriod": 0, "limit": 13.5}
        ]
        composite = answered(
            await api.post(f"{base}/get-composite-schedule", json={"evse_id": 1, "duration_s": 60})
        )
        schedule = composite["result"]["schedule"]
        assert (schedule["evse_id"], schedule["unit"], schedule["duration_s"]) == (1, "A", 60)
        assert received(cs, "GetCompositeSchedule") == [{"connectorId": 1, "duration": 60}]
        [kept] = (await api.get(f"/stations/{cs.station_id}/charging-profiles")).json()
        assert kept["profile"]["id"] == 3
        answered(await api.post(f"{base}/clear-charging-profile", json={}))
        assert (await api.get(f"/stations/{cs.station_id}/charging-profiles")).json() == []


async def test_a_1_5_soap_station_has_no_smart_charging(
    csms: Application, api: httpx.AsyncClient
) -> None:
    async with soap_station(csms, "SSC-15", "1.5", evses=1) as cs:
        answer = await api.post(
            f"/stations/{cs.station_id}/commands/set-charging-profile",
            json={"evse_id": 1, "profile": PROFILE},
        )
        assert answer.status_code == 409, answer.text
        assert "OCPP 1.5 has no message for set-charging-profile" in answer.json()["detail"]
        assert cs.received == []
