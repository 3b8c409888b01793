"""The 1.6 simulated station acts on every CSMS-initiated operation, against a real Ampyre:
reservations, local list, smart charging, firmware, diagnostics, logs, certificates."""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.messages.v16 import types as m
from ampyre.messages.v16.actions import CSMS_INITIATED
from ampyre.simulator.agent_v16 import AgentV16
from ampyre.simulator.model import Plug
from ampyre.simulator.station import SimulatedStation

from .http_server import HttpServer, closed_port

# --- helpers --------------------------------------------------------------------------------


def sent(cs: SimulatedStation, action: str) -> list[Any]:
    return [payload for name, payload in cs.sent if name == action]


def statuses(cs: SimulatedStation, action: str) -> list[str]:
    return [payload.status for payload in sent(cs, action)]


def connector_statuses(cs: SimulatedStation, connector: int) -> list[str]:
    return [p.status for p in sent(cs, "StatusNotification") if p.connectorId == connector]


def now() -> datetime:
    return datetime.now(UTC)


async def report_statuses(csms: Application, station_id: str, kind: str) -> list[str | None]:
    async with csms.database.unit_of_work() as uow:
        reports = await uow.reports.list(station_id, kind)
    return [r.status for r in reversed(reports)]


def test_every_csms_initiated_action_is_handled() -> None:
    station = SimulatedStation("ws://127.0.0.1:9/ocpp", "SIM16-ALL", "1.6")
    assert isinstance(station.agent, AgentV16)
    assert set(station.agent.handlers) == CSMS_INITIATED


# --- reservations ---------------------------------------------------------------------------


async def test_reservation_is_used_by_its_token_refused_to_another_and_expires(
    csms: Application, ocpp_url: str
) -> None:
    for token in ("RESTAG", "OTHERTAG"):
        await csms.services.authorization.save_token(IdTokenRecord(token))
    async with SimulatedStation(ocpp_url, "SIM16-RES", "1.6", evses=2) as cs:
        link = csms.server.links["SIM16-RES"]
        reserve = m.ReserveNowRequest(
            connectorId=1, expiryDate=now() + timedelta(hours=1), idTag="RESTAG", reservationId=11
        )
        assert (await link.call("ReserveNow", reserve)).status == "Accepted"
        await cs.wait_for(lambda: connector_statuses(cs, 1)[-1:] == ["Reserved"])
        evse = cs.model.evse(1)
        assert evse.reservation is not None and evse.reservation.id_token == "RESTAG"

        taken = replace(reserve, idTag="OTHERTAG", reservationId=12)
        assert (await link.call("ReserveNow", taken)).status == "Occupied"
        zero = replace(reserve, connectorId=0, reservationId=13)
        assert (await link.call("ReserveNow", zero)).status == "Rejected"
        other = m.RemoteStartTransactionRequest(idTag="OTHERTAG", connectorId=1)
        assert (await link.call("RemoteStartTransaction", other)).status == "Rejected"

        # the reserved token, without a connector, is sent to its reserved connector
        mine = m.RemoteStartTransactionRequest(idTag="RESTAG")
        assert (await link.call("RemoteStartTransaction", mine)).status == "Accepted"
        await cs.wait_for(lambda: evse.session is not None)
        session = evse.session
        assert session is not None
        assert session.reservation_id == 11 and evse.reservation is None
        await cs.drained()
        assert sent(cs, "StartTransaction")[-1].reservationId == 11
        cancel = m.CancelReservationRequest(reservationId=11)
        assert (await link.call("CancelReservation", cancel)).status == "Rejected"  # used up

        # a short reservation on EVSE 2 expires: Reserved, then Available again
        soon = replace(
            reserve, connectorId=2, reservationId=14, expiryDate=now() + timedelta(seconds=0.3)
        )
        assert (await link.call("ReserveNow", soon)).status == "Accepted"
        await cs.wait_for(lambda: connector_statuses(cs, 2)[-2:] == ["Reserved", "Available"])
        assert cs.model.evse(2).reservation is None

        # and a cancelled one is gone at once
        later = replace(soon, reservationId=15, expiryDate=now() + timedelta(hours=1))
        assert (await link.call("ReserveNow", later)).status == "Accepted"
        assert cs.model.evse(2).connector().status is Plug.RESERVED
        cancel = m.CancelReservationRequest(reservationId=15)
        assert (await link.call("CancelReservation", cancel)).status == "Accepted"
        await cs.wait_for(lambda: connector_statuses(cs, 2)[-1:] == ["Available"])
        assert cs.model.evse(2).reservation is None


