"""Transactions: charging sessions and their meter values, idempotent by construction."""

from ampyre.services.transactions.history import TransactionDetail, TransactionHistory
from ampyre.services.transactions.service import TransactionRejected, TransactionService

__all__ = ["TransactionDetail", "TransactionHistory", "TransactionRejected", "TransactionService"]
