"""The command line and the one Settings object: env, TOML file and options, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ampyre.cli import main
from ampyre.config import Settings
from ampyre.domain.station import RegistrationPolicy


def test_serve_help_lists_every_setting() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for name in Settings.model_fields:
        if name != "leniency":
            assert "--" + name.replace("_", "-") in result.output, name
    assert "AMPYRE_DATABASE_URL" in result.output


def test_settings_precedence_env_over_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "ampyre.toml"
    config.write_text(
        'port = 9100\nregistration_policy = "known-only-pending"\n'
        '[[leniency]]\nstations = ["OLD"]\nping = false\n'
    )
    monkeypatch.setenv("AMPYRE_CONFIG", str(config))
    monkeypatch.setenv("AMPYRE_PORT", "9200")
    monkeypatch.setenv("AMPYRE_PING_INTERVAL", "off")
    settings = Settings()
    assert settings.port == 9200  # env wins over the file
    assert settings.registration_policy is RegistrationPolicy.KNOWN_ONLY_PENDING
    assert settings.leniency[0].stations == ["OLD"] and not settings.leniency[0].ping
    assert settings.ping_interval is None
    assert Settings(port=9300).port == 9300  # and arguments over both


def test_bad_settings_are_a_usage_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMPYRE_CONFIG", str(tmp_path / "none.toml"))
    result = CliRunner().invoke(main, ["serve", "--port", "99999"])
    assert result.exit_code == 2
    assert "port" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["serve", "--registration-policy", "everyone"])
    assert result.exit_code == 2 and "registration_policy" in result.output


def test_sim_refuses_a_broken_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text("[[groups]]\ncount = -1\n")
    result = CliRunner().invoke(main, ["sim", "--scenario", str(scenario)])
    assert result.exit_code == 2
    assert "count" in result.output


def test_bench_rejects_rate_with_closed_loop() -> None:
    result = CliRunner().invoke(main, ["bench", "--rate", "10", "--closed-loop"])
    assert result.exit_code == 2
