"""Smart charging commands against simulated stations of each OCPP-J version: what the station
received and holds, what the API answered, what the database keeps; Rejected, Unknown,
invalid profiles, and what 1.6 cannot express."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.events import EventKind
from ampyre.domain.smart_charging import ProfileState
from ampyre.simulator.station import SimulatedStation

from .test_commands import VERSIONS, Events, accepted, received


@pytest.fixture
async def events(csms: Application) -> AsyncIterator[Events]:
    collected = Events(csms)
    yield collected
    collected.stop()


def profile(
    profile_id: int,
    purpose: str = "TxDefaultProfile",
    limits: tuple[float, ...] = (16.0, 10.0),
    unit: str = "A",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": profile_id,
        "stack_level": extra.pop("stack_level", 1),
        "purpose": purpose,
        "schedule": {
            "unit": unit,
            "periods": [
                {"start_s": i * 600, "limit": limit, "phases": 3} for i, limit in enumerate(limits)
            ],
        },
        **extra,
    }


async def stored(csms: Application, station_id: str) -> list[tuple[int, str]]:
    async with csms.database.unit_of_work() as uow:
        rows = await uow.charging_profiles.list(station_id, installed_only=False)
    return [(r.profile.id, r.state.value) for r in rows]


def station_profile_ids(cs: SimulatedStation) -> list[int]:
    return sorted(p.get("id", p.get("chargingProfileId", -1)) for p in cs.model.charging_profiles)


@pytest.mark.parametrize("version", VERSIONS)
async def test_profiles_are_set_replaced_cleared_and_kept(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, version: str
) -> None:
    async with SimulatedStation(ocpp_url, f"SC-SET-{version}", version, evses=2) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        v16 = version == "1.6"

        first = accepted(
            await api.post(
                f"{base}/set-charging-profile", json={"evse_id": 1, "profile": profile(1)}
            )
        )
        assert (first["status"], first["accepted"]) == ("Accepted", True)
        [sent] = received(cs, "SetChargingProfile")
        periods = [
            {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
            {"startPeriod": 600, "limit": 10.0, "numberPhases": 3},
        ]
        if v16:
            assert sent == {
                "connectorId": 1,
                "csChargingProfiles": {
                    "chargingProfileId": 1,
                    "stackLevel": 1,
                    "chargingProfilePurpose": "TxDefaultProfile",
                    "chargingProfileKind": "Absolute",
                    "chargingSchedule": {
                        "chargingRateUnit": "A",
                        "chargingSchedulePeriod": periods,
                    },
                },
            }
        else:
            assert sent == {
                "evseId": 1,
                "chargingProfile": {
                    "id": 1,
                    "stackLevel": 1,
                    "chargingProfilePurpose": "TxDefaultProfile",
                    "chargingProfileKind": "Absolute",
                    "chargingSchedule": [
                        {"id": 1, "chargingRateUnit": "A", "chargingSchedulePeriod": periods}
                    ],
                },
            }
        # the station's own maximum, in the 1.x spelling, in watts
        station_max = accepted(
            await api.post(
                f"{base}/set-charging-profile",
                json={
                    "evse_id": 0,
                    "profile": profile(2, "ChargePointMaxProfile", (11000.0,), "W", stack_level=0),
                },
            )
        )
        assert station_max["status"] == "Accepted"
        purpose = received(cs, "SetChargingProfile")[1]
        wire_purpose = (
            purpose["csChargingProfiles"]["chargingProfilePurpose"]
            if v16
            else purpose["chargingProfile"]["chargingProfilePurpose"]
        )
        assert wire_purpose == ("ChargePointMaxProfile" if v16 else "ChargingStationMaxProfile")
        assert station_profile_ids(cs) == [1, 2]

        # the same id replaces
        again = accepted(
            await api.post(
                f"{base}/set-charging-profile",
                json={"evse_id": 1, "profile": profile(1, limits=(8.0,))},
            )
        )
        assert again["status"] == "Accepted"
        shown = (await api.get(f"/stations/{cs.station_id}/charging-profiles")).json()
        assert [(p["profile"]["id"], p["state"], p["set_by"]) for p in shown] == [
            (2, "installed", station_max["id"]),
            (1, "installed", again["id"]),
        ]
        assert shown[1]["profile"]["schedule"]["periods"] == [
            {"start_s": 0, "limit": 8.0, "phases": 3}
        ]

        composite = accepted(
            await api.post(
                f"{base}/get-composite-schedule",
                json={"evse_id": 1, "duration_s": 3600, "unit": "A"},
            )
        )
        assert composite["status"] == "Accepted"
        schedule = composite["result"]["schedule"]
        assert (schedule["evse_id"], schedule["duration_s"], schedule["unit"]) == (1, 3600, "A")
        assert schedule["periods"][0]["start_s"] == 0 and schedule["periods"][0]["limit"] > 0
        assert received(cs, "GetCompositeSchedule") == [
            {"connectorId": 1, "duration": 3600, "chargingRateUnit": "A"}
            if v16
            else {"evseId": 1, "duration": 3600, "chargingRateUnit": "A"}
        ]

        cleared = accepted(await api.post(f"{base}/clear-charging-profile", json={"profile_id": 1}))
        assert cleared["status"] == "Accepted"
        assert received(cs, "ClearChargingProfile") == [
            {"id": 1} if v16 else {"chargingProfileId": 1}
        ]
        by_purpose = accepted(
            await api.post(
                f"{base}/clear-charging-profile",
                json={"purpose": "ChargingStationMaxProfile", "evse_id": 0},
            )
        )
        assert by_purpose["status"] == "Accepted"
        assert received(cs, "ClearChargingProfile")[1] == (
            {"connectorId": 0, "chargingProfilePurpose": "ChargePointMaxProfile"}
            if v16
            else {
                "chargingProfileCriteria": {
                    "evseId": 0,
                    "chargingProfilePurpose": "ChargingStationMaxProfile",
                }
            }
        )
        assert station_profile_ids(cs) == []
        assert (await api.get(f"/stations/{cs.station_id}/charging-profiles")).json() == []
        assert await stored(csms, cs.station_id) == [
            (1, ProfileState.REPLACED.value),
            (2, ProfileState.CLEARED.value),
            (1, ProfileState.CLEARED.value),
        ]
        history = (
            await api.get(
                f"/stations/{cs.station_id}/charging-profiles", params={"history": "true"}
            )
        ).json()
        assert [h["ended_by"] for h in history] == [again["id"], by_purpose["id"], cleared["id"]]

        # nothing left to clear: Unknown, and nothing changes
        unknown = accepted(await api.post(f"{base}/clear-charging-profile", json={"profile_id": 1}))
        assert (unknown["status"], unknown["accepted"]) == ("Unknown", False)
        assert len(await stored(csms, cs.station_id)) == 3


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_tx_profile_names_its_transaction_and_ends_with_it(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, events: Events, version: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("SC-TX"))
    async with SimulatedStation(ocpp_url, f"SC-TX-{version}", version, evses=1) as cs:
        await cs.accepted.wait()
        await cs.start_charging(1, "SC-TX")
        started = await events.wait(EventKind.TRANSACTION_STARTED, cs.station_id)
        transaction_id = started.data["transaction_id"]
        ref = started.data["ref"]
        body = accepted(
            await api.post(
                f"/stations/{cs.station_id}/commands/set-charging-profile",
                json={
                    "evse_id": 1,
                    "transaction_id": transaction_id,
                    "profile": profile(7, "TxProfile", (6.0,), stack_level=2),
                },
            )
        )
        assert body["status"] == "Accepted", body
        [sent] = received(cs, "SetChargingProfile")
        if version == "1.6":
            assert sent["csChargingProfiles"]["transactionId"] == int(ref)
        else:
            assert sent["chargingProfile"]["transactionId"] == ref
        [shown] = (await api.get(f"/stations/{cs.station_id}/charging-profiles")).json()
        assert (shown["transaction_id"], shown["state"]) == (transaction_id, "installed")

        await cs.stop_charging(1)
        await events.wait(EventKind.TRANSACTION_ENDED, transaction_id=transaction_id)
        assert (await api.get(f"/stations/{cs.station_id}/charging-profiles")).json() == []
        [ended] = (
            await api.get(
                f"/stations/{cs.station_id}/charging-profiles", params={"history": "true"}
            )
        ).json()
        assert ended["state"] == "ended" and ended["ended_at"] is not None

        # a transaction that is over, or not this station's, cannot be limited
        over = await api.post(
            f"/stations/{cs.station_id}/commands/set-charging-profile",
            json={
                "evse_id": 1,
                "transaction_id": transaction_id,
                "profile": profile(8, "TxProfile"),
            },
        )
        assert over.status_code == 409 and "has ended" in over.json()["detail"]
        missing = await api.post(
            f"/stations/{cs.station_id}/commands/set-charging-profile",
            json={"evse_id": 1, "transaction_id": 999999, "profile": profile(8, "TxProfile")},
        )
        assert missing.status_code == 404 and "999999" in missing.json()["detail"]
        assert len(received(cs, "SetChargingProfile")) == 1


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_rejected_profile_changes_nothing(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, version: str
) -> None:
    async with SimulatedStation(ocpp_url, f"SC-REJ-{version}", version, evses=1) as cs:
        await cs.accepted.wait()
        # the simulated station takes stack levels up to 8
        body = accepted(
            await api.post(
                f"/stations/{cs.station_id}/commands/set-charging-profile",
                json={"evse_id": 1, "profile": profile(3, stack_level=50)},
            )
        )
        assert (body["status"], body["accepted"]) == ("Rejected", False)
        assert len(received(cs, "SetChargingProfile")) == 1
        assert station_profile_ids(cs) == []
        assert (await api.get(f"/stations/{cs.station_id}/charging-profiles")).json() == []
        assert await stored(csms, cs.station_id) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {
                "evse_id": 1,
                "profile": profile(1, stack_level=0)
                | {"schedule": {"unit": "A", "periods": [{"start_s": 60, "limit": 1}]}},
            },
            "the first period must start at start_s 0",
        ),
        (
            {
                "evse_id": 1,
                "profile": profile(1)
                | {
                    "schedule": {
                        "unit": "A",
                        "periods": [{"start_s": 0, "limit": 1}, {"start_s": 0, "limit": 2}],
                    }
                },
            },
            "increasing start_s",
        ),
        ({"evse_id": 1, "profile": profile(1, kind="Recurring")}, "needs its recurrency"),
        ({"evse_id": 1, "profile": profile(1, "TxProfile")}, "needs the transaction_id"),
        ({"evse_id": 1, "profile": profile(1, "ChargingStationMaxProfile")}, "evse_id 0"),
        ({"evse_id": 0, "profile": profile(1, "TxProfile")}, "evse_id must be 1 or more"),
        (
            {
                "evse_id": 1,
                "profile": profile(
                    1, valid_from="2030-01-02T00:00:00Z", valid_to="2030-01-01T00:00:00Z"
                ),
            },
            "valid_from must be before valid_to",
        ),
        ({"evse_id": 1, "profile": profile(1, unit="kW")}, "profile.schedule.unit"),
        ({"evse_id": 1, "profile": profile(1) | {"bogus": 1}}, "bogus"),
    ],
)
async def test_an_invalid_profile_is_refused_with_the_reason(
    api: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    answer = await api.post("/stations/ANY/commands/set-charging-profile", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert message in answer.json()["detail"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_get_charging_profiles_reports_are_collected_by_command(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, version: str
) -> None:
    async with SimulatedStation(ocpp_url, f"SC-GET-{version}", version, evses=2) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        for evse_id, profile_id in ((1, 11), (2, 12)):
            accepted(
                await api.post(
                    f"{base}/set-charging-profile",
                    json={"evse_id": evse_id, "profile": profile(profile_id)},
                )
            )
        answer = await api.post(f"{base}/get-charging-profiles", json={"sources": ["CSO"]})
        if version == "1.6":
            assert answer.status_code == 409, answer.text
            assert "OCPP 1.6 has no message for get-charging-profiles" in answer.json()["detail"]
            assert received(cs, "GetChargingProfiles") == []
            # what we installed is known on our side
            shown = (await api.get(f"/stations/{cs.station_id}/charging-profiles")).json()
            assert [p["profile"]["id"] for p in shown] == [11, 12]
            return
        body = accepted(answer)
        assert body["status"] == "Accepted"
        [sent] = received(cs, "GetChargingProfiles")
        assert sent == {
            "requestId": body["id"],
            "chargingProfile": {"chargingLimitSource": ["CSO"]},
        }
        await cs.wait_for(
            lambda: sum(1 for name, _ in cs.sent if name == "ReportChargingProfiles") == 2
        )
        reports = (await api.get(f"/commands/{body['id']}/reports")).json()
        assert reports["complete"] is True
        assert [p["kind"] for p in reports["parts"]] == ["charging-profiles-report"] * 2
        assert sorted(
            (p["content"]["evseId"], p["content"]["chargingProfile"][0]["id"])
            for p in reports["parts"]
        ) == [(1, 11), (2, 12)]

        none = accepted(await api.post(f"{base}/get-charging-profiles", json={"stack_level": 7}))
        assert none["status"] == "NoProfiles"
        empty = (await api.get(f"/commands/{none['id']}/reports")).json()
        assert (empty["complete"], empty["parts"]) == (False, [])
    assert (await api.get("/commands/999999/reports")).status_code == 404


async def test_what_is_kept_of_an_unknown_station_is_a_404(api: httpx.AsyncClient) -> None:
    for kept in ("charging-profiles", "monitors", "display-messages"):
        answer = await api.get(f"/stations/NOPE/{kept}")
        assert answer.status_code == 404, answer.text
        assert "NOPE" in answer.json()["detail"]


async def test_a_profile_past_its_validity_and_a_message_past_its_end_are_shown_ended(
    ocpp_url: str, api: httpx.AsyncClient
) -> None:
    now = datetime.now(UTC)
    async with SimulatedStation(ocpp_url, "SC-PAST", "2.0.1") as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        window = {
            "valid_from": (now - timedelta(days=2)).isoformat(),
            "valid_to": (now - timedelta(days=1)).isoformat(),
        }
        accepted(
            await api.post(
                f"{base}/set-charging-profile",
                json={"evse_id": 1, "profile": profile(21, **window)},
            )
        )
        accepted(
            await api.post(
                f"{base}/set-charging-profile",
                json={"evse_id": 1, "profile": profile(22, stack_level=2)},
            )
        )
        shown = (await api.get(f"/stations/{cs.station_id}/charging-profiles")).json()
        assert [p["profile"]["id"] for p in shown] == [22]
        history = (
            await api.get(
                f"/stations/{cs.station_id}/charging-profiles", params={"history": "true"}
            )
        ).json()
        assert [(p["profile"]["id"], p["state"]) for p in history] == [
            (21, "ended"),
            (22, "installed"),
        ]
        assert history[0]["ended_at"] == history[0]["profile"]["valid_to"].replace("+00:00", "Z")

        message = {
            "id": 1,
            "priority": "NormalCycle",
            "content": "Closed yesterday",
            "starts_at": (now - timedelta(days=2)).isoformat(),
            "ends_at": (now - timedelta(days=1)).isoformat(),
        }
        accepted(await api.post(f"{base}/set-display-message", json={"message": message}))
        assert (await api.get(f"/stations/{cs.station_id}/display-messages")).json() == []
        [ended] = (
            await api.get(f"/stations/{cs.station_id}/display-messages", params={"history": "true"})
        ).json()
        assert ended["state"] == "ended"
