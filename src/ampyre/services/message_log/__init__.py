"""Every OCPP message in and out: recorded off the hot path, searchable, kept for a while."""

from ampyre.services.message_log.recorder import MessageRecorder
from ampyre.services.message_log.service import MessageLogService, payload_of

__all__ = ["MessageLogService", "MessageRecorder", "payload_of"]
