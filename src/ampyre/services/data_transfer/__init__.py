"""DataTransfer: a registry of vendor handlers."""

from ampyre.services.data_transfer.service import DataTransferHandler, DataTransferService

__all__ = ["DataTransferHandler", "DataTransferService"]
