"""Memory per idle OCPP-J connection of one transport alone (no database, no OCPP work).

A child process serves OCPP-J with `--transport` (the real server class, a handler that
keeps one object per station, ping on); this process opens `--connections` raw WebSocket
connections (upgrade only, nothing sent after) and prints the child's RSS growth per
connection. docs/performance.md, "OCPP-J on picows".

    .venv/bin/python benchmarks/transport_memory.py --transport picows --connections 3000
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import resource
import subprocess
import sys

SERVER = r"""
import asyncio, gc, sys
import uvloop
from ampyre.action_tables import Side, action_tables
from ampyre.leniency import STRICT_LENIENCY
from ampyre.transports.links import LinkRegistry
from ampyre.transports.picows_server import PicowsServer
from ampyre.transports.websocket import OcppJServer

class Handler:
    async def connected(self, link): link.state = object()
    async def handle_call(self, link, action, payload): raise RuntimeError(action)
    async def disconnected(self, link): pass
    def relaxed(self, link, notes): pass

async def main():
    server_class = PicowsServer if sys.argv[1] == "picows" else OcppJServer
    server = server_class(
        host="127.0.0.1", port=0, path="/ocpp", tables=action_tables(Side.CSMS),
        handler=Handler(), admit=lambda station_id: STRICT_LENIENCY, max_frame_bytes=65536,
        call_timeout=30, ping_interval=60, ping_timeout=30, links=LinkRegistry(),
    )
    await server.start()
    print(server.bound_port, flush=True)
    gc.freeze()
    await asyncio.Event().wait()

uvloop.run(main())
"""


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _most_fds() -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def connect(port: int, i: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /ocpp/CS{i:06d} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: ocpp1.6\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


async def measure(child: subprocess.Popen[bytes], port: int, connections: int) -> float:
    """RSS growth of `child` per connection, over a warm start of 200 connections."""
    warm = [await connect(port, 900_000 + i) for i in range(200)]
    await asyncio.sleep(1)  # let the child settle before the baseline
    before = rss_kb(child.pid)
    held = []
    for start in range(0, connections, 200):
        batch = range(start, min(connections, start + 200))
        held += await asyncio.gather(*(connect(port, i) for i in batch))
    await asyncio.sleep(2)
    after = rss_kb(child.pid)
    for _, writer in warm + held:
        writer.close()
    return (after - before) / connections


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--transport", choices=["websockets", "picows"], default="picows")
    parser.add_argument("--connections", type=int, default=3000)
    args = parser.parse_args()
    _most_fds()
    command = [sys.executable, "-c", SERVER, args.transport]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, preexec_fn=_most_fds)
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        per = asyncio.run(measure(child, port, args.connections))
    finally:
        child.kill()
        child.wait()
    print(f"{args.transport}: {per:.2f} KB per connection ({args.connections} connections)")


if __name__ == "__main__":
    main()
