"""Every charge-point-initiated action of both schema sets, sent over a real socket as its
smallest valid payload, is routed and answered with a CALLRESULT its schema accepts."""

from __future__ import annotations

import pytest
from schema_examples import minimal_request

from ampyre.app import CSMS_TABLES, Application
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import JsonClient

CASES = [
    (version, action) for version, table in CSMS_TABLES.items() for action in sorted(table.inbound)
]


@pytest.mark.parametrize(("version", "action"), CASES, ids=[f"{v}-{a}" for v, a in CASES])
async def test_action_is_answered(
    csms: Application, ocpp_url: str, version: OcppVersion, action: str
) -> None:
    payload = minimal_request(version.value, action)
    async with JsonClient(ocpp_url, f"ALL-{version}", version) as cs:
        # the client session validates the answer against the response schema
        answer = await cs.call(action, payload)
    assert answer is not None
