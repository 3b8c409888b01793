"""The local authorization list: id tokens a station may accept without asking us.

We number the list: every update the station accepts gets the stored version plus one, so
the version a station reports says whether it holds what we sent last.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import ClassVar

from ampyre.domain.commands import Command


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LocalListEntry:
    """A token of the list. `status` None removes the token (differential updates only)."""

    id_token: str
    token_type: str | None = None
    status: str | None = "Accepted"
    expires_at: datetime | None = None
    group_id: str | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SendLocalList(Command):
    """A full list (replaces the station's) or a differential update (adds, changes,
    removes the tokens named), numbered `version`.

    An update longer than the station takes in one message goes as several, numbered
    `version`, `version + 1`, ...: a full list as a Full message and Differential ones
    adding the rest (a station takes a differential update only with a version above its
    own). The station holds the whole update once the last is accepted; until then its
    list is incomplete, and the reply says how far it got. `size_after` is how many
    entries the station's list holds once updated, as far as we know (checked against the
    most it keeps, when known)."""

    name: ClassVar[str] = "send-local-list"
    full: bool
    entries: tuple[LocalListEntry, ...]
    version: int
    size_after: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GetLocalListVersion(Command):
    name: ClassVar[str] = "get-local-list-version"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LocalList:
    """The list a station holds as far as we know: the last update it accepted."""

    station_id: str
    version: int
    updated_at: datetime | None
    entries: tuple[LocalListEntry, ...] = ()
