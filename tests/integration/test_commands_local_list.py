"""send-local-list and get-local-list-version against simulated 1.6 and 2.0.1 stations:
what the station received and holds, what the API answered, and the list kept with our
version numbers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ampyre.app import Application
from ampyre.domain.authorization import AuthorizationStatus, IdTokenRecord
from ampyre.domain.events import EventKind
from ampyre.simulator.station import SimulatedStation

from .test_commands import Events, accepted, events, received

__all__ = ["events"]  # the fixture, used by name

VERSIONS = ["1.6", "2.0.1"]


async def kept(api: httpx.AsyncClient, station_id: str) -> tuple[int, dict[str, str]]:
    answer = await api.get(f"/stations/{station_id}/local-list")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return body["version"], {e["id_token"]: e["status"] for e in body["entries"]}


def tokens(request: dict[str, Any], version: str) -> dict[str, str | None]:
    """The tokens of a SendLocalList as sent, with their status (None: removed)."""
    found: dict[str, str | None] = {}
    for entry in request.get("localAuthorizationList", []):
        if version == "1.6":
            found[entry["idTag"]] = (entry.get("idTagInfo") or {}).get("status")
        else:
            found[entry["idToken"]["idToken"]] = (entry.get("idTokenInfo") or {}).get("status")
    return found


@pytest.mark.parametrize("version", VERSIONS)
async def test_full_and_differential_updates_are_numbered_and_kept(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, version: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("LL-A"))
    await csms.services.authorization.save_token(
        IdTokenRecord("LL-B", status=AuthorizationStatus.BLOCKED, group_id="FLEET")
    )
    async with SimulatedStation(ocpp_url, f"LL-{version}", version) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        assert await kept(api, cs.station_id) == (0, {})
        v16 = version == "1.6"
        version_key = "listVersion" if v16 else "versionNumber"

        full = accepted(
            await api.post(
                f"{base}/send-local-list",
                json={
                    "update": "Full",
                    "from_id_tokens": True,
                    "entries": [{"id_token": "LL-C", "token_type": "ISO14443"}],
                },
            )
        )
        assert (full["status"], full["result"]["version"]) == ("Accepted", 1)
        [request] = received(cs, "SendLocalList")
        assert (request[version_key], request["updateType"]) == (1, "Full")
        assert tokens(request, version) == {
            "LL-A": "Accepted",
            "LL-B": "Blocked",
            "LL-C": "Accepted",
        }
        assert cs.model.local_list_version == 1
        assert cs.model.local_list == {"LL-A": "Accepted", "LL-B": "Blocked", "LL-C": "Accepted"}
        assert await kept(api, cs.station_id) == (
            1,
            {"LL-A": "Accepted", "LL-B": "Blocked", "LL-C": "Accepted"},
        )
        entries = (await api.get(f"/stations/{cs.station_id}/local-list")).json()["entries"]
        assert {e["id_token"]: e["group_id"] for e in entries}["LL-B"] == "FLEET"

        diff = accepted(
            await api.post(
                f"{base}/send-local-list",
                json={
                    "update": "Differential",
                    "entries": [
                        {"id_token": "LL-B", "status": None},
                        {"id_token": "LL-D", "status": "Blocked"},
                    ],
                },
            )
        )
        assert (diff["status"], diff["result"]["version"]) == ("Accepted", 2)
        request = received(cs, "SendLocalList")[-1]
        assert (request[version_key], request["updateType"]) == (2, "Differential")
        assert tokens(request, version) == {"LL-B": None, "LL-D": "Blocked"}
        expected = {"LL-A": "Accepted", "LL-C": "Accepted", "LL-D": "Blocked"}
        assert cs.model.local_list == expected
        assert await kept(api, cs.station_id) == (2, expected)

        check = accepted(await api.post(f"{base}/get-local-list-version"))
        assert received(cs, "GetLocalListVersion") == [{}]
        assert check["result"]["version"] == 2
        assert (check["result"]["stored_version"], check["result"]["in_sync"]) == (2, True)
        stored = (await api.get(f"/commands/{check['id']}")).json()
        assert stored["result"]["in_sync"] is True

        # too many entries for one message: the station answers Failed, nothing changes
        many = [{"id_token": f"T{n}"} for n in range(101)]
        failed = accepted(
            await api.post(
                f"{base}/send-local-list", json={"update": "Differential", "entries": many}
            )
        )
        assert (failed["status"], failed["accepted"]) == ("Failed", False)
        assert await kept(api, cs.station_id) == (2, expected)

        # the station holds a newer list than ours: VersionMismatch, and not in sync
        cs.model.local_list_version = 10
        mismatch = accepted(
            await api.post(
                f"{base}/send-local-list",
                json={"update": "Differential", "entries": [{"id_token": "LL-E"}]},
            )
        )
        assert (mismatch["status"], mismatch["result"]["version"]) == ("VersionMismatch", 3)
        assert await kept(api, cs.station_id) == (2, expected)
        behind = accepted(await api.post(f"{base}/get-local-list-version"))
        assert behind["result"]["version"] == 10
        assert (behind["result"]["stored_version"], behind["result"]["in_sync"]) == (2, False)

        # a full list puts things right
        fixed = accepted(
            await api.post(
                f"{base}/send-local-list",
                json={"update": "Full", "entries": [{"id_token": "LL-F"}]},
            )
        )
        assert (fixed["status"], fixed["result"]["version"]) == ("Accepted", 3)
        assert await kept(api, cs.station_id) == (3, {"LL-F": "Accepted"})
        assert cs.model.local_list == {"LL-F": "Accepted"}


@pytest.mark.parametrize("version", VERSIONS)
async def test_local_list_problems(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, events: Events, version: str
) -> None:
    async with SimulatedStation(ocpp_url, f"LL-BAD-{version}", version) as cs:
        await cs.accepted.wait()
        url = f"/stations/{cs.station_id}/commands/send-local-list"
        for body, reason in (
            ({"update": "Full", "entries": [{"id_token": "A", "status": None}]}, "status"),
            ({"update": "Differential", "from_id_tokens": True}, "from_id_tokens"),
            ({"update": "Full", "entries": [{"id_token": "A"}, {"id_token": "A"}]}, "once"),
            ({"update": "Sometimes"}, "update"),
            ({"update": "Full", "entries": [{"id_token": "A", "status": "Maybe"}]}, "status"),
        ):
            answer = await api.post(url, json=body)
            assert answer.status_code == 422, answer.text
            assert reason in answer.json()["detail"]
        expressible = await api.post(
            url, json={"update": "Full", "entries": [{"id_token": "A", "status": "NoCredit"}]}
        )
        if version == "1.6":  # 1.x statuses are fewer
            assert expressible.status_code == 409
            assert "NoCredit" in expressible.json()["detail"]
        else:
            assert accepted(expressible)["status"] == "Accepted"
        assert len(received(cs, "SendLocalList")) == (0 if version == "1.6" else 1)
    await events.wait(EventKind.STATION_DISCONNECTED, cs.station_id)
    offline = await api.post(url, json={"update": "Full"})
    assert offline.status_code == 409 and "not connected" in offline.json()["detail"]
    version_kept = (await api.get(f"/stations/{cs.station_id}/local-list")).json()["version"]
    assert version_kept == (0 if version == "1.6" else 1)
    assert (await api.get("/stations/NOPE/local-list")).status_code == 404
