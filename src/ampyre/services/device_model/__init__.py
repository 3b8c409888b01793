from ampyre.services.device_model.monitoring import MonitoringService

__all__ = ["MonitoringService"]
