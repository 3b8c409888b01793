"""Certificate management → OCPP 1.6 security extension."""

from __future__ import annotations

from typing import Any

from ampyre.adapters.command_codec import Codecs, CommandCodec, refuse, status_reply
from ampyre.domain.commands import CommandReply
from ampyre.domain.security import (
    V16_TYPES,
    DeleteCertificate,
    GetInstalledCertificateIds,
    InstallCertificate,
)
from ampyre.messages.v16 import types as m

#: 1.6 type → the neutral (2.0.1) name
NEUTRAL_TYPES = {v16: neutral for neutral, v16 in V16_TYPES.items()}


def _type(neutral: str) -> m.CertificateUseEnumType:
    v16 = V16_TYPES.get(neutral, neutral)
    if v16 not in m.CertificateUseEnumType.__members__:
        kinds = ", ".join(V16_TYPES)
        raise refuse(f"OCPP 1.6 stores {kinds} certificates only, not {neutral}")
    return m.CertificateUseEnumType(v16)


def _install(command: InstallCertificate) -> m.InstallCertificateRequest:
    return m.InstallCertificateRequest(
        certificateType=_type(command.certificate_type), certificate=command.certificate
    )


def _delete(command: DeleteCertificate) -> m.DeleteCertificateRequest:
    wanted = command.certificate
    if wanted.hash_algorithm not in m.HashAlgorithmEnumType.__members__:
        raise refuse(f"unknown hash algorithm {wanted.hash_algorithm!r}")
    return m.DeleteCertificateRequest(
        certificateHashData=m.CertificateHashDataType(
            hashAlgorithm=m.HashAlgorithmEnumType(wanted.hash_algorithm),
            issuerNameHash=wanted.issuer_name_hash,
            issuerKeyHash=wanted.issuer_key_hash,
            serialNumber=wanted.serial_number,
        )
    )


def _list(command: GetInstalledCertificateIds) -> m.GetInstalledCertificateIdsRequest:
    if len(command.certificate_types) != 1:
        raise refuse("OCPP 1.6 lists one certificate type at a time: name exactly one")
    return m.GetInstalledCertificateIdsRequest(certificateType=_type(command.certificate_types[0]))


def _list_reply(command: GetInstalledCertificateIds, answer: Any) -> CommandReply:
    kind = NEUTRAL_TYPES.get(
        V16_TYPES.get(command.certificate_types[0], command.certificate_types[0]),
        command.certificate_types[0],
    )
    certificates = [
        {
            "certificate_type": kind,
            "hash_algorithm": str(data.hashAlgorithm),
            "issuer_name_hash": data.issuerNameHash,
            "issuer_key_hash": data.issuerKeyHash,
            "serial_number": data.serialNumber,
        }
        for data in answer.certificateHashData or ()
    ]
    return status_reply(answer, certificates=certificates)


CODECS: Codecs = {
    InstallCertificate: CommandCodec("InstallCertificate", _install),
    DeleteCertificate: CommandCodec("DeleteCertificate", _delete),
    GetInstalledCertificateIds: CommandCodec("GetInstalledCertificateIds", _list, _list_reply),
}
