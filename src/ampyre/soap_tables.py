"""The OCPP SOAP services (WSDLs) with the generated message types of their operations.

1.5 uses its own types (generated from the 1.5 WSDLs); 1.6 over SOAP uses the 1.6J types,
whose fields equal the 1.6 WSDL's elements, so 1.6 SOAP stations reuse the 1.6 routes and
adapters.
"""

from __future__ import annotations

from ampyre.messages import soap
from ampyre.messages.v15 import actions as v15
from ampyre.messages.v16 import actions as v16
from ampyre.protocol.soap_codec import SoapService
from ampyre.protocol.versions import OcppVersion

_TYPES = {OcppVersion.V15: v15, OcppVersion.V16: v16}


def _service(description: soap.SoapService) -> SoapService:
    version = OcppVersion(description.version)
    module = _TYPES[version]
    ops = description.operations
    return SoapService(
        version=version,
        name=description.service,
        namespace=description.namespace,
        schema_text=description.schema,
        operations=ops,
        requests={a: t for a, t in module.REQUESTS.items() if a in ops},
        responses={a: t for a, t in module.RESPONSES.items() if a in ops},
    )


#: what stations send, by version (the CSMS serves these)
CENTRAL_SYSTEM: dict[OcppVersion, SoapService] = {
    OcppVersion(d.version): _service(d)
    for d in soap.SERVICES
    if d.service == "CentralSystemService"
}
#: what the CSMS sends, by version (stations serve these)
CHARGE_POINT: dict[OcppVersion, SoapService] = {
    OcppVersion(d.version): _service(d) for d in soap.SERVICES if d.service == "ChargePointService"
}
