"""Hardened XML parsing for OCPP-S: no DTDs, no entities, no network, bounded size.

lxml (libxml2) is used with entity resolution, DTD loading and network access switched off,
and any document that declares a DOCTYPE at all is refused, so neither XXE (external
entities) nor entity expansion (billion laughs) can reach the tree. Peer faults become a
`SoapFault`, never another exception.
"""

from __future__ import annotations

from lxml import etree

from ampyre.protocol.soap_fault import FaultCode, SoapFault, SubCode


def parse(data: bytes, max_bytes: int) -> etree._Element:
    """The root element of `data`, or SoapFault(Sender) saying what is wrong with it."""
    if len(data) > max_bytes:
        raise SoapFault(
            FaultCode.SENDER,
            SubCode.PROTOCOL_ERROR,
            f"message of {len(data)} bytes is over the limit of {max_bytes} bytes",
        )
    if not data.strip():
        raise SoapFault(FaultCode.SENDER, SubCode.PROTOCOL_ERROR, "empty message")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise SoapFault(FaultCode.SENDER, SubCode.PROTOCOL_ERROR, f"malformed XML: {exc}") from None
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        raise SoapFault(FaultCode.SENDER, SubCode.PROTOCOL_ERROR, f"malformed XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise SoapFault(
            FaultCode.SENDER,
            SubCode.PROTOCOL_ERROR,
            "DTDs are not allowed in SOAP messages (SOAP 1.2 part 1, 5)",
        )
    return root
