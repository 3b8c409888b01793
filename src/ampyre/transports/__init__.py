"""Thin asyncio I/O: bytes in and out of protocol sessions."""
