"""What the operator API asks of the repositories, on SQLite and PostgreSQL: filtered keyset
lists, operator-owned station fields, token management, transaction and status searches."""

from __future__ import annotations

import dataclasses

import pytest
from persistence_builders import T0, at, transaction

from ampyre.domain.authorization import (
    AuthorizationStatus,
    IdToken,
    IdTokenQuery,
    IdTokenRecord,
)
from ampyre.domain.availability import ConnectorStatus, StatusQuery, StatusReport
from ampyre.domain.errors import Conflict
from ampyre.domain.station import Station, StationChanges, StationQuery
from ampyre.domain.transactions import TransactionQuery, TransactionState
from ampyre.persistence import Database


async def test_stations_list_filter_and_page_by_id(database: Database) -> None:
    async with database.unit_of_work() as uow:
        for n, (connected, version) in enumerate(
            [(True, "1.6"), (False, "2.0.1"), (True, "2.0.1"), (False, None)]
        ):
            await uow.stations.save(
                Station(id=f"S{n}", connected=connected, ocpp_version=version, registered=n < 2)
            )
        await uow.commit()
    async with database.unit_of_work() as uow:

        async def ids(**query: object) -> list[str]:
            return [s.id for s in await uow.stations.list(StationQuery(**query))]  # type: ignore[arg-type]

        assert await ids() == ["S0", "S1", "S2", "S3"]
        assert await ids(connected=True) == ["S0", "S2"]
        assert await ids(registered=False) == ["S2", "S3"]
        assert await ids(ocpp_version="2.0.1", connected=False) == ["S1"]
        assert await ids(after_id="S1", limit=1) == ["S2"]
        assert await ids(after_id="S3") == []


async def test_boots_and_connects_never_undo_the_operators_changes(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.stations.add(Station(id="OP", created_at=T0))
        with pytest.raises(Conflict):
            await uow.stations.add(Station(id="OP"))
        await uow.commit()
    async with database.unit_of_work() as uow:
        seen_by_a_boot = await uow.stations.get("OP")
    assert seen_by_a_boot is not None and not seen_by_a_boot.registered
    async with database.unit_of_work() as uow:
        assert await uow.stations.change("OP", StationChanges(registered=True, description="d"))
        assert not await uow.stations.change("NONE", StationChanges(registered=True))
        await uow.commit()
    async with database.unit_of_work() as uow:  # the boot saves what it read before
        await uow.stations.save(dataclasses.replace(seen_by_a_boot, last_seen=at(1)))
        await uow.commit()
    async with database.unit_of_work() as uow:
        stored = await uow.stations.get("OP")
        assert stored is not None and stored.registered and stored.description == "d"
        assert stored.last_seen == at(1)
        assert await uow.stations.change("OP", StationChanges(clear_description=True))
        assert await uow.stations.delete("OP")
        assert not await uow.stations.delete("OP")
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.stations.get("OP") is None


async def test_id_tokens_list_add_import_and_delete(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.id_tokens.add(IdTokenRecord("B", group_id="g"))
        with pytest.raises(Conflict):
            await uow.id_tokens.add(IdTokenRecord("B"))
        await uow.commit()
    records = [
        IdTokenRecord("A", type="ISO14443", status=AuthorizationStatus.BLOCKED),
        IdTokenRecord("B", expiry=at(60)),
        *(IdTokenRecord(f"C{n:04}") for n in range(1200)),
    ]
    async with database.unit_of_work() as uow:
        assert await uow.id_tokens.existing(["A", "B", "Z"]) == {"B"}
        await uow.id_tokens.save_many(records)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.id_tokens.get("B") == IdTokenRecord("B", expiry=at(60))
        assert len(await uow.id_tokens.existing([r.value for r in records])) == 1202
        blocked = await uow.id_tokens.list(IdTokenQuery(status=AuthorizationStatus.BLOCKED))
        assert [r.value for r in blocked] == ["A"]
        typed = await uow.id_tokens.list(IdTokenQuery(type="ISO14443"))
        assert [r.value for r in typed] == ["A"]
        page = await uow.id_tokens.list(IdTokenQuery(after_value="B", limit=2))
        assert [r.value for r in page] == ["C0000", "C0001"]
        assert await uow.id_tokens.delete("A") and not await uow.id_tokens.delete("A")
        await uow.commit()


async def test_transactions_search(database: Database) -> None:
    async with database.unit_of_work() as uow:
        made = [
            await uow.transactions.create(
                transaction(
                    station_id=station,
                    ref=f"r{n}",
                    started_at=at(n * 60),
                    id_token=IdToken(token),
                    state=state,
                ),
                None,
            )
            for n, (station, token, state) in enumerate(
                [
                    ("S1", "T1", TransactionState.ENDED),
                    ("S2", "T1", TransactionState.ACTIVE),
                    ("S1", "T2", TransactionState.ACTIVE),
                ]
            )
        ]
        await uow.commit()
    ids = [t.id for t in made]
    async with database.unit_of_work() as uow:

        async def found(**query: object) -> list[int]:
            return [t.id for t in await uow.transactions.search(TransactionQuery(**query))]  # type: ignore[arg-type]

        assert await found() == ids[::-1]
        assert await found(oldest_first=True) == ids
        assert await found(station_id="S1") == [ids[2], ids[0]]
        assert await found(id_token="T1", state=TransactionState.ACTIVE) == [ids[1]]
        assert await found(since=at(60)) == [ids[2], ids[1]]
        assert await found(until=at(60)) == [ids[0]]
        assert await found(before_id=ids[2], limit=1) == [ids[1]]
        assert await found(after_id=ids[0], oldest_first=True) == ids[1:]


async def test_status_changes_newest_received_first(database: Database) -> None:
    reports = [
        StatusReport("S1", 1, 1, ConnectorStatus.AVAILABLE, at(0)),
        StatusReport("S1", 1, 1, ConnectorStatus.CHARGING, at(10)),
        StatusReport("S1", 2, 1, ConnectorStatus.FAULTED, at(5), error_code="GroundFailure"),
        StatusReport("S2", 1, 1, ConnectorStatus.AVAILABLE, at(1)),
    ]
    async with database.unit_of_work() as uow:
        for report in reports:
            await uow.statuses.add(report)
        await uow.commit()
    async with database.unit_of_work() as uow:
        changes = await uow.statuses.changes(StatusQuery("S1"))
        assert [c.report for c in changes] == reports[2::-1]
        faulted = await uow.statuses.changes(StatusQuery("S1", status=ConnectorStatus.FAULTED))
        assert [c.report.error_code for c in faulted] == ["GroundFailure"]
        evse1 = await uow.statuses.changes(StatusQuery("S1", evse_id=1, since=at(5)))
        assert [c.report.status for c in evse1] == [ConnectorStatus.CHARGING]
        older = await uow.statuses.changes(StatusQuery("S1", before_id=changes[0].id, limit=1))
        assert [c.id for c in older] == [changes[1].id]
        await uow.statuses.forget_current("S1")
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.statuses.current("S1") == []
        assert len(await uow.statuses.current("S2")) == 1
        assert len(await uow.statuses.changes(StatusQuery("S1"))) == 3
