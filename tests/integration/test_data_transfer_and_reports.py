"""DataTransfer through the vendor registry, and reports stored as the station sent them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ampyre.app import Application
from ampyre.domain.reports import ReportKind
from ampyre.messages.v16 import types as m16
from ampyre.messages.v201 import types as m201
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import JsonClient


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"data_transfer_vendors": ["com.acme"]}


async def test_data_transfer_vendor_registry(csms: Application, ocpp_url: str) -> None:
    async with JsonClient(ocpp_url, "DT-16", OcppVersion.V16) as cs:
        unknown = await cs.call(
            "DataTransfer", m16.DataTransferRequest(vendorId="com.other", data="x")
        )
        assert unknown.status == "UnknownVendorId"
        known = await cs.call(
            "DataTransfer",
            m16.DataTransferRequest(vendorId="com.acme", messageId="price", data="42"),
        )
        assert known.status == "Accepted"
    async with JsonClient(ocpp_url, "DT-201", OcppVersion.V201) as cs:
        known = await cs.call(
            "DataTransfer", m201.DataTransferRequest(vendorId="com.acme", data={"a": [1, 2]})
        )
        assert known.status == "Accepted"
    async with csms.database.unit_of_work() as uow:
        stored = await uow.reports.list("DT-16", ReportKind.DATA_TRANSFER)
        assert [r.content for r in stored] == [
            {"vendorId": "com.acme", "messageId": "price", "data": "42"}
        ]
        stored = await uow.reports.list("DT-201", ReportKind.DATA_TRANSFER)
        assert stored[0].content["data"] == {"a": [1, 2]}


async def test_notifications_are_answered_and_stored(csms: Application, ocpp_url: str) -> None:
    now = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    async with JsonClient(ocpp_url, "REP-16", OcppVersion.V16) as cs:
        await cs.call(
            "FirmwareStatusNotification",
            m16.FirmwareStatusNotificationRequest(status=m16.FirmwareStatus.Downloading),
        )
        await cs.call(
            "SecurityEventNotification",
            m16.SecurityEventNotificationRequest(type="TamperDetectionActivated", timestamp=now),
        )
    async with JsonClient(ocpp_url, "REP-201", OcppVersion.V201) as cs:
        await cs.call(
            "NotifyEvent",
            m201.NotifyEventRequest(
                generatedAt=now,
                seqNo=0,
                eventData=[
                    m201.EventDataType(
                        eventId=1,
                        timestamp=now,
                        trigger=m201.EventTriggerEnumType.Alerting,
                        actualValue="97",
                        eventNotificationType=m201.EventNotificationEnumType.HardWiredMonitor,
                        component=m201.ComponentType(name="EVSE"),
                        variable=m201.VariableType(name="Temperature"),
                    )
                ],
            ),
        )
    async with csms.database.unit_of_work() as uow:
        firmware = await uow.reports.list("REP-16", ReportKind.FIRMWARE_STATUS)
        assert [(r.status, r.content) for r in firmware] == [
            ("Downloading", {"status": "Downloading"})
        ]
        security = await uow.reports.list("REP-16", ReportKind.SECURITY_EVENT)
        assert security[0].status == "TamperDetectionActivated"
        events = await uow.reports.list("REP-201", ReportKind.DEVICE_EVENT)
        assert events[0].content["eventData"][0]["actualValue"] == "97"
