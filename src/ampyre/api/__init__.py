"""The operator REST API under /api/v1 (FastAPI), with its OpenAPI document at /api/docs."""
