"""Transactions: charging sessions and their meter values, idempotent by construction."""

from ampyre.services.transactions.service import TransactionRejected, TransactionService

__all__ = ["TransactionRejected", "TransactionService"]
