"""OCPP-S message bodies ⇄ typed payloads, validated against the WSDL's XML Schema.

One `SoapCodec` per SOAP service (a version's Central System or Charge Point service). An
inbound body is validated with `xmlschema` against the schema embedded in the official
WSDL, decoded to plain values and converted into the message type; an outbound payload is
turned back into plain values and encoded (and so validated) by the same schema.
Field names are the element names; attributes keep their names; the text of a
simple-content element with attributes is `value` (see scripts/wsdl_schemas.py).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import functools
from collections.abc import Mapping
from typing import Any

import msgspec
import xmlschema
from elementpath.datatypes import AbstractDateTime
from lxml import etree

from ampyre.protocol.soap_fault import FaultCode, SoapFault, SubCode
from ampyre.protocol.versions import OcppVersion

#: the field name of a simple-content element's text (its attributes keep their names)
TEXT_FIELD = "value"
#: what xmlschema calls the text meanwhile: "value" may also be a child element's name
_TEXT_KEY = "$"
_ATTRIBUTE_PREFIX = "@"
_XSD = "http://www.w3.org/2001/XMLSchema"


class Kind(enum.Enum):
    REQUEST = "Request"
    RESPONSE = "Response"


@dataclasses.dataclass(frozen=True)
class SoapService:
    """One WSDL service with the message types its operations carry."""

    version: OcppVersion
    #: "CentralSystemService" (station → CSMS) or "ChargePointService" (CSMS → station)
    name: str
    namespace: str
    schema_text: str
    operations: frozenset[str]
    requests: Mapping[str, type[Any]]
    responses: Mapping[str, type[Any]]


def element_name(action: str, kind: Kind) -> str:
    return action[:1].lower() + action[1:] + kind.value


def action_header(action: str, kind: Kind) -> str:
    """The WS-Addressing Action of an operation's request or response (OCPP-S 3.4)."""
    return f"/{action}" if kind is Kind.REQUEST else f"/{action}Response"


def _value_hook(value: Any, xsd_type: Any) -> Any:
    if isinstance(value, AbstractDateTime):
        parsed = datetime.datetime.fromisoformat(str(value))
        # OCPP times are UTC; a dateTime without an offset is read as UTC
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
    return value


class SoapCodec:
    def __init__(self, service: SoapService) -> None:
        self.service = service
        self.namespace = service.namespace
        self._by_element = {
            element_name(op, kind): (op, kind) for op in service.operations for kind in Kind
        }

    @functools.cached_property
    def schema(self) -> xmlschema.XMLSchema:
        return _schema(self.service.schema_text)

    def operation(self, body: etree._Element) -> tuple[str, Kind]:
        """Which operation and direction a body element is; SoapFault if none of ours."""
        qname = etree.QName(body)
        if qname.namespace != self.namespace:
            raise SoapFault(
                FaultCode.SENDER,
                SubCode.PROTOCOL_ERROR,
                f"body element {qname.localname} is in namespace {qname.namespace!r}, "
                f"expected {self.namespace!r}",
            )
        found = self._by_element.get(qname.localname)
        if found is None:
            raise SoapFault(
                FaultCode.RECEIVER,
                SubCode.NOT_SUPPORTED,
                f"{qname.localname} is not an operation of the OCPP {self.service.version} "
                f"{self.service.name}",
            )
        return found

    def decode(self, body: etree._Element, kind: Kind, action: str | None = None) -> Any:
        """Validate and type a body of the given kind (and action, when one is expected)."""
        found, found_kind = self.operation(body)
        if found_kind is not kind or (action is not None and found != action):
            expected = element_name(action, kind) if action else f"a {kind.value.lower()}"
            raise SoapFault(
                FaultCode.SENDER,
                SubCode.PROTOCOL_ERROR,
                f"expected {expected}, got {etree.QName(body).localname}",
            )
        try:
            data = self.schema.decode(
                _as_source(body),
                attr_prefix=_ATTRIBUTE_PREFIX,
                text_key=_TEXT_KEY,
                cdata_prefix=None,
                strip_namespaces=True,
                decimal_type=float,
                value_hook=_value_hook,
            )
        except xmlschema.XMLSchemaValidationError as exc:
            raise SoapFault(
                FaultCode.SENDER, SubCode.PROTOCOL_ERROR, f"schema violation: {_describe(exc)}"
            ) from None
        table = self.service.requests if kind is Kind.REQUEST else self.service.responses
        data = _fields(data or {}, self._type(found, kind), to_fields=True)
        try:
            return msgspec.convert(data, table[found])
        except msgspec.ValidationError as exc:
            raise SoapFault(
                FaultCode.SENDER, SubCode.PROTOCOL_ERROR, f"schema violation: {exc}"
            ) from None

    def encode(self, action: str, kind: Kind, payload: Any) -> etree._Element:
        """The body element of a payload; ValueError when the schema forbids it."""
        if action not in self.service.operations:
            raise ValueError(f"{action} is not an operation of {self.service.name}")
        data = _fields(msgspec.to_builtins(payload), self._type(action, kind), to_fields=False)
        try:
            element = self.schema.encode(
                data,
                path=element_name(action, kind),
                namespaces={"": self.namespace},
                # fields in any order: the schema's sequence decides the element order
                converter=xmlschema.UnorderedConverter,
                attr_prefix=_ATTRIBUTE_PREFIX,
                text_key=_TEXT_KEY,
                etree_element_class=etree.Element,
                indent=0,
            )
        except (xmlschema.XMLSchemaValidationError, xmlschema.XMLSchemaEncodeError) as exc:
            raise ValueError(f"{action} {kind.value.lower()}: {_describe(exc)}") from None
        assert isinstance(element, etree._Element)
        return element

    def _type(self, action: str, kind: Kind) -> Any:
        return self.schema.elements[element_name(action, kind)].type


