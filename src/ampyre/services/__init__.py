"""One package per OCPP functional block; each depends on the domain and on `ports` only."""
