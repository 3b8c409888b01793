"""The version-neutral certificate-store checks both security agents share (on top of `x509`).

Installed certificates are self-issued roots; the station's own certificates carry the key of
its latest CSR. Each OCPP version spells the requests and answers; this module only decides.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from ampyre.simulator import x509

log = logging.getLogger("ampyre.simulator")


def read_root(pem: str, now: datetime, station_id: str) -> x509.Certificate | None:
    """The root certificate to install, or None when it is unreadable, not self-issued or
    not valid now (M05.FR.06)."""
    try:
        certificate = x509.pem_certificates(pem)[0]
    except ValueError as exc:
        log.info("%s: certificate refused: %s", station_id, exc)
        return None
    if not certificate.self_issued or not certificate.valid_at(now):
        return None
    return certificate


def root_id(certificate: x509.Certificate, algorithm: str = "SHA256") -> x509.CertificateId:
    """Installed certificates are self-issued roots: the issuer's key is their own."""
    return x509.certificate_id(certificate, certificate.public_key, algorithm)


def is_own(certificate: x509.Certificate, issuer_key: bytes, wanted: x509.CertificateId) -> bool:
    """Whether `wanted` names a certificate of the station itself (compared by issuer name and
    serial number: the issuer's key is not necessarily known here)."""
    cid = x509.certificate_id(certificate, issuer_key, wanted.hash_algorithm)
    return cid.matches(dataclasses.replace(wanted, issuer_key_hash=cid.issuer_key_hash))


def read_signed(
    chain_pem: str, key: x509.KeyPair | None, now: datetime
) -> tuple[list[x509.Certificate], str | None]:
    """The chain of a CertificateSigned and why it is refused (None: it is taken)."""
    try:
        chain = x509.pem_certificates(chain_pem)
    except ValueError as exc:
        return [], f"unreadable certificate: {exc}"
    leaf = chain[0]
    if key is None or leaf.public_key != key.public_point:
        return chain, "the certificate is not for the key of our latest request"
    if not leaf.valid_at(now):
        return chain, "the certificate is not valid now"
    return chain, None
