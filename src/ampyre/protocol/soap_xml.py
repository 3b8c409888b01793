"""Hardened XML parsing for OCPP-S: no DTDs, no entities, no network, bounded size.

A document whose prolog declares a DOCTYPE is refused before libxml2 sees it, so neither
XXE (external entities), nor entity expansion (billion laughs), nor an external DTD's fetch
is ever attempted; lxml runs with entity resolution, DTD loading and network access
switched off all the same, and its tree is checked once more for a DTD. Peer faults become
a `SoapFault`, never another exception.
"""

from __future__ import annotations

import codecs

from lxml import etree

from ampyre.protocol.soap_fault import FaultCode, SoapFault, SubCode


def parse(data: bytes, max_bytes: int) -> etree._Element:
    """The root element of `data`, or SoapFault(Sender) saying what is wrong with it."""
    if len(data) > max_bytes:
        raise SoapFault(
            FaultCode.SENDER,
            SubCode.PROTOCOL_ERROR,
            f"message of {len(data)} bytes is over the limit of {max_bytes} bytes",
        )
    if not data.strip():
        raise SoapFault(FaultCode.SENDER, SubCode.PROTOCOL_ERROR, "empty message")
    if _declares_doctype(data):
        raise _NO_DTD
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise SoapFault(FaultCode.SENDER, SubCode.PROTOCOL_ERROR, f"malformed XML: {exc}") from None
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        raise SoapFault(FaultCode.SENDER, SubCode.PROTOCOL_ERROR, f"malformed XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _NO_DTD
    return root


_NO_DTD = SoapFault(
    FaultCode.SENDER,
    SubCode.PROTOCOL_ERROR,
    "DTDs are not allowed in SOAP messages (SOAP 1.2 part 1, 5)",
)

#: byte-order marks, and the first bytes of "<?" (XML 1.0, appendix F) of wide encodings
_WIDE = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


def _declares_doctype(data: bytes) -> bool:
    """Whether the prolog (before the root element) holds a <!DOCTYPE, in one linear pass."""
    text = data.decode("latin-1")  # every ASCII-compatible encoding spells markup the same
    for mark, encoding in _WIDE:
        if data.startswith(mark):
            text = data.decode(encoding, errors="replace").lstrip("\ufeff")
            break
    i = 0
    while True:
        while i < len(text) and text[i] in " \t\r\n\ufeff":
            i += 1
        if text.startswith("<?", i):
            close = "?>"
        elif text.startswith("<!--", i):
            close = "-->"
        else:
            return text.startswith("<!DOCTYPE", i)
        end = text.find(close, i + 2)
        if end < 0:
            return False  # an unclosed prolog: the parser says it is malformed
        i = end + len(close)
