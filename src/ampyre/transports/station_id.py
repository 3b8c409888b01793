"""Charging station identities as they appear in the OCPP-J connection URL."""

from __future__ import annotations

import re
from urllib.parse import unquote

MAX_STATION_ID_LENGTH = 48

# identifierString (OCPP 2.0.1 Part 2, 2.1.4) without ':' (Part 4, 3.1.1: it separates the basic
# auth user from the password). Part 4's own example "RDAM 123" has an inner space, so a space
# that is neither first nor last is accepted too.
_ALLOWED = re.compile(r"[A-Za-z0-9*\-_=+|@.]([A-Za-z0-9*\-_=+|@. ]*[A-Za-z0-9*\-_=+|@.])?")


class BadStationId(ValueError):
    """The path does not name a station we can accept; the message says why."""


def station_id_from_path(path: str, prefix: str) -> str:
    """The percent-decoded station id from a request path such as `/ocpp/CS001`."""
    path = path.split("?", 1)[0]
    base = prefix.rstrip("/") + "/"
    if not path.startswith(base):
        raise BadStationId(f"connect to {base}{{stationId}}, not {path}")
    raw = path[len(base) :]
    if not raw:
        raise BadStationId(f"the URL has no station id after {base}")
    if "/" in raw:
        raise BadStationId("a station id cannot contain '/'")
    try:
        station_id = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise BadStationId("station id is not valid percent-encoded UTF-8") from None
    if len(station_id) > MAX_STATION_ID_LENGTH:
        raise BadStationId(
            f"station id is {len(station_id)} characters, the limit is {MAX_STATION_ID_LENGTH}"
        )
    if not _ALLOWED.fullmatch(station_id) or station_id in (".", ".."):
        raise BadStationId(
            "station id may only use letters, digits and * - _ = + | @ . (and inner spaces)"
        )
    return station_id