async def test_local_start_by_another_token_is_refused_on_a_reserved_connector(
    csms: Application, ocpp_url: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("LOCALTAG"))
    async with SimulatedStation(ocpp_url, "SIM16-RES2", "1.6") as cs:
        reserve = m.ReserveNowRequest(
            connectorId=1, expiryDate=now() + timedelta(hours=1), idTag="RESTAG", reservationId=21
        )
        link = csms.server.links["SIM16-RES2"]
        assert (await link.call("ReserveNow", reserve)).status == "Accepted"
        assert await cs.start_charging(evse=1, token="LOCALTAG") is None
        assert cs.model.evse(1).reservation is not None


# --- local authorization list ---------------------------------------------------------------


async def test_local_list_full_and_differential_authorize_offline(
    csms: Application, ocpp_url: str
) -> None:
    def entry(token: str, status: str | None) -> m.AuthorizationData:
        info = None if status is None else m.IdTagInfo(status=m.AuthorizationStatus(status))
        return m.AuthorizationData(idTag=token, idTagInfo=info)

    async with SimulatedStation(
        ocpp_url, "SIM16-LL", "1.6", evses=3, reconnect_min=0.05, reconnect_max=0.2
    ) as cs:
        link = csms.server.links["SIM16-LL"]
        full = m.SendLocalListRequest(
            listVersion=3,
            updateType=m.UpdateType.Full,
            localAuthorizationList=[entry("LL-A", "Accepted"), entry("LL-B", "Blocked")],
        )
        assert (await link.call("SendLocalList", full)).status == "Accepted"
        version = await link.call("GetLocalListVersion", m.GetLocalListVersionRequest())
        assert version.listVersion == 3

        stale = m.SendLocalListRequest(
            listVersion=3,
            updateType=m.UpdateType.Differential,
            localAuthorizationList=[entry("LL-C", "Accepted")],
        )
        assert (await link.call("SendLocalList", stale)).status == "VersionMismatch"
        diff = replace(
            stale,
            listVersion=4,
            localAuthorizationList=[entry("LL-C", "Accepted"), entry("LL-A", None)],
        )
        assert (await link.call("SendLocalList", diff)).status == "Accepted"
        duplicated = replace(
            full, listVersion=5, localAuthorizationList=[entry("X", "Accepted")] * 2
        )
        assert (await link.call("SendLocalList", duplicated)).status == "Failed"
        version = await link.call("GetLocalListVersion", m.GetLocalListVersionRequest())
        assert version.listVersion == 4
        assert cs.model.local_list == {"LL-B": "Blocked", "LL-C": "Accepted"}

        await cs.disconnect_network()
        assert await cs.start_charging(evse=1, token="LL-C") is not None
        assert await cs.start_charging(evse=2, token="LL-B") is None  # blocked
        assert await cs.start_charging(evse=3, token="LL-A") is None  # removed: unknown
        cs.restore_network()
        await cs.drained()
    starts = [p.idTag for p in sent(cs, "StartTransaction")]
    assert starts == ["LL-C"]


# --- smart charging -------------------------------------------------------------------------


def tx_profile(
    profile_id: int,
    purpose: m.ChargingProfilePurposeType,
    periods: list[tuple[int, float]],
    unit: m.ChargingRateUnitType = m.ChargingRateUnitType.W,
    transaction_id: int | None = None,
    stack_level: int = 1,
) -> m.ChargingProfile:
    start = now().replace(microsecond=0) - timedelta(seconds=10)
    return m.ChargingProfile(
        chargingProfileId=profile_id,
        transactionId=transaction_id,
        stackLevel=stack_level,
        chargingProfilePurpose=purpose,
        chargingProfileKind=m.ChargingProfileKindType.Absolute,
        chargingSchedule=m.ChargingSchedule(
            startSchedule=start,
            chargingRateUnit=unit,
            chargingSchedulePeriod=[
                m.ChargingSchedulePeriod(startPeriod=s, limit=limit) for s, limit in periods
            ],
        ),
    )


