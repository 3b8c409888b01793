"""Transactions: charging sessions and their meter values, idempotent by construction."""

from ampyre.services.transactions.history import TransactionDetail, TransactionHistory
from ampyre.services.transactions.open_sessions import OpenSessions
from ampyre.services.transactions.service import TransactionRejected, TransactionService

__all__ = [
    "OpenSessions",
    "TransactionDetail",
    "TransactionHistory",
    "TransactionRejected",
    "TransactionService",
]
