"""Where the primary's command gateway finds a station: its own links, else a worker's."""

from __future__ import annotations

from ampyre.cluster.primary import Primary
from ampyre.transports.links import LinkRegistry, StationLink


class RoutedLinks:
    def __init__(self, local: LinkRegistry, workers: Primary) -> None:
        self._local = local
        self._workers = workers

    def get(self, station_id: str) -> StationLink | None:
        """This process's link (OCPP-S stations), else the worker's holding the station."""
        return self._local.get(station_id) or self._workers.get(station_id)
