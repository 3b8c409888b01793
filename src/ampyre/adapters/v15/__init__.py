"""OCPP 1.5 (SOAP) ⇄ domain. As in 1.6, connectorId n is EVSE n, connector 1."""
