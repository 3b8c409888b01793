"""OCPP 2.0.1 meter values of the simulated station, as the device model configures them.

Which measurands go into a reading depends on its context: TxStartedMeasurands for
Transaction.Begin, TxUpdatedMeasurands for Sample.Periodic and Trigger, TxEndedMeasurands for
Transaction.End, AlignedDataCtrlr.Measurands for Sample.Clock. The station meters energy,
power, current and voltage at the outlet; the SoC is the car's (location EV), known only in a
session.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ampyre.messages.v201 import types as m
from ampyre.simulator.agent import Message
from ampyre.simulator.model import Evse, Session

if TYPE_CHECKING:
    from ampyre.simulator.agent_v201 import AgentV201

M = m.MeasurandEnumType
ENERGY = M.Energy_Active_Import_Register.value
_CONTEXTS = {c.value: c for c in m.ReadingContextEnumType}


class Meter:
    def __init__(self, agent: AgentV201) -> None:
        self.agent = agent

    def _enabled(self, context: str) -> bool:
        dm = self.agent.device_model
        if context == "Sample.Clock":
            return dm.enabled("AlignedDataCtrlr.Enabled")
        return dm.enabled("SampledDataCtrlr.Enabled")

    def samples(
        self, evse: Evse, session: Session | None, context: str
    ) -> list[m.SampledValueType]:
        wanted = self.agent.device_model.measurands(context)
        power = session.power_w if session is not None else 0.0
        curve = session.curve if session is not None else self.agent.station.curve
        readings: list[tuple[m.MeasurandEnumType, float, str, m.LocationEnumType | None]] = [
            (M.Energy_Active_Import_Register, float(round(evse.register_wh)), "Wh", None),
            (M.Power_Active_Import, round(power, 1), "W", None),
            (M.Current_Import, round(curve.current_a(power), 2), "A", None),
            (M.Voltage, float(curve.voltage), "V", None),
        ]
        if session is not None:
            readings.append((M.SoC, round(session.soc, 1), "Percent", m.LocationEnumType.EV))
        reading_context = _CONTEXTS.get(context, m.ReadingContextEnumType.Other)
        return [
            m.SampledValueType(
                value=value,
                context=reading_context,
                measurand=measurand,
                location=location,
                unitOfMeasure=m.UnitOfMeasureType(unit=unit),
            )
            for measurand, value, unit, location in readings
            if measurand.value in wanted
        ]

    def sample(
        self, evse: Evse, session: Session | None, now: datetime, context: str
    ) -> list[m.MeterValueType] | None:
        """The meter values of a TransactionEvent (None: nothing configured to send)."""
        if not self._enabled(context):
            return None
        samples = self.samples(evse, session, context)
        return [m.MeterValueType(timestamp=now, sampledValue=samples)] if samples else None

    def request(self, evse: Evse, session: Session | None, now: datetime, context: str) -> Message:
        """A MeterValuesRequest for the EVSE (at least the energy register)."""
        samples = self.samples(evse, session, context) or [
            m.SampledValueType(
                value=float(round(evse.register_wh)),
                context=_CONTEXTS.get(context, m.ReadingContextEnumType.Other),
                measurand=M.Energy_Active_Import_Register,
                unitOfMeasure=m.UnitOfMeasureType(unit="Wh"),
            )
        ]
        return "MeterValues", m.MeterValuesRequest(
            evseId=evse.id, meterValue=[m.MeterValueType(timestamp=now, sampledValue=samples)]
        )
