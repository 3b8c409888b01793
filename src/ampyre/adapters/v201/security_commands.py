"""Certificate management (M03-M05) → OCPP 2.0.1."""

from __future__ import annotations

from typing import Any

from ampyre.adapters.command_codec import Codecs, CommandCodec, refuse, status_reply
from ampyre.domain.commands import CommandReply
from ampyre.domain.security import (
    CertificateId,
    DeleteCertificate,
    GetInstalledCertificateIds,
    InstallCertificate,
)
from ampyre.messages.v201 import types as m


def hash_data(wanted: CertificateId) -> m.CertificateHashDataType:
    if wanted.hash_algorithm not in m.HashAlgorithmEnumType.__members__:
        raise refuse(f"unknown hash algorithm {wanted.hash_algorithm!r}")
    return m.CertificateHashDataType(
        hashAlgorithm=m.HashAlgorithmEnumType(wanted.hash_algorithm),
        issuerNameHash=wanted.issuer_name_hash,
        issuerKeyHash=wanted.issuer_key_hash,
        serialNumber=wanted.serial_number,
    )


def _install(command: InstallCertificate) -> m.InstallCertificateRequest:
    kind = command.certificate_type
    if kind not in m.InstallCertificateUseEnumType.__members__:
        kinds = ", ".join(m.InstallCertificateUseEnumType.__members__)
        raise refuse(f"certificate_type {kind!r} is not one of {kinds}")
    return m.InstallCertificateRequest(
        certificateType=m.InstallCertificateUseEnumType(kind), certificate=command.certificate
    )


def _delete(command: DeleteCertificate) -> m.DeleteCertificateRequest:
    return m.DeleteCertificateRequest(certificateHashData=hash_data(command.certificate))


def _list(command: GetInstalledCertificateIds) -> m.GetInstalledCertificateIdsRequest:
    kinds = []
    for kind in command.certificate_types:
        if kind not in m.GetCertificateIdUseEnumType.__members__:
            known = ", ".join(m.GetCertificateIdUseEnumType.__members__)
            raise refuse(f"certificate type {kind!r} is not one of {known}")
        kinds.append(m.GetCertificateIdUseEnumType(kind))
    return m.GetInstalledCertificateIdsRequest(certificateType=kinds or None)


def _neutral(data: m.CertificateHashDataType) -> dict[str, str]:
    return {
        "hash_algorithm": str(data.hashAlgorithm),
        "issuer_name_hash": data.issuerNameHash,
        "issuer_key_hash": data.issuerKeyHash,
        "serial_number": data.serialNumber,
    }


def _list_reply(command: GetInstalledCertificateIds, answer: Any) -> CommandReply:
    certificates = [
        {
            "certificate_type": str(chain.certificateType),
            **_neutral(chain.certificateHashData),
            "children": [_neutral(child) for child in chain.childCertificateHashData or ()],
        }
        for chain in answer.certificateHashDataChain or ()
    ]
    return status_reply(answer, certificates=certificates)


CODECS: Codecs = {
    InstallCertificate: CommandCodec("InstallCertificate", _install),
    DeleteCertificate: CommandCodec("DeleteCertificate", _delete),
    GetInstalledCertificateIds: CommandCodec("GetInstalledCertificateIds", _list, _list_reply),
}
