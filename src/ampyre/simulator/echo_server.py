"""A tiny raw OCPP-J "echo" CSMS, to measure the ceiling of the load generator.

Every CALL gets a CALLRESULT with the smallest valid response for its action (Boot Accepted,
a fresh transactionId, `{}` where the schema allows it). No schema validation, no database,
none of Ampyre's protocol core: only a WebSocket library and `msgspec`, so whatever
`ampyre bench` reaches against it is the bench's own limit, not a server's.

`--transport` picks the WebSocket server, to compare transports with the same bench:
`websockets` (default), `picows` (Cython), `asgi` (uvicorn serving a bare ASGI app) and
`fastapi` (uvicorn + a FastAPI WebSocket route: what sharing one port with the HTTP API
would cost charge points).

    python -m ampyre.simulator.echo_server --port 9100 [--transport picows]
    # or: ampyre bench-echo --port 9100
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import signal
import time
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

SUBPROTOCOLS = [Subprotocol("ocpp2.0.1"), Subprotocol("ocpp1.6")]

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode
_transaction_ids = itertools.count(1)
_clock: tuple[int, str] = (0, "")


def _now() -> str:
    """The current time as OCPP writes it, formatted at most once a second."""
    global _clock
    second = int(time.time())
    if _clock[0] != second:
        _clock = (second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second)))
    return _clock[1]


Answer = Callable[[], dict[str, Any]]
_ACCEPTED: dict[str, Any] = {"status": "Accepted"}
_BOTH: dict[str, Answer] = {
    "BootNotification": lambda: {"currentTime": _now(), "interval": 300, "status": "Accepted"},
    "Heartbeat": lambda: {"currentTime": _now()},
    "DataTransfer": lambda: _ACCEPTED,
    "SignCertificate": lambda: {"status": "Rejected"},
}
ANSWERS: dict[str, dict[str, Answer]] = {
    "ocpp1.6": _BOTH
    | {
        "Authorize": lambda: {"idTagInfo": _ACCEPTED},
        "StartTransaction": lambda: {
            "transactionId": next(_transaction_ids),
            "idTagInfo": _ACCEPTED,
        },
    },
    "ocpp2.0.1": _BOTH
    | {
        "Authorize": lambda: {"idTokenInfo": _ACCEPTED},
        "Get15118EVCertificate": lambda: {"status": "Failed", "exiResponse": ""},
        "GetCertificateStatus": lambda: {"status": "Failed"},
        "NotifyEVChargingNeeds": lambda: {"status": "Rejected"},
        "NotifyEVChargingSchedule": lambda: {"status": "Rejected"},
    },
}
_EMPTY: dict[str, Any] = {}
_FORMAT_ERROR = {"ocpp1.6": "FormationViolation", "ocpp2.0.1": "FormatViolation"}


def answer(subprotocol: str, message: str | bytes) -> bytes | None:
    """The frame answering one received frame, or None when nothing is to be sent."""
    try:
        frame = _decode(message)
        kind, message_id = frame[0], frame[1]
    except (msgspec.DecodeError, TypeError, IndexError, KeyError):
        code = _FORMAT_ERROR.get(subprotocol, "FormatViolation")
        return _encode([4, "-1", code, "not an OCPP-J frame", _EMPTY])
    if kind != 2:
        return None  # a station's CALLRESULT/CALLERROR: we never call, so nothing waits for it
    action = frame[2] if len(frame) > 2 else ""
    make = ANSWERS.get(subprotocol, _BOTH).get(action)
    return _encode([3, message_id, make() if make else _EMPTY])


async def _handle(ws: ServerConnection) -> None:
    subprotocol = ws.subprotocol or "ocpp1.6"
    with contextlib.suppress(ConnectionClosed):
        async for message in ws:
            reply = answer(subprotocol, message)
            if reply is not None:
                await ws.send(reply, text=True)


async def start(host: str = "127.0.0.1", port: int = 0) -> Server:
    """Listen on ws://host:port/<any path>; `server.sockets[0].getsockname()[1]` is the port."""
    return await serve(
        _handle,
        host,
        port,
        subprotocols=SUBPROTOCOLS,
        compression=None,
        ping_interval=None,
        max_size=1 << 20,
        backlog=4096,
    )


async def _serve_forever(host: str, port: int) -> None:
    server = await start(host, port)
    bound = server.sockets[0].getsockname()[1] if server.sockets else port
    print(f"echo OCPP-J server on ws://{host}:{bound}/ocpp", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


TRANSPORTS = ("websockets", "picows", "asgi", "fastapi")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--transport", choices=TRANSPORTS, default="websockets")
    args = parser.parse_args(argv)
    serve_forever(args.host, args.port, args.transport)


def serve_forever(host: str, port: int, transport: str = "websockets") -> None:
    from ampyre.simulator.bench import raise_fd_limit

    raise_fd_limit()
    if transport == "websockets":
        serving = _serve_forever(host, port)
    else:
        from ampyre.simulator import echo_variants

        serving = echo_variants.serve_forever(transport, host, port)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency where it builds
        asyncio.run(serving)
    else:
        uvloop.run(serving)


if __name__ == "__main__":
    main()
