"""The generated OCPP message modules are fresh, complete and named as documented."""

from __future__ import annotations

import dataclasses
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import msgspec
import pytest

from ampyre.messages import v16, v201
from ampyre.messages.v16 import types as t16
from ampyre.messages.v201 import types as t201

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "generate_messages.py"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_messages", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_generator()


def test_committed_output_equals_a_fresh_generation() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def schema_actions(spec_dir: str, request_suffix: str) -> tuple[set[str], set[str]]:
    requests, responses = set(), set()
    for path in (ROOT / spec_dir).glob("*.json"):
        if path.stem.endswith("Response"):
            responses.add(path.stem.removesuffix("Response"))
        else:
            assert path.stem.endswith(request_suffix)
            requests.add(path.stem[: len(path.stem) - len(request_suffix)])
    return requests, responses


@pytest.mark.parametrize(
    ("package", "spec_dir", "request_suffix", "n_actions"),
    [(v16, "spec/ocpp16-json", "", 28 + 11), (v201, "spec/ocpp201-json", "Request", 64)],
    ids=["v16", "v201"],
)
def test_every_schema_file_maps_to_exactly_one_class(
    package: ModuleType, spec_dir: str, request_suffix: str, n_actions: int
) -> None:
    requests, responses = schema_actions(spec_dir, request_suffix)
    assert len(requests) == len(responses) == n_actions
    assert set(package.REQUESTS) == requests
    assert set(package.RESPONSES) == responses
    classes = [*package.REQUESTS.values(), *package.RESPONSES.values()]
    assert len(set(classes)) == len(classes) == 2 * n_actions
    for action, cls in package.REQUESTS.items():
        assert cls.__name__ == f"{action}Request"
        assert issubclass(cls, msgspec.Struct)
    for action, cls in package.RESPONSES.items():
        assert cls.__name__ == f"{action}Response"
        assert issubclass(cls, msgspec.Struct)


@pytest.mark.parametrize("package", [v16, v201], ids=["v16", "v201"])
def test_direction_tables_cover_every_action(package: ModuleType) -> None:
    actions = set(package.REQUESTS)
    initiated_by_both = package.CHARGE_POINT_INITIATED & package.CSMS_INITIATED
    assert actions == package.CHARGE_POINT_INITIATED | package.CSMS_INITIATED
    assert initiated_by_both == {"DataTransfer"}


def test_direction_examples() -> None:
    assert "BootNotification" in v16.CHARGE_POINT_INITIATED
    assert "SignCertificate" in v16.CHARGE_POINT_INITIATED
    assert "RemoteStartTransaction" in v16.CSMS_INITIATED
    assert "ExtendedTriggerMessage" in v16.CSMS_INITIATED
    assert "TransactionEvent" in v201.CHARGE_POINT_INITIATED
    assert "Get15118EVCertificate" in v201.CHARGE_POINT_INITIATED
    assert "RequestStartTransaction" in v201.CSMS_INITIATED
    assert "SetVariables" in v201.CSMS_INITIATED


def test_generation_fails_loudly_when_an_action_has_no_direction(generator: ModuleType) -> None:
    spec = next(v for v in generator.VERSIONS if v.package == "v201")
    broken = dataclasses.replace(spec, csms_initiated=spec.csms_initiated - {"SetVariables"})
    with pytest.raises(generator.GenerationError, match="SetVariables"):
        generator.VersionGenerator(broken).load()


def test_enum_member_names_are_sanitised_wire_values(generator: ModuleType) -> None:
    assert t16.Measurand.Energy_Active_Import_Register == "Energy.Active.Import.Register"
    assert t16.Phase.L1_N.value == "L1-N"
    assert t201.ConnectorEnumType.s309_1P_16A.value == "s309-1P-16A"
    assert t16.RegistrationStatus.Accepted.value == "Accepted"
    assert generator.enum_member_name("1Phase") == "_1Phase"
    assert generator.enum_member_name("None") == "None_"


def test_keyword_wire_names_become_renamed_fields(generator: ModuleType) -> None:
    field = generator.Field("from_", "from", "str", False)
    assert generator.VersionGenerator.render_field(field) == (
        'from_: str | None = msgspec.field(default=None, name="from")'
    )


def test_version_1_6_inline_types_are_named_after_the_spec() -> None:
    # Structurally identical inline definitions share one class.
    authorize = t16.AuthorizeResponse.__annotations__["idTagInfo"]
    assert authorize is t16.StartTransactionResponse.__annotations__["idTagInfo"]
    assert authorize is t16.IdTagInfo
    assert t16.BootNotificationResponse.__annotations__["status"] is t16.RegistrationStatus
    assert t16.StatusNotificationRequest.__annotations__["errorCode"] is t16.ChargePointErrorCode
