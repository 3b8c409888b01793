"""OCPP 1.6 firmware updates, diagnostics and log uploads of the simulated station (core and
security extension), on top of the version-neutral `transfers` module."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ampyre.messages.v16 import types as m
from ampyre.simulator import transfers
from ampyre.simulator.transfers import Failure, FirmwareRequest

if TYPE_CHECKING:
    from ampyre.simulator.agent_v16 import AgentV16, Handler

log = logging.getLogger("ampyre.simulator")

#: how long the firmware walk waits for sessions to end and for the station to boot again
LONG_WAIT_S = 7 * 86_400.0
_PLAIN = {s.value for s in m.FirmwareStatus}
_DIAGNOSTICS_FAILURES = dict.fromkeys(Failure, m.DiagnosticsStatus.UploadFailed.value)


class _FirmwareHost:
    def __init__(self, agent: AgentV16, report: Callable[[str], Awaitable[None]]) -> None:
        self.agent = agent
        self._report = report

    def now(self) -> datetime:
        return self.agent.station.now()

    async def report(self, status: str) -> None:
        await self._report(status)

    async def wait_idle(self) -> None:
        station = self.agent.station
        await station.wait_for(lambda: not station.model.sessions(), LONG_WAIT_S)

    async def install(self, version: str) -> None:
        station = self.agent.station
        log.info("%s: installing firmware %s and rebooting", station.station_id, version)
        station.model.firmware_version = version
        await station.reboot("Reboot")
        await station.wait_for(
            lambda: station.accepted.is_set() and station.connected.is_set(), LONG_WAIT_S
        )


class Transfers:
    def __init__(self, agent: AgentV16) -> None:
        self.agent = agent
        self._firmware: asyncio.Task[Any] | None = None
        self._upload_diagnostics: asyncio.Task[Any] | None = None
        self._log: asyncio.Task[Any] | None = None
        self.plain_status = m.FirmwareStatus.Idle  # last FirmwareStatusNotification sent
        self.signed_status = m.FirmwareStatusEnumType.Idle  # last SignedFirmwareStatus...
        self.firmware_request_id: int | None = None
        self.log_status = m.UploadLogStatusEnumType.Idle
        self.log_request_id: int | None = None

    def handlers(self) -> dict[str, Handler]:
        return {
            "UpdateFirmware": self.update_firmware,
            "SignedUpdateFirmware": self.signed_update_firmware,
            "GetDiagnostics": self.get_diagnostics,
            "GetLog": self.get_log,
        }

    # --- firmware -------------------------------------------------------------------------------

    def _cancel_firmware(self) -> bool:
        if self._firmware is not None and not self._firmware.done():
            self._firmware.cancel()
            return True
        return False

    async def _walk(
        self, request: FirmwareRequest, report: Callable[[str], Awaitable[None]], signed: bool
    ) -> None:
        self._firmware = asyncio.current_task()
        # The signing certificate and signature are NOT verified: a simulator has no
        # manufacturer key to check them against (and no `cryptography`). It reports
        # SignatureVerified so that a CSMS sees the whole signed walk.
        verify = (lambda image: True) if signed else None
        host = _FirmwareHost(self.agent, report)
        await transfers.update_firmware(
            host, request, verify, timeout=self.agent.station.call_timeout
        )

    async def _report_plain(self, status: str) -> None:
        self.agent.station.model.firmware_status = status
        if status in _PLAIN:  # 1.6 core has no Scheduled/Rebooting/Signature statuses
            self.plain_status = m.FirmwareStatus(status)
            await self.agent.call(
                "FirmwareStatusNotification",
                m.FirmwareStatusNotificationRequest(status=self.plain_status),
            )

    async def _report_signed(self, status: str) -> None:
        self.agent.station.model.firmware_status = status
        self.signed_status = m.FirmwareStatusEnumType(status)
        await self.agent.call(
            "SignedFirmwareStatusNotification",
            m.SignedFirmwareStatusNotificationRequest(
                status=self.signed_status, requestId=self.firmware_request_id
            ),
        )

    async def update_firmware(self, req: m.UpdateFirmwareRequest) -> m.UpdateFirmwareResponse:
        self._cancel_firmware()  # the newest request wins
        request = FirmwareRequest(
            req.location, req.retrieveDate, None, req.retries or 0, float(req.retryInterval or 0)
        )
        self.agent._later(self._walk(request, self._report_plain, signed=False))
        return m.UpdateFirmwareResponse()

    async def signed_update_firmware(
        self, req: m.SignedUpdateFirmwareRequest
    ) -> m.SignedUpdateFirmwareResponse:
        canceled = self._cancel_firmware()  # L01.FR.26
        firmware = req.firmware
        self.firmware_request_id = req.requestId
        request = FirmwareRequest(
            firmware.location,
            firmware.retrieveDateTime,
            firmware.installDateTime,
            req.retries or 0,
            float(req.retryInterval or 0),
        )
        self.agent._later(self._walk(request, self._report_signed, signed=True))
        status = m.UpdateFirmwareStatusEnumType
        return m.SignedUpdateFirmwareResponse(
            status=status.AcceptedCanceled if canceled else status.Accepted
        )

    def plain_trigger_status(self) -> m.FirmwareStatus:
        """Idle unless an update is under way (Idle is for triggered notifications only)."""
        return self.plain_status if transfers.running(self._firmware) else m.FirmwareStatus.Idle

    def signed_trigger_status(self) -> m.SignedFirmwareStatusNotificationRequest:
        """The last status sent, Idle after Installed (L01.FR.28/29)."""
        status = self.signed_status
        if status == m.FirmwareStatusEnumType.Installed:
            status = m.FirmwareStatusEnumType.Idle
        request_id = None if status == m.FirmwareStatusEnumType.Idle else self.firmware_request_id
        return m.SignedFirmwareStatusNotificationRequest(status=status, requestId=request_id)

    # --- diagnostics (1.6 core) -----------------------------------------------------------------

    async def get_diagnostics(self, req: m.GetDiagnosticsRequest) -> m.GetDiagnosticsResponse:
        station = self.agent.station
        name = f"{station.station_id}-diagnostics-{station.now():%Y%m%dT%H%M%SZ}.txt"
        content = self.diagnostics_text("Diagnostics", req.startTime, req.stopTime)
        self.agent._later(
            self._diagnostics(req.location, name, content, req.retries, req.retryInterval)
        )
        return m.GetDiagnosticsResponse(fileName=name)

    async def _diagnostics_status(self, status: m.DiagnosticsStatus) -> None:
        self.agent.station.model.diagnostics_status = status.value
        await self.agent.call(
            "DiagnosticsStatusNotification", m.DiagnosticsStatusNotificationRequest(status=status)
        )

    async def _diagnostics(
        self, location: str, name: str, content: bytes, retries: int | None, interval: int | None
    ) -> None:
        self._upload_diagnostics = asyncio.current_task()

        async def report(status: str) -> None:
            await self._diagnostics_status(m.DiagnosticsStatus(status))

        await transfers.upload_file(
            location,
            name,
            content,
            retries or 0,
            interval or 0,
            report,
            _DIAGNOSTICS_FAILURES,
            f"{self.agent.station.station_id}: diagnostics",
        )

    def diagnostics_trigger_status(self) -> m.DiagnosticsStatus:
        if transfers.running(self._upload_diagnostics):
            return m.DiagnosticsStatus.Uploading
        return m.DiagnosticsStatus.Idle

    # --- logs (security extension) --------------------------------------------------------------

    async def get_log(self, req: m.GetLogRequest) -> m.GetLogResponse:
        station = self.agent.station
        canceled = transfers.running(self._log)
        if canceled and self._log is not None:
            self._log.cancel()  # N01.FR.11: the new request replaces the ongoing upload
        name = f"{station.station_id}-{req.logType.value}-{req.requestId}.log"
        params = req.log
        content = self.diagnostics_text(
            req.logType.value, params.oldestTimestamp, params.latestTimestamp
        )
        self.log_request_id = req.requestId
        self.agent._later(self._upload_log(req, name, content))
        status = m.LogStatusEnumType.AcceptedCanceled if canceled else m.LogStatusEnumType.Accepted
        return m.GetLogResponse(status=status, filename=name)

    async def _log_status(self, status: m.UploadLogStatusEnumType, request_id: int) -> None:
        self.log_status = status
        await self.agent.call(
            "LogStatusNotification",
            m.LogStatusNotificationRequest(status=status, requestId=request_id),
        )

    async def _upload_log(self, req: m.GetLogRequest, name: str, content: bytes) -> None:
        self._log = asyncio.current_task()

        async def report(status: str) -> None:
            await self._log_status(m.UploadLogStatusEnumType(status), req.requestId)

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

    def log_trigger_status(self) -> m.LogStatusNotificationRequest:
        """Uploading with its requestId while an upload runs, else Idle (N01.FR.12)."""
        if transfers.running(self._log):
            return m.LogStatusNotificationRequest(
                status=m.UploadLogStatusEnumType.Uploading, requestId=self.log_request_id
            )
        return m.LogStatusNotificationRequest(status=m.UploadLogStatusEnumType.Idle)

    def diagnostics_text(
        self, title: str, since: datetime | None = None, until: datetime | None = None
    ) -> bytes:
        """A small generated diagnostics / log file: identity, configuration, EVSEs, messages."""
        station = self.agent.station
        return transfers.log_text(
            station, title, since, until, self.agent.security_log, "Configuration"
        )
