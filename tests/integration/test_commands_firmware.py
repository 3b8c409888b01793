"""Firmware updates from our own file endpoint and customer information, against simulated
stations of each OCPP-J version: what the station received and downloaded, the status
history linked to the request, the API answers and the database; and the problem cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from ampyre.app import Application
from ampyre.simulator.station import SimulatedStation

from .test_commands import accepted, received
from .test_commands_files import statuses

VERSIONS = ["1.6", "2.0.1"]
IMAGE = b"\x7fELF firmware image " * 100


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"files_dir": tmp_path / "files"}


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_station_updates_from_an_image_we_serve(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, version: str
) -> None:
    put = await api.put("/firmware/SimCharger-2.1.0.bin", content=IMAGE)
    assert put.status_code == 201, put.text
    url = f"http://127.0.0.1:{csms.http_port}/files/firmware/SimCharger-2.1.0.bin"
    assert put.json()["url"] == url
    assert (await api.get("/firmware")).json()[0]["size"] == len(IMAGE)
    async with httpx.AsyncClient() as anyone:  # stations need no credentials
        assert (await anyone.get(url)).content == IMAGE

    async with SimulatedStation(ocpp_url, f"FW-{version}", version) as cs:
        await cs.accepted.wait()
        answer = accepted(
            await api.post(
                f"/stations/{cs.station_id}/commands/update-firmware",
                json={"image": "SimCharger-2.1.0.bin", "retries": 2},
            )
        )
        assert answer["status"] == "Accepted"
        [request] = received(cs, "UpdateFirmware")
        if version == "1.6":
            assert request["location"] == url and request["retries"] == 2
        else:
            assert request["firmware"]["location"] == url
            assert request["requestId"] == answer["id"]
        await cs.wait_for(lambda: "Installed" in statuses(cs, "FirmwareStatusNotification"))
        await cs.accepted.wait()

        found = (await api.get(f"/stations/{cs.station_id}/firmware")).json()
        assert (found["status"], found["command_id"]) == ("Installed", answer["id"])
        history = [s["status"] for s in reversed(found["history"])]
        assert history == statuses(cs, "FirmwareStatusNotification")
        assert history[0] == "Downloading" and "Downloaded" in history
        assert {s["command_id"] for s in found["history"]} == {answer["id"]}
        if version == "2.0.1":
            assert {s["request_id"] for s in found["history"]} == {answer["id"]}
    async with csms.database.unit_of_work() as uow:
        station = await uow.stations.get(cs.station_id)
        reports = await uow.reports.list(cs.station_id, "firmware-status")
    assert station is not None and station.boot is not None
    assert station.boot.firmware_version == "2.1.0"  # it booted with the new image
    assert len(reports) == len(history)


async def test_1_6_notifications_are_linked_to_the_update_they_follow(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    """1.6 core notifications name no request: each goes to the newest update before it."""
    assert (await api.put("/firmware/SimCharger-2.2.0.bin", content=IMAGE)).status_code == 201
    async with SimulatedStation(ocpp_url, "FW-TWICE", "1.6") as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands/update-firmware"
        first = accepted(await api.post(base, json={"location": "http://127.0.0.1:1/a-1.0.bin"}))
        await cs.wait_for(lambda: "DownloadFailed" in statuses(cs, "FirmwareStatusNotification"))
        second = accepted(await api.post(base, json={"image": "SimCharger-2.2.0.bin"}))
        await cs.wait_for(lambda: "Installed" in statuses(cs, "FirmwareStatusNotification"))
        found = (await api.get(f"/stations/{cs.station_id}/firmware")).json()
    steps = [(s["status"], s["command_id"]) for s in reversed(found["history"])]
    assert steps[:2] == [("Downloading", first["id"]), ("DownloadFailed", first["id"])]
    assert {command for _, command in steps[2:]} == {second["id"]}
    assert steps[-1] == ("Installed", second["id"])


async def test_a_signed_update_and_its_refusals(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with (
        SimulatedStation(ocpp_url, "FW-SIGNED-16", "1.6") as v16,
        SimulatedStation(ocpp_url, "FW-SIGNED-201", "2.0.1") as v201,
    ):
        await v16.accepted.wait()
        await v201.accepted.wait()
        signed = {
            "location": "http://127.0.0.1:1/none/fw-3.0.bin",
            "retrieve_at": "2030-01-01T00:00:00Z",
            "install_at": "2030-01-02T00:00:00Z",
            "signing_certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
            "signature": "c2lnbmF0dXJl",
        }
        answer = accepted(
            await api.post(f"/stations/{v16.station_id}/commands/update-firmware", json=signed)
        )
        [request] = received(v16, "SignedUpdateFirmware")
        assert request["requestId"] == answer["id"]
        assert request["firmware"]["signature"] == "c2lnbmF0dXJl"
        assert request["firmware"]["installDateTime"] == "2030-01-02T00:00:00Z"
        await v16.wait_for(
            lambda: "DownloadScheduled" in statuses(v16, "SignedFirmwareStatusNotification")
        )
        found = (await api.get(f"/stations/{v16.station_id}/firmware")).json()
        assert found["history"][0]["request_id"] == found["command_id"] == answer["id"]

        # 1.6 core has no install time: refused before anything is sent
        unsigned = {k: signed[k] for k in ("location", "install_at")}
        refused = await api.post(
            f"/stations/{v16.station_id}/commands/update-firmware", json=unsigned
        )
        assert refused.status_code == 409, refused.text
        assert "install time" in refused.json()["detail"]
        assert received(v16, "UpdateFirmware") == []

        # 2.0.1 checks the signing certificate: Rejected-like answer, not accepted
        rejected = accepted(
            await api.post(f"/stations/{v201.station_id}/commands/update-firmware", json=signed)
        )
        assert (rejected["status"], rejected["accepted"]) == ("InvalidCertificate", False)

        for bad in (
            {},
            {"image": "a.bin", "location": "http://x/a.bin"},
            {"location": "http://x/a.bin", "retrieve_at": "2030-01-01T00:00:00"},
            {"location": "http://x/a.bin", "unknown": 1},
        ):
            invalid = await api.post(
                f"/stations/{v201.station_id}/commands/update-firmware", json=bad
            )
            assert invalid.status_code == 422, bad
        missing = await api.post(
            f"/stations/{v201.station_id}/commands/update-firmware", json={"image": "nope.bin"}
        )
        assert missing.status_code == 404
        assert "upload it first" in missing.json()["detail"]


async def test_firmware_images_are_checked_and_bounded(start_csms: Any, tmp_path: Path) -> None:
    (tmp_path / "firmware").mkdir()
    (tmp_path / "firmware" / "placed-1.0.bin").write_bytes(b"placed by hand")
    async with start_csms(files_dir=tmp_path, max_firmware_bytes=10) as app:
        base = f"http://127.0.0.1:{app.http_port}"
        from ampyre.domain.access import Role

        token = (await app.tokens.create("t", Role.OPERATOR)).secret
        reader = (await app.tokens.create("r", Role.READER)).secret
        async with httpx.AsyncClient(base_url=base) as client:
            placed = await client.get("/files/firmware/placed-1.0.bin")
            assert placed.content == b"placed by hand"
            assert (await client.get("/files/firmware/..%2Fsecret")).status_code == 404
            assert (await client.get("/files/firmware/nothing.bin")).status_code == 404
            auth = {"Authorization": f"Bearer {token}"}
            big = await client.put("/api/v1/firmware/big.bin", content=b"x" * 11, headers=auth)
            assert big.status_code == 413
            assert not (tmp_path / "firmware" / "big.bin").exists()
            assert list((tmp_path / "firmware").iterdir()) == [
                tmp_path / "firmware" / "placed-1.0.bin"
            ]
            bad = await client.put("/api/v1/firmware/.hidden", content=b"x", headers=auth)
            assert bad.status_code == 422
            as_reader = await client.put(
                "/api/v1/firmware/ok.bin",
                content=b"x",
                headers={"Authorization": f"Bearer {reader}"},
            )
            assert as_reader.status_code == 403
            assert (await client.put("/api/v1/firmware/ok.bin", content=b"x")).status_code == 401


async def test_customer_information_is_collected_per_request(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with (
        SimulatedStation(ocpp_url, "CI-16", "1.6") as v16,
        SimulatedStation(ocpp_url, "CI-201", "2.0.1") as v201,
    ):
        await v16.accepted.wait()
        await v201.accepted.wait()
        body = {"id_token": "CUSTOMER-7", "clear": True}
        refused = await api.post(
            f"/stations/{v16.station_id}/commands/customer-information", json=body
        )
        assert refused.status_code == 409
        assert "1.6" in refused.json()["detail"]

        answer = accepted(
            await api.post(f"/stations/{v201.station_id}/commands/customer-information", json=body)
        )
        assert answer["status"] == "Accepted"
        [request] = received(v201, "CustomerInformation")
        assert request["requestId"] == answer["id"]
        assert request["idToken"] == {"idToken": "CUSTOMER-7", "type": "Central"}
        assert (request["report"], request["clear"]) == (True, True)
        await v201.wait_for(
            lambda: any(name == "NotifyCustomerInformation" for name, _ in v201.sent)
        )
        [found] = (await api.get(f"/stations/{v201.station_id}/customer-information")).json()
        assert found["command"]["id"] == answer["id"]
        assert found["complete"] is True and found["parts"] == 1
        assert "idToken CUSTOMER-7" in found["data"]
        assert "cache entry cleared" in found["data"]

        by_certificate = {
            "customer_certificate": {
                "hash_algorithm": "SHA256",
                "issuer_name_hash": "ab" * 32,
                "issuer_key_hash": "cd" * 32,
                "serial_number": "1F",
            },
            "report": True,
        }
        accepted(
            await api.post(
                f"/stations/{v201.station_id}/commands/customer-information", json=by_certificate
            )
        )
        assert received(v201, "CustomerInformation")[-1]["customerCertificate"] == {
            "hashAlgorithm": "SHA256",
            "issuerNameHash": "ab" * 32,
            "issuerKeyHash": "cd" * 32,
            "serialNumber": "1F",
        }

        for bad in ({}, {"id_token": "X", "report": False, "clear": False}, {"id_token": ""}):
            invalid = await api.post(
                f"/stations/{v201.station_id}/commands/customer-information", json=bad
            )
            assert invalid.status_code == 422, bad
    async with csms.database.unit_of_work() as uow:
        reports = await uow.reports.list(v201.station_id, "customer-information")
    assert answer["id"] in [r.request_id for r in reports]
