"""Open sessions as last committed, so a message in a session does not read it again.

A 1.6 MeterValues or StopTransaction, a 2.0.1 TransactionEvent Updated or Ended: each one
used to SELECT its session and build it from the row. This keeps the session as the unit
of work that last changed it committed it, keyed by (station, ref), with the row's version
(PostgreSQL's `xmin`; None on SQLite), and hands it out once:

- `Lease.take` removes the session from the cache: the unit of work mutates it freely;
- `Lease.keep` puts it back only after `uow.commit()` returned (it is durable), and only if
  no other unit of work took the same key meanwhile (their order is then unknown);
- `Lease.drop` (any failure, a rollback) forgets it: the next message reads the row again.

A miss is never wrong, only slower: the session is read as before (after a restart, for a
session evicted, ended or contended). A hit must still be the row as stored:

- on SQLite this process is the only writer (`--workers N` needs PostgreSQL; one unit of
  work holds the database at a time; nothing but the transaction service writes sessions),
  so what it committed last is what is stored;
- on PostgreSQL another worker of `--workers N` may have changed the session meanwhile (a
  station that reconnected there and back), so the unit of work writes it only if its
  version is still the one kept (`UPDATE ... WHERE xmin = :seen`), or locks it at that
  version if it writes nothing; otherwise `Stale` rolls the unit back and the service does
  it again, reading the row (`TransactionService.apply`).
"""

from __future__ import annotations

from ampyre.domain.transactions import Transaction, TransactionState

#: sessions kept at most; the least recently used one leaves first
DEFAULT_CAPACITY = 20_000

_Key = tuple[str, str]


#: a session as committed, and the version of its row then (None where rows have none);
#: a plain tuple: one is made per message in a session
Kept = tuple[Transaction, int | None]


class OpenSessions:
    """The committed state of the open sessions of one process (see the module docstring)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        #: (station, ref) -> the session as committed; insertion order is recency
        self._sessions: dict[_Key, Kept] = {}
        #: units of work holding a key now
        self._claims: dict[_Key, int] = {}
        #: keys that more than one unit of work held at once since they were last free
        self._contended: set[_Key] = set()

    def __len__(self) -> int:
        return len(self._sessions)

    def lease(self) -> Lease:
        """What one unit of work takes from the cache and gives back."""
        return Lease(self)

    def _take(self, key: _Key) -> Kept | None:
        if key in self._claims:
            self._claims[key] += 1
            self._contended.add(key)
        else:
            self._claims[key] = 1
        return self._sessions.pop(key, None)

    def _give_back(self, key: _Key, kept: Kept | None) -> None:
        left = self._claims.pop(key) - 1
        if left:
            self._claims[key] = left
            return
        if key in self._contended:
            self._contended.discard(key)
            return
        if kept is None or kept[0].state is not TransactionState.ACTIVE:
            return
        sessions = self._sessions
        sessions[key] = kept
        if len(sessions) > self.capacity:
            del sessions[next(iter(sessions))]


class Lease:
    """The session (at most one) a unit of work took from `OpenSessions`."""

    __slots__ = ("_cache", "_key")

    def __init__(self, cache: OpenSessions) -> None:
        self._cache = cache
        self._key: _Key | None = None

    def take(self, station_id: str, ref: str) -> Kept | None:
        """The session as last committed, or None (then read it); claims the key either way.

        Call it inside the unit of work, before the session is read or created.
        """
        if self._key is not None:
            raise RuntimeError("a lease holds one session")
        if not self._cache.capacity:
            return None
        self._key = (station_id, ref)
        return self._cache._take(self._key)

    def keep(self, transaction: Transaction | None, version: int | None) -> None:
        """After `uow.commit()` returned: `transaction` is the session as now stored, its row
        at `version` (what the unit of work's repository last read or wrote)."""
        key, self._key = self._key, None
        if key is not None:
            self._cache._give_back(key, None if transaction is None else (transaction, version))

    def drop(self) -> None:
        """The unit of work failed or rolled back: what it took is no longer known."""
        key, self._key = self._key, None
        if key is not None:
            self._cache._give_back(key, None)
