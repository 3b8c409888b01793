"""Message content as plain JSON values, for reports stored as the station sent them."""

from __future__ import annotations

from typing import Any

import msgspec


def content(message: object) -> dict[str, Any]:
    value = msgspec.to_builtins(message)
    return value if isinstance(value, dict) else {"value": value}
