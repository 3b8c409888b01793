"""In-process fan-out of domain events to whoever listens (event stream, webhooks, metrics)."""

from ampyre.services.events.bus import EventBus

__all__ = ["EventBus"]
