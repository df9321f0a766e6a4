"""Each department system signs with its own key (部门密钥), for its own items only.

A Hebei flexible worker's 就业登记 (hrss) is out at the department; the tax system holds a valid key
of its own, which must not approve her public-security or hrss item. Sequence numbers count the
department's messages about one record (1: accepted, 2: the decision), so a signed callback with a
huge sequence is refused instead of blocking the genuine ones after it, and each message moves the
item once. Nonces seen are kept in the database: a replay is still a replay after a restart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lianban.cases.schema import CaseItem
from lianban.config import ConfigError, Mode, load_settings
from lianban.migrate import upgrade
from lianban.security.department_keys import DepartmentKeys, department_keys
from lianban.security.schema import ExchangeNonce
from lianban.security.signing import Keyring, SigningKey, sign_request
from lianban.security.startup import key_problems
from lianban.web.app import create_app
from lianban_sandbox.simulators import SimulatorFleet
from sandbox_cases import file_hebei_case

HRSS_KEY = "h1:" + "11" * 32
TAX_KEY = "t1:" + "22" * 32
POLICE_KEY = "p1:" + "33" * 32
KEYS = f"hrss={HRSS_KEY};tax={TAX_KEY};public_security={POLICE_KEY}"
RECEIPT = "HRSS-20261123-000001"


def ring(spec: str) -> Keyring:
    key_id, _, secret = spec.partition(":")
    return Keyring(SigningKey.from_hex(key_id, secret))


def app_for(tmp_path: Path, url: str) -> TestClient:
    settings = load_settings(
        {"LIANBAN_DATA_DIR": str(tmp_path / "var"), "LIANBAN_DEPARTMENT_KEYS": KEYS},
        database_url=url,
        mode=Mode.SANDBOX,
    )
    return TestClient(create_app(settings))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    upgrade(url)
    with app_for(tmp_path, url) as c:
        yield c


def out_at_hrss(client: TestClient) -> str:
    """The worker's 就业登记 sent to hrss, which answered with a receipt number."""
    case_id, _ = file_hebei_case(client)
    with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        item = session.execute(
            select(CaseItem).where(CaseItem.case_id == case_id, CaseItem.code == "employment_registration")
        ).scalar_one()
        item.status = "dispatched"
        item.receipt_no = RECEIPT
    return case_id


def call_back(client: TestClient, department: str, key: str, message: dict[str, Any]) -> Any:
    path = f"/api/v1/connectors/{department}/callback"
    body = json.dumps(message).encode()
    headers = {"Content-Type": "application/json", **sign_request(ring(key), "POST", path, body)}
    return client.post(path, content=body, headers=headers)


def status_of(client: TestClient, case_id: str) -> tuple[str, int]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        item = session.execute(
            select(CaseItem).where(CaseItem.case_id == case_id, CaseItem.code == "employment_registration")
        ).scalar_one()
        return item.status, item.progress


def test_the_tax_systems_key_cannot_approve_another_departments_item(client: TestClient) -> None:
    case_id = out_at_hrss(client)
    approve = {"receipt_no": RECEIPT, "status": "approved", "sequence": 2}
    # tax's key on hrss's door: not hrss's key
    assert call_back(client, "hrss", TAX_KEY, approve).status_code == 401
    # tax's key on tax's door, naming hrss's item: not tax's item
    assert call_back(client, "tax", TAX_KEY, approve).status_code == 404
    # public security's key likewise
    assert call_back(client, "hrss", POLICE_KEY, approve).status_code == 401
    assert status_of(client, case_id) == ("dispatched", 0)
    # hrss's own key approves it
    answer = call_back(client, "hrss", HRSS_KEY, approve)
    assert answer.status_code == 200 and answer.json()["changed"] is True
    assert status_of(client, case_id) == ("approved", 2)


def test_a_huge_sequence_is_refused_and_blocks_nothing(client: TestClient) -> None:
    case_id = out_at_hrss(client)
    huge = call_back(
        client, "hrss", HRSS_KEY, {"receipt_no": RECEIPT, "status": "accepted", "sequence": 10**12}
    )
    assert huge.status_code == 422
    assert huge.json()["errors"][0]["field"] == "sequence"
    assert status_of(client, case_id) == ("dispatched", 0)
    genuine = call_back(
        client, "hrss", HRSS_KEY, {"receipt_no": RECEIPT, "status": "approved", "sequence": 2}
    )
    assert genuine.json()["changed"] is True
    assert status_of(client, case_id) == ("approved", 2)


def test_each_message_moves_the_item_once(client: TestClient) -> None:
    case_id = out_at_hrss(client)
    accepted = {"receipt_no": RECEIPT, "status": "accepted", "sequence": 1}
    assert call_back(client, "hrss", HRSS_KEY, accepted).json()["changed"] is True
    # the same event again, signed afresh (an at-least-once sender): nothing moves
    assert call_back(client, "hrss", HRSS_KEY, accepted).json()["changed"] is False
    # a third message about one record is more than a department sends
    third = call_back(client, "hrss", HRSS_KEY, {"receipt_no": RECEIPT, "status": "approved", "sequence": 3})
    assert third.status_code == 422
    assert status_of(client, case_id) == ("accepted", 1)
    decided = call_back(
        client, "hrss", HRSS_KEY, {"receipt_no": RECEIPT, "status": "approved", "sequence": 2}
    )
    assert decided.json()["changed"] is True


