from ampyre.services.firmware.service import FirmwareService, FirmwareStatus

__all__ = ["FirmwareService", "FirmwareStatus"]
