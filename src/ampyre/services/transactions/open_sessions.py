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

With a 2.0.1 session this process opened (its event created the row), the cache also
keeps the seqNos of the events this process stored for it since (`StoredEvents`). Events
are only ever added, so each of them stays stored: a repeat of one is known without the
database. On SQLite, the only writer, they are all the session's events, so any other
seqNo is new and its INSERT needs no answer (a deferred write); on PostgreSQL another
worker may have stored more, so the INSERT's row count still decides. A session read from
its row again keeps none (its events are looked up as before).
"""

from __future__ import annotations

from ampyre.domain.transactions import Transaction, TransactionState

#: sessions kept at most; the least recently used one leaves first
DEFAULT_CAPACITY = 20_000

_Key = tuple[str, str]


#: a session as committed, and the version of its row then (None where rows have none);
#: a plain tuple: one is made per message in a session
Kept = tuple[Transaction, int | None]


class StoredEvents:
    """The seqNos of the events this process stored for a session: those below `below`, and
    the few above it (a station numbers a session's events from 0 and sends them mostly in
    order, so this stays an integer and an empty set)."""

    __slots__ = ("above", "below")

    def __init__(self) -> None:
        self.below = 0
        self.above: set[int] = set()

    def __contains__(self, seq_no: int) -> bool:
        return seq_no < self.below or seq_no in self.above

    def add(self, seq_no: int) -> None:
        if seq_no != self.below:
            if seq_no > self.below:
                self.above.add(seq_no)
            return
        below = seq_no + 1
        above = self.above
        while below in above:
            above.discard(below)
            below += 1
        self.below = below


_Entry = tuple[Transaction, int | None, StoredEvents | None]


class OpenSessions:
    """The committed state of the open sessions of one process (see the module docstring)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        #: (station, ref) -> the session as committed, its version and stored events;
        #: insertion order is recency
        self._sessions: dict[_Key, _Entry] = {}
        #: units of work holding a key now
        self._claims: dict[_Key, int] = {}
        #: keys that more than one unit of work held at once since they were last free
        self._contended: set[_Key] = set()

    def __len__(self) -> int:
        return len(self._sessions)

    def lease(self) -> Lease:
        """What one unit of work takes from the cache and gives back."""
        return Lease(self)

    def _take(self, key: _Key) -> _Entry | None:
        if key in self._claims:
            self._claims[key] += 1
            self._contended.add(key)
        else:
            self._claims[key] = 1
        return self._sessions.pop(key, None)

    def _give_back(self, key: _Key, kept: _Entry | None) -> None:
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

    __slots__ = ("_cache", "_key", "events")

    def __init__(self, cache: OpenSessions) -> None:
        self._cache = cache
        self._key: _Key | None = None
        #: the events stored for the session taken, if known (set it for a session the
        #: unit of work creates); `keep` keeps them with it
        self.events: StoredEvents | None = None

    def take(self, station_id: str, ref: str) -> Kept | None:
        """The session as last committed, or None (then read it); claims the key either way.

        Call it inside the unit of work, before the session is read or created.
        """
        if self._key is not None:
            raise RuntimeError("a lease holds one session")
        if not self._cache.capacity:
            return None
        self._key = (station_id, ref)
        entry = self._cache._take(self._key)
        if entry is None:
            return None
        self.events = entry[2]
        return entry[0], entry[1]

    def keep(
        self, transaction: Transaction | None, version: int | None, seq_no: int | None = None
    ) -> None:
        """After `uow.commit()` returned: `transaction` is the session as now stored, its row
        at `version` (what the unit of work's repository last read or wrote), and the event
        `seq_no` (if any) is stored with it."""
        key, self._key = self._key, None
        if key is None:
            return
        events = self.events
        if events is not None and seq_no is not None:
            events.add(seq_no)
        entry = None if transaction is None else (transaction, version, events)
        self._cache._give_back(key, entry)

    def drop(self) -> None:
        """The unit of work failed or rolled back: what it took is no longer known."""
        key, self._key = self._key, None
        if key is not None:
            self._cache._give_back(key, None)
