"""Which command each version can express, and how (the codecs of every version).

A command missing here for a station's version is refused before anything is sent, with
the reason; a command whose parameters the version cannot express is refused by its codec.
"""

from __future__ import annotations

from typing import Any

from ampyre.adapters.command_codec import Codecs, CommandCodec
from ampyre.adapters.v16.commands import CODECS as V16
from ampyre.adapters.v201.commands import CODECS as V201
from ampyre.domain.commands import Command
from ampyre.messages.v15 import actions as v15_actions
from ampyre.protocol.versions import OcppVersion

#: 1.5 stations (OCPP-S) take the 1.6 codecs of the operations 1.5 has
V15: Codecs = {
    kind: codec for kind, codec in V16.items() if codec.action in v15_actions.CSMS_INITIATED
}

CODECS: dict[OcppVersion, Codecs] = {
    OcppVersion.V15: V15,
    OcppVersion.V16: V16,
    OcppVersion.V201: V201,
}


def codec(version: OcppVersion, command: Command) -> CommandCodec[Any] | None:
    """How `version` expresses `command` (its parameters may still be refused); None if not."""
    found = CODECS[version].get(type(command))
    return None if found is None else found.choose(command)


def unsupported(version: OcppVersion, command: Command) -> str | None:
    """Why a station of `version` cannot be sent `command`; None if it can."""
    if type(command) in CODECS[version]:
        return None
    return f"OCPP {version} has no message for {command.name}"
