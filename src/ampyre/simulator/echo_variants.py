"""The echo CSMS on other WebSocket servers: picows, and uvicorn (bare ASGI or FastAPI).

Same answers as `echo_server` (its `answer`), so `ampyre bench` against each measures the
transport alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from ampyre.simulator.echo_server import SUBPROTOCOLS, answer

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def _pick(offered: str) -> str | None:
    names = [name.strip() for name in offered.split(",")]
    return next((p for p in SUBPROTOCOLS if p in names), None)


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def start_picows(host: str, port: int) -> asyncio.Server:
    from picows import (
        WSFrame,
        WSListener,
        WSMsgType,
        WSTransport,
        WSUpgradeRequest,
        WSUpgradeResponse,
        WSUpgradeResponseWithListener,
        ws_create_server,
    )

    class Echo(WSListener):
        def __init__(self, subprotocol: str) -> None:
            self.subprotocol = subprotocol

        def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
            if frame.msg_type == WSMsgType.CLOSE:
                transport.send_close(frame.get_close_code())
                transport.disconnect()
            elif frame.msg_type in (WSMsgType.TEXT, WSMsgType.BINARY):
                reply = answer(self.subprotocol, frame.get_payload_as_bytes())
                if reply is not None:
                    transport.send(WSMsgType.TEXT, reply)

    def factory(request: WSUpgradeRequest) -> Any:
        offered = request.headers.get("Sec-WebSocket-Protocol", "")
        chosen = _pick(offered)
        if chosen is None:
            return WSUpgradeResponseWithListener(
                WSUpgradeResponse.create_error_response(400, b"no OCPP subprotocol"), None
            )
        response = WSUpgradeResponse.create_101_response(
            extra_headers={"Sec-WebSocket-Protocol": chosen}
        )
        return WSUpgradeResponseWithListener(response, Echo(chosen))

    server: asyncio.Server = await ws_create_server(
        factory, host, port, websocket_handshake_timeout=30, backlog=4096
    )
    return server


async def asgi_echo(scope: Scope, receive: Receive, send: Send) -> None:
    """A bare ASGI WebSocket app answering like the echo server."""
    if scope["type"] != "websocket":
        return
    offered = dict(scope.get("headers", [])).get(b"sec-websocket-protocol", b"").decode()
    subprotocol = _pick(offered) or "ocpp1.6"
    while True:
        event = await receive()
        if event["type"] == "websocket.connect":
            await send({"type": "websocket.accept", "subprotocol": subprotocol})
        elif event["type"] == "websocket.receive":
            message = event.get("text") or event.get("bytes") or b""
            reply = answer(subprotocol, message)
            if reply is not None:
                await send({"type": "websocket.send", "text": reply.decode()})
        else:
            return


def fastapi_echo() -> FastAPI:
    # WebSocket is imported at module level: FastAPI resolves the (string) annotation there.
    app = FastAPI()

    @app.websocket("/ocpp/{station_id}")
    async def station(websocket: WebSocket, station_id: str) -> None:
        offered = websocket.headers.get("sec-websocket-protocol", "")
        subprotocol = _pick(offered) or "ocpp1.6"
        await websocket.accept(subprotocol=subprotocol)
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                reply = answer(subprotocol, await websocket.receive_text())
                if reply is not None:
                    await websocket.send_text(reply.decode())

    return app


async def serve_forever(transport: str, host: str, port: int) -> None:
    print(f"echo OCPP-J server ({transport}) on ws://{host}:{port}/ocpp", flush=True)
    if transport == "picows":
        server = await start_picows(host, port)
        await _until_signalled()
        server.close()
        return
    import uvicorn

    app = asgi_echo if transport == "asgi" else fastapi_echo()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        ws="websockets-sansio",
        ws_ping_interval=None,
        ws_max_size=1 << 20,
        lifespan="off",
        log_level="warning",
        backlog=4096,
        access_log=False,
    )
    await uvicorn.Server(config).serve()
