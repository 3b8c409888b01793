"""The Python `ocpp` package (The Mobility House) peer for benchmarks/compare.py.

An OCPP 1.6J and 2.0.1 central system on `websockets` written the way the package documents
it: a ChargePoint per connection, an `@on` handler per action, the package's JSON-Schema
validation on (its default) for every request and answer. It answers every message of the
`ampyre bench` mixes (BootNotification, Heartbeat, StatusNotification, Authorize,
Start/StopTransaction, MeterValues, TransactionEvent).

`--sqlite FILE` also stores transactions and meter values (stdlib sqlite3, WAL,
synchronous=FULL, one commit per message before its answer, as Ampyre acknowledges only
what is durable); without it nothing is stored.

    python benchmarks/peers/ocpp_peer.py --port 9500 [--sqlite /tmp/peer.db]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import signal
import sqlite3
from datetime import UTC, datetime
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as result16
from ocpp.v16 import datatypes as data16
from ocpp.v16 import enums as enums16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as result201
from ocpp.v201 import datatypes as data201
from ocpp.v201 import enums as enums201
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

SCHEMA = """
CREATE TABLE IF NOT EXISTS transactions (
    id TEXT PRIMARY KEY, station TEXT NOT NULL, id_token TEXT, started TEXT, stopped TEXT,
    meter_start REAL, meter_stop REAL);
CREATE TABLE IF NOT EXISTS meter_values (
    id INTEGER PRIMARY KEY, transaction_id TEXT, station TEXT NOT NULL, timestamp TEXT,
    value TEXT);
"""


class Store:
    """Transactions and meter values in one SQLite file; every write committed at once."""

    def __init__(self, path: str | None) -> None:
        self.db = None if path is None else sqlite3.connect(path, isolation_level=None)
        if self.db is not None:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)

    def write(self, sql: str, *rows: tuple[Any, ...]) -> None:
        if self.db is None:
            return
        self.db.execute("BEGIN")
        self.db.executemany(sql, rows)
        self.db.execute("COMMIT")

    def start(self, tx: str, station: str, token: str | None, at: str, meter: float) -> None:
        self.write(
            "INSERT OR REPLACE INTO transactions (id, station, id_token, started, meter_start)"
            " VALUES (?, ?, ?, ?, ?)",
            (tx, station, token, at, meter),
        )

    def stop(self, tx: str, at: str, meter: float | None) -> None:
        self.write("UPDATE transactions SET stopped = ?, meter_stop = ? WHERE id = ?",
                   (at, meter, tx))  # fmt: skip

    def meter(self, tx: str | None, station: str, values: list[dict[str, Any]]) -> None:
        rows = [
            (tx, station, mv.get("timestamp"), str(sv.get("value")))
            for mv in values
            for sv in mv.get("sampled_value", [])
        ]
        self.write(
            "INSERT INTO meter_values (transaction_id, station, timestamp, value)"
            " VALUES (?, ?, ?, ?)",
            *rows,
        )


store = Store(None)
transaction_ids = itertools.count(1)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Station16(ChargePoint16):  # type: ignore[misc]
    @on(enums16.Action.boot_notification)
    def on_boot(self, **_: Any) -> Any:
        return result16.BootNotification(
            current_time=now(), interval=300, status=enums16.RegistrationStatus.accepted
        )

    @on(enums16.Action.heartbeat)
    def on_heartbeat(self, **_: Any) -> Any:
        return result16.Heartbeat(current_time=now())

    @on(enums16.Action.status_notification)
    def on_status(self, **_: Any) -> Any:
        return result16.StatusNotification()

    @on(enums16.Action.authorize)
    def on_authorize(self, id_tag: str, **_: Any) -> Any:
        return result16.Authorize(id_tag_info=data16.IdTagInfo(status="Accepted"))

    @on(enums16.Action.start_transaction)
    def on_start(self, id_tag: str, meter_start: int, timestamp: str, **_: Any) -> Any:
        tx = next(transaction_ids)
        store.start(str(tx), self.id, id_tag, timestamp, meter_start)
        return result16.StartTransaction(
            transaction_id=tx, id_tag_info=data16.IdTagInfo(status="Accepted")
        )

    @on(enums16.Action.meter_values)
    def on_meter_values(self, meter_value: list[dict[str, Any]], **kw: Any) -> Any:
        tx = kw.get("transaction_id")
        store.meter(None if tx is None else str(tx), self.id, meter_value)
        return result16.MeterValues()

    @on(enums16.Action.stop_transaction)
    def on_stop(self, transaction_id: int, meter_stop: int, timestamp: str, **_: Any) -> Any:
        store.stop(str(transaction_id), timestamp, meter_stop)
        return result16.StopTransaction()


class Station201(ChargePoint201):  # type: ignore[misc]
    @on(enums201.Action.boot_notification)
    def on_boot(self, **_: Any) -> Any:
        return result201.BootNotification(
            current_time=now(), interval=300, status=enums201.RegistrationStatusEnumType.accepted
        )

    @on(enums201.Action.heartbeat)
    def on_heartbeat(self, **_: Any) -> Any:
        return result201.Heartbeat(current_time=now())

    @on(enums201.Action.status_notification)
    def on_status(self, **_: Any) -> Any:
        return result201.StatusNotification()

    @on(enums201.Action.authorize)
    def on_authorize(self, **_: Any) -> Any:
        return result201.Authorize(id_token_info=data201.IdTokenInfoType(status="Accepted"))

    @on(enums201.Action.meter_values)
    def on_meter_values(self, meter_value: list[dict[str, Any]], **_: Any) -> Any:
        store.meter(None, self.id, meter_value)
        return result201.MeterValues()

    @on(enums201.Action.transaction_event)
    def on_transaction_event(
        self, event_type: str, timestamp: str, transaction_info: dict[str, Any], **kw: Any
    ) -> Any:
        tx = transaction_info["transaction_id"]
        values = kw.get("meter_value") or []
        first = values[0]["sampled_value"][0]["value"] if values else None
        if event_type == "Started":
            token = (kw.get("id_token") or {}).get("id_token")
            store.start(tx, self.id, token, timestamp, first)
        elif event_type == "Ended":
            store.stop(tx, timestamp, first)
        elif values:
            store.meter(tx, self.id, values)
        return result201.TransactionEvent()


async def handle(ws: ServerConnection) -> None:
    station_id = (ws.request.path if ws.request else "/").rstrip("/").rsplit("/", 1)[-1]
    kind = Station201 if ws.subprotocol == "ocpp2.0.1" else Station16
    with contextlib.suppress(ConnectionClosed):
        await kind(station_id, ws).start()


async def start(host: str, port: int, sqlite: str | None = None) -> Server:
    """Listen on ws://host:port/<any path>/{stationId} (port 0: any free port)."""
    global store
    store = Store(sqlite)
    return await serve(
        handle,
        host,
        port,
        subprotocols=[Subprotocol("ocpp2.0.1"), Subprotocol("ocpp1.6")],
        compression=None,
        ping_interval=None,
        backlog=4096,
    )


async def main(host: str, port: int, sqlite: str | None) -> None:
    server = await start(host, port, sqlite)
    print(f"ocpp package peer on ws://{host}:{port}/ocpp", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9500)
    parser.add_argument("--sqlite", help="store transactions and meter values in this file")
    args = parser.parse_args()
    import uvloop

    uvloop.run(main(args.host, args.port, args.sqlite))
