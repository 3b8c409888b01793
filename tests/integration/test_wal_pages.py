"""benchmarks/wal_pages.py: each WAL frame counted once per COMMIT, under its b-tree's name."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_frames_are_counted_by_the_table_or_index_that_owns_their_page(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE log (id INTEGER PRIMARY KEY, at TEXT)")
    db.execute("CREATE INDEX ix_log_at ON log (at)")
    for n in range(3):  # three COMMITs, each writing a page of the table and of the index
        db.execute("INSERT INTO log (at) VALUES (?)", (f"2026-12-07 00:00:0{n}",))
    for suffix in ("", "-wal"):  # copied while the connection is open: the WAL stays whole
        (tmp_path / f"copy.db{suffix}").write_bytes(Path(f"{path}{suffix}").read_bytes())
    db.close()
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "wal_pages.py"), str(tmp_path / "copy.db"),
         "--messages", "3"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    counts = {line.split()[-1]: int(line.split()[0]) for line in out.splitlines()[1:]}
    # each b-tree's root page is written by its CREATE, then by each of the three INSERTs
    assert counts == {"log": 4, "ix_log_at": 4, "sqlite_schema": 2}
    assert "10 frames in 5 COMMITs" in out
