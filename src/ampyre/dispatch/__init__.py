"""Explicit routing: (version, action) → adapter → service, and the gate in front of it."""
