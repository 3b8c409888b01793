"""File transfers of a simulated station, version-neutral: firmware downloads, diagnostics and
log uploads over HTTP(S) with httpx, and the firmware-update walk every OCPP version shares.

Plain values in, plain values out. Statuses are spelled as in the 1.6 security extension and
2.0.1 (`FirmwareStatusEnumType`); an agent drops or renames the ones its version lacks.
A real station also speaks FTP(S); the simulator does not, and says so: such a location fails
with `Failure.UNSUPPORTED` and a log line.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlsplit

import httpx

if TYPE_CHECKING:
    from ampyre.simulator.station import SimulatedStation

log = logging.getLogger("ampyre.simulator.transfers")

T = TypeVar("T")

SCHEMES = ("http", "https")
MAX_DOWNLOAD_BYTES = 64 << 20


class Failure(enum.StrEnum):
    UNSUPPORTED = "unsupported"  # a scheme the simulator does not speak (ftp, sftp, ...)
    PERMISSION_DENIED = "permission-denied"  # 401 / 403
    BAD_REQUEST = "bad-request"  # the server found our request malformed (400, 413, 415, 422)
    FAILED = "failed"  # unreachable, refused, timed out, any other error


class TransferError(Exception):
    def __init__(self, reason: str, failure: Failure = Failure.FAILED) -> None:
        super().__init__(reason)
        self.failure = failure


def check_location(url: str) -> None:
    """Raise TransferError for a location the simulator cannot reach (UNSUPPORTED scheme) or
    read (BAD_REQUEST)."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError as exc:
        raise TransferError(f"malformed location {url!r}: {exc}", Failure.BAD_REQUEST) from exc
    if scheme not in SCHEMES:
        raise TransferError(
            f"{scheme or 'no'} scheme in {url!r}: the simulator transfers over http(s) only",
            Failure.UNSUPPORTED,
        )


def file_name(url: str) -> str:
    """The last path segment of a URL ('' for a directory)."""
    return PurePosixPath(urlsplit(url).path).name if not url.endswith("/") else ""


def version_from_file_name(name: str, fallback: str) -> str:
    """'SimCharger-2.1.0.bin' → '2.1.0'; a name without a version gives its stem."""
    found = re.search(r"\d+(?:[._-]\d+)*(?:[-+][0-9A-Za-z.]+)?", PurePosixPath(name).stem)
    version = found.group(0) if found else PurePosixPath(name).stem
    return (version or fallback)[:50]


def _failure(status: int) -> Failure:
    if status in (401, 403):
        return Failure.PERMISSION_DENIED
    if status in (400, 413, 415, 422):
        return Failure.BAD_REQUEST
    return Failure.FAILED