async def test_charging_profiles_limit_the_power_and_the_composite_schedule(
    csms: Application, ocpp_url: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("SCTAG"))
    purpose = m.ChargingProfilePurposeType
    async with SimulatedStation(ocpp_url, "SIM16-SC", "1.6", evses=2, meter_interval=0.05) as cs:
        link = csms.server.links["SIM16-SC"]
        session = await cs.start_charging(evse=1, token="SCTAG")
        assert session is not None
        await cs.wait_for(lambda: session.csms_id is not None and session.power_w > 10_000)

        async def set_profile(connector: int, profile: m.ChargingProfile) -> str:
            request = m.SetChargingProfileRequest(connectorId=connector, csChargingProfiles=profile)
            answer = await link.call("SetChargingProfile", request)
            return str(answer.status)

        no_session = tx_profile(1, purpose.TxProfile, [(0, 1000.0)])
        assert await set_profile(2, no_session) == "Rejected"
        not_station = tx_profile(2, purpose.ChargePointMaxProfile, [(0, 1000.0)])
        assert await set_profile(1, not_station) == "Rejected"

        limit = tx_profile(
            3, purpose.TxProfile, [(0, 4000.0), (600, 2000.0)], transaction_id=session.csms_id
        )
        assert await set_profile(1, limit) == "Accepted"
        meters = len(sent(cs, "MeterValues"))
        await cs.wait_for(lambda: len(sent(cs, "MeterValues")) > meters + 1)
        evse = cs.model.evse(1)
        assert evse.limit_w == 4000.0
        assert 0 < session.power_w <= 4000.0
        last = sent(cs, "MeterValues")[-1].meterValue[-1].sampledValue
        power = [float(v.value) for v in last if v.measurand == m.Measurand.Power_Active_Import]
        assert power and power[0] <= 4000.0

        ask = m.GetCompositeScheduleRequest(
            connectorId=1, duration=1200, chargingRateUnit=m.ChargingRateUnitType.W
        )
        composite = await link.call("GetCompositeSchedule", ask)
        assert composite.status == "Accepted"
        periods = [
            (p.startPeriod, p.limit) for p in composite.chargingSchedule.chargingSchedulePeriod
        ]
        assert periods[0] == (0, 4000.0)
        assert periods[1][1] == 2000.0 and 585 <= periods[1][0] <= 590
        assert len(periods) == 2

        # a station-wide maximum of 4 A on three phases (2760 W) is tighter: the minimum wins
        station_max = tx_profile(
            4, purpose.ChargePointMaxProfile, [(0, 4.0)], m.ChargingRateUnitType.A
        )
        assert await set_profile(0, station_max) == "Accepted"
        assert evse.limit_w == pytest.approx(2760.0)
        composite = await link.call("GetCompositeSchedule", ask)
        periods = [
            (p.startPeriod, p.limit) for p in composite.chargingSchedule.chargingSchedulePeriod
        ]
        assert periods[0] == (0, 2760.0) and periods[1][1] == 2000.0
        in_amperes = await link.call(
            "GetCompositeSchedule", replace(ask, chargingRateUnit=m.ChargingRateUnitType.A)
        )
        assert in_amperes.chargingSchedule.chargingSchedulePeriod[0].limit == 4.0
        unknown = await link.call("GetCompositeSchedule", replace(ask, connectorId=9))
        assert unknown.status == "Rejected"

        clear = m.ClearChargingProfileRequest(chargingProfilePurpose=purpose.ChargePointMaxProfile)
        assert (await link.call("ClearChargingProfile", clear)).status == "Accepted"
        assert (await link.call("ClearChargingProfile", clear)).status == "Unknown"
        assert evse.limit_w == 4000.0

        await cs.stop_charging(evse=1)
        assert cs.model.charging_profiles == []  # the TxProfile ended with its transaction
        assert evse.limit_w is None


# --- firmware -------------------------------------------------------------------------------


