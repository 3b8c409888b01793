"""A station's configuration as last reported: kept from get-configuration answers, accepted
change-configuration commands and (2.0.1) base reports, readable without asking the station.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ampyre.domain.commands import Command, CommandRecord, CommandReply
from ampyre.domain.configuration import (
    SETTING_STORED,
    ChangeConfiguration,
    GetConfiguration,
    SettingSource,
    StoredSetting,
)
from ampyre.services.known_station import ensure_known
from ampyre.services.ports import UnitOfWork, UnitOfWorkFactory

#: what a get answers for keys the station does not have (any more)
_UNKNOWN = frozenset({"UnknownKey", "UnknownComponent", "UnknownVariable"})


class ConfigurationService:
    """Also the CommandEffect of get-configuration and change-configuration."""

    commands: tuple[type[Command], ...] = (GetConfiguration, ChangeConfiguration)

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def apply(
        self, uow: UnitOfWork, record: CommandRecord, command: Command, reply: CommandReply
    ) -> None:
        now = record.answered_at or record.created_at
        settings: list[dict[str, Any]] = reply.details.get("settings", [])
        if isinstance(command, GetConfiguration):
            await self._got(uow, record.station_id, command, settings, now)
        elif isinstance(command, ChangeConfiguration):
            for setting in settings:
                if setting["status"] in SETTING_STORED and "value" in setting:
                    await uow.configuration.put(
                        StoredSetting(
                            station_id=record.station_id,
                            key=setting["key"],
                            value=setting["value"],
                            updated_at=now,
                            source=SettingSource.CHANGE,
                            # RebootRequired: the value takes effect after a reboot
                            status=None if setting["status"] == "Accepted" else setting["status"],
                        )
                    )

    async def _got(
        self,
        uow: UnitOfWork,
        station_id: str,
        command: GetConfiguration,
        settings: Sequence[dict[str, Any]],
        now: datetime,
    ) -> None:
        for setting in settings:
            if setting["status"] == "Accepted":
                await uow.configuration.put(
                    StoredSetting(
                        station_id=station_id,
                        key=setting["key"],
                        value=setting.get("value"),
                        readonly=setting.get("readonly"),
                        updated_at=now,
                        source=SettingSource.GET,
                    )
                )
        await uow.configuration.remove(
            station_id, [s["key"] for s in settings if s["status"] in _UNKNOWN]
        )
        if not command.keys:  # the whole configuration: what it lacks is gone
            await uow.configuration.keep_only(
                station_id, [s["key"] for s in settings if s["status"] == "Accepted"]
            )

    async def reported(self, settings: Sequence[StoredSetting]) -> None:
        """Keep what a station reported of its variables (2.0.1 NotifyReport)."""
        if not settings:
            return
        async with self._uow() as uow:
            for setting in settings:
                await uow.configuration.put(setting)
            await uow.commit()

    async def stored(self, station_id: str) -> list[StoredSetting]:
        async with self._uow() as uow:
            settings = await uow.configuration.list(station_id)
            if not settings:
                await ensure_known(uow, station_id)
        return settings
