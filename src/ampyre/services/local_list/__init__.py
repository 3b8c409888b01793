from ampyre.services.local_list.service import LocalListService

__all__ = ["LocalListService"]