async def test_update_firmware_downloads_installs_and_reboots(
    csms: Application, ocpp_url: str
) -> None:
    image = b"\x7fFIRMWARE" * 1000

    def respond(method: str, path: str) -> tuple[int, bytes]:
        return (200, image) if method == "GET" and path.startswith("/fw/") else (404, b"")

    async with (
        HttpServer(respond) as http,
        SimulatedStation(ocpp_url, "SIM16-FW", "1.6", reconnect_min=0.05) as cs,
    ):
        link = csms.server.links["SIM16-FW"]
        update = m.UpdateFirmwareRequest(
            location=http.url("/fw/SimCharger-2.1.0.bin"), retrieveDate=now()
        )
        await link.call("UpdateFirmware", update)
        await cs.wait_for(lambda: statuses(cs, "FirmwareStatusNotification")[-1:] == ["Installed"])
        assert statuses(cs, "FirmwareStatusNotification") == [
            "Downloading",
            "Downloaded",
            "Installing",
            "Installed",
        ]
        boots = sent(cs, "BootNotification")
        assert [b.firmwareVersion for b in boots] == ["1.0.0", "2.1.0"]
        assert [(r.method, r.path) for r in http.requests] == [("GET", "/fw/SimCharger-2.1.0.bin")]

        # the signed variant walks the security extension's statuses, with its requestId
        link = csms.server.links["SIM16-FW"]
        signed = m.SignedUpdateFirmwareRequest(
            requestId=42,
            firmware=m.FirmwareType(
                location=http.url("/fw/SimCharger-2.2.0.bin"),
                retrieveDateTime=now(),
                signingCertificate="-----BEGIN CERTIFICATE-----...",
                signature="c2lnbmF0dXJl",
            ),
        )
        assert (await link.call("SignedUpdateFirmware", signed)).status == "Accepted"
        done = "SignedFirmwareStatusNotification"
        await cs.wait_for(lambda: statuses(cs, done)[-1:] == ["Installed"])
        assert statuses(cs, done) == [
            "Downloading",
            "Downloaded",
            "SignatureVerified",
            "Installing",
            "InstallRebooting",
            "Installed",
        ]
        assert {p.requestId for p in sent(cs, done)} == {42}
        assert cs.model.firmware_version == "2.2.0"

        link = csms.server.links["SIM16-FW"]
        trigger = m.ExtendedTriggerMessageRequest(
            requestedMessage=m.MessageTriggerEnumType.FirmwareStatusNotification
        )
        assert (await link.call("ExtendedTriggerMessage", trigger)).status == "Accepted"
        await cs.wait_for(lambda: statuses(cs, done)[-1:] == ["Idle"])  # L01.FR.28
    assert await report_statuses(csms, "SIM16-FW", "firmware-status") == [
        "Downloading",
        "Downloaded",
        "Installing",
        "Installed",
        *statuses(cs, done),
    ]


