from ampyre.services.commands.service import CommandEffect, CommandService

__all__ = ["CommandEffect", "CommandService"]
