"""OCPP 2.0.1 ⇄ domain. 2.0.1 is EVSE-first already: evseId and connectorId map directly."""