async def test_update_firmware_from_an_unreachable_location_fails(
    csms: Application, ocpp_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with SimulatedStation(ocpp_url, "SIM16-FWX", "1.6") as cs:
        link = csms.server.links["SIM16-FWX"]
        unreachable = f"http://127.0.0.1:{closed_port()}/fw/SimCharger-9.bin"
        request = m.UpdateFirmwareRequest(location=unreachable, retrieveDate=now())
        await link.call("UpdateFirmware", request)
        await cs.wait_for(
            lambda: statuses(cs, "FirmwareStatusNotification")[-1:] == ["DownloadFailed"]
        )
        assert statuses(cs, "FirmwareStatusNotification") == ["Downloading", "DownloadFailed"]

        with caplog.at_level(logging.WARNING, logger="ampyre.simulator.transfers"):
            ftp = m.UpdateFirmwareRequest(
                location="ftp://example.invalid/fw.bin", retrieveDate=now()
            )
            await link.call("UpdateFirmware", ftp)
            await cs.wait_for(lambda: len(statuses(cs, "FirmwareStatusNotification")) == 3)
        assert statuses(cs, "FirmwareStatusNotification")[-1] == "DownloadFailed"
        assert "http(s) only" in caplog.text
        assert cs.model.firmware_version == "1.0.0"
        assert len(sent(cs, "BootNotification")) == 1
    assert await report_statuses(csms, "SIM16-FWX", "firmware-status") == [
        "Downloading",
        "DownloadFailed",
        "DownloadFailed",
    ]


# --- diagnostics and logs -------------------------------------------------------------------


async def test_get_diagnostics_uploads_with_post_when_put_is_refused(
    csms: Application, ocpp_url: str
) -> None:
    def respond(method: str, path: str) -> tuple[int, bytes]:
        return (405, b"") if method == "PUT" else (201, b"")

    async with (
        HttpServer(respond) as http,
        SimulatedStation(ocpp_url, "SIM16-DIAG", "1.6") as cs,
    ):
        link = csms.server.links["SIM16-DIAG"]
        answer = await link.call(
            "GetDiagnostics", m.GetDiagnosticsRequest(location=http.url("/upload/"))
        )
        name = answer.fileName
        assert name and name.startswith("SIM16-DIAG-diagnostics-")
        diagnostics = "DiagnosticsStatusNotification"
        await cs.wait_for(lambda: statuses(cs, diagnostics)[-1:] == ["Uploaded"])
        assert statuses(cs, diagnostics) == ["Uploading", "Uploaded"]
        put, post = http.requests
        assert (put.method, put.path) == ("PUT", f"/upload/{name}")
        assert (post.method, post.path) == ("POST", "/upload/")
        assert post.headers["content-type"].startswith("multipart/form-data")
        assert f'filename="{name}"'.encode() in post.body
        assert b"# Diagnostics of SIM16-DIAG" in post.body
        assert put.body in post.body  # the same file both times

        trigger = m.TriggerMessageRequest(
            requestedMessage=m.MessageTrigger.DiagnosticsStatusNotification
        )
        assert (await link.call("TriggerMessage", trigger)).status == "Accepted"
        await cs.wait_for(lambda: statuses(cs, diagnostics)[-1:] == ["Idle"])
    stored = await report_statuses(csms, "SIM16-DIAG", "diagnostics-status")
    assert stored == ["Uploading", "Uploaded", "Idle"]


async def test_get_log_uploads_the_security_log(csms: Application, ocpp_url: str) -> None:
    def respond(method: str, path: str) -> tuple[int, bytes]:
        return (403, b"") if path.startswith("/denied/") else (201, b"")

    async with (
        HttpServer(respond) as http,
        SimulatedStation(ocpp_url, "SIM16-LOG", "1.6") as cs,
    ):
        link = csms.server.links["SIM16-LOG"]
        request = m.GetLogRequest(
            log=m.LogParametersType(remoteLocation=http.url("/logs/")),
            logType=m.LogEnumType.SecurityLog,
            requestId=7,
        )
        answer = await link.call("GetLog", request)
        assert answer.status == "Accepted" and answer.filename
        log_status = "LogStatusNotification"
        await cs.wait_for(lambda: statuses(cs, log_status)[-1:] == ["Uploaded"])
        assert [(p.status, p.requestId) for p in sent(cs, log_status)] == [
            ("Uploading", 7),
            ("Uploaded", 7),
        ]
        (upload,) = http.requests
        assert (upload.method, upload.path) == ("PUT", f"/logs/{answer.filename}")
        assert b"# SecurityLog of SIM16-LOG" in upload.body

        denied = replace(
            request, requestId=8, log=m.LogParametersType(remoteLocation=http.url("/denied/"))
        )
        assert (await link.call("GetLog", denied)).status == "Accepted"
        await cs.wait_for(lambda: statuses(cs, log_status)[-1:] == ["PermissionDenied"])

        trigger = m.ExtendedTriggerMessageRequest(
            requestedMessage=m.MessageTriggerEnumType.LogStatusNotification
        )
        assert (await link.call("ExtendedTriggerMessage", trigger)).status == "Accepted"
        await cs.wait_for(lambda: statuses(cs, log_status)[-1:] == ["Idle"])
        assert sent(cs, log_status)[-1].requestId is None  # N01.FR.12
    async with csms.database.unit_of_work() as uow:
        reports = await uow.reports.list("SIM16-LOG", "log-status")
    assert [(r.status, r.request_id) for r in reversed(reports)] == [
        ("Uploading", 7),
        ("Uploaded", 7),
        ("Uploading", 8),
        ("PermissionDenied", 8),
        ("Idle", None),
    ]


# --- certificates ---------------------------------------------------------------------------

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


async def openssl(*args: str | Path) -> str:
    process = await asyncio.create_subprocess_exec(
        "openssl",
        *map(str, args),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return (out + err).decode()


async def make_root(directory: Path, name: str) -> tuple[Path, Path]:
    key, cert = directory / f"{name}.key", directory / f"{name}.pem"
    await openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-subj", f"/CN={name}", "-days", "2", "-keyout", key, "-out", cert,
    )  # fmt: skip
    return key, cert


@needs_openssl
async def test_certificates_install_list_delete_and_sign(
    csms: Application, ocpp_url: str, tmp_path: Path
) -> None:
    root_key, root = await make_root(tmp_path, "Test Root")
    kind = m.CertificateUseEnumType.CentralSystemRootCertificate
    async with SimulatedStation(ocpp_url, "SIM16-SEC", "1.6", serial_number="SN-42") as cs:
        link = csms.server.links["SIM16-SEC"]
        install = m.InstallCertificateRequest(certificateType=kind, certificate=root.read_text())
        assert (await link.call("InstallCertificate", install)).status == "Accepted"
        garbage = replace(install, certificate="-----BEGIN CERTIFICATE-----\nAAAA")
        assert (await link.call("InstallCertificate", garbage)).status == "Rejected"

        ids = await link.call(
            "GetInstalledCertificateIds", m.GetInstalledCertificateIdsRequest(certificateType=kind)
        )
        assert ids.status == "Accepted"
        (hash_data,) = ids.certificateHashData
        # the same CertID as OpenSSL computes for an OCSP request
        ocsp = await openssl(
            "ocsp", "-sha256", "-issuer", root, "-cert", root, "-no_nonce", "-req_text",
            "-reqout", tmp_path / "ocsp.der",
        )  # fmt: skip
        assert f"Issuer Name Hash: {hash_data.issuerNameHash.upper()}" in ocsp
        assert f"Issuer Key Hash: {hash_data.issuerKeyHash.upper()}" in ocsp
        serial = ocsp.split("Serial Number: ")[1].split()[0]
        assert hash_data.serialNumber.upper() == serial.lstrip("0")  # OCPP: no leading zeros
        manufacturer = m.GetInstalledCertificateIdsRequest(
            certificateType=m.CertificateUseEnumType.ManufacturerRootCertificate
        )
        assert (await link.call("GetInstalledCertificateIds", manufacturer)).status == "NotFound"

        delete = m.DeleteCertificateRequest(certificateHashData=hash_data)
        assert (await link.call("DeleteCertificate", delete)).status == "Accepted"
        assert (await link.call("DeleteCertificate", delete)).status == "NotFound"
        request = m.GetInstalledCertificateIdsRequest(certificateType=kind)
        assert (await link.call("GetInstalledCertificateIds", request)).status == "NotFound"

        # a new key: its CSR goes out with SignCertificate, and is a valid PKCS#10 request
        trigger = m.ExtendedTriggerMessageRequest(
            requestedMessage=m.MessageTriggerEnumType.SignChargePointCertificate
        )
        assert (await link.call("ExtendedTriggerMessage", trigger)).status == "Accepted"
        await cs.wait_for(lambda: len(sent(cs, "SignCertificate")) == 1)
        csr = tmp_path / "station.csr"
        csr.write_text(sent(cs, "SignCertificate")[0].csr)
        checked = await openssl("req", "-verify", "-noout", "-subject", "-in", csr)
        assert "verify OK" in checked and "CN = SN-42" in checked and "O = Ampyre" in checked

        signed = tmp_path / "station.pem"
        await openssl(
            "x509", "-req", "-in", csr, "-CA", root, "-CAkey", root_key, "-days", "1",
            "-out", signed,
        )  # fmt: skip
        _, stranger = await make_root(tmp_path, "Stranger")
        wrong = m.CertificateSignedRequest(certificateChain=stranger.read_text())
        assert (await link.call("CertificateSigned", wrong)).status == "Rejected"
        await cs.wait_for(lambda: len(sent(cs, "SecurityEventNotification")) == 1)
        assert sent(cs, "SecurityEventNotification")[0].type == "InvalidChargePointCertificate"
        chain = signed.read_text() + root.read_text()
        right = m.CertificateSignedRequest(certificateChain=chain)
        assert (await link.call("CertificateSigned", right)).status == "Accepted"
    async with csms.database.unit_of_work() as uow:
        assert await uow.reports.list("SIM16-SEC", "certificate-signing-request")
