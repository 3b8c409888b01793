"""Which table or index wrote the pages of a SQLite WAL: where a message's bytes go.

Each WAL frame is one 4 KB page written by a COMMIT; its header names the page. `dbstat`
(SQLite's b-tree page list) says which table or index owns each page at the end of the run.
With `--version`, it runs `hotpath.py` itself with checkpoints off, so that the WAL keeps
every page written, and copies the file and its WAL before the server stops (the probe does
both), then reads them:

    .venv/bin/python benchmarks/wal_pages.py --version 1.6 --messages 20000

which is, by hand:

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
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

_WAL_HEADER = 32
_FRAME_HEADER = 24


def frames_by_page(wal: bytes) -> tuple[collections.Counter[int], int, int, int]:
    """Frames per page number, the number of frames and of COMMITs, and the page size, of a
    WAL file."""
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
    return pages, frames, commits, page_size


_HERE = Path(__file__).resolve().parent
_WARMUP = 3_000


def _run_hotpath(version: str, messages: int, directory: Path) -> Path:
    """`hotpath.py` with checkpoints off and the file and its WAL copied at the end."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            filter(None, [str(_HERE / "probe"), os.environ.get("PYTHONPATH")])
        ),
        PROBE_PRAGMA="PRAGMA wal_autocheckpoint=0",
        PROBE_WAL_COPY=str(directory),
    )
    command = [
        sys.executable,
        str(_HERE / "hotpath.py"),
        f"--version={version}",
        f"--messages={messages}",
        f"--warmup={_WARMUP}",
        "--windows=1",
        f"--database-url=sqlite:///{directory / 'ampyre.db'}",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        sys.exit(f"hotpath.py failed:\n{done.stderr[-4000:]}")
    return directory / "copy.db"


def report(database: Path, messages: int) -> None:
    """Print the WAL's frames of `database` by the table or index that owns each page."""
    pages, frames, commits, page_size = frames_by_page(Path(f"{database}-wal").read_bytes())
    # Opening the copy reads its WAL too: dbstat describes the pages as of the last COMMIT.
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        owner = dict(connection.execute("SELECT pageno, name FROM dbstat"))
    finally:
        connection.close()
    by_name: collections.Counter[str] = collections.Counter()
    for page, count in pages.items():
        by_name[owner.get(page, "(free or other)")] += count
    per = f", {frames * (page_size + _FRAME_HEADER) / 1024 / messages:.2f} KB per message"
    print(
        f"{frames} frames in {commits} COMMITs ({frames / max(commits, 1):.1f} per COMMIT)"
        + (per if messages else "")
    )
    for name, count in by_name.most_common():
        share = f"{count / messages:7.3f} per message" if messages else ""
        print(f"{count:9d} {100 * count / frames:5.1f} %  {share}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "database", type=Path, nargs="?", help="a copied database, its -wal beside it"
    )
    parser.add_argument("--version", help="run hotpath.py on this mix (1.6, 2.0.1) first")
    parser.add_argument("--messages", type=int, default=0, help="messages the run answered")
    args = parser.parse_args()
    if args.version is None:
        if args.database is None:
            parser.error("give a copied database, or --version to run hotpath.py first")
        report(args.database, args.messages)
        return
    messages = args.messages or 20_000
    with tempfile.TemporaryDirectory(prefix="ampyre-wal-") as directory:
        report(_run_hotpath(args.version, messages, Path(directory)), messages + _WARMUP)


if __name__ == "__main__":
    main()
