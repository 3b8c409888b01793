"""Version-neutral domain values: nothing here knows an OCPP version's wire format."""
