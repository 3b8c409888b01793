"""Id tokens as the operator manages them: create, change, block, expire, delete, import."""

from ampyre.services.id_tokens.csv_import import IMPORT_COLUMNS, MAX_IMPORT_ROWS, parse_csv
from ampyre.services.id_tokens.service import IdTokenService, ImportResult

__all__ = ["IMPORT_COLUMNS", "MAX_IMPORT_ROWS", "IdTokenService", "ImportResult", "parse_csv"]
