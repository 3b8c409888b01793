from ampyre.services.tariff_cost.service import CostService

__all__ = ["CostService"]
