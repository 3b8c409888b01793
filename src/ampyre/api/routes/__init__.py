"""One module per resource; each exposes `router` (mounted under /api/v1 by api.app)."""
