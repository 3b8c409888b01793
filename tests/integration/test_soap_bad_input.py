"""Bad input to the OCPP-S endpoint over a real socket: each gets a SOAP 1.2 fault with a clear
reason, and nothing is stored (every table's row count is unchanged, no link is made).

Every bad request carries a BootNotification (or StartTransaction) of a new station, so
that anything let through would show in the database.
"""

from __future__ import annotations

import gzip
from typing import Any

import httpx
import pytest
from lxml import etree
from soap_examples import envelope
from sqlalchemy import func, select

from ampyre.app import Application
from ampyre.persistence import tables

from .soap_helpers import soap_url

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
CS15 = "urn://Ocpp/Cs/2012/06/"
CS16 = "urn://Ocpp/Cs/2015/10/"
MAX_BYTES = 4096
EVIL = "EVIL-1"

#: tables the bad requests must leave alone (the message log is a record of the wire)
STORED = [t for t in tables.metadata.sorted_tables if t.name not in ("message_log",)]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"max_frame_bytes": MAX_BYTES}


def boot(namespace: str = CS15, vendor: str = "Evil") -> str:
    return (
        f'<cs:bootNotificationRequest xmlns:cs="{namespace}">'
        f"<cs:chargePointVendor>{vendor}</cs:chargePointVendor>"
        "<cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>"
    )


def request(body: str, namespace: str = CS15, **kw: Any) -> bytes:
    kw.setdefault("identity", EVIL)
    kw.setdefault("action", "/BootNotification")
    return envelope(body, namespace=namespace, **kw)


def with_doctype(doctype: str, body: str) -> bytes:
    data = request(body).decode()
    prolog, rest = data.split("?>", 1)
    return f"{prolog}?>{doctype}{rest}".encode()


LAUGHS = (
    '<!DOCTYPE s:Envelope [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1 if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)

CASES = [
    pytest.param(b"<s:Envelope><s:Body>", {}, "Sender", "malformed XML", id="malformed-xml"),
    pytest.param(
        request(boot()).replace(b"</s:Body>", b""), {}, "Sender", "malformed XML", id="unclosed"
    ),
    pytest.param(
        request(boot("urn://Ocpp/Cs/2099/01/"), "urn://Ocpp/Cs/2099/01/"),
        {},
        "Sender",
        "is no OCPP Central System service",
        id="wrong-namespace",
    ),
    pytest.param(
        request(f'<cs:rebootRequest xmlns:cs="{CS15}"/>', action="/Reboot"),
        {},
        "Receiver",
        "NotSupported",
        id="unknown-operation",
    ),
    pytest.param(
        request(boot(), identity=None),
        {},
        "Sender",
        "chargeBoxIdentity header is missing",
        id="missing-chargeBoxIdentity",
    ),
    pytest.param(
        request(boot(), identity=""),
        {},
        "Sender",
        "chargeBoxIdentity header is missing or empty",
        id="empty-chargeBoxIdentity",
    ),
    pytest.param(
        request(
            f'<cs:startTransactionRequest xmlns:cs="{CS15}"><cs:connectorId>one</cs:connectorId>'
            "<cs:idTag>T</cs:idTag><cs:timestamp>2026-01-01T00:00:00Z</cs:timestamp>"
            "<cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>",
            action="/StartTransaction",
        ),
        {},
        "Sender",
        "schema violation",
        id="schema-violation",
    ),
    pytest.param(
        request(boot(vendor="V" * 21)), {}, "Sender", "schema violation", id="too-long-vendor"
    ),
    pytest.param(
        request(boot(), action="/Heartbeat"), {}, "Sender", "WS-Addressing Action", id="action"
    ),
    pytest.param(
        request(boot(), message_id=None), {}, "Sender", "MessageID is missing", id="message-id"
    ),
    pytest.param(
        request(boot(vendor="V" * 10)).replace(b"</s:Body>", b"<!--" + b"x" * MAX_BYTES + b"-->"),
        {},
        "Sender",
        "over the limit",
        id="oversized-body",
    ),
    pytest.param(
        gzip.compress(
            request(boot()).replace(b"</s:Body>", b"<!--" + b" " * 4 * MAX_BYTES + b"--></s:Body>")
        ),
        {"Content-Encoding": "gzip"},
        "Sender",
        "inflates past the limit",
        id="gzip-bomb",
    ),
    pytest.param(
        with_doctype(
            '<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            boot(vendor="&xxe;"),
        ),
        {},
        "Sender",
        "DTD",
        id="xxe-external-entity",
    ),
    pytest.param(
        with_doctype(LAUGHS, boot(vendor="&lol9;")), {}, "Sender", "DTD", id="billion-laughs"
    ),
    pytest.param(
        with_doctype('<!DOCTYPE s:Envelope SYSTEM "http://127.0.0.1:1/evil.dtd">', boot()),
        {},
        "Sender",
        "DTD",
        id="external-dtd",
    ),
    pytest.param(
        b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header>'
        + f"<c:chargeBoxIdentity xmlns:c='{CS15}'>{EVIL}</c:chargeBoxIdentity>".encode()
        + b"</e:Header><e:Body>"
        + boot().encode()
        + b"</e:Body></e:Envelope>",
        {},
        "VersionMismatch",
        "SOAP 1.1",
        id="soap-1.1",
    ),
]


async def counts(csms: Application) -> dict[str, int]:
    connection = await csms.database.checkout()
    try:
        result = {}
        for table in STORED:
            query = select(func.count()).select_from(table)
            result[table.name] = int((await connection.execute(query)).scalar_one())
        return result
    finally:
        await csms.database.checkin(connection)


def read_fault(data: bytes) -> tuple[str, str | None, str]:
    """Code, subcode and reason of a SOAP 1.2 fault, read with nothing but lxml."""
    root = etree.fromstring(data)
    fault = root.find(f"{{{SOAP12}}}Body/{{{SOAP12}}}Fault")
    assert fault is not None, data
    code = fault.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Value")
    subcode = fault.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Subcode/{{{SOAP12}}}Value")
    reason = fault.findtext(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text")
    assert code is not None and reason
    local = subcode and subcode.rpartition(":")[2]
    return code.rpartition(":")[2], local, reason


@pytest.mark.parametrize(("data", "headers", "code", "words"), CASES)
async def test_bad_input_gets_a_fault_and_stores_nothing(
    csms: Application, data: bytes, headers: dict[str, str], code: str, words: str
) -> None:
    url = soap_url(csms)
    async with httpx.AsyncClient(trust_env=False, timeout=30) as http:
        # a good station first, so that every table the flow writes has rows to compare
        good = await http.post(url, content=request(boot(vendor="Good"), identity="GOOD-1"))
        assert good.status_code == 200, good.text
        before = await counts(csms)
        response = await http.post(
            url, content=data, headers={"Content-Type": "application/soap+xml", **headers}
        )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/soap+xml")
    fault_code, subcode, reason = read_fault(response.content)
    assert fault_code == code
    assert words in reason or words == subcode, reason
    assert "root:" not in reason  # nothing of /etc/passwd comes back
    assert await counts(csms) == before
    assert EVIL not in csms.links and EVIL not in csms.soap.links
