"""Fuzz the OCPP-S reading path with hypothesis: whatever bytes arrive, hardened parsing, the
envelope reader and the schema codec may only ever produce a value or a `SoapFault`, never
another exception; and what decodes re-encodes into a schema-valid element.

Inputs are arbitrary bytes, and valid envelopes of every operation of both versions (from
the WSDL schemas, minimal and maximal) mutated element by element: text replaced, an
element dropped, duplicated or renamed, an attribute added, bytes flipped.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from soap_examples import payload

from ampyre.protocol.soap_codec import Kind, SoapCodec
from ampyre.protocol.soap_envelope import Addressing, read_envelope, write_envelope
from ampyre.protocol.soap_fault import SoapFault
from ampyre.protocol.soap_xml import parse
from ampyre.soap_tables import CENTRAL_SYSTEM, CHARGE_POINT

SERVICES = [*CENTRAL_SYSTEM.values(), *CHARGE_POINT.values()]
CODECS = {service.namespace: SoapCodec(service) for service in SERVICES}
LIMIT = 1 << 16

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def read(data: bytes) -> Any:
    """What the endpoint does before its handler: the payload, or SoapFault."""
    envelope = read_envelope(parse(data, LIMIT))
    if envelope.body is None:
        return None
    codec = CODECS.get(etree.QName(envelope.body).namespace or "")
    if codec is None:
        return None
    action, kind = codec.operation(envelope.body)
    decoded = codec.decode(envelope.body, kind, action)
    # what was accepted is a value our side can write again, valid against the schema
    assert codec.schema.is_valid(codec.encode(action, kind, decoded))
    return decoded


def survives(data: bytes) -> None:
    try:
        read(data)
    except SoapFault as fault:
        assert fault.code and fault.reason


def _valid_envelopes() -> list[bytes]:
    found = []
    for service in SERVICES:
        codec = CODECS[service.namespace]
        for action in sorted(service.operations):
            for response in (False, True):
                for maximal in (False, True):
                    kind = Kind.RESPONSE if response else Kind.REQUEST
                    element = codec.encode(
                        action, kind, payload(service, action, response, maximal=maximal)
                    )
                    addressing = Addressing(action=f"/{action}", message_id="urn:uuid:1")
                    found.append(write_envelope(element, addressing, (service.namespace, "CP1")))
    return found


VALID = _valid_envelopes()


def test_every_valid_envelope_reads() -> None:
    for data in VALID:
        assert read(data) is not None


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_are_a_value_or_a_fault(data: bytes) -> None:
    survives(data)


@FUZZ
@given(
    st.sampled_from(VALID),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=40),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,11}", fullmatch=True),
    st.data(),
)
def test_mutated_envelopes_are_a_value_or_a_fault(
    data: bytes, text: str, name: str, draw: st.DataObject
) -> None:
    root = etree.fromstring(data)
    elements = list(root.iter())
    target = draw.draw(st.sampled_from(elements))
    mutation = draw.draw(
        st.sampled_from(["text", "drop", "duplicate", "rename", "attribute", "bytes"])
    )
    if mutation == "text":
        target.text = text
    elif mutation == "drop" and target.getparent() is not None:
        target.getparent().remove(target)
    elif mutation == "duplicate" and target.getparent() is not None:
        target.addnext(copy.deepcopy(target))
    elif mutation == "rename":
        target.tag = etree.QName(etree.QName(target).namespace, name).text
    elif mutation == "attribute":
        target.set(name, text)
    mutated = etree.tostring(root)
    if mutation == "bytes":
        at = draw.draw(st.integers(0, len(mutated) - 1))
        mutated = mutated[:at] + bytes([draw.draw(st.integers(0, 255))]) + mutated[at + 1 :]
    survives(mutated)


@pytest.mark.parametrize("size", [0, 1, LIMIT, LIMIT + 1])
def test_sizes_at_the_limit(size: int) -> None:
    survives(b"<" + b"a" * max(0, size - 4) + b"/>" if size else b"")
