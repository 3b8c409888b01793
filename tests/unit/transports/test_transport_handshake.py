"""The OCPP-J handshake decision every WebSocket transport shares."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from ampyre.action_tables import Side, action_tables
from ampyre.leniency import STRICT_LENIENCY, Leniency
from ampyre.protocol.versions import OcppVersion
from ampyre.transports.handshake import Admitted, Handshake, Refused, offered_subprotocols

TABLES = action_tables(Side.CSMS)
LENIENT = Leniency(default_version=OcppVersion.V16, ping=False)


def handshake(leniency: Leniency = STRICT_LENIENCY) -> Handshake:
    return Handshake("/ocpp", TABLES, lambda station_id: leniency)


def test_offered_subprotocols_reads_every_header_in_order() -> None:
    assert offered_subprotocols(["ocpp2.0.1, ocpp1.6", " ", "x ,"]) == ["ocpp2.0.1", "ocpp1.6", "x"]


@pytest.mark.parametrize(
    ("offered", "version"),
    [
        (["ocpp1.2", "ocpp1.6", "ocpp2.0.1"], OcppVersion.V16),
        (["ocpp2.0.1", "ocpp1.6"], OcppVersion.V201),
        (["ocpp2.0.1"], OcppVersion.V201),
    ],
)
def test_the_first_offered_version_we_speak_is_chosen(
    offered: list[str], version: OcppVersion
) -> None:
    decision = handshake().decide("/ocpp/CS-1", "Upgrade", offered)
    assert decision == Admitted("CS-1", version, STRICT_LENIENCY, version.subprotocol)


def test_a_bad_station_id_is_refused_first() -> None:
    decision = handshake().decide("/ocpp/a%2Fb", "keep-alive", [])
    assert isinstance(decision, Refused) and decision.status is HTTPStatus.BAD_REQUEST
    assert "may only use" in decision.body


def test_a_request_that_is_not_an_upgrade_needs_one() -> None:
    decision = handshake().decide("/ocpp/CS-1", "keep-alive", ["ocpp1.6"])
    assert decision == Refused(HTTPStatus.UPGRADE_REQUIRED, "OCPP-J needs a WebSocket\n")


@pytest.mark.parametrize(
    ("offered", "reason"),
    [(["ocpp1.2"], "ocpp1.2 are not spoken here"), ([], "no OCPP subprotocol offered")],
)
def test_refusals_name_what_we_speak(offered: list[str], reason: str) -> None:
    decision = handshake().decide("/ocpp/CS-1", "Upgrade", offered)
    assert isinstance(decision, Refused) and decision.status is HTTPStatus.BAD_REQUEST
    assert reason in decision.body and "offer one of: ocpp2.0.1, ocpp1.6" in decision.body


def test_leniency_supplies_the_version_only_when_none_is_offered() -> None:
    lenient = handshake(LENIENT)
    assert lenient.decide("/ocpp/OLD", "upgrade", []) == Admitted(
        "OLD", OcppVersion.V16, LENIENT, None
    )
    assert isinstance(lenient.decide("/ocpp/OLD", "upgrade", ["ocpp1.2"]), Refused)
