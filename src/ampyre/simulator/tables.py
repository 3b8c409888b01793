"""What a charge point sends and receives, per OCPP-J version."""

from __future__ import annotations

from ampyre.action_tables import Side, action_tables

STATION_TABLES = action_tables(Side.STATION)
