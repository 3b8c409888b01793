"""Meter values: samples of energy, power, current, voltage, SoC, ... at a point in time."""

from __future__ import annotations

import dataclasses
from datetime import datetime

ENERGY_REGISTER = "Energy.Active.Import.Register"


@dataclasses.dataclass(frozen=True, slots=True)
class SampledValue:
    """One sample. `value` is kept as sent; `number` is its numeric reading when it has one."""

    value: str
    measurand: str = ENERGY_REGISTER
    unit: str | None = None
    multiplier: int = 0
    phase: str | None = None
    location: str | None = None
    context: str | None = None
    signed: bool = False

    @property
    def number(self) -> float | None:
        try:
            return float(self.value) * 10.0**self.multiplier
        except ValueError:
            return None


@dataclasses.dataclass(frozen=True, slots=True)
class MeterValue:
    timestamp: datetime
    samples: tuple[SampledValue, ...]


def energy_register_wh(sample: SampledValue) -> float | None:
    """The reading of an import energy register in Wh, or None when the sample is something else."""
    if sample.measurand != ENERGY_REGISTER or sample.phase not in (None, ""):
        return None
    number = sample.number
    if number is None:
        return None
    if sample.unit == "kWh":
        return number * 1000.0
    if sample.unit in (None, "Wh"):
        return number
    return None


def register_readings_wh(values: list[MeterValue] | tuple[MeterValue, ...]) -> list[float]:
    """Every import energy register reading in the given meter values, in Wh."""
    readings: list[float] = []
    for value in values:
        for sample in value.samples:
            wh = energy_register_wh(sample)
            if wh is not None:
                readings.append(wh)
    return readings
