"""A station's configuration as one resource: 1.x configuration keys and 2.0.1 variables.

A setting is named by a key. In 1.x the key is the configuration key as the station spells
it ("HeartbeatInterval"). In 2.0.1 a key names a variable of a component, written

    Component[(instance)][@evse[.connector]]/Variable[(instance)][:AttributeType]

for example `OCPPCommCtrlr/HeartbeatInterval`, `EVSE@1/AvailabilityState`,
`Connector@1.2/ConnectorType`, `DeviceDataCtrlr/ItemsPerMessage(GetReport)`,
`TokenReader(front)/Enabled`, `SampledDataCtrlr/TxUpdatedInterval:Target`. The attribute type
is left out when it is Actual (the default). `VariableKey.parse(str(key)) == key` for every
key whose names contain none of `( ) @ / :` (no device-model name in the spec does).
"""

from __future__ import annotations

import dataclasses
import enum
import re
from datetime import datetime
from typing import ClassVar

from ampyre.domain.commands import Command


class AttributeType(enum.StrEnum):
    ACTUAL = "Actual"
    TARGET = "Target"
    MIN_SET = "MinSet"
    MAX_SET = "MaxSet"


_NAME = r"[^()@/:]+"
_KEY = re.compile(
    rf"(?P<component>{_NAME}?)(?:\((?P<component_instance>[^()]+)\))?"
    r"(?:@(?P<evse>\d+)(?:\.(?P<connector>\d+))?)?"
    rf"/(?P<variable>{_NAME}?)(?:\((?P<variable_instance>[^()]+)\))?"
    r"(?::(?P<attribute>[A-Za-z]+))?"
)
_FORBIDDEN = re.compile(r"[()@/:]")


class InvalidKey(ValueError):
    """A 2.0.1 key that does not follow the notation."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class VariableKey:
    """A 2.0.1 component variable (and attribute), as the key notation writes it."""

    component: str
    variable: str
    component_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    variable_instance: str | None = None
    attribute: AttributeType = AttributeType.ACTUAL

    @classmethod
    def parse(cls, key: str) -> VariableKey:
        found = _KEY.fullmatch(key)
        if found is None or not found["component"] or not found["variable"]:
            raise InvalidKey(
                f"{key!r} is not a 2.0.1 variable key: write "
                "Component[(instance)][@evse[.connector]]/Variable[(instance)][:AttributeType], "
                "e.g. OCPPCommCtrlr/HeartbeatInterval or EVSE@1/AvailabilityState"
            )
        attribute = found["attribute"] or AttributeType.ACTUAL.value
        if attribute not in AttributeType.__members__.values():
            kinds = ", ".join(AttributeType)
            raise InvalidKey(f"{key!r}: attribute type {attribute!r} is not one of {kinds}")
        evse, connector = found["evse"], found["connector"]
        return cls(
            component=found["component"],
            component_instance=found["component_instance"],
            evse_id=None if evse is None else int(evse),
            connector_id=None if connector is None else int(connector),
            variable=found["variable"],
            variable_instance=found["variable_instance"],
            attribute=AttributeType(attribute),
        )

    def __str__(self) -> str:
        key = self.component
        if self.component_instance is not None:
            key += f"({self.component_instance})"
        if self.evse_id is not None:
            key += f"@{self.evse_id}"
            if self.connector_id is not None:
                key += f".{self.connector_id}"
        key += f"/{self.variable}"
        if self.variable_instance is not None:
            key += f"({self.variable_instance})"
        if self.attribute is not AttributeType.ACTUAL:
            key += f":{self.attribute.value}"
        return key

    @property
    def expressible(self) -> bool:
        """Whether `str(self)` parses back to this key (no name holds a separator)."""
        names = (self.component, self.variable, self.component_instance, self.variable_instance)
        return not any(name is not None and _FORBIDDEN.search(name) for name in names)


# --- the commands -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GetConfiguration(Command):
    """Read settings: `keys`, or (1.x only) every key the station has when empty."""

    name: ClassVar[str] = "get-configuration"
    keys: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SettingChange:
    key: str
    value: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ChangeConfiguration(Command):
    """Change settings; the station answers per key (1.x: one message per key)."""

    name: ClassVar[str] = "change-configuration"
    changes: tuple[SettingChange, ...]


#: per-key outcomes (as the versions spell them; 1.x unknown keys are "UnknownKey")
SETTING_STORED = frozenset({"Accepted", "RebootRequired"})


# --- what is kept -----------------------------------------------------------------------------


class SettingSource(enum.StrEnum):
    """Where the stored value was last learnt."""

    GET = "get"  # an answer to get-configuration
    CHANGE = "change"  # a change the station accepted
    REPORT = "report"  # a 2.0.1 base report (NotifyReport)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class StoredSetting:
    """A setting as the station last reported it (or as last changed and accepted)."""

    station_id: str
    key: str
    value: str | None
    updated_at: datetime
    source: SettingSource
    readonly: bool | None = None
    #: RebootRequired when the change takes effect after a reboot
    status: str | None = None


def overall(statuses: list[str]) -> str | None:
    """A change's status: the keys' common status, or "Partial" when they differ."""
    distinct = set(statuses)
    if not distinct:
        return None
    return distinct.pop() if len(distinct) == 1 else "Partial"
