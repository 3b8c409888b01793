"""Scenario files: a site scripted over time, deterministic with a seed.

seed = 42
duration = 600                      # seconds; 0 runs until interrupted

[[groups]]
count = 20
prefix = "SITE-A"
versions = "1.6:50,2.0.1:50"        # one version, or a weighted mix (1.5-soap, 1.6-soap: OCPP-S)
evses = 2
meter_interval = 30
session_every = 300                 # seconds between sessions on an EVSE ...
session_jitter = 0.2                # ... ± 20 %
session_duration = 1200
session_duration_jitter = 0.3
tokens = ["04A1B2C3", "04D4E5F6"]
max_power_w = 11000

[[outages]]                         # 10 % of stations drop the network for 2 min
fraction = 0.1
at = 120
duration = 120
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError


class Group(BaseModel, extra="forbid"):
    count: int = Field(default=1, ge=1)
    prefix: str = Field(default="SIM", min_length=1, max_length=40)
    versions: str = "1.6"
    evses: int = Field(default=1, ge=1, le=32)
    vendor: str = "Ampyre"
    model: str = "SimCharger"
    meter_interval: float = Field(default=60.0, gt=0)
    clock_aligned_interval: float = Field(default=0.0, ge=0)
    session_every: float = Field(default=300.0, gt=0)
    session_jitter: float = Field(default=0.2, ge=0, le=1)
    session_duration: float = Field(default=1200.0, gt=0)
    session_duration_jitter: float = Field(default=0.3, ge=0, le=1)
    tokens: list[str] = Field(default_factory=lambda: ["SIMTOKEN"], min_length=1)
    max_power_w: float = Field(default=11_000.0, gt=0)


class Outage(BaseModel, extra="forbid"):
    fraction: float = Field(ge=0, le=1)
    at: float = Field(ge=0)
    duration: float = Field(gt=0)


class Scenario(BaseModel, extra="forbid"):
    seed: int = 1
    duration: float = Field(default=0.0, ge=0)
    url: str | None = None
    #: where OCPP-S (1.5-soap, 1.6-soap) stations post
    soap_url: str | None = None
    groups: list[Group] = Field(default_factory=lambda: [Group()], min_length=1)
    outages: list[Outage] = Field(default_factory=list)


class ScenarioError(ValueError):
    """The scenario file cannot be used; the message says where and why."""


def load(path: Path) -> Scenario:
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ScenarioError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path} is not valid TOML: {exc}") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ScenarioError(f"{path}: {problems}") from None
