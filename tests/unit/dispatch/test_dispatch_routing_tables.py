"""Every charge-point-initiated action in the schemas is routed; nothing else is."""

from __future__ import annotations

import inspect
import typing

import pytest

from ampyre.app import CSMS_TABLES, ROUTES
from ampyre.protocol.versions import OcppVersion


@pytest.mark.parametrize("version", list(CSMS_TABLES))
def test_every_charge_point_action_is_routed(version: OcppVersion) -> None:
    table = CSMS_TABLES[version]
    assert set(ROUTES[version]) == set(table.inbound)
    # and nothing the CSMS itself sends could reach a route
    assert not set(ROUTES[version]) & (set(table.outbound) - set(table.inbound))


@pytest.mark.parametrize("version", list(CSMS_TABLES))
def test_each_route_takes_and_returns_its_actions_types(version: OcppVersion) -> None:
    table = CSMS_TABLES[version]
    for action, route in ROUTES[version].items():
        hints = typing.get_type_hints(route)
        parameters = list(inspect.signature(route).parameters)
        assert hints[parameters[1]] is table.requests[action], action
        assert hints["return"] is table.responses[action], action
