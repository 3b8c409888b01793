"""What a charge point sends and receives, per OCPP-J version."""

from __future__ import annotations

from ampyre.messages.v16 import actions as v16
from ampyre.messages.v201 import actions as v201
from ampyre.protocol.json_session import ActionTable
from ampyre.protocol.versions import OcppVersion

STATION_TABLES: dict[OcppVersion, ActionTable] = {
    OcppVersion.V16: ActionTable(
        OcppVersion.V16,
        v16.REQUESTS,
        v16.RESPONSES,
        inbound=v16.CSMS_INITIATED,
        outbound=v16.CHARGE_POINT_INITIATED,
    ),
    OcppVersion.V201: ActionTable(
        OcppVersion.V201,
        v201.REQUESTS,
        v201.RESPONSES,
        inbound=v201.CSMS_INITIATED,
        outbound=v201.CHARGE_POINT_INITIATED,
    ),
}
