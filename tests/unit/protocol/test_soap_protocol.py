"""OCPP-S sans-I/O core: hardened XML, SOAP 1.2 envelopes, WS-Addressing, the schema codec."""

from __future__ import annotations

import pytest
from lxml import etree
from soap_examples import envelope, payload

from ampyre.protocol.soap_codec import Kind, SoapCodec, element_name
from ampyre.protocol.soap_envelope import (
    WSA_ANONYMOUS,
    Addressing,
    answer_addressing,
    read_envelope,
    write_envelope,
    write_fault,
)
from ampyre.protocol.soap_fault import FaultCode, SoapFault, SubCode
from ampyre.protocol.soap_xml import parse
from ampyre.protocol.versions import OcppVersion
from ampyre.soap_tables import CENTRAL_SYSTEM, CHARGE_POINT

CS15 = CENTRAL_SYSTEM[OcppVersion.V15].namespace
SERVICES = [*CENTRAL_SYSTEM.values(), *CHARGE_POINT.values()]


def fault_of(data: bytes, limit: int = 1 << 16) -> SoapFault:
    with pytest.raises(SoapFault) as caught:
        read_envelope(parse(data, limit))
    return caught.value


# -- hardened XML ---------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<foo>&xxe;</foo>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE foo SYSTEM "http://127.0.0.1:1/evil.dtd"><foo/>"""


@pytest.mark.parametrize("data", [XXE, BILLION_LAUGHS, EXTERNAL_DTD], ids=["xxe", "laughs", "dtd"])
def test_documents_with_a_dtd_are_refused_before_any_entity_is_expanded(data: bytes) -> None:
    with pytest.raises(SoapFault) as caught:
        parse(data, 1 << 16)
    assert caught.value.code == "Sender"
    assert "DTD" in caught.value.reason or "entit" in caught.value.reason.lower()
    assert "root:" not in caught.value.reason  # nothing of /etc/passwd leaks into the reason


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?>\n<!-- a -->\n<?pi x?><!DOCTYPE e [<!ENTITY a "b">]><e>&a;</e>',
        b'\xef\xbb\xbf<!DOCTYPE e SYSTEM "http://127.0.0.1:1/x.dtd"><e/>',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE e><e/>'.encode("utf-16"),
        '<?xml version="1.0" encoding="UTF-16BE"?><!DOCTYPE e><e/>'.encode("utf-16-be"),
    ],
    ids=["after-comments-and-pis", "utf8-bom", "utf16", "utf16be"],
)
def test_a_doctype_is_refused_before_the_parser_sees_it(data: bytes) -> None:
    from ampyre.protocol.soap_xml import _declares_doctype

    assert _declares_doctype(data)
    with pytest.raises(SoapFault) as caught:
        parse(data, 1 << 16)
    assert "DTDs are not allowed" in caught.value.reason


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!-- <!DOCTYPE x> --><e>&lt;!DOCTYPE e&gt;</e>',
        b"<e><![CDATA[<!DOCTYPE html>]]></e>",
        '<?xml version="1.0" encoding="UTF-16"?><e/>'.encode("utf-16"),
    ],
    ids=["in-a-comment", "in-cdata", "utf16"],
)
def test_doctype_words_outside_the_prolog_are_just_text(data: bytes) -> None:
    assert parse(data, 1 << 16).tag == "e"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"<a><b></a>", "malformed XML"),
        (b"not xml at all", "malformed XML"),
        (b"<a>" + b"x" * 100 + b"</a>", "over the limit"),
    ],
)
def test_bad_bytes_are_sender_faults(data: bytes, words: str) -> None:
    with pytest.raises(SoapFault) as caught:
        parse(data, 64)
    assert caught.value.code == FaultCode.SENDER
    assert caught.value.subcode == SubCode.PROTOCOL_ERROR
    assert words in caught.value.reason


# -- envelopes ------------------------------------------------------------------------------


def test_a_station_request_is_read_with_its_addressing_and_identity() -> None:
    data = envelope(
        f'<cs:heartbeatRequest xmlns:cs="{CS15}"/>',
        namespace=CS15,
        action="/Heartbeat",
        from_address="http://10.0.0.5:8080/",
    )
    read = read_envelope(parse(data, 1 << 16))
    assert read.charge_box_identity == "CP1"
    assert read.addressing == Addressing(
        action="/Heartbeat", message_id="urn:uuid:1", from_address="http://10.0.0.5:8080/"
    )
    assert read.body is not None and etree.QName(read.body).localname == "heartbeatRequest"


def test_charge_box_identity_is_case_insensitive_by_name() -> None:
    data = envelope(
        "<x/>",
        namespace=CS15,
        identity=None,
        extra_header=(f'<ChargeBoxIdentity xmlns="{CS15}"> CP9 </ChargeBoxIdentity>'),
    )
    assert read_envelope(parse(data, 1 << 16)).charge_box_identity == "CP9"


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (
            b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>',
            "VersionMismatch",
            "SOAP 1.1",
        ),
        (b"<Envelope/>", "Sender", "not a SOAP 1.2 envelope"),
        (
            b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"/>',
            "Sender",
            "no Body",
        ),
        (
            b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>',
            "Sender",
            "exactly one element",
        ),
        (
            envelope(
                "<x/>",
                namespace=CS15,
                extra_header='<v:Secret xmlns:v="urn:v" s:mustUnderstand="true">1</v:Secret>',
            ),
            "MustUnderstand",
            "not understood",
        ),
    ],
)
def test_what_is_not_an_ocpp_s_envelope_gets_a_fault(data: bytes, code: str, words: str) -> None:
    fault = fault_of(data)
    assert fault.code == code
    assert words in fault.reason


