"""A call through a RemoteLink ends as a local link's would: answer, or the same errors."""

from __future__ import annotations

import asyncio

import msgspec
import pytest

from ampyre.action_tables import Side, action_tables
from ampyre.cluster.remote_link import PendingCalls, RemoteLink, failure_of
from ampyre.cluster.wire import Answer, Call, Message
from ampyre.protocol.rpc import CallError
from ampyre.protocol.versions import ErrorCode, OcppVersion
from ampyre.transports.links import CallRejected, CallTimeout, StationUnreachable

TABLES = action_tables(Side.CSMS)


class Worker:
    """Answers each Call with what `answer` makes of it."""

    def __init__(self, pending: PendingCalls, answer: object) -> None:
        self.pending = pending
        self.answer = answer
        self.calls: list[Call] = []

    def send(self, message: Message) -> None:
        assert isinstance(message, Call)
        self.calls.append(message)
        loop = asyncio.get_running_loop()
        if isinstance(self.answer, Exception):
            reply = Answer(message.ref, failure=failure_of(self.answer))
        else:
            reply = Answer(message.ref, payload=msgspec.json.encode(self.answer))
        loop.call_soon(self.pending.settle, reply)


def link(answer: object) -> tuple[RemoteLink, Worker]:
    pending = PendingCalls()
    worker = Worker(pending, answer)
    return RemoteLink("CS1", OcppVersion.V16, worker, pending, TABLES, 5.0), worker


async def test_the_answer_comes_back_in_its_type() -> None:
    remote, worker = link({"status": "Accepted"})
    request = msgspec.json.decode(
        b'{"requestedMessage":"Heartbeat"}', type=TABLES[OcppVersion.V16].requests["TriggerMessage"]
    )
    answer = await remote.call("TriggerMessage", request)
    assert answer == TABLES[OcppVersion.V16].responses["TriggerMessage"](status="Accepted")
    assert msgspec.json.decode(worker.calls[0].payload) == {"requestedMessage": "Heartbeat"}


async def test_an_answer_the_worker_let_through_by_leniency_is_taken_relaxed() -> None:
    # GetConfiguration keys are at most 50 characters: a lenient station's longer key
    # reaches the primary as the worker read it
    long_key = "K" * 60
    remote, _ = link({"configurationKey": [{"key": long_key, "readonly": True}]})
    answer = await remote.call("GetConfiguration", {})
    assert answer.configurationKey[0].key == long_key


@pytest.mark.parametrize(
    "error",
    [
        StationUnreachable("CS1 disconnected"),
        CallTimeout("CS1 did not answer"),
        CallRejected(CallError("m1", ErrorCode.NOT_SUPPORTED, "NotSupported", "no", {"a": 1})),
        ValueError("invalid TriggerMessage payload"),
    ],
)
async def test_each_failure_is_raised_again_as_itself(error: Exception) -> None:
    remote, _ = link(error)
    with pytest.raises(type(error)) as raised:
        await remote.call("TriggerMessage", {"requestedMessage": "Heartbeat"})
    assert str(raised.value) == str(error)
    if isinstance(error, CallRejected):
        assert isinstance(raised.value, CallRejected) and raised.value.error == error.error


async def test_a_worker_that_goes_away_leaves_the_station_unreachable() -> None:
    pending = PendingCalls()

    class Silent:
        def send(self, message: Message) -> None:
            asyncio.get_running_loop().call_soon(pending.fail_all, "worker 1 went away")

    remote = RemoteLink("CS1", OcppVersion.V16, Silent(), pending, TABLES, 5.0)
    with pytest.raises(StationUnreachable, match="worker 1 went away"):
        await remote.call("TriggerMessage", {"requestedMessage": "Heartbeat"})
