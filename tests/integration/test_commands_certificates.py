"""Certificate commands (1.6 security extension, 2.0.1) against simulated stations: what the
station received, the API answers, and what we keep of what it reported as installed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ampyre.app import Application
from ampyre.simulator.station import SimulatedStation

from .test_commands import accepted, received
from .test_simulator_v16_ops import make_root, needs_openssl

VERSIONS = ["1.6", "2.0.1"]


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
async def test_install_list_and_delete_a_root_certificate(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, version: str, tmp_path: Path
) -> None:
    _, root = await make_root(tmp_path, "Ampyre Test Root")
    pem = root.read_text()
    async with SimulatedStation(ocpp_url, f"CERT-{version}", version) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        kind = "CSMSRootCertificate"
        installed = accepted(
            await api.post(
                f"{base}/install-certificate", json={"certificate_type": kind, "certificate": pem}
            )
        )
        assert installed["status"] == "Accepted"
        [request] = received(cs, "InstallCertificate")
        wire_kind = "CentralSystemRootCertificate" if version == "1.6" else kind
        assert request == {"certificateType": wire_kind, "certificate": pem}

        garbage = accepted(
            await api.post(
                f"{base}/install-certificate",
                json={"certificate_type": kind, "certificate": "-----BEGIN CERTIFICATE-----"},
            )
        )
        assert (garbage["status"], garbage["accepted"]) == ("Rejected", False)

        listed = accepted(
            await api.post(
                f"{base}/get-installed-certificate-ids", json={"certificate_types": [kind]}
            )
        )
        assert listed["status"] == "Accepted"
        [certificate] = listed["result"]["certificates"]
        assert certificate["certificate_type"] == kind
        assert certificate["hash_algorithm"] == "SHA256"
        [request] = received(cs, "GetInstalledCertificateIds")
        assert request == {"certificateType": wire_kind if version == "1.6" else [kind]}

        kept = (await api.get(f"/stations/{cs.station_id}/certificates")).json()
        assert [(c["certificate_type"], c["serial_number"]) for c in kept] == [
            (kind, certificate["serial_number"])
        ]
        assert kept[0]["command_id"] == listed["id"]
        async with csms.database.unit_of_work() as uow:
            [stored] = await uow.certificates.list(cs.station_id)
        assert stored.certificate.issuer_key_hash == certificate["issuer_key_hash"]

        wanted = {k: certificate[k] for k in ("hash_algorithm", "issuer_name_hash",
                                              "issuer_key_hash", "serial_number")}  # fmt: skip
        deleted = accepted(await api.post(f"{base}/delete-certificate", json=wanted))
        assert deleted["status"] == "Accepted"
        [request] = received(cs, "DeleteCertificate")
        assert request["certificateHashData"]["serialNumber"] == certificate["serial_number"]
        assert (await api.get(f"/stations/{cs.station_id}/certificates")).json() == []
        again = accepted(await api.post(f"{base}/delete-certificate", json=wanted))
        assert again["status"] == "NotFound"

        if version == "1.6":
            # 1.6 stores CSMS and manufacturer roots only, and lists one type at a time
            for body in ({"certificate_types": ["V2GRootCertificate"]}, {}):
                refused = await api.post(f"{base}/get-installed-certificate-ids", json=body)
                assert refused.status_code == 409, body
            assert len(received(cs, "GetInstalledCertificateIds")) == 1
        else:
            everything = accepted(await api.post(f"{base}/get-installed-certificate-ids", json={}))
            assert everything["status"] == "NotFound"
            assert received(cs, "GetInstalledCertificateIds")[-1] == {}
        invalid = await api.post(
            f"{base}/install-certificate", json={"certificate_type": "Nope", "certificate": pem}
        )
        assert invalid.status_code == 422
