from ampyre.services.smart_charging.service import SmartChargingService

__all__ = ["SmartChargingService"]
