"""Stations as the operator manages them: registration, notes, current state and history."""

from ampyre.services.stations.service import StationDetail, StationService

__all__ = ["StationDetail", "StationService"]
