"""Provisioning: boot, registration policy, heartbeat, connection state."""

from ampyre.services.provisioning.service import ProvisioningService

__all__ = ["ProvisioningService"]