def test_a_replay_is_a_replay_after_a_restart(database_url: str, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL."""
    url = database_url
    upgrade(url)
    path = "/api/v1/connectors/hrss/callback"
    body = json.dumps({"receipt_no": RECEIPT, "status": "accepted", "sequence": 1}).encode()
    headers = {"Content-Type": "application/json", **sign_request(ring(HRSS_KEY), "POST", path, body)}
    with app_for(tmp_path, url) as first:
        out_at_hrss(first)
        assert first.post(path, content=body, headers=headers).json()["changed"] is True
    with app_for(tmp_path, url) as second:  # a new process: nothing in memory
        again = second.post(path, content=body, headers=headers)
        assert again.status_code == 200 and again.json() == {
            "acknowledged": True,
            "changed": False,
            "replay": True,
        }
        with second.app.state.sessions() as session:  # type: ignore[attr-defined]
            assert session.scalar(select(func.count()).select_from(ExchangeNonce)) == 1


def test_the_deployment_file_and_the_environment_give_department_keys(tmp_path: Path) -> None:
    deployment = tmp_path / "deployment.yaml"
    deployment.write_text(
        "departments:\n"
        f"  hrss: {{base_url: 'https://hrss.example', signing_keys: '{HRSS_KEY},h0:{'44' * 32}'}}\n"
        f"  tax: {{base_url: 'https://tax.example', signing_keys: 't0:{'55' * 32}'}}\n",
        encoding="utf-8",
    )
    settings = load_settings(
        {"LIANBAN_DEPLOYMENT_FILE": str(deployment), "LIANBAN_DEPARTMENT_KEYS": f"tax={TAX_KEY}"},
        database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        mode=Mode.PRODUCTION,
    )
    keys = department_keys(settings)
    assert keys.for_department("hrss").key_ids == ["h1", "h0"]  # the first signs, the second verifies
    assert keys.for_department("tax").key_ids == ["t1"]  # the environment wins
    assert keys.get("public_security") is None  # no key, no callbacks from it


def test_production_needs_a_long_key_for_every_configured_department(tmp_path: Path) -> None:
    deployment = tmp_path / "deployment.yaml"
    deployment.write_text(
        "departments:\n  hrss: {base_url: 'https://hrss.example'}\n  tax: {base_url: 'https://tax.example'}\n",
        encoding="utf-8",
    )

    def problems(**env: str) -> str:
        settings = load_settings(
            {
                "LIANBAN_DATA_DIR": str(tmp_path),
                "LIANBAN_DEPLOYMENT_FILE": str(deployment),
                "LIANBAN_SECRET_KEY": "k" * 40,
                "LIANBAN_DATA_KEYS": "d1:ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ=",
                "LIANBAN_LOOKUP_KEY": "4c" * 32,
                **env,
            },
            database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}",
            mode=Mode.PRODUCTION,
        )
        return "\n".join(key_problems(settings))

    missing = problems()
    assert "hrss has no signing key" in missing and "tax has no signing key" in missing
    short = problems(LIANBAN_DEPARTMENT_KEYS=f"hrss={HRSS_KEY};tax=t1:{'ab' * 16}")
    assert "tax: key t1 is 16 bytes long" in short and "hrss" not in short
    assert "ab" * 16 not in short  # never the key itself
    fine = problems(LIANBAN_DEPARTMENT_KEYS=f"hrss={HRSS_KEY};tax={TAX_KEY}")
    assert "LIANBAN_DEPARTMENT_KEYS" not in fine and "SIGNING" not in fine
    # the one key ring of all departments is gone: a deployment still setting it is told so
    assert "LIANBAN_DEPARTMENT_KEYS" in problems(
        LIANBAN_DEPARTMENT_KEYS=f"hrss={HRSS_KEY};tax={TAX_KEY}", LIANBAN_SIGNING_KEYS=HRSS_KEY
    )
    with pytest.raises(ConfigError, match="LIANBAN_DEPARTMENT_KEYS"):
        problems(LIANBAN_DEPARTMENT_KEYS="hrss")


def test_the_sandbox_departments_sign_with_keys_of_their_own(tmp_path: Path) -> None:
    settings = load_settings({"LIANBAN_DATA_DIR": str(tmp_path / "var")}, mode=Mode.SANDBOX)
    keys = department_keys(settings)
    assert isinstance(keys, DepartmentKeys)
    fleet = SimulatorFleet(["hrss", "tax"], data_dir=tmp_path / "departments", keys=keys)
    hrss, tax = fleet["hrss"].keyring.current, fleet["tax"].keyring.current
    assert hrss.secret != tax.secret
    assert hrss == keys.for_department("hrss").current
    # the same sandbox, started again, derives the same keys (its simulators' records stay valid)
    assert department_keys(settings).for_department("tax").current == tax
