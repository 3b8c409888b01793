"""Decode-and-validate payloads in one step with the generated msgspec types.

msgspec checks types, required fields, enums, lengths, bounds and unknown fields while it
decodes, so no JSON-Schema interpreter runs on the hot path. This module maps its errors to
OCPP CallError codes and derives relaxed variants of a type for lenient stations.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import types
import typing
from typing import Any

import msgspec

from ampyre.protocol.errors import (
    FormatViolation,
    OccurrenceConstraintViolation,
    OcppError,
    PropertyConstraintViolation,
    TypeConstraintViolation,
)

_PATH = re.compile(r" - at `(?P<path>[^`]*)`$")


@dataclasses.dataclass(frozen=True, slots=True)
class Relaxation:
    """What a lenient station may break: whole actions, or named fields of any action."""

    actions: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.actions or self.fields)


STRICT = Relaxation()


def classify(error: msgspec.ValidationError | msgspec.DecodeError) -> OcppError:
    """Turn a msgspec error into the OCPP error a peer should receive, in words it can act on."""
    text = str(error)
    if isinstance(error, msgspec.DecodeError) and not isinstance(error, msgspec.ValidationError):
        return FormatViolation(f"payload is not valid JSON: {text}")
    match = _PATH.search(text)
    path = match.group("path") if match else "$"
    if text.startswith("Object missing required field"):
        return OccurrenceConstraintViolation(f"{text} at {path}" if not match else text)
    if text.startswith("Object contains unknown field"):
        return FormatViolation(text)
    if text.startswith("Expected `array` of length"):
        return OccurrenceConstraintViolation(text)
    if text.startswith("Expected `datetime` with a timezone"):
        return FormatViolation(text.replace("Expected `datetime`", "Expected a date-time"))
    if text.startswith("Invalid RFC3339"):
        return FormatViolation(
            text.replace("Invalid RFC3339 encoded datetime", "invalid date-time")
        )
    if (
        text.startswith("Invalid enum value")
        or " of length " in text
        or re.search(r"Expected `(int|float|number)` [<>]=? ", text)
        or "multiple of" in text
    ):
        return PropertyConstraintViolation(text)
    if text.startswith("Expected"):
        return TypeConstraintViolation(text)
    return FormatViolation(text)


def error_field(error: msgspec.ValidationError) -> str | None:
    """The name of the field an error is about (last path element, or the missing/unknown one)."""
    text = str(error)
    named = re.match(r"Object (?:missing required|contains unknown) field `([^`]+)`", text)
    if named:
        return named.group(1)
    match = _PATH.search(text)
    if not match:
        return None
    last = re.split(r"[.\[]", match.group("path"))[-1]
    return last if last and not last[0].isdigit() and last != "$" else None


_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}
_RELAXED: dict[tuple[type[Any], frozenset[str] | None], type[Any]] = {}


def decoder(cls: type[Any]) -> msgspec.json.Decoder[Any]:
    """The (cached) decoder that parses and validates JSON into `cls` in one pass."""
    found = _DECODERS.get(cls)
    if found is None:
        found = _DECODERS[cls] = msgspec.json.Decoder(cls)
    return found


def relaxed(cls: type[Any], fields: frozenset[str] | None) -> type[Any]:
    """A variant of a Struct type without length, bound and (for actions) unknown-field checks.

    With `fields` None every such constraint of the tree is lifted (a relaxed action);
    otherwise only the length and bound constraints of fields with those names.
    Types, enums and required fields always stay.
    """
    return _relaxed_struct(cls, fields)


def _relax_type(tp: Any, fields: frozenset[str] | None, strip: bool = False) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        inner, *metadata = typing.get_args(tp)
        relaxed_inner = _relax_type(inner, fields, strip)
        kept = [m for m in metadata if not (strip and isinstance(m, msgspec.Meta))]
        return typing.Annotated[(relaxed_inner, *kept)] if kept else relaxed_inner
    if origin in (typing.Union, types.UnionType):
        args = tuple(_relax_type(a, fields, strip) for a in typing.get_args(tp))
        return functools.reduce(lambda a, b: a | b, args)
    if origin is list:
        (item,) = typing.get_args(tp)
        return list[_relax_type(item, fields, strip)]  # type: ignore[misc]
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return _relaxed_struct(tp, None if strip else fields)
    return tp


def _relaxed_struct(cls: type[Any], fields: frozenset[str] | None) -> type[Any]:
    key = (cls, fields)
    found = _RELAXED.get(key)
    if found is None:
        found = _RELAXED[key] = _derive_struct(cls, fields)
    return found


def _derive_struct(cls: type[Any], fields: frozenset[str] | None) -> type[Any]:
    hints = typing.get_type_hints(cls, include_extras=True)
    new_fields: list[tuple[str, Any, Any]] = []
    for info in msgspec.structs.fields(cls):
        strip = fields is None or info.encode_name in fields
        field_type = _relax_type(hints[info.name], fields, strip)
        default: Any = (
            msgspec.field(name=info.encode_name)
            if info.required
            else msgspec.field(default=info.default, name=info.encode_name)
        )
        new_fields.append((info.name, field_type, default))
    return msgspec.defstruct(
        cls.__name__,
        new_fields,
        kw_only=True,
        omit_defaults=cls.__struct_config__.omit_defaults,
        # unknown fields are let through only when a whole action is relaxed
        forbid_unknown_fields=fields is not None and cls.__struct_config__.forbid_unknown_fields,
        module=cls.__module__,
    )
