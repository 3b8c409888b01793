"""OCPP 2.0.1 firmware updates (L01) and log uploads (N01) of the simulated station, on top of
the version-neutral `transfers` module; PublishFirmware is refused honestly.

The firmware signing certificate is parsed and its validity period checked; the signature is
NOT verified (no manufacturer key, no `cryptography`): a signed image reports
SignatureVerified so that a CSMS sees the whole walk.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ampyre.messages.v201 import types as m
from ampyre.simulator import transfers, x509
from ampyre.simulator.transfers import FirmwareRequest

if TYPE_CHECKING:
    from ampyre.simulator.agent_v201 import AgentV201, Handler

log = logging.getLogger("ampyre.simulator")

#: how long the firmware walk waits for sessions to end and for the station to boot again
LONG_WAIT_S = 7 * 86_400.0
FIRMWARE = m.FirmwareStatusEnumType
LOG = m.UploadLogStatusEnumType
_INSTALLING = {FIRMWARE.InstallScheduled, FIRMWARE.Installing, FIRMWARE.InstallRebooting}


class _FirmwareHost:
    def __init__(self, owner: Transfers) -> None:
        self.owner = owner
        self.agent = owner.agent

    def now(self) -> datetime:
        return self.agent.station.now()

    async def report(self, status: str) -> None:
        await self.owner.firmware_status_changed(FIRMWARE(status))

    async def wait_idle(self) -> None:
        station = self.agent.station
        await station.wait_for(lambda: not station.model.sessions(), LONG_WAIT_S)

    async def install(self, version: str) -> None:
        station = self.agent.station
        log.info("%s: installing firmware %s and rebooting", station.station_id, version)
        station.model.firmware_version = version
        self.agent.boot_reason = m.BootReasonEnumType.FirmwareUpdate
        await station.reboot("Reboot")
        await station.wait_for(
            lambda: station.accepted.is_set() and station.connected.is_set(), LONG_WAIT_S
        )
        await self.agent.security.security_event("FirmwareUpdated", f"version {version}")


class Transfers:
    def __init__(self, agent: AgentV201) -> None:
        self.agent = agent
        self._firmware: asyncio.Task[Any] | None = None
        self._log: asyncio.Task[Any] | None = None
        self.firmware_status = FIRMWARE.Idle
        self.firmware_request_id: int | None = None
        self.log_status = LOG.Idle
        self.log_request_id: int | None = None

    def handlers(self) -> dict[str, Handler]:
        return {
            "UpdateFirmware": self.update_firmware,
            "GetLog": self.get_log,
            "PublishFirmware": self.publish_firmware,
            "UnpublishFirmware": self.unpublish_firmware,
        }

    def installing(self) -> bool:
        return transfers.running(self._firmware) and self.firmware_status in _INSTALLING

    # --- firmware -------------------------------------------------------------------------------

    async def update_firmware(self, req: m.UpdateFirmwareRequest) -> m.UpdateFirmwareResponse:
        status = m.UpdateFirmwareStatusEnumType
        firmware = req.firmware
        if firmware.signingCertificate is not None:
            reason = self._bad_certificate(firmware.signingCertificate)
            if reason is not None:  # L01.FR.02
                security = self.agent.security
                self.agent._later(
                    security.security_event("InvalidFirmwareSigningCertificate", reason)
                )
                return m.UpdateFirmwareResponse(status=status.InvalidCertificate)
        canceled = transfers.running(self._firmware)
        if canceled and self._firmware is not None:
            self._firmware.cancel()  # L01.FR.24: the newest request wins
        self.firmware_request_id = req.requestId
        request = FirmwareRequest(
            firmware.location,
            firmware.retrieveDateTime,
            firmware.installDateTime,
            req.retries or 0,
            float(req.retryInterval or 0),
        )
        signed = firmware.signature is not None
        self.agent._later(self._walk(request, signed))
        return m.UpdateFirmwareResponse(
            status=status.AcceptedCanceled if canceled else status.Accepted
        )

    def _bad_certificate(self, pem: str) -> str | None:
        try:
            certificate = x509.pem_certificates(pem)[0]
        except ValueError as exc:
            return f"unreadable signing certificate: {exc}"
        if not certificate.valid_at(self.agent.station.now()):
            return "the signing certificate is not valid now"
        return None

    async def _walk(self, request: FirmwareRequest, signed: bool) -> None:
        self._firmware = asyncio.current_task()
        verify = (lambda image: True) if signed else None
        host = _FirmwareHost(self)
        await transfers.update_firmware(
            host, request, verify, timeout=self.agent.station.call_timeout
        )

    async def firmware_status_changed(self, status: m.FirmwareStatusEnumType) -> None:
        self.agent.station.model.firmware_status = status.value
        self.firmware_status = status
        await self.agent.call(
            "FirmwareStatusNotification",
            m.FirmwareStatusNotificationRequest(status=status, requestId=self.firmware_request_id),
        )

    def firmware_trigger(self) -> m.FirmwareStatusNotificationRequest:
        """The status of the update under way, else Idle (L01.FR.25/26)."""
        if transfers.running(self._firmware) and self.firmware_status != FIRMWARE.Installed:
            return m.FirmwareStatusNotificationRequest(
                status=self.firmware_status, requestId=self.firmware_request_id
            )
        return m.FirmwareStatusNotificationRequest(status=FIRMWARE.Idle)

    # --- logs -----------------------------------------------------------------------------------

    async def get_log(self, req: m.GetLogRequest) -> m.GetLogResponse:
        station = self.agent.station
        canceled = transfers.running(self._log)
        if canceled and self._log is not None:
            self._log.cancel()  # N01.FR.11: the new request replaces the ongoing upload
        name = f"{station.station_id}-{req.logType.value}-{req.requestId}.log"[:255]
        params = req.log
        content = self.log_text(req.logType.value, params.oldestTimestamp, params.latestTimestamp)
        self.log_request_id = req.requestId
        self.agent._later(self._upload_log(req, name, content))
        status = m.LogStatusEnumType.AcceptedCanceled if canceled else m.LogStatusEnumType.Accepted
        return m.GetLogResponse(status=status, filename=name)

    async def _log_status(self, status: m.UploadLogStatusEnumType, request_id: int) -> None:
        self.log_status = status
        self.agent.station.model.diagnostics_status = status.value
        await self.agent.call(
            "LogStatusNotification",
            m.LogStatusNotificationRequest(status=status, requestId=request_id),
        )

    async def _upload_log(self, req: m.GetLogRequest, name: str, content: bytes) -> None:
        self._log = asyncio.current_task()

        async def report(status: str) -> None:
            await self._log_status(LOG(status), req.requestId)

        await transfers.upload_file(
            req.log.remoteLocation,
            name,
            content,
            req.retries or 0,
            req.retryInterval or 0,
            report,
            transfers.LOG_FAILURES,
            f"{self.agent.station.station_id}: log",
        )

    def log_trigger(self) -> m.LogStatusNotificationRequest:
        """Uploading with its requestId while an upload runs, else Idle (N01.FR.12)."""
        if transfers.running(self._log):
            return m.LogStatusNotificationRequest(
                status=LOG.Uploading, requestId=self.log_request_id
            )
        return m.LogStatusNotificationRequest(status=LOG.Idle)

    def log_text(
        self, title: str, since: datetime | None = None, until: datetime | None = None
    ) -> bytes:
        """A small generated log file: identity, device model, EVSEs, last messages."""
        if title != m.LogEnumType.SecurityLog.value:
            self.agent.device_model.refresh()
        station = self.agent.station
        return transfers.log_text(
            station, title, since, until, self.agent.security.log, "Device model"
        )

    # --- local controller (not this station) ----------------------------------------------------

    async def publish_firmware(self, req: m.PublishFirmwareRequest) -> m.PublishFirmwareResponse:
        # L03 is for a Local Controller; a charging station has nowhere to publish to.
        return m.PublishFirmwareResponse(
            status=m.GenericStatusEnumType.Rejected,
            statusInfo=m.StatusInfoType(reasonCode="UnsupportedRequest"),
        )

    async def unpublish_firmware(
        self, req: m.UnpublishFirmwareRequest
    ) -> m.UnpublishFirmwareResponse:
        return m.UnpublishFirmwareResponse(status=m.UnpublishFirmwareStatusEnumType.NoFirmware)
