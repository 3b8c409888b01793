"""Just enough X.509 for a simulated station's certificate store, with the standard library.

`cryptography` is not a dependency of Ampyre, so this reads the few DER fields OCPP needs
(serial number, issuer and subject names, validity, public key) and hashes them with hashlib,
as OCSP's CertID does (RFC 6960: issuerNameHash over the issuer Name's DER, issuerKeyHash over
the issuer key's BIT STRING contents). It also makes a real PKCS#10 CSR with a fresh P-256 key
(ECDSA-SHA256) for SignCertificate. Signatures of received certificates are NOT verified.

The arithmetic below is textbook and not constant-time: fine for a simulator, never for a
real charger. Nothing here depends on an OCPP version.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import re
import secrets
from datetime import UTC, datetime

_PEM = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)
HASHES = {"SHA256": hashlib.sha256, "SHA384": hashlib.sha384, "SHA512": hashlib.sha512}


# --- reading DER ----------------------------------------------------------------------------


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the element at `pos`."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, element start, value start, end) of each element in data[start:end]."""
    out = []
    while start < end:
        tag, value, stop = _tlv(data, start)
        out.append((tag, start, value, stop))
        start = stop
    return out


def _time(tag: int, raw: bytes) -> datetime:
    text = raw.decode("ascii")
    if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ: 50..99 → 19xx
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)


@dataclasses.dataclass(frozen=True)
class Certificate:
    der: bytes
    serial: int
    issuer: bytes  # DER of the issuer Name
    subject: bytes  # DER of the subject Name
    not_before: datetime
    not_after: datetime
    spki: bytes  # DER of the SubjectPublicKeyInfo
    public_key: bytes  # the subjectPublicKey BIT STRING contents

    @property
    def self_issued(self) -> bool:
        return self.issuer == self.subject

    def valid_at(self, now: datetime) -> bool:
        return self.not_before <= now <= self.not_after


