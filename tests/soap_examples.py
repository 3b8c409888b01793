"""SOAP test material: valid payloads of every OCPP-S operation, and envelopes by hand."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from schema_examples import example, schema_file

from ampyre.protocol.soap_codec import SoapService
from ampyre.protocol.versions import OcppVersion

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import wsdl_schemas  # noqa: E402

WSDLS = {
    ("1.5", "CentralSystemService"): "spec/ocpp15-soap/ocpp_centralsystemservice_1.5_final.wsdl",
    ("1.5", "ChargePointService"): "spec/ocpp15-soap/ocpp_chargepointservice_1.5_final.wsdl",
    ("1.6", "CentralSystemService"): "spec/ocpp16-soap/OCPP_CentralSystemService_1.6.wsdl",
    ("1.6", "ChargePointService"): "spec/ocpp16-soap/OCPP_ChargePointService_1.6.wsdl",
}


@cache
def description(version: str, service: str) -> wsdl_schemas.ServiceDescription:
    return wsdl_schemas.read(ROOT, WSDLS[(version, service)])


def payload(service: SoapService, action: str, response: bool, *, maximal: bool) -> Any:
    """A valid typed payload: for 1.5 from the WSDL, for 1.6 from the 1.6J JSON schema."""
    if service.version is OcppVersion.V15:
        wsdl = description("1.5", service.name)
        node = wsdl.messages[action + ("Response" if response else "Request")]
        doc = {"definitions": wsdl.definitions, **node}
    else:
        import json

        doc = json.loads(schema_file("1.6", action, response).read_text())
    data = example(doc, doc, maximal=maximal)
    if service.version is OcppVersion.V16 and maximal and action == "MeterValues" and not response:
        # "Hertz" is in the 1.6J unit enum (errata v4.0), not in the 1.6 WSDL's
        data["meterValue"][0]["sampledValue"][0]["unit"] = "Percent"
    if service.version is OcppVersion.V16 and action == "SetChargingProfile" and not response:
        # the WSDL wants at least one period (minOccurs 1), the 1.6J schema allows none
        schedule = data["csChargingProfiles"]["chargingSchedule"]
        schedule["chargingSchedulePeriod"] = schedule["chargingSchedulePeriod"] or [
            {"startPeriod": 0, "limit": 16.0}
        ]
    table = service.responses if response else service.requests
    return msgspec.convert(data, table[action])


def envelope(
    body: str,
    *,
    namespace: str,
    identity: str | None = "CP1",
    action: str | None = None,
    message_id: str | None = "urn:uuid:1",
    from_address: str | None = None,
    extra_header: str = "",
) -> bytes:
    """A SOAP 1.2 request written by hand (the way a station would)."""
    headers = []
    if identity is not None:
        headers.append(f"<cs:chargeBoxIdentity>{identity}</cs:chargeBoxIdentity>")
    if action is not None:
        headers.append(f"<wsa:Action>{action}</wsa:Action>")
    if message_id is not None:
        headers.append(f"<wsa:MessageID>{message_id}</wsa:MessageID>")
    if from_address is not None:
        headers.append(f"<wsa:From><wsa:Address>{from_address}</wsa:Address></wsa:From>")
    headers.append(extra_header)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        f'xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:cs="{namespace}">'
        f"<s:Header>{''.join(headers)}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()
