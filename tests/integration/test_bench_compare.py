"""benchmarks/compare.py end to end at toy size (slow: it starts a dozen server processes).

Correctness only: every server of the comparison answers every message of both mixes and
boots every station; the speed figures it prints are never asserted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("taskset") is None, reason="needs Linux taskset"),
]


def test_the_comparison_runs_every_suite_against_ampyre_and_a_peer(tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "compare.py"), "--out", str(tmp_path)]
    command += ["--servers", "ampyre,echo-websockets,ocpp-py", "--duration", "0.5"]
    command += ["--stations", "5", "--idle-stations", "20", "--idle-duration", "0.5"]
    command += ["--storm-stations", "20"]
    subprocess.run(command, check=True, timeout=300, cwd=ROOT, capture_output=True)
    results = json.loads((tmp_path / "compare.json").read_text())
    machine = results.pop("machine")
    assert set(machine) == {
        "python_loop_s", "commit_p50_ms", "commit_p99_ms", "paced_commit_p99_ms"
    }  # fmt: skip
    assert 0 < machine["commit_p50_ms"] <= machine["commit_p99_ms"]
    assert machine["paced_commit_p99_ms"] > 0
    assert set(results) == {"ampyre", "echo-websockets", "ocpp-py"}
    for server, runs in results.items():
        assert set(runs) == {"1.6", "2.0.1", "idle", "storm"}, server
        for name, run in runs.items():
            expected = {"idle": 20, "storm": 20}.get(name, 5)
            assert run["accepted"] == expected, (server, name)
            assert run["errors"] == run["unanswered"] == run["lost"] == 0, (server, name)
        assert runs["1.6"]["messages"] > 0 and runs["2.0.1"]["messages"] > 0
        assert runs["idle"]["server_rss_per_station_kb"] is not None
    ampyre = results["ampyre"]["1.6"]
    assert ampyre["server_written_kb_per_msg"] > 0  # its SQLite file's WAL
    assert 0 <= ampyre["server_system_cpu_pct"] <= ampyre["server_cpu_pct"]
    table = (tmp_path / "compare.md").read_text()
    assert "KB written per msg" in table
    assert "msgs per server-CPU-s" in table and "Python `ocpp` package" in table
    assert "Machine at the start" in table
