"""File contents on disk: uploads by slot id under uploads/, firmware images by name under
firmware/ (both created on first write). Writes go to a temporary file first and are renamed
when complete, so a reader never sees half a file and an upload past the limit leaves
nothing behind."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from ampyre.domain.diagnostics import UploadTooLarge
from ampyre.domain.firmware import FirmwareImage

#: a firmware image name: no directories, no hidden files
FIRMWARE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+-]{0,254}")


def firmware_name_ok(name: str) -> bool:
    return FIRMWARE_NAME.fullmatch(name) is not None and ".." not in name


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.uploads = root / "uploads"
        self.firmware = root / "firmware"

    async def write_upload(
        self, file_id: int, chunks: AsyncIterator[bytes], limit: int
    ) -> tuple[int, str]:
        size, digest = await _write(self.uploads / str(file_id), chunks, limit)
        return size, digest

    def upload_path(self, file_id: int) -> Path | None:
        path = self.uploads / str(file_id)
        return path if path.is_file() else None

    async def write_firmware(
        self, name: str, chunks: AsyncIterator[bytes], limit: int
    ) -> FirmwareImage:
        if not firmware_name_ok(name):
            raise ValueError(f"{name!r} is not a firmware file name")
        path = self.firmware / name
        await _write(path, chunks, limit)
        return _image(path)

    def firmware_path(self, name: str) -> Path | None:
        if not firmware_name_ok(name):
            return None
        path = self.firmware / name
        return path if path.is_file() else None

    def firmware_images(self) -> list[FirmwareImage]:
        if not self.firmware.is_dir():
            return []
        return [
            _image(path)
            for path in sorted(self.firmware.iterdir())
            if path.is_file() and firmware_name_ok(path.name)
        ]


def _image(path: Path) -> FirmwareImage:
    stat = path.stat()
    return FirmwareImage(path.name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))


async def _write(path: Path, chunks: AsyncIterator[bytes], limit: int) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{id(chunks)}.part")
    digest = hashlib.sha256()
    size = 0
    out: BinaryIO = await asyncio.to_thread(partial.open, "wb")
    try:
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge(f"larger than the limit of {limit} bytes")
                digest.update(chunk)
                await asyncio.to_thread(out.write, chunk)
        finally:
            await asyncio.to_thread(out.close)
        await asyncio.to_thread(os.replace, partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return size, digest.hexdigest()
