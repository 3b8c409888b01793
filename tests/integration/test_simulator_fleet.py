"""`ampyre sim` building blocks: scenario files, a deterministic fleet against Ampyre."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.simulator.fleet import Fleet
from ampyre.simulator.scenario import Scenario, ScenarioError, load

SCENARIO = """
seed = 11
duration = 2.5

[[groups]]
count = 3
prefix = "FLEET"
versions = "1.6"
evses = 2
meter_interval = 0.2
session_every = 0.3
session_duration = 0.6
tokens = ["FLEET-TAG"]

[[outages]]
fraction = 0.34
at = 0.5
duration = 0.5
"""


def test_scenario_files_are_validated(tmp_path: Path) -> None:
    good = tmp_path / "site.toml"
    good.write_text(SCENARIO)
    scenario = load(good)
    assert scenario.groups[0].count == 3 and scenario.outages[0].fraction == 0.34
    bad = tmp_path / "bad.toml"
    bad.write_text("[[groups]]\ncount = 0\nflavour = 'x'\n")
    with pytest.raises(ScenarioError, match="count") as error:
        load(bad)
    assert "flavour" in str(error.value)
    broken = tmp_path / "broken.toml"
    broken.write_text("seed = ")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load(broken)


def test_the_same_seed_builds_the_same_fleet() -> None:
    scenario = Scenario.model_validate(
        {"seed": 5, "groups": [{"count": 8, "versions": "1.6:50,2.0.1:50"}]}
    )
    first = [(s.station_id, s.version) for s in Fleet("ws://x/ocpp", scenario).stations]
    second = [(s.station_id, s.version) for s in Fleet("ws://x/ocpp", scenario).stations]
    assert first == second
    assert {v for _, v in first} == {"1.6", "2.0.1"}


async def test_fleet_runs_sessions_and_survives_an_outage(
    csms: Application, ocpp_url: str, tmp_path: Path
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("FLEET-TAG"))
    path = tmp_path / "site.toml"
    path.write_text(SCENARIO)
    fleet = Fleet(ocpp_url, load(path))
    await fleet.run()
    snapshot = fleet.snapshot()
    assert snapshot.stations == 3 and snapshot.call_errors == 0
    async with csms.database.unit_of_work() as uow:
        started = 0
        for station in fleet.stations:
            record = await uow.stations.get(station.station_id)
            assert record is not None and record.boot is not None
            started += len(await uow.transactions.list_for_station(station.station_id))
        assert started >= 3
