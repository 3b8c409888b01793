"""OCPP 1.6 (JSON and, later, SOAP) ⇄ domain. 1.6 connectorId n is EVSE n, connector 1."""
