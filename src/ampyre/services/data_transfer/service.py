"""Vendor-specific DataTransfer: each vendor id has a handler, or the answer is UnknownVendorId."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ampyre.domain.data_transfer import DataTransfer, DataTransferResult, DataTransferStatus
from ampyre.domain.reports import ReportKind, StationReport
from ampyre.services.ports import UnitOfWorkFactory

DataTransferHandler = Callable[[DataTransfer], Awaitable[DataTransferResult]]


class DataTransferService:
    def __init__(self, uow: UnitOfWorkFactory, accepted_vendors: list[str]) -> None:
        self._uow = uow
        self._handlers: dict[str, DataTransferHandler] = {}
        for vendor in accepted_vendors:
            self.register(vendor, self.store_and_accept)

    def register(self, vendor_id: str, handler: DataTransferHandler) -> None:
        """Route a vendor's messages to `handler` (replacing any earlier one)."""
        self._handlers[vendor_id] = handler

    async def receive(self, message: DataTransfer) -> DataTransferResult:
        handler = self._handlers.get(message.vendor_id)
        if handler is None:
            return DataTransferResult(DataTransferStatus.UNKNOWN_VENDOR_ID)
        return await handler(message)

    async def store_and_accept(self, message: DataTransfer) -> DataTransferResult:
        """The built-in handler for configured vendors: keep the message, answer Accepted."""
        content = {"vendorId": message.vendor_id, "messageId": message.message_id}
        content["data"] = message.data
        async with self._uow() as uow:
            await uow.reports.add(
                StationReport(
                    station_id=message.station_id,
                    kind=ReportKind.DATA_TRANSFER,
                    received_at=message.received_at,
                    status=message.message_id,
                    content=content,
                )
            )
            await uow.commit()
        return DataTransferResult(DataTransferStatus.ACCEPTED)