def _fields(data: Any, xsd_type: Any, to_fields: bool) -> Any:
    """xmlschema's keys ("$" text, "@" attributes) ⇄ field names, led by the schema's types."""
    if isinstance(data, list):
        return [_fields(item, xsd_type, to_fields) for item in data]
    if xsd_type.is_simple():
        return data
    if not isinstance(data, dict):
        # xmlschema gives the bare text of a simple-content element without attributes
        return {TEXT_FIELD: data} if to_fields and xsd_type.has_simple_content() else data
    attributes = {str(name).rpartition("}")[2] for name in xsd_type.attributes}
    children = {}
    if not xsd_type.has_simple_content() and not xsd_type.is_empty():
        children = {e.local_name: e.type for e in xsd_type.content.iter_elements()}
    result = {}
    for key, value in data.items():
        if to_fields:
            if key == _TEXT_KEY:
                key = TEXT_FIELD
            elif key.startswith(_ATTRIBUTE_PREFIX):
                key = key[len(_ATTRIBUTE_PREFIX) :]
            elif key in children:
                value = _fields(value, children[key], to_fields)
        elif xsd_type.has_simple_content() and key == TEXT_FIELD:
            key = _TEXT_KEY
        elif key in attributes and key not in children:
            key = _ATTRIBUTE_PREFIX + key
        elif key in children:
            value = _fields(value, children[key], to_fields)
            value = _rounded(value, children[key])
        result[key] = value
    return result


def _rounded(value: Any, xsd_type: Any) -> Any:
    """A float written with no more fraction digits than its type allows (1.6 DecimalOne)."""
    if isinstance(value, list):
        return [_rounded(item, xsd_type) for item in value]
    if not isinstance(value, float) or not xsd_type.is_simple():
        return value
    facet = xsd_type.get_facet(f"{{{_XSD}}}fractionDigits")
    if facet is not None:
        value = round(value, int(facet.value))
    # as written (16.7), not the binary float's exact expansion (16.699999999999999289...)
    return decimal.Decimal(repr(value))


def _as_source(element: etree._Element) -> Any:
    """xmlschema reads lxml elements (its stubs only name ElementTree's)."""
    return element


@functools.cache
def _schema(text: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(text)


def _describe(exc: xmlschema.XMLSchemaValidationError) -> str:
    where = f" at {exc.path}" if getattr(exc, "path", None) else ""
    return f"{exc.reason or exc.message}{where}"
