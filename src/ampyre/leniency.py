"""Which relaxations apply to a station: by its id, or by the vendor and model it booted with."""

from __future__ import annotations

import dataclasses

from ampyre.config import LeniencyProfile
from ampyre.protocol.validation import STRICT, Relaxation
from ampyre.protocol.versions import OcppVersion


@dataclasses.dataclass(frozen=True, slots=True)
class Leniency:
    relaxation: Relaxation = STRICT
    default_version: OcppVersion | None = None
    ping: bool = True

    def describe(self) -> str:
        parts = []
        if self.relaxation.actions:
            parts.append("actions " + ",".join(sorted(self.relaxation.actions)))
        if self.relaxation.fields:
            parts.append("fields " + ",".join(sorted(self.relaxation.fields)))
        if self.default_version:
            parts.append(f"no subprotocol means {self.default_version}")
        if not self.ping:
            parts.append("ping off")
        return "; ".join(parts) or "strict"


STRICT_LENIENCY = Leniency()


def resolve(
    profiles: list[LeniencyProfile],
    station_id: str,
    vendor: str | None = None,
    model: str | None = None,
) -> Leniency:
    """Merge every profile that names the station or matches its vendor (and model)."""
    actions: set[str] = set()
    fields: set[str] = set()
    default_version: OcppVersion | None = None
    ping = True
    for profile in profiles:
        by_id = station_id in profile.stations
        by_model = (
            profile.vendor is not None
            and profile.vendor == vendor
            and (profile.model is None or profile.model == model)
        )
        if not (by_id or by_model):
            continue
        actions.update(profile.relax_actions)
        fields.update(profile.relax_fields)
        if profile.default_version:
            default_version = OcppVersion(profile.default_version)
        ping = ping and profile.ping
    if not (actions or fields or default_version or not ping):
        return STRICT_LENIENCY
    return Leniency(Relaxation(frozenset(actions), frozenset(fields)), default_version, ping)
