"""OCPP 2.0.1 security (A, M) for the simulated station: an in-memory certificate store, the
station's own keys and certificates, security events.

What is checked, honestly: certificates must parse and be within their validity period, and
root certificates must be self-issued; a signed station certificate must carry the key of our
latest CSR for that use. Signatures and chains are NOT verified (see `x509`, which
is version-neutral). ISO 15118 contract certificates (Get15118EVCertificate) are the EV's
business: this AC station has no ISO 15118 stack and never asks for them.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from ampyre.messages.v201 import types as m
from ampyre.simulator import certificates, x509

if TYPE_CHECKING:
    from ampyre.simulator.agent_v201 import AgentV201, Handler

log = logging.getLogger("ampyre.simulator")

USE = m.GetCertificateIdUseEnumType
SIGNING = m.CertificateSigningUseEnumType
MAX_CERTIFICATES = 10  # SecurityCtrlr.CertificateEntries maxLimit


@dataclasses.dataclass(frozen=True)
class Installed:
    use: m.GetCertificateIdUseEnumType
    certificate: x509.Certificate


@dataclasses.dataclass(frozen=True)
class Own:
    """A certificate of the station itself, with the key of its issuer when the chain had it."""

    certificate: x509.Certificate
    issuer_key: bytes
    key: x509.KeyPair


def _hash_data(cid: x509.CertificateId) -> m.CertificateHashDataType:
    return m.CertificateHashDataType(
        hashAlgorithm=m.HashAlgorithmEnumType(cid.hash_algorithm),
        issuerNameHash=cid.issuer_name_hash,
        issuerKeyHash=cid.issuer_key_hash,
        serialNumber=cid.serial_number,
    )


class Security:
    def __init__(self, agent: AgentV201) -> None:
        self.agent = agent
        self.installed: list[Installed] = []
        self.own: dict[m.CertificateSigningUseEnumType, Own] = {}
        self.pending: dict[m.CertificateSigningUseEnumType, x509.KeyPair] = {}
        #: lines for the SecurityLog that GetLog uploads
        self.log: list[str] = []
        agent.device_model.live["SecurityCtrlr.CertificateEntries"] = lambda: str(
            len(self.installed) + len(self.own)
        )

    def handlers(self) -> dict[str, Handler]:
        return {
            "InstallCertificate": self.install_certificate,
            "DeleteCertificate": self.delete_certificate,
            "GetInstalledCertificateIds": self.get_installed_certificate_ids,
            "CertificateSigned": self.certificate_signed,
        }

    async def security_event(self, kind: str, info: str) -> None:
        station = self.agent.station
        self.log.append(f"{station.now().isoformat()} {kind} {info}")
        await self.agent.call(
            "SecurityEventNotification",
            m.SecurityEventNotificationRequest(
                type=kind, timestamp=station.now(), techInfo=info[:255]
            ),
        )

    async def install_certificate(
        self, req: m.InstallCertificateRequest
    ) -> m.InstallCertificateResponse:
        status = m.InstallCertificateStatusEnumType
        station = self.agent.station
        certificate = certificates.read_root(req.certificate, station.now(), station.station_id)
        if certificate is None:  # M05.FR.06: invalid or incorrect → Rejected
            return m.InstallCertificateResponse(
                status=status.Rejected, statusInfo=m.StatusInfoType(reasonCode="InvalidCertificate")
            )
        entry = Installed(USE(req.certificateType.value), certificate)
        if entry not in self.installed:
            if len(self.installed) + len(self.own) >= MAX_CERTIFICATES:  # M05.FR.03: full
                return m.InstallCertificateResponse(
                    status=status.Failed, statusInfo=m.StatusInfoType(reasonCode="OutOfStorage")
                )
            self.installed.append(entry)
            self.log.append(f"installed {entry.use} {certificate.serial:x}")
        return m.InstallCertificateResponse(status=status.Accepted)

    async def get_installed_certificate_ids(
        self, req: m.GetInstalledCertificateIdsRequest
    ) -> m.GetInstalledCertificateIdsResponse:
        wanted = set(req.certificateType or USE)
        found = [
            m.CertificateHashDataChainType(
                certificateType=e.use,
                certificateHashData=_hash_data(certificates.root_id(e.certificate)),
            )
            for e in self.installed
            if e.use in wanted
        ]
        v2g = self.own.get(SIGNING.V2GCertificate)
        if v2g is not None and USE.V2GCertificateChain in wanted:
            cid = x509.certificate_id(v2g.certificate, v2g.issuer_key)
            found.append(
                m.CertificateHashDataChainType(
                    certificateType=USE.V2GCertificateChain, certificateHashData=_hash_data(cid)
                )
            )
        status = m.GetInstalledCertificateStatusEnumType
        if not found:
            return m.GetInstalledCertificateIdsResponse(status=status.NotFound)
        return m.GetInstalledCertificateIdsResponse(
            status=status.Accepted, certificateHashDataChain=found
        )

    async def delete_certificate(
        self, req: m.DeleteCertificateRequest
    ) -> m.DeleteCertificateResponse:
        data = req.certificateHashData
        wanted = x509.CertificateId(
            data.hashAlgorithm.value, data.issuerNameHash, data.issuerKeyHash, data.serialNumber
        )
        status = m.DeleteCertificateStatusEnumType
        for own in self.own.values():
            # M04.FR.06: the station's own certificates cannot be deleted
            if certificates.is_own(own.certificate, own.issuer_key, wanted):
                return m.DeleteCertificateResponse(status=status.Failed)
        for entry in self.installed:
            if certificates.root_id(entry.certificate, wanted.hash_algorithm).matches(wanted):
                # the store does not check the CSMS's TLS certificate: no root is "in use"
                self.installed.remove(entry)
                self.log.append(f"deleted {entry.use} {data.serialNumber}")
                return m.DeleteCertificateResponse(status=status.Accepted)
        return m.DeleteCertificateResponse(status=status.NotFound)

    async def certificate_signed(
        self, req: m.CertificateSignedRequest
    ) -> m.CertificateSignedResponse:
        station = self.agent.station
        use = req.certificateType or SIGNING.ChargingStationCertificate
        key = self.pending.get(use)
        chain, reason = certificates.read_signed(req.certificateChain, key, station.now())
        if reason is not None or key is None:  # A02.FR.07: discard and report
            event = self.security_event("InvalidChargingStationCertificate", reason or "no CSR")
            self.agent._later(event)
            return m.CertificateSignedResponse(status=m.CertificateSignedStatusEnumType.Rejected)
        issuer_key = chain[1].public_key if len(chain) > 1 else b""
        self.own[use] = Own(chain[0], issuer_key, key)
        del self.pending[use]
        self.log.append(f"{use} {chain[0].serial:x} in use")
        return m.CertificateSignedResponse(status=m.CertificateSignedStatusEnumType.Accepted)

    async def sign_request(self, use: m.CertificateSigningUseEnumType) -> None:
        """A02/A03: a new key pair, its CSR sent with SignCertificate."""
        model = self.agent.station.model
        key = x509.KeyPair.generate()
        self.pending[use] = key
        organization = self.agent.device_model.config("SecurityCtrlr.OrganizationName") or None
        subject = x509.name(model.serial_number or model.station_id, organization)
        csr = x509.certificate_request(key, subject)
        await self.agent.call(
            "SignCertificate", m.SignCertificateRequest(csr=csr, certificateType=use)
        )
