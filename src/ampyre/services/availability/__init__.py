"""Availability: connector and EVSE status with its history."""

from ampyre.services.availability.service import AvailabilityService

__all__ = ["AvailabilityService"]
