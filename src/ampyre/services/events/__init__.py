"""In-process fan-out of domain events to whoever listens (event stream, webhooks, metrics)."""

from ampyre.services.events.bus import EventBus
from ampyre.services.events.stream import EventStream, event_document

__all__ = ["EventBus", "EventStream", "event_document"]
