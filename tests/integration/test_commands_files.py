"""Firmware updates, diagnostics and log uploads through our own file endpoint, against
simulated stations of each OCPP-J version: what the station received, what it uploaded
(end to end over HTTP), the API answers, the database, and the problem cases."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from ampyre.app import Application
from ampyre.simulator.station import SimulatedStation

from .test_commands import accepted, received

VERSIONS = ["1.6", "2.0.1"]


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"files_dir": tmp_path / "files"}


def statuses(cs: SimulatedStation, action: str) -> list[str]:
    return [str(payload.status) for name, payload in cs.sent if name == action]


def upload_status_action(version: str, command: str) -> str:
    if version == "1.6" and command == "get-diagnostics":
        return "DiagnosticsStatusNotification"
    return "LogStatusNotification"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("command", "log_type"),
    [("get-log", "DiagnosticsLog"), ("get-log", "SecurityLog"), ("get-diagnostics", None)],
)
async def test_a_log_is_uploaded_to_our_endpoint_and_kept(
    csms: Application,
    ocpp_url: str,
    api: httpx.AsyncClient,
    version: str,
    command: str,
    log_type: str | None,
) -> None:
    async with SimulatedStation(ocpp_url, f"FILES-LOG-{version}", version) as cs:
        await cs.accepted.wait()
        body = {"log_type": log_type} if log_type else {}
        answer = accepted(
            await api.post(f"/stations/{cs.station_id}/commands/{command}", json=body)
        )
        assert answer["status"] == "Accepted"
        file_name = answer["result"]["file_name"]
        log_type = log_type or "DiagnosticsLog"
        if version == "1.6" and command == "get-diagnostics":
            [request] = received(cs, "GetDiagnostics")
            location = request["location"]
        else:
            [request] = received(cs, "GetLog")
            assert request["requestId"] == answer["id"]
            assert request["logType"] == log_type
            location = request["log"]["remoteLocation"]
        base = f"http://127.0.0.1:{csms.http_port}/files/uploads/"
        assert location.startswith(base) and location.endswith("/")
        assert len(location[len(base) : -1]) >= 32  # the unguessable token

        action = upload_status_action(version, command)
        await cs.wait_for(lambda: "Uploaded" in statuses(cs, action))
        assert statuses(cs, action) == ["Uploading", "Uploaded"]

        [found] = (await api.get(f"/stations/{cs.station_id}/logs")).json()
        assert found["command"]["id"] == answer["id"]
        assert found["status"] == "Uploaded"
        assert [s["status"] for s in found["history"]] == ["Uploaded", "Uploading"]
        assert {s["command_id"] for s in found["history"]} == {answer["id"]}
        [info] = found["files"]
        assert (info["name"], info["method"], info["log_type"]) == (file_name, "PUT", log_type)

        content = await api.get(f"/files/{info['id']}/content")
        assert content.status_code == 200
        title = "Diagnostics" if action == "DiagnosticsStatusNotification" else log_type
        assert content.content.startswith(f"# {title} of {cs.station_id}".encode())
        assert info["size"] == len(content.content)
        assert info["sha256"] == hashlib.sha256(content.content).hexdigest()
        on_disk = csms.settings.files_dir / "uploads" / str(info["id"])
        assert on_disk.read_bytes() == content.content

    async with csms.database.unit_of_work() as uow:
        [stored] = await uow.stored_files.list(cs.station_id)
    assert (stored.command_id, stored.name, stored.size) == (answer["id"], file_name, info["size"])
    listed = (await api.get("/files", params={"station_id": cs.station_id})).json()
    assert [f["id"] for f in listed] == [stored.id]


async def test_get_diagnostics_on_both_versions_and_to_a_location_of_the_operators(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with (
        SimulatedStation(ocpp_url, "FILES-DIAG-16", "1.6") as v16,
        SimulatedStation(ocpp_url, "FILES-DIAG-201", "2.0.1") as v201,
    ):
        await v16.accepted.wait()
        await v201.accepted.wait()
        answer = accepted(
            await api.post(f"/stations/{v201.station_id}/commands/get-diagnostics", json={})
        )
        [request] = received(v201, "GetLog")
        assert (request["logType"], request["requestId"]) == ("DiagnosticsLog", answer["id"])

        # a location of the operator's own is handed out as given: no slot of ours
        elsewhere = "ftp://logs.example/upload/"
        accepted(
            await api.post(
                f"/stations/{v16.station_id}/commands/get-diagnostics",
                json={"location": elsewhere, "retries": 1},
            )
        )
        [request] = received(v16, "GetDiagnostics")
        assert request == {"location": elsewhere, "retries": 1}
        await v16.wait_for(lambda: "UploadFailed" in statuses(v16, "DiagnosticsStatusNotification"))
        [found] = (await api.get(f"/stations/{v16.station_id}/logs")).json()
        assert (found["status"], found["files"]) == ("UploadFailed", [])
    async with csms.database.unit_of_work() as uow:
        assert await uow.stored_files.list(v16.station_id) == []


async def test_uploads_by_post_multipart_and_raw_and_the_problems(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "FILES-POST", "2.0.1") as cs:
        await cs.accepted.wait()
        cs.overrides["GetLog"] = _accept_without_upload
        answer = accepted(await api.post(f"/stations/{cs.station_id}/commands/get-log", json={}))
        location = received(cs, "GetLog")[0]["log"]["remoteLocation"]
    async with httpx.AsyncClient() as station:
        # as `curl -F file=@station.log <location>` sends it
        posted = await station.post(
            location, files={"file": ("station.log", b"line 1\nline 2\n", "text/plain")}
        )
        assert posted.status_code == 201, posted.text
        assert posted.json()["name"] == "station.log"
        [info] = (await api.get("/files", params={"command_id": answer["id"]})).json()
        assert (info["method"], info["size"], info["content_type"]) == ("POST", 14, "text/plain")
        assert (await api.get(f"/files/{info['id']}/content")).content == b"line 1\nline 2\n"

        # a raw POST to the slot replaces it
        raw = await station.post(location.rstrip("/"), content=b"again")
        assert raw.status_code == 201
        assert (await api.get(f"/files/{info['id']}/content")).content == b"again"

        unknown = await station.put(location.replace(location.split("/")[-2], "x" * 32) + "a")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        empty = await station.post(
            location,
            files={"other": (None, b"not a file")},  # type: ignore[dict-item]
        )
        assert empty.status_code == 422
        assert (await api.get("/files/999999")).status_code == 404


async def _accept_without_upload(request: Any) -> Any:
    from ampyre.messages.v201 import types as m

    return m.GetLogResponse(status=m.LogStatusEnumType.Accepted, filename="never.log")


@pytest.mark.parametrize("version", VERSIONS)
async def test_an_upload_past_the_limit_is_refused_with_413(
    start_csms: Any, tmp_path: Path, version: str
) -> None:
    async with start_csms(files_dir=tmp_path, max_upload_bytes=100) as app:
        ocpp_url = f"ws://127.0.0.1:{app.port}/ocpp"
        token = (await app.tokens.create("t", _operator())).secret
        async with (
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{app.http_port}/api/v1",
                headers={"Authorization": f"Bearer {token}"},
            ) as api,
            SimulatedStation(ocpp_url, f"FILES-BIG-{version}", version) as cs,
        ):
            await cs.accepted.wait()
            accepted(await api.post(f"/stations/{cs.station_id}/commands/get-diagnostics", json={}))
            action = upload_status_action(version, "get-diagnostics")
            failed = "UploadFailed" if version == "1.6" else "BadMessage"
            await cs.wait_for(lambda: failed in statuses(cs, action))
            [found] = (await api.get(f"/stations/{cs.station_id}/logs")).json()
            assert found["status"] == failed
            [info] = found["files"]
            assert info["received_at"] is None
            assert (await api.get(f"/files/{info['id']}/content")).status_code == 404
            location = received(cs, "GetLog" if version != "1.6" else "GetDiagnostics")[0]
            url = location.get("location") or location["log"]["remoteLocation"]
            async with httpx.AsyncClient() as station:
                big = await station.put(url + "big.log", content=b"x" * 101)
                assert big.status_code == 413
                assert big.json()["status"] == 413
                fits = await station.put(url + "small.log", content=b"x" * 100)
                assert fits.status_code == 201
            assert not list((tmp_path / "uploads").glob(".*"))  # no partial file left


def _operator() -> Any:
    from ampyre.domain.access import Role

    return Role.OPERATOR


async def test_a_log_request_that_was_not_sent_leaves_no_upload_slot(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    unknown = await api.post("/stations/NOBODY/commands/get-log", json={})
    assert unknown.status_code == 404
    async with SimulatedStation(ocpp_url, "FILES-GONE", "1.6") as cs:
        await cs.accepted.wait()
    offline = await api.post(f"/stations/{cs.station_id}/commands/get-diagnostics", json={})
    assert offline.status_code == 409
    assert "not connected" in offline.json()["detail"]
    assert (await api.get("/files")).json() == []
    async with csms.database.unit_of_work() as uow:
        assert await uow.stored_files.list() == []


async def test_the_public_url_setting_is_what_stations_are_handed(
    start_csms: Any, tmp_path: Path
) -> None:
    public = "http://csms.example:8080/"
    async with start_csms(files_dir=tmp_path, public_url=public) as app:
        assert app.public_url() == "http://csms.example:8080"
        token = (await app.tokens.create("t", _operator())).secret
        async with (
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{app.http_port}/api/v1",
                headers={"Authorization": f"Bearer {token}"},
            ) as api,
            SimulatedStation(f"ws://127.0.0.1:{app.port}/ocpp", "FILES-PUBLIC", "2.0.1") as cs,
        ):
            await cs.accepted.wait()
            cs.overrides["GetLog"] = _accept_without_upload  # nothing leaves this machine
            accepted(await api.post(f"/stations/{cs.station_id}/commands/get-log", json={}))
            location = received(cs, "GetLog")[0]["log"]["remoteLocation"]
            assert location.startswith("http://csms.example:8080/files/uploads/")
            images = (await api.get("/firmware")).json()
            assert images == []


async def test_an_upload_url_past_its_lifetime_is_refused(start_csms: Any, tmp_path: Path) -> None:
    async with start_csms(files_dir=tmp_path, upload_url_lifetime=0.001) as app:
        token = (await app.tokens.create("t", _operator())).secret
        async with (
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{app.http_port}/api/v1",
                headers={"Authorization": f"Bearer {token}"},
            ) as api,
            SimulatedStation(f"ws://127.0.0.1:{app.port}/ocpp", "FILES-LATE", "2.0.1") as cs,
        ):
            await cs.accepted.wait()
            accepted(await api.post(f"/stations/{cs.station_id}/commands/get-log", json={}))
            # the station's upload comes after the URL's millisecond of life
            await cs.wait_for(lambda: "UploadFailure" in statuses(cs, "LogStatusNotification"))
            [found] = (await api.get(f"/stations/{cs.station_id}/logs")).json()
            assert found["status"] == "UploadFailure"
            assert found["files"][0]["received_at"] is None
            location = received(cs, "GetLog")[0]["log"]["remoteLocation"]
            async with httpx.AsyncClient() as station:
                late = await station.put(location + "late.log", content=b"late")
            assert late.status_code == 404
