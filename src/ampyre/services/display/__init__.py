from ampyre.services.display.service import DisplayService

__all__ = ["DisplayService"]
