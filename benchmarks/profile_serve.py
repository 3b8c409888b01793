"""Run `ampyre serve` under cProfile until SIGTERM/SIGINT, then print the top functions.

AMPYRE_DATABASE_URL=sqlite+aiosqlite:////tmp/prof.db ampyre migrate
python benchmarks/profile_serve.py --port 9200 --database-url sqlite+aiosqlite:////tmp/prof.db &
ampyre bench --url ws://127.0.0.1:9200/ocpp --stations 100 --version 1.6 --duration 8
kill -TERM %1
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import signal

import uvloop

from ampyre.app import Application
from ampyre.config import Settings


async def serve(port: int, database_url: str) -> None:
    app = Application(
        Settings(host="127.0.0.1", port=port, database_url=database_url, log_level="WARNING")
    )
    await app.start()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    profile = cProfile.Profile()
    profile.enable()
    uvloop.run(serve(args.port, args.database_url))
    profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