async def download(
    url: str, *, timeout: float = 30.0, max_bytes: int = MAX_DOWNLOAD_BYTES
) -> bytes:
    """GET `url` (following redirects); the body, or TransferError."""
    check_location(url)
    try:
        async with (
            httpx.AsyncClient(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise TransferError(
                    f"GET {url}: HTTP {response.status_code}", _failure(response.status_code)
                )
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise TransferError(f"GET {url}: larger than {max_bytes} bytes")
            return bytes(body)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise TransferError(f"GET {url}: {type(exc).__name__}: {exc}") from exc


async def upload(
    url: str,
    name: str,
    content: bytes,
    *,
    content_type: str = "text/plain; charset=utf-8",
    timeout: float = 30.0,
) -> str:
    """Upload one file: HTTP PUT (to `url` + name when `url` ends in '/'), and when the server
    refuses PUT (405, 501) a multipart POST to `url` with the file as field `file`.
    The method that worked, or TransferError."""
    check_location(url)
    target = url + name if url.endswith("/") else url
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.put(
                target, content=content, headers={"Content-Type": content_type}
            )
            if response.is_success:
                return "PUT"
            if response.status_code not in (405, 501):
                raise TransferError(
                    f"PUT {target}: HTTP {response.status_code}", _failure(response.status_code)
                )
            response = await client.post(url, files={"file": (name, content, content_type)})
            if response.is_success:
                return "POST"
            raise TransferError(
                f"POST {url}: HTTP {response.status_code}", _failure(response.status_code)
            )
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise TransferError(f"upload to {url}: {type(exc).__name__}: {exc}") from exc


async def with_retries(
    attempt: Callable[[], Awaitable[T]], retries: int = 0, interval_s: float = 0.0
) -> T:
    """`attempt()` once plus up to `retries` more times, `interval_s` apart; an unsupported
    location is not retried. The last TransferError is raised."""
    for remaining in range(max(retries, 0), -1, -1):
        try:
            return await attempt()
        except TransferError as exc:
            if remaining == 0 or exc.failure is Failure.UNSUPPORTED:
                raise
            log.info("transfer failed (%s); %d retries left", exc, remaining)
            await asyncio.sleep(max(interval_s, 0.0))
    raise AssertionError("unreachable")  # pragma: no cover


# --- the firmware update walk ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FirmwareRequest:
    location: str
    retrieve_at: datetime
    install_at: datetime | None = None
    retries: int = 0
    retry_interval_s: float = 0.0


class FirmwareHost(Protocol):
    """What the walk needs from the station."""

    def now(self) -> datetime: ...

    async def report(self, status: str) -> None:
        """Tell the CSMS (each version spells and filters the status)."""
        ...

    async def wait_idle(self) -> None:
        """Return once no session runs (a station installs between sessions)."""
        ...

    async def install(self, version: str) -> None:
        """Install `version`, reboot, and return once the station is back online."""
        ...


async def _sleep_until(host: FirmwareHost, when: datetime) -> None:
    delay = (when - host.now()).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)


async def update_firmware(
    host: FirmwareHost,
    request: FirmwareRequest,
    verify: Callable[[bytes], bool] | None = None,
    *,
    timeout: float = 30.0,
) -> str:
    """Download → (verify) → install → reboot, reporting each step; the final status.

    Statuses: DownloadScheduled, Downloading, Downloaded / DownloadFailed, SignatureVerified /
    InvalidSignature (only with `verify`), InstallScheduled, Installing, InstallRebooting,
    Installed.
    """
    if request.retrieve_at > host.now():
        await host.report("DownloadScheduled")
        await _sleep_until(host, request.retrieve_at)
    try:
        check_location(request.location)
    except TransferError as exc:
        log.warning("firmware download failed: %s", exc)
        await host.report("DownloadFailed")
        return "DownloadFailed"
    await host.report("Downloading")
    try:
        image = await with_retries(
            lambda: download(request.location, timeout=timeout),
            request.retries,
            request.retry_interval_s,
        )
    except TransferError as exc:
        log.warning("firmware download failed: %s", exc)
        await host.report("DownloadFailed")
        return "DownloadFailed"
    await host.report("Downloaded")
    if verify is not None:
        if not verify(image):
            await host.report("InvalidSignature")
            return "InvalidSignature"
        await host.report("SignatureVerified")
    if request.install_at is not None and request.install_at > host.now():
        await host.report("InstallScheduled")
        await _sleep_until(host, request.install_at)
    await host.wait_idle()
    await host.report("Installing")
    version = version_from_file_name(file_name(request.location), "unknown")
    await host.report("InstallRebooting")
    await host.install(version)
    await host.report("Installed")
    return "Installed"


# --- log and diagnostics uploads ------------------------------------------------------------

#: UploadLogStatusEnumType (1.6 security extension and 2.0.1) of each failure
LOG_FAILURES: Mapping[Failure, str] = {
    Failure.UNSUPPORTED: "NotSupportedOperation",
    Failure.PERMISSION_DENIED: "PermissionDenied",
    Failure.BAD_REQUEST: "BadMessage",
    Failure.FAILED: "UploadFailure",
}


def running(task: asyncio.Task[Any] | None) -> bool:
    """Whether a transfer task is under way (a done or absent one is idle)."""
    return task is not None and not task.done()


async def upload_file(
    location: str,
    name: str,
    content: bytes,
    retries: int,
    interval_s: float,
    report: Callable[[str], Awaitable[None]],
    failures: Mapping[Failure, str],
    what: str,
) -> None:
    """Upload one generated file, reporting Uploading, then Uploaded or the failure's status
    (`failures`); `what` names the upload in the warning ("CP1: log")."""
    try:
        check_location(location)
        await report("Uploading")
        await with_retries(lambda: upload(location, name, content), retries, interval_s)
    except TransferError as exc:
        logging.getLogger("ampyre.simulator").warning("%s upload failed: %s", what, exc)
        await report(failures[exc.failure])
        return
    await report("Uploaded")


def log_text(
    station: SimulatedStation,
    title: str,
    since: datetime | None,
    until: datetime | None,
    security_log: Iterable[str],
    config_heading: str,
) -> bytes:
    """A small generated diagnostics / log file: identity, configuration, EVSEs, messages."""
    model = station.model
    lines = [
        f"# {title} of {model.station_id} ({model.vendor} {model.model})",
        f"generated: {station.now().isoformat()}",
        f"from: {since.isoformat() if since else '-'}",
        f"until: {until.isoformat() if until else '-'}",
        f"serial: {model.serial_number or '-'}  firmware: {model.firmware_version}",
        f"registration: {station.registration}  connected: {station.connected.is_set()}",
        "",
        "## EVSEs",
    ]
    for evse in model.evses:
        session = evse.session
        lines.append(
            f"evse {evse.id}: {evse.connector().status.value} register={evse.register_wh:.0f}Wh"
            f" limit={evse.limit_w} session={session.local_id if session else '-'}"
        )
    if title == "SecurityLog":
        lines += ["", "## Security events", *(list(security_log) or ["(none)"])]
    else:
        lines += [
            "",
            f"## {config_heading}",
            *(f"{k}={v}" for k, v in sorted(model.config.items())),
        ]
        lines += ["", "## Last messages", *(action for action, _ in station.sent[-50:])]
    return ("\n".join(lines) + "\n").encode()
