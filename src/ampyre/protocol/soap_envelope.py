"""SOAP 1.2 envelopes with WS-Addressing and the OCPP chargeBoxIdentity header (sans-I/O).

`read_envelope` takes a parsed root element and returns what OCPP-S needs from it;
`write_envelope` / `write_fault` build the bytes of an answer or a request. Message ids are
passed in (the caller owns randomness), so everything here is deterministic.
"""

from __future__ import annotations

import dataclasses

from lxml import etree

from ampyre.protocol.soap_fault import FaultCode, SoapFault, SubCode

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"
#: older WS-Addressing drafts some stations still send (read only, never written)
WSA_READ = frozenset({WSA, "http://schemas.xmlsoap.org/ws/2004/08/addressing"})
WSA_ANONYMOUS = f"{WSA}/anonymous"
WSA_FAULT_ACTION = f"{WSA}/soap/fault"
CONTENT_TYPE = "application/soap+xml; charset=utf-8"
IDENTITY = "chargeBoxIdentity"
_TRUE = frozenset({"true", "1"})


@dataclasses.dataclass(frozen=True, slots=True)
class Addressing:
    """The WS-Addressing headers of one message."""

    action: str | None = None
    message_id: str | None = None
    to: str | None = None
    from_address: str | None = None
    reply_to: str | None = None
    relates_to: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Envelope:
    addressing: Addressing
    charge_box_identity: str | None
    #: the single element in soap:Body (None when the body is a fault)
    body: etree._Element | None
    fault: SoapFault | None = None


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _namespace(tag: object) -> str | None:
    return etree.QName(tag).namespace if isinstance(tag, str) else None


def read_envelope(root: etree._Element) -> Envelope:
    """Take a SOAP 1.2 envelope apart; SoapFault for anything that is not one."""
    if root.tag == f"{{{SOAP11_ENV}}}Envelope":
        raise SoapFault(
            FaultCode.VERSION_MISMATCH, None, "OCPP-S uses SOAP 1.2, this is a SOAP 1.1 envelope"
        )
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault(
            FaultCode.SENDER,
            SubCode.PROTOCOL_ERROR,
            f"not a SOAP 1.2 envelope: root element is {etree.QName(root).text}",
        )
    header = None
    body = None
    for child in root:
        if child.tag == f"{{{SOAP_ENV}}}Header" and header is None and body is None:
            header = child
        elif child.tag == f"{{{SOAP_ENV}}}Body" and body is None:
            body = child
        else:
            raise SoapFault(
                FaultCode.SENDER,
                SubCode.PROTOCOL_ERROR,
                f"unexpected element {etree.QName(child).text} in the envelope",
            )
    if body is None:
        raise SoapFault(FaultCode.SENDER, SubCode.PROTOCOL_ERROR, "the envelope has no Body")
    addressing, identity = _read_header(header)
    children = [c for c in body if isinstance(c.tag, str)]
    if len(children) != 1:
        raise SoapFault(
            FaultCode.SENDER,
            SubCode.PROTOCOL_ERROR,
            f"the Body must hold exactly one element, it holds {len(children)}",
        )
    (content,) = children
    if content.tag == f"{{{SOAP_ENV}}}Fault":
        return Envelope(addressing, identity, None, _read_fault(content))
    return Envelope(addressing, identity, content)


def _read_header(header: etree._Element | None) -> tuple[Addressing, str | None]:
    fields: dict[str, str | None] = {}
    identity = None
    if header is None:
        return Addressing(), None
    for child in header:
        if not isinstance(child.tag, str):
            continue
        name, namespace = _local(child.tag), _namespace(child.tag)
        if namespace in WSA_READ:
            if name in ("From", "ReplyTo"):
                address = child.find(f"{{{namespace}}}Address")
                fields["from_address" if name == "From" else "reply_to"] = _text(address)
            elif name in ("Action", "MessageID", "To", "RelatesTo"):
                key = {"Action": "action", "MessageID": "message_id", "To": "to"}.get(
                    name, "relates_to"
                )
                fields[key] = _text(child)
            continue
        if name.lower() == IDENTITY.lower():  # OCPP-S 3.3: the name is case insensitive
            identity = _text(child)
            continue
        if child.get(f"{{{SOAP_ENV}}}mustUnderstand", "").strip() in _TRUE:
            raise SoapFault(
                FaultCode.MUST_UNDERSTAND, None, f"header {child.tag} is not understood"
            )
    return Addressing(**fields), identity


def _read_fault(fault: etree._Element) -> SoapFault:
    e = f"{{{SOAP_ENV}}}"
    code = _text(fault.find(f"{e}Code/{e}Value")) or "Receiver"
    subcode = _text(fault.find(f"{e}Code/{e}Subcode/{e}Value"))
    reason = _text(fault.find(f"{e}Reason/{e}Text")) or "(no reason given)"
    return SoapFault(code.rpartition(":")[2], subcode and subcode.rpartition(":")[2], reason)


def _header(
    addressing: Addressing, identity: tuple[str, str] | None
) -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "wsa": WSA})
    header = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Header")
    if identity is not None:
        namespace, station = identity
        element = etree.SubElement(header, f"{{{namespace}}}{IDENTITY}", nsmap={"ocpp": namespace})
        element.set(f"{{{SOAP_ENV}}}mustUnderstand", "true")
        element.text = station
    for name, value in (
        ("Action", addressing.action),
        ("MessageID", addressing.message_id),
        ("To", addressing.to),
        ("RelatesTo", addressing.relates_to),
    ):
        if value is not None:
            element = etree.SubElement(header, f"{{{WSA}}}{name}")
            element.text = value
            if name in ("Action", "To"):
                element.set(f"{{{SOAP_ENV}}}mustUnderstand", "true")
    for name, address in (("From", addressing.from_address), ("ReplyTo", addressing.reply_to)):
        if address is not None:
            element = etree.SubElement(header, f"{{{WSA}}}{name}")
            etree.SubElement(element, f"{{{WSA}}}Address").text = address
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    return envelope, body


def write_envelope(
    content: etree._Element, addressing: Addressing, identity: tuple[str, str] | None = None
) -> bytes:
    """A request or answer: `identity` is (OCPP namespace, chargeBoxIdentity) for requests."""
    envelope, body = _header(addressing, identity)
    body.append(content)
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def write_fault(fault: SoapFault, namespace: str, addressing: Addressing) -> bytes:
    """A SOAP 1.2 fault; the OCPP subcode goes in the OCPP service `namespace`."""
    envelope, body = _header(addressing, None)
    e = f"{{{SOAP_ENV}}}"
    element = etree.SubElement(body, f"{e}Fault")
    code = etree.SubElement(element, f"{e}Code")
    etree.SubElement(code, f"{e}Value").text = f"soap:{fault.code}"
    if fault.subcode is not None:
        sub = etree.SubElement(code, f"{e}Subcode")
        value = etree.SubElement(sub, f"{e}Value", nsmap={"ocpp": namespace})
        value.text = f"ocpp:{fault.subcode}"
    reason = etree.SubElement(element, f"{e}Reason")
    text = etree.SubElement(reason, f"{e}Text")
    text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    text.text = fault.reason
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def answer_addressing(request: Addressing, action: str, message_id: str) -> Addressing:
    """WS-Addressing of the answer to `request` (RelatesTo its MessageID, OCPP-S 3.6)."""
    return Addressing(
        action=action, message_id=message_id, to=WSA_ANONYMOUS, relates_to=request.message_id
    )
