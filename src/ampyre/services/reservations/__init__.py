from ampyre.services.reservations.service import ReservationService, use_reservation

__all__ = ["ReservationService", "use_reservation"]
