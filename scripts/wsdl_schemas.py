"""Read an OCPP SOAP WSDL: its embedded XML Schema, operations, and JSON-schema-shaped types.

Used by ``generate_messages.py``. The XML Schema in ``wsdl:types`` is loaded with
``xmlschema`` (the library also validates at run time), and every complex type a message
uses is translated into the small JSON-schema subset the message generator already renders
as ``msgspec.Struct`` classes, so the 1.5 types are made by the same code as the 1.6J and
2.0.1 ones. The translation fails loudly on any XSD construct it does not know.

XML → field mapping (what ``protocol.soap_codec`` decodes to): child elements by local
name, attributes by name, the text of a simple-content element with attributes as
``value`` (only the 1.5 ``MeterValue.value`` has one). A repeatable element is a list.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree

WSDL = "http://schemas.xmlsoap.org/wsdl/"
XSD = "http://www.w3.org/2001/XMLSchema"
WSAW = "http://www.w3.org/2006/05/addressing/wsdl"
TEXT_KEY = "value"


class WsdlError(Exception):
    """The WSDL has something the generator does not handle."""


@dataclasses.dataclass(frozen=True)
class Operation:
    name: str
    request_element: str
    response_element: str


@dataclasses.dataclass(frozen=True)
class ServiceDescription:
    path: str  # relative to the repository root
    service: str  # "CentralSystemService" | "ChargePointService"
    namespace: str
    schema_text: str
    operations: tuple[Operation, ...]
    #: JSON-schema-shaped documents: "definitions" for every named type a message uses,
    #: and one top-level object schema per request/response type name
    definitions: dict[str, Any]
    messages: dict[str, dict[str, Any]]


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def read(root: Path, relative: str) -> ServiceDescription:
    tree = etree.parse(str(root / relative), etree.XMLParser(resolve_entities=False))
    schema_el = tree.find(f"{{{WSDL}}}types/{{{XSD}}}schema")
    if schema_el is None:
        raise WsdlError(f"{relative}: no xs:schema in wsdl:types")
    # tostring() carries the in-scope namespace declarations of the WSDL onto the schema
    schema_text = etree.tostring(schema_el, encoding="unicode")
    schema = xmlschema.XMLSchema(schema_text)
    namespace = schema.target_namespace
    port_types = tree.findall(f"{{{WSDL}}}portType")
    if len(port_types) != 1:
        raise WsdlError(f"{relative}: expected one portType, found {len(port_types)}")
    port_type = port_types[0]
    service = port_type.get("name", "")
    operations = []
    for op in port_type.findall(f"{{{WSDL}}}operation"):
        name = op.get("name", "")
        for tag, suffix in (("input", ""), ("output", "Response")):
            io = op.find(f"{{{WSDL}}}{tag}")
            action = io.get(f"{{{WSAW}}}Action") if io is not None else None
            if action != f"/{name}{suffix}":
                raise WsdlError(f"{relative}: {name} {tag} has action {action!r}")
        operation = Operation(name, lower_first(name) + "Request", lower_first(name) + "Response")
        for element in (operation.request_element, operation.response_element):
            if element not in schema.elements:
                raise WsdlError(f"{relative}: {name}: no element {element}")
        operations.append(operation)
    translator = _Translator(relative)
    messages = {}
    for operation in operations:
        for element in (operation.request_element, operation.response_element):
            xsd_type = schema.elements[element].type
            type_name = element[:1].upper() + element[1:]
            if xsd_type.local_name != type_name:
                raise WsdlError(f"{relative}: element {element} has type {xsd_type.local_name}")
            messages[type_name] = translator.object(xsd_type, type_name)
    return ServiceDescription(
        path=relative,
        service=service,
        namespace=namespace,
        schema_text=schema_text,
        operations=tuple(operations),
        definitions=translator.definitions,
        messages=messages,
    )


class _Translator:
    def __init__(self, where: str) -> None:
        self.where = where
        self.definitions: dict[str, Any] = {}

    def fail(self, what: str) -> WsdlError:
        return WsdlError(f"{self.where}: {what}")

    def object(self, xsd_type: Any, owner: str) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        if xsd_type.is_simple():
            raise self.fail(f"{owner}: simple type where an object was expected")
        if xsd_type.has_simple_content():
            properties[TEXT_KEY] = self.simple(xsd_type.content, owner)
            required.append(TEXT_KEY)
        elif not xsd_type.is_empty():
            model = xsd_type.content
            if model.model != "sequence" or model.min_occurs != 1 or model.max_occurs != 1:
                raise self.fail(f"{owner}: only a plain xs:sequence is supported")
            for element in model.iter_elements():
                if not isinstance(element, xmlschema.validators.XsdElement):
                    raise self.fail(f"{owner}: wildcard content")
                name = element.local_name
                if element.type.is_simple():
                    node = self.simple(element.type, f"{owner}.{name}")
                else:
                    node = self.complex(element.type, owner, name)
                if element.max_occurs != 1:
                    node = {"type": "array", "items": node}
                    if element.max_occurs is not None:
                        node["maxItems"] = element.max_occurs
                    if element.min_occurs > 1:
                        node["minItems"] = element.min_occurs
                if element.min_occurs >= 1:
                    required.append(name)
                properties[name] = node
        for name, attribute in xsd_type.attributes.items():
            if name in properties or not isinstance(name, str):
                raise self.fail(f"{owner}: attribute {name} collides or is a wildcard")
            local = name.rpartition("}")[2]
            properties[local] = self.simple(attribute.type, f"{owner}@{local}")
            if attribute.use == "required":
                required.append(local)
        node = {"type": "object", "additionalProperties": False, "properties": properties}
        if required:
            node["required"] = required
        return node

    def complex(self, xsd_type: Any, owner: str, prop: str) -> dict[str, Any]:
        if xsd_type.name is None:
            return self.object(xsd_type, owner + prop[:1].upper() + prop[1:])
        name = xsd_type.local_name
        if name not in self.definitions:
            self.definitions[name] = None  # guards recursion
            self.definitions[name] = self.object(xsd_type, name)
        return {"$ref": f"#/definitions/{name}"}

    def simple(self, xsd_type: Any, where: str) -> dict[str, Any]:
        if xsd_type.is_list() or xsd_type.is_union():
            raise self.fail(f"{where}: list and union types are not supported")
        primitive = xsd_type.primitive_type.local_name
        # a built-in type's own facets (xs:int's value range) are what the base type means
        builtin = xsd_type.name is not None and xsd_type.name.startswith(f"{{{XSD}}}")
        facets = set() if builtin else {k.rpartition("}")[2] for k in xsd_type.facets if k}
        node: dict[str, Any]
        if primitive == "string":
            node = {"type": "string"}
            if "enumeration" in facets:
                node["enum"] = [str(v) for v in xsd_type.enumeration]
                facets.discard("enumeration")
            if "maxLength" in facets:
                node["maxLength"] = xsd_type.max_length
                facets.discard("maxLength")
        elif primitive == "dateTime":
            node = {"type": "string", "format": "date-time"}
        elif primitive == "anyURI":
            node = {"type": "string", "format": "uri"}
        elif primitive == "boolean":
            node = {"type": "boolean"}
        elif primitive == "decimal" and xsd_type.local_name in {"int", "integer", "long"}:
            node = {"type": "integer"}
        elif primitive in {"decimal", "double", "float"}:
            # fractionDigits bounds the digits a value is written with, not its value: the
            # codec validates it on the XML, the Struct keeps a float.
            facets.discard("fractionDigits")
            node = {"type": "number"}
        else:
            raise self.fail(f"{where}: unsupported XSD type {xsd_type.local_name}")
        for facet, keyword in (("minInclusive", "minimum"), ("maxInclusive", "maximum")):
            if facet in facets and node["type"] in {"integer", "number"}:
                node[keyword] = xsd_type.facets[f"{{{XSD}}}{facet}"].value
                facets.discard(facet)
        if xsd_type.name and "enum" in node:
            name = xsd_type.local_name
            self.definitions.setdefault(name, node)
            if self.definitions[name] != node:
                raise self.fail(f"{where}: {name} defined twice differently")
            return {"$ref": f"#/definitions/{name}"}
        if facets - {"whiteSpace"}:
            raise self.fail(f"{where}: unsupported facets {sorted(facets)}")
        return node
