"""Valid example payloads built from the vendored OCA schemas (shared by several tests)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SPEC = Path(__file__).resolve().parents[1] / "spec"
DATE_TIME = "2024-01-01T00:00:00Z"


def schema_file(version: str, action: str, response: bool = False) -> Path:
    """The schema of an action's request (or response) for "1.6" or "2.0.1"."""
    if version == "1.6":
        return SPEC / "ocpp16-json" / f"{action}{'Response' if response else ''}.json"
    return SPEC / "ocpp201-json" / f"{action}{'Response' if response else 'Request'}.json"


def minimal_request(version: str, action: str) -> Any:
    """The smallest valid request of an action: required fields only."""
    doc = json.loads(schema_file(version, action).read_text())
    return example(doc, doc, maximal=False)


def deref(node: Mapping[str, Any], doc: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        node = doc["definitions"][node["$ref"].removeprefix("#/definitions/")]
    return node


def is_open_object(node: Mapping[str, Any]) -> bool:
    return node.get("type") == "object" and node.get("additionalProperties") is not False


def example(node: Mapping[str, Any], doc: Mapping[str, Any], *, maximal: bool) -> Any:
    """A valid instance: required fields only, or every field."""
    node = deref(node, doc)
    kind = node.get("type")
    if "enum" in node:
        return node["enum"][-1 if maximal else 0]
    if kind is None:  # 2.0.1 DataTransfer "data": anything
        return {"any": [1, "x", None, {"nested": True}]} if maximal else "x"
    if kind == "object":
        required = node.get("required", [])
        result = {
            key: example(sub, doc, maximal=maximal)
            for key, sub in node.get("properties", {}).items()
            if maximal or key in required
        }
        if maximal and is_open_object(node):
            result["vendorSpecificKey"] = {"kept": [1, 2.5, "three"]}
        return result
    if kind == "array":
        count = node.get("minItems", 0)
        if maximal:
            count = max(count, 1)
        return [example(node["items"], doc, maximal=maximal) for _ in range(count)]
    if kind == "string":
        if node.get("format") == "date-time":
            return DATE_TIME
        if node.get("format") == "uri":
            return "https://example.com/file"
        if maximal:
            return "x" * node.get("maxLength", 3)
        return "x"
    if kind in ("integer", "number"):
        convert = int if kind == "integer" else float
        if maximal:
            if "maximum" in node:
                return convert(node["maximum"])
            return convert(node.get("minimum", 0) + 2)
        return convert(node.get("minimum", 0))
    if kind == "boolean":
        return maximal
    raise AssertionError(f"unexpected schema node {node}")
