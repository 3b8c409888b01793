"""SOAP clients of the CSMS's Central System service for the integration tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from ampyre.app import Application
from ampyre.protocol.soap_codec import SoapCodec
from ampyre.protocol.versions import OcppVersion
from ampyre.soap_tables import CENTRAL_SYSTEM
from ampyre.transports.soap_client import SoapClient


def soap_url(csms: Application) -> str:
    return f"http://127.0.0.1:{csms.http_port}{csms.settings.soap_path}"


class Station:
    """A station's side of OCPP-S, enough to drive the CSMS: call(action, payload)."""

    def __init__(self, client: SoapClient, url: str, identity: str, from_address: str | None):
        self.client = client
        self.url = url
        self.identity = identity
        self.from_address = from_address

    async def call(self, action: str, payload: Any) -> Any:
        return await self.client.call(
            self.url, self.identity, action, payload, 30.0, self.from_address
        )


@contextlib.asynccontextmanager
async def soap_station(
    csms: Application, identity: str, version: OcppVersion, from_address: str | None = None
) -> AsyncIterator[Station]:
    async with httpx.AsyncClient(trust_env=False) as http:
        client = SoapClient(SoapCodec(CENTRAL_SYSTEM[version]), http)
        yield Station(client, soap_url(csms), identity, from_address)
