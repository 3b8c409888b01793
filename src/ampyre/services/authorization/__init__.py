"""Authorization: id tokens and their status."""

from ampyre.services.authorization.service import AuthorizationService, decide

__all__ = ["AuthorizationService", "decide"]
