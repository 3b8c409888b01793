"""reserve-now and cancel-reservation against simulated 1.6 and 2.0.1 stations: what the
station received, what the API answered, and each reservation's state as it is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.events import EventKind
from ampyre.domain.reservations import ReservationState
from ampyre.simulator.station import SimulatedStation

from .test_commands import Events, accepted, events, received

__all__ = ["events"]  # the fixture, used by name

VERSIONS = ["1.6", "2.0.1"]


def later(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def reservation(api: httpx.AsyncClient, reservation_id: int) -> dict[str, Any]:
    answer = await api.get(f"/reservations/{reservation_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_reservation_is_kept_used_rejected_and_cancelled(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, events: Events, version: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("RES-1"))
    async with SimulatedStation(ocpp_url, f"RES-{version}", version, evses=2) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        expiry = later(3600)
        made = accepted(
            await api.post(
                f"{base}/reserve-now",
                json={"id_token": "RES-1", "expires_at": expiry, "evse_id": 1},
            )
        )
        assert (made["status"], made["result"]["reservation_id"]) == ("Accepted", made["id"])
        [request] = received(cs, "ReserveNow")
        if version == "1.6":
            assert request == {
                "connectorId": 1,
                "expiryDate": request["expiryDate"],
                "idTag": "RES-1",
                "reservationId": made["id"],
            }
        else:
            assert request == {
                "id": made["id"],
                "expiryDateTime": request["expiryDateTime"],
                "idToken": {"idToken": "RES-1", "type": "Central"},
                "evseId": 1,
            }
        assert cs.model.evse(1).reservation is not None
        listed = (await api.get(f"/stations/{cs.station_id}/reservations")).json()["items"]
        assert [(r["id"], r["state"], r["evse_id"]) for r in listed] == [(made["id"], "active", 1)]

        # the EVSE is taken: the station answers Occupied, kept as rejected
        taken = accepted(
            await api.post(
                f"{base}/reserve-now",
                json={"id_token": "OTHER", "expires_at": expiry, "evse_id": 1},
            )
        )
        assert (taken["status"], taken["accepted"]) == ("Occupied", False)
        rejected = await reservation(api, taken["id"])
        assert (rejected["state"], rejected["status"]) == ("rejected", "Occupied")

        # the reserved token starts a session on it: the reservation is used
        await cs.start_charging(1, "RES-1")
        started = await events.wait(EventKind.TRANSACTION_STARTED, cs.station_id)
        used = await reservation(api, made["id"])
        assert (used["state"], used["transaction_id"]) == (
            "used",
            started.data["transaction_id"],
        )
        async with csms.database.unit_of_work() as uow:
            stored = await uow.transactions.get(started.data["transaction_id"])
        assert stored is not None and stored.reservation_id == made["id"]

        # cancelled; a second cancel the station rejects changes nothing
        other = accepted(
            await api.post(
                f"{base}/reserve-now",
                json={"id_token": "RES-2", "expires_at": expiry, "evse_id": 2},
            )
        )
        cancel = accepted(
            await api.post(f"{base}/cancel-reservation", json={"reservation_id": other["id"]})
        )
        assert cancel["status"] == "Accepted"
        assert received(cs, "CancelReservation") == [{"reservationId": other["id"]}]
        assert cs.model.evse(2).reservation is None
        cancelled = await reservation(api, other["id"])
        assert cancelled["state"] == "cancelled"
        again = accepted(
            await api.post(f"{base}/cancel-reservation", json={"reservation_id": other["id"]})
        )
        assert again["status"] == "Rejected"
        assert await reservation(api, other["id"]) == cancelled

        active = await api.get(
            f"/stations/{cs.station_id}/reservations", params={"state": "active"}
        )
        assert active.json()["items"] == []
        page = (
            await api.get(f"/stations/{cs.station_id}/reservations", params={"limit": 2})
        ).json()
        assert [r["id"] for r in page["items"]] == [other["id"], taken["id"]]
        rest = await api.get(
            f"/stations/{cs.station_id}/reservations", params={"cursor": page["next_cursor"]}
        )
        assert [r["id"] for r in rest.json()["items"]] == [made["id"]]


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_reservation_expires(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, version: str
) -> None:
    """2.0.1 stations say so (ReservationStatusUpdate); 1.x expiry is noticed when read."""
    async with SimulatedStation(ocpp_url, f"RES-EXP-{version}", version) as cs:
        await cs.accepted.wait()
        made = accepted(
            await api.post(
                f"/stations/{cs.station_id}/commands/reserve-now",
                # 3 s: the reservation must still be in the future when the station gets
                # it (with 1 s, a loaded machine once answered Rejected: already expired)
                json={"id_token": "SOON", "expires_at": later(3), "evse_id": 1},
            )
        )
        assert made["status"] == "Accepted"
        if version == "2.0.1":
            await cs.wait_for(lambda: any(a == "ReservationStatusUpdate" for a, _ in cs.sent))
        else:
            await cs.wait_for(lambda: cs.model.evse(1).reservation is None)
        assert (await reservation(api, made["id"]))["state"] == "expired"
        async with csms.database.unit_of_work() as uow:
            stored = await uow.reservations.get(made["id"])
        assert stored is not None and stored.state is ReservationState.EXPIRED


@pytest.mark.parametrize("version", VERSIONS)
async def test_reservation_problems(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, events: Events, version: str
) -> None:
    async with SimulatedStation(ocpp_url, f"RES-BAD-{version}", version) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        for body in (
            {"id_token": "X", "expires_at": "2030-01-01T00:00:00"},  # no time zone
            {"expires_at": later(60)},
            {"id_token": "X", "expires_at": later(60), "evse_id": -1},
            {"id_token": "X", "expires_at": later(60), "colour": "red"},
        ):
            answer = await api.post(f"{base}/reserve-now", json=body)
            assert answer.status_code == 422, answer.text
        assert (await api.post(f"{base}/cancel-reservation", json={})).status_code == 422
        typed = await api.post(
            f"{base}/reserve-now",
            json={"id_token": "X", "expires_at": later(60), "connector_type": "cType2"},
        )
        if version == "1.6":
            assert typed.status_code == 409
            assert "connector type" in typed.json()["detail"]
        else:
            # no EVSE named: the station picks one with a connector of that type, or says no
            assert typed.status_code == 200 and typed.json()["state"] == "answered"
        long_token = await api.post(
            f"{base}/reserve-now", json={"id_token": "T" * 21, "expires_at": later(60)}
        )
        assert long_token.status_code == (409 if version == "1.6" else 200)
    await events.wait(EventKind.STATION_DISCONNECTED, cs.station_id)
    offline = await api.post(
        f"/stations/{cs.station_id}/commands/reserve-now",
        json={"id_token": "X", "expires_at": later(60)},
    )
    assert offline.status_code == 409 and "not connected" in offline.json()["detail"]
    kept = (await api.get(f"/stations/{cs.station_id}/reservations")).json()["items"]
    # refused (nothing sent) or never sent: nothing kept; answered ones are
    assert len(kept) == (0 if version == "1.6" else 2)
    assert (await api.get("/stations/NOPE/reservations")).status_code == 404
    assert (await api.get("/reservations/999999")).status_code == 404
    assert (await api.get(f"/reservations/{2**64}")).status_code == 422
    huge = await api.get(f"/stations/{cs.station_id}/reservations", params={"cursor": 2**64})
    assert huge.status_code == 400
    assert (await api.get(f"/stations/{cs.station_id}/reservations?cursor=x")).status_code == 400
