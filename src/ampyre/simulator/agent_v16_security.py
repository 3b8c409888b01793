"""OCPP 1.6 security extension for the simulated station: an in-memory certificate store,
the charge point's own key and certificate, and ExtendedTriggerMessage.

What is checked, honestly: certificates must parse, be within their validity period, and root
certificates must be self-issued; a signed charge point certificate must carry the key of our
latest CSR. Signatures and chains are NOT verified (no `cryptography`; see `x509`).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from ampyre.messages.v16 import types as m
from ampyre.simulator import certificates, x509
from ampyre.simulator.agent_v16_reservations import _int_config

if TYPE_CHECKING:
    from ampyre.simulator.agent_v16 import AgentV16, Handler

log = logging.getLogger("ampyre.simulator")

CONFIG = {"CertificateStoreMaxLength": "10", "CpoName": "Ampyre"}
READ_ONLY = {"CertificateStoreMaxLength"}


@dataclasses.dataclass(frozen=True)
class Installed:
    use: m.CertificateUseEnumType
    certificate: x509.Certificate


class Security:
    def __init__(self, agent: AgentV16) -> None:
        self.agent = agent
        self.installed: list[Installed] = []
        self.key: x509.KeyPair | None = None  # the key of the certificate in use
        self.certificate: x509.Certificate | None = None  # the charge point certificate
        self.pending_key: x509.KeyPair | None = None  # the key of the latest CSR

    def handlers(self) -> dict[str, Handler]:
        return {
            "ExtendedTriggerMessage": self.extended_trigger_message,
            "InstallCertificate": self.install_certificate,
            "DeleteCertificate": self.delete_certificate,
            "GetInstalledCertificateIds": self.get_installed_certificate_ids,
            "CertificateSigned": self.certificate_signed,
        }

    async def security_event(self, kind: str, info: str) -> None:
        station = self.agent.station
        self.agent.security_log.append(f"{station.now().isoformat()} {kind} {info}")
        await self.agent.call(
            "SecurityEventNotification",
            m.SecurityEventNotificationRequest(
                type=kind, timestamp=station.now(), techInfo=info[:255]
            ),
        )

    # --- certificates ---------------------------------------------------------------------------

    async def install_certificate(
        self, req: m.InstallCertificateRequest
    ) -> m.InstallCertificateResponse:
        status = m.InstallCertificateStatusEnumType
        station = self.agent.station
        certificate = certificates.read_root(req.certificate, station.now(), station.station_id)
        if certificate is None:  # M05.FR.06: invalid and/or incorrect → Rejected
            return m.InstallCertificateResponse(status=status.Rejected)
        entry = Installed(req.certificateType, certificate)
        if entry in self.installed:
            return m.InstallCertificateResponse(status=status.Accepted)
        if len(self.installed) >= _int_config(self.agent, "CertificateStoreMaxLength", 10):
            return m.InstallCertificateResponse(status=status.Rejected)  # M05.FR.03: full
        self.installed.append(entry)
        self.agent.security_log.append(f"installed {req.certificateType} {certificate.serial:x}")
        return m.InstallCertificateResponse(status=status.Accepted)

    async def get_installed_certificate_ids(
        self, req: m.GetInstalledCertificateIdsRequest
    ) -> m.GetInstalledCertificateIdsResponse:
        found = [
            _hash_data(certificates.root_id(e.certificate))
            for e in self.installed
            if e.use == req.certificateType
        ]
        if not found:
            return m.GetInstalledCertificateIdsResponse(
                status=m.GetInstalledCertificateStatusEnumType.NotFound
            )
        return m.GetInstalledCertificateIdsResponse(
            status=m.GetInstalledCertificateStatusEnumType.Accepted, certificateHashData=found
        )

    async def delete_certificate(
        self, req: m.DeleteCertificateRequest
    ) -> m.DeleteCertificateResponse:
        data = req.certificateHashData
        wanted = x509.CertificateId(
            data.hashAlgorithm.value, data.issuerNameHash, data.issuerKeyHash, data.serialNumber
        )
        status = m.DeleteCertificateStatusEnumType
        # M04.FR.05: the charge point certificate cannot be deleted
        if self.certificate is not None and certificates.is_own(self.certificate, b"", wanted):
            return m.DeleteCertificateResponse(status=status.Failed)
        for entry in self.installed:
            if certificates.root_id(entry.certificate, wanted.hash_algorithm).matches(wanted):
                # The store is not used to check the CSMS's TLS certificate, so no root is
                # "in use" (M04.FR.06) and a deletion never fails.
                self.installed.remove(entry)
                self.agent.security_log.append(f"deleted {entry.use} {data.serialNumber}")
                return m.DeleteCertificateResponse(status=status.Accepted)
        return m.DeleteCertificateResponse(status=status.NotFound)

    async def certificate_signed(
        self, req: m.CertificateSignedRequest
    ) -> m.CertificateSignedResponse:
        station = self.agent.station
        chain, reason = certificates.read_signed(
            req.certificateChain, self.pending_key, station.now()
        )
        if reason is not None:  # A02.FR.07: discard and report
            self.agent._later(self.security_event("InvalidChargePointCertificate", reason))
            return m.CertificateSignedResponse(status=m.CertificateSignedStatusEnumType.Rejected)
        leaf = chain[0]
        self.certificate, self.key, self.pending_key = leaf, self.pending_key, None
        self.agent.security_log.append(f"charge point certificate {leaf.serial:x} in use")
        return m.CertificateSignedResponse(status=m.CertificateSignedStatusEnumType.Accepted)

    async def sign_request(self) -> None:
        """A02.FR.02/03: a new key pair, its CSR sent with SignCertificate."""
        model = self.agent.station.model
        self.pending_key = x509.KeyPair.generate()
        subject = x509.name(model.serial_number or model.station_id, model.config.get("CpoName"))
        csr = x509.certificate_request(self.pending_key, subject)
        await self.agent.call("SignCertificate", m.SignCertificateRequest(csr=csr))

    # --- ExtendedTriggerMessage ----------------------------------------------------------------

    async def extended_trigger_message(
        self, req: m.ExtendedTriggerMessageRequest
    ) -> m.ExtendedTriggerMessageResponse:
        agent = self.agent
        wanted = req.requestedMessage
        trigger = m.MessageTriggerEnumType
        status = m.TriggerMessageStatusEnumType
        if wanted == trigger.FirmwareStatusNotification:
            request = agent.transfers.signed_trigger_status()
            agent._later(agent.call("SignedFirmwareStatusNotification", request))
        elif wanted == trigger.LogStatusNotification:
            agent._later(agent.call("LogStatusNotification", agent.transfers.log_trigger_status()))
        elif wanted == trigger.SignChargePointCertificate:
            agent._later(self.sign_request())
        elif not agent.trigger(wanted.value, req.connectorId):
            return m.ExtendedTriggerMessageResponse(status=status.Rejected)
        return m.ExtendedTriggerMessageResponse(status=status.Accepted)


def _hash_data(cid: x509.CertificateId) -> m.CertificateHashDataType:
    return m.CertificateHashDataType(
        hashAlgorithm=m.HashAlgorithmEnumType(cid.hash_algorithm),
        issuerNameHash=cid.issuer_name_hash,
        issuerKeyHash=cid.issuer_key_hash,
        serialNumber=cid.serial_number,
    )
