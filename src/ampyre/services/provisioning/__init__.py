"""Provisioning: boot, registration policy, heartbeat, connection state."""

from ampyre.services.provisioning.addresses import StationAddresses
from ampyre.services.provisioning.service import ProvisioningService

__all__ = ["ProvisioningService", "StationAddresses"]
