"""Which table or index wrote the pages of a SQLite WAL: where a message's bytes go.

Each WAL frame is one 4 KB page written by a COMMIT; its header names the page. `dbstat`
(SQLite's b-tree page list) says which table or index owns each page at the end of the run.
Run the hot path with checkpoints off, so that the WAL keeps every page written, and copy
the file and its WAL before the server stops (the probe does both):

    mkdir -p /tmp/walx
    PYTHONPATH=benchmarks/probe PROBE_PRAGMA="PRAGMA wal_autocheckpoint=0" \\
        PROBE_WAL_COPY=/tmp/walx .venv/bin/python benchmarks/hotpath.py --version 1.6 \\
        --messages 20000 --warmup 3000 --windows 1 --database-url sqlite:////tmp/walx/a.db
    .venv/bin/python benchmarks/wal_pages.py /tmp/walx/copy.db --messages 23000

A page written by several COMMITs counts once per COMMIT: that is what the disk writes.
(Found with it, 2026-12-07: the meter values' unique index was 54 % of the 1.6 mix's WAL
pages, fixed by migration 0013.)
"""

from __future__ import annotations

import argparse
import collections
import sqlite3
import struct
from pathlib import Path

_WAL_HEADER = 32
_FRAME_HEADER = 24


def frames_by_page(wal: bytes) -> tuple[collections.Counter[int], int, int]:
    """Frames per page number, the number of frames and of COMMITs, of a WAL file."""
    page_size = struct.unpack(">I", wal[8:12])[0]
    salts = wal[16:24]
    pages: collections.Counter[int] = collections.Counter()
    frames = commits = 0
    offset = _WAL_HEADER
    while offset + _FRAME_HEADER + page_size <= len(wal):
        page, size_after_commit = struct.unpack(">II", wal[offset : offset + 8])
        if wal[offset + 8 : offset + 16] != salts:
            break  # a frame of an earlier WAL generation: the log ends here
        pages[page] += 1
        frames += 1
        commits += size_after_commit != 0
        offset += _FRAME_HEADER + page_size
    return pages, frames, commits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", type=Path, help="the copied database; its -wal beside it")
    parser.add_argument("--messages", type=int, default=0, help="messages the run answered")
    args = parser.parse_args()
    wal = Path(f"{args.database}-wal").read_bytes()
    page_size = struct.unpack(">I", wal[8:12])[0]
    pages, frames, commits = frames_by_page(wal)
    # Opening the copy reads its WAL too: dbstat describes the pages as of the last COMMIT.
    connection = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
    try:
        owner = dict(connection.execute("SELECT pageno, name FROM dbstat"))
    finally:
        connection.close()
    by_name: collections.Counter[str] = collections.Counter()
    for page, count in pages.items():
        by_name[owner.get(page, "(free or other)")] += count
    per = f", {frames * (page_size + _FRAME_HEADER) / 1024 / args.messages:.2f} KB per message"
    print(
        f"{frames} frames in {commits} COMMITs ({frames / max(commits, 1):.1f} per COMMIT)"
        + (per if args.messages else "")
    )
    for name, count in by_name.most_common():
        share = f"{count / args.messages:7.3f} per message" if args.messages else ""
        print(f"{count:9d} {100 * count / frames:5.1f} %  {share}  {name}")


if __name__ == "__main__":
    main()
