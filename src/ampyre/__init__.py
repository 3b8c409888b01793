"""Ampyre: an open-source OCPP central system."""

__version__ = "0.1.0"
