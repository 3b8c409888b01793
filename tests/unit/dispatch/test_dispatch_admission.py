"""Admission is synchronous: leniency by vendor comes from the boots the router remembers."""

from __future__ import annotations

from typing import Any, cast

from ampyre.config import LeniencyProfile
from ampyre.dispatch.router import Router
from ampyre.leniency import STRICT_LENIENCY
from ampyre.protocol.versions import OcppVersion


def router(*profiles: LeniencyProfile) -> Router:
    # admission never touches the services
    return Router(cast(Any, None), {}, list(profiles))


def test_without_profiles_every_station_is_strict_and_nothing_is_kept() -> None:
    r = router()
    assert not r.needs_boots
    r.remember("CS-1", "Acme", "X")
    assert r.admit("CS-1") is STRICT_LENIENCY


def test_profiles_by_station_id_need_no_boots() -> None:
    r = router(LeniencyProfile(stations=["OLD"], default_version="1.6", ping=False))
    assert not r.needs_boots
    assert r.admit("OLD").default_version is OcppVersion.V16
    assert r.admit("NEW") is STRICT_LENIENCY


def test_leniency_by_vendor_follows_the_last_boot() -> None:
    r = router(LeniencyProfile(vendor="Quiet", model="Q1", ping=False))
    assert r.needs_boots
    assert r.admit("CS-1").ping
    r.remember("CS-1", "Quiet", "Q1")
    assert not r.admit("CS-1").ping
    r.remember("CS-1", "Quiet", "Q2")  # same vendor, another model: kept, not matched
    assert r.admit("CS-1").ping
    r.remember("CS-1", "Loud", "Q1")  # another vendor: forgotten
    assert r.admit("CS-1") is STRICT_LENIENCY