def test_written_envelopes_and_faults_read_back() -> None:
    body = etree.Element(f"{{{CS15}}}heartbeatRequest")
    sent = Addressing(
        action="/Heartbeat", message_id="urn:uuid:7", to="http://cs/", from_address="http://cp/"
    )
    read = read_envelope(parse(write_envelope(body, sent, (CS15, "CP 1")), 1 << 16))
    assert read.addressing == sent
    assert read.charge_box_identity == "CP 1"

    answer = answer_addressing(read.addressing, "/HeartbeatResponse", "urn:uuid:8")
    assert answer.relates_to == "urn:uuid:7" and answer.to == WSA_ANONYMOUS
    fault = SoapFault(FaultCode.RECEIVER, SubCode.NOT_SUPPORTED, "no such thing")
    read = read_envelope(parse(write_fault(fault, CS15, answer), 1 << 16))
    assert read.body is None and read.fault is not None
    assert (read.fault.code, read.fault.subcode, read.fault.reason) == (
        "Receiver",
        "NotSupported",
        "no such thing",
    )
    assert read.addressing.relates_to == "urn:uuid:7"


# -- codec ----------------------------------------------------------------------------------

CASES = [
    pytest.param(
        service,
        action,
        response,
        maximal,
        id=f"{service.version}-{action}-"
        f"{'conf' if response else 'req'}-{'max' if maximal else 'min'}",
    )
    for service in SERVICES
    for action in sorted(service.operations)
    for response in (False, True)
    for maximal in (False, True)
]


@pytest.mark.parametrize(("service", "action", "response", "maximal"), CASES)
def test_every_operation_round_trips_through_the_wsdl_schema(
    service: object, action: str, response: bool, maximal: bool
) -> None:
    from ampyre.protocol.soap_codec import SoapService

    assert isinstance(service, SoapService)
    codec = SoapCodec(service)
    kind = Kind.RESPONSE if response else Kind.REQUEST
    message = payload(service, action, response, maximal=maximal)
    element = codec.encode(action, kind, message)
    assert etree.QName(element).localname == element_name(action, kind)
    assert etree.QName(element).namespace == service.namespace
    assert codec.schema.is_valid(element)
    wire = parse(etree.tostring(element), 1 << 20)  # through bytes, as on the wire
    assert codec.decode(wire, kind, action) == message


def test_schema_violations_name_the_place() -> None:
    codec = SoapCodec(CENTRAL_SYSTEM[OcppVersion.V15])
    body = etree.fromstring(
        f'<a:startTransactionRequest xmlns:a="{CS15}"><a:connectorId>one</a:connectorId>'
        "</a:startTransactionRequest>"
    )
    with pytest.raises(SoapFault) as caught:
        codec.decode(body, Kind.REQUEST)
    assert caught.value.subcode == SubCode.PROTOCOL_ERROR
    assert "schema violation" in caught.value.reason and "connectorId" in caught.value.reason


def test_unknown_operation_and_wrong_namespace() -> None:
    codec = SoapCodec(CENTRAL_SYSTEM[OcppVersion.V15])
    with pytest.raises(SoapFault) as caught:
        codec.decode(etree.fromstring(f'<a:rebootRequest xmlns:a="{CS15}"/>'), Kind.REQUEST)
    assert caught.value.subcode == SubCode.NOT_SUPPORTED
    cs16 = CENTRAL_SYSTEM[OcppVersion.V16].namespace
    with pytest.raises(SoapFault) as caught:
        codec.decode(etree.fromstring(f'<a:heartbeatRequest xmlns:a="{cs16}"/>'), Kind.REQUEST)
    assert "namespace" in caught.value.reason


def test_an_outbound_payload_the_schema_forbids_is_a_local_error() -> None:
    from ampyre.messages.v15 import types as m

    codec = SoapCodec(CHARGE_POINT[OcppVersion.V15])
    with pytest.raises(ValueError, match="greater than 20"):
        codec.encode(
            "RemoteStartTransaction", Kind.REQUEST, m.RemoteStartTransactionRequest(idTag="x" * 21)
        )


def test_a_date_time_without_offset_is_read_as_utc() -> None:
    codec = SoapCodec(CENTRAL_SYSTEM[OcppVersion.V15])
    body = etree.fromstring(
        f'<a:heartbeatResponse xmlns:a="{CS15}"><a:currentTime>2013-02-01T15:09:18'
        "</a:currentTime></a:heartbeatResponse>"
    )
    decoded = codec.decode(body, Kind.RESPONSE)
    assert decoded.currentTime.isoformat() == "2013-02-01T15:09:18+00:00"
