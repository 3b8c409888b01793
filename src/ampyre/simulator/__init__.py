"""Charge point side: a client on the same protocol core as the server (simulator, bench)."""
