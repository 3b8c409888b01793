from ampyre.services.configuration.service import ConfigurationService

__all__ = ["ConfigurationService"]