def parse_certificate(der: bytes) -> Certificate:
    """Read a DER certificate; ValueError when it is not one."""
    try:
        tag, start, end = _tlv(der, 0)
        if tag != 0x30:
            raise ValueError("not a SEQUENCE")
        tbs_tag, _, tbs_start, tbs_end = _children(der, start, end)[0]
        fields = _children(der, tbs_start, tbs_end)
        if fields and fields[0][0] == 0xA0:  # [0] version
            fields = fields[1:]
        serial, _algorithm, issuer, validity, subject, spki = fields[:6]
        if tbs_tag != 0x30 or serial[0] != 0x02 or spki[0] != 0x30:
            raise ValueError("not a certificate")
        (t1, _, v1, e1), (t2, _, v2, e2) = _children(der, validity[2], validity[3])
        key = _children(der, spki[2], spki[3])[1]
        if key[0] != 0x03:
            raise ValueError("no public key")
        return Certificate(
            der=der,
            serial=int.from_bytes(der[serial[2] : serial[3]], "big", signed=True),
            issuer=der[issuer[1] : issuer[3]],
            subject=der[subject[1] : subject[3]],
            not_before=_time(t1, der[v1:e1]),
            not_after=_time(t2, der[v2:e2]),
            spki=der[spki[1] : spki[3]],
            public_key=der[key[2] + 1 : key[3]],
        )
    except (IndexError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a certificate: {exc}") from exc


def pem_certificates(text: str) -> list[Certificate]:
    """Every certificate in a PEM text, in order; ValueError if none or one is broken."""
    blocks = _PEM.findall(text)
    if not blocks:
        raise ValueError("no PEM certificate")
    try:
        return [parse_certificate(base64.b64decode("".join(b.split()))) for b in blocks]
    except binascii.Error as exc:
        raise ValueError(f"bad base64: {exc}") from exc


@dataclasses.dataclass(frozen=True)
class CertificateId:
    """OCPP CertificateHashDataType: hashes as lower-case hex, serial as hex w/o leading 0s."""

    hash_algorithm: str
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str

    def matches(self, other: CertificateId) -> bool:
        mine = (self.issuer_name_hash, self.issuer_key_hash, self.serial_number.lstrip("0"))
        theirs = (other.issuer_name_hash, other.issuer_key_hash, other.serial_number.lstrip("0"))
        return self.hash_algorithm == other.hash_algorithm and all(
            a.lower() == b.lower() for a, b in zip(mine, theirs, strict=True)
        )


def certificate_id(
    cert: Certificate, issuer_key: bytes, algorithm: str = "SHA256"
) -> CertificateId:
    digest = HASHES[algorithm]
    return CertificateId(
        hash_algorithm=algorithm,
        issuer_name_hash=digest(cert.issuer).hexdigest(),
        issuer_key_hash=digest(issuer_key).hexdigest(),
        serial_number=format(cert.serial, "x"),
    )


# --- writing DER: a PKCS#10 request with a P-256 key ----------------------------------------

_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
Point = tuple[int, int] | None


def _add(p: Point, q: Point) -> Point:
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % _P == 0:
        return None
    if p == q:
        slope = (3 * p[0] * p[0] - 3) * pow(2 * p[1], -1, _P) % _P  # a = -3
    else:
        slope = (q[1] - p[1]) * pow(q[0] - p[0], -1, _P) % _P
    x = (slope * slope - p[0] - q[0]) % _P
    return x, (slope * (p[0] - x) - p[1]) % _P


def _multiply(k: int, point: Point = _G) -> Point:
    result: Point = None
    while k:
        if k & 1:
            result = _add(result, point)
        point = _add(point, point)
        k >>= 1
    return result


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def _integer(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(x) for x in dotted.split("."))
    body = bytearray([40 * first + second])
    for arc in rest:
        chunk = [arc & 0x7F]
        while arc := arc >> 7:
            chunk.append(0x80 | (arc & 0x7F))
        body += bytes(reversed(chunk))
    return _der(0x06, bytes(body))


def _seq(*parts: bytes) -> bytes:
    return _der(0x30, b"".join(parts))


def name(common_name: str, organization: str | None = None) -> bytes:
    """DER Name: O (if any) then CN, as UTF8Strings."""
    rdns = [] if organization is None else [("2.5.4.10", organization)]
    rdns.append(("2.5.4.3", common_name))
    return _seq(*(_der(0x31, _seq(_oid(oid), _der(0x0C, value.encode()))) for oid, value in rdns))


@dataclasses.dataclass(frozen=True)
class KeyPair:
    """A P-256 key; the private part never leaves the station (A02.FR.05)."""

    private: int = dataclasses.field(repr=False)
    public: tuple[int, int]

    @classmethod
    def generate(cls) -> KeyPair:
        private = secrets.randbelow(_N - 1) + 1
        public = _multiply(private)
        assert public is not None
        return cls(private, public)

    @property
    def public_point(self) -> bytes:
        """The uncompressed point, as in a certificate's subjectPublicKey."""
        return b"\x04" + b"".join(c.to_bytes(32, "big") for c in self.public)

    @property
    def spki(self) -> bytes:
        algorithm = _seq(_oid("1.2.840.10045.2.1"), _oid("1.2.840.10045.3.1.7"))
        return _seq(algorithm, _der(0x03, b"\x00" + self.public_point))

    def sign(self, message: bytes) -> bytes:
        """ECDSA-SHA256, DER-encoded (r, s)."""
        digest = int.from_bytes(hashlib.sha256(message).digest(), "big")
        while True:
            k = secrets.randbelow(_N - 1) + 1
            point = _multiply(k)
            assert point is not None
            r = point[0] % _N
            s = pow(k, -1, _N) * (digest + r * self.private) % _N
            if r and s:
                return _seq(_integer(r), _integer(s))


def certificate_request(key: KeyPair, subject: bytes) -> str:
    """A PEM PKCS#10 CertificationRequest for `key`, signed with it."""
    info = _seq(_integer(0), subject, key.spki, b"\xa0\x00")
    algorithm = _seq(_oid("1.2.840.10045.4.3.2"))
    der = _seq(info, algorithm, _der(0x03, b"\x00" + key.sign(info)))
    text = base64.b64encode(der).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "\n".join(
        ["-----BEGIN CERTIFICATE REQUEST-----", *lines, "-----END CERTIFICATE REQUEST-----", ""]
    )
