"""The SOAP message tables: 1.5 generated from its WSDLs; 1.6 SOAP is the 1.6J types."""

from __future__ import annotations

import types
import typing
from typing import Any

import msgspec
import pytest

from ampyre.messages import soap
from ampyre.messages.v15 import actions as a15
from ampyre.messages.v16 import actions as a16
from ampyre.protocol.soap_codec import SoapCodec
from ampyre.protocol.versions import OcppVersion
from ampyre.soap_tables import CENTRAL_SYSTEM, CHARGE_POINT


def test_every_wsdl_operation_has_typed_messages_both_ways() -> None:
    assert {(s.version, s.service) for s in soap.SERVICES} == {
        (v, n) for v in ("1.5", "1.6") for n in ("CentralSystemService", "ChargePointService")
    }
    for table in (CENTRAL_SYSTEM, CHARGE_POINT):
        for service in table.values():
            assert set(service.requests) == set(service.responses) == service.operations
    assert CENTRAL_SYSTEM[OcppVersion.V15].operations == a15.CHARGE_POINT_INITIATED
    assert CHARGE_POINT[OcppVersion.V15].operations == a15.CSMS_INITIATED
    assert len(CHARGE_POINT[OcppVersion.V15].operations) == 15
    assert CHARGE_POINT[OcppVersion.V16].operations == CHARGE_POINT[OcppVersion.V15].operations | {
        "ClearChargingProfile",
        "GetCompositeSchedule",
        "SetChargingProfile",
        "TriggerMessage",
    }


def _struct(tp: Any) -> type[msgspec.Struct] | None:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated or origin is list:
        return _struct(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return _struct(inner)
    return tp if isinstance(tp, type) and issubclass(tp, msgspec.Struct) else None


def _differences(xsd_type: Any, cls: type[msgspec.Struct], path: str) -> list[str]:
    fields = {f.name: f for f in msgspec.structs.fields(cls)}
    if xsd_type.is_empty():
        return [] if not fields else [f"{path}: XSD empty, struct has {sorted(fields)}"]
    elements = {e.local_name: e for e in xsd_type.content.iter_elements()}
    found = []
    if set(elements) != set(fields):
        found.append(f"{path}: XSD {sorted(elements)} vs struct {sorted(fields)}")
    for name, element in elements.items():
        if name not in fields:
            continue
        if (element.min_occurs >= 1) != fields[name].required:
            found.append(f"{path}.{name}: required differs")
        inner = _struct(fields[name].type)
        if inner is not None:
            found.extend(_differences(element.type, inner, f"{path}.{name}"))
    return found


@pytest.mark.parametrize("table", [CENTRAL_SYSTEM, CHARGE_POINT], ids=["cs", "cp"])
def test_the_16_wsdl_elements_are_the_16j_fields(table: dict[OcppVersion, Any]) -> None:
    """Same names, nesting and required-ness, so 1.6 over SOAP reuses the 1.6 routes."""
    service = table[OcppVersion.V16]
    schema = SoapCodec(service).schema
    differences = []
    for action in service.operations:
        for suffix, classes in (("Request", a16.REQUESTS), ("Response", a16.RESPONSES)):
            element = schema.elements[action[:1].lower() + action[1:] + suffix]
            differences += _differences(element.type, classes[action], action + suffix)
    # the one known difference: 1.6J requires meterValue (minItems 1), the WSDL does not
    assert differences == (
        ["MeterValuesRequest.meterValue: required differs"] if table is CENTRAL_SYSTEM else []
    )
