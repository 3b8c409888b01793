"""Access to the operator API: bearer tokens with a role."""

from ampyre.services.access.service import IssuedToken, TokenService

__all__ = ["IssuedToken", "TokenService"]
