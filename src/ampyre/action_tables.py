"""The generated message types of each OCPP-J version as protocol action tables, per side."""

from __future__ import annotations

import enum

from ampyre.messages.v16 import actions as v16
from ampyre.messages.v201 import actions as v201
from ampyre.protocol.json_session import ActionTable
from ampyre.protocol.versions import OcppVersion


class Side(enum.Enum):
    CSMS = "csms"
    STATION = "station"


_MODULES = {OcppVersion.V201: v201, OcppVersion.V16: v16}


def action_tables(side: Side) -> dict[OcppVersion, ActionTable]:
    """What `side` receives (inbound) and sends (outbound), for every OCPP-J version."""
    tables = {}
    for version, module in _MODULES.items():
        station_sends = module.CHARGE_POINT_INITIATED
        csms_sends = module.CSMS_INITIATED
        tables[version] = ActionTable(
            version,
            module.REQUESTS,
            module.RESPONSES,
            inbound=station_sends if side is Side.CSMS else csms_sends,
            outbound=csms_sends if side is Side.CSMS else station_sends,
        )
    return tables
