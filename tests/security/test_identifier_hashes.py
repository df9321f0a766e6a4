"""Identifiers the platform looks things up by are stored as keyed hashes (HMAC-SHA256 under
LIANBAN_LOOKUP_KEY, a key of its own) beside their ciphertext, never in plain: whose case it is
(cases.owner) and who filed it, who uploaded a file, who an audit entry names. Notice recipients
(a phone number), delivery recipients and the numbers a department issues (a social security card
number) are encrypted like the form. The look-ups still work: 我的办件, an upload's owner, the
audit entries of one person.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.security.audit import entries_by
from lianban.security.startup import key_problems
from lianban.web.app import create_app
from sandbox_cases import bearer, file_hebei_case, hebei_worker_id

LOOKUP_KEY = "4c" * 32  # hex, 32 bytes


def digest(value: str) -> str:
    return hmac.new(bytes.fromhex(LOOKUP_KEY), value.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ids.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture
def client(db: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(
        {"LIANBAN_DATA_DIR": str(tmp_path / "var"), "LIANBAN_LOOKUP_KEY": LOOKUP_KEY},
        database_url=db,
        mode=Mode.SANDBOX,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def raw(db: str, sql: str) -> list[tuple[object, ...]]:
    with create_engine(db).connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def test_whose_case_it_is_is_a_keyed_hash_and_her_list_still_finds_it(client: TestClient, db: str) -> None:
    worker = hebei_worker_id(client)
    case_id, headers = file_hebei_case(client)
    ((owner, actor, sealed),) = raw(
        db, f"SELECT owner, actor, owner_sealed FROM cases WHERE case_id = '{case_id}'"
    )
    assert owner == digest(f"person:{worker}") and actor == owner
    assert worker not in str(sealed) and str(sealed).startswith("enc:v1:")
    mine = client.get("/api/v1/applications", headers=headers).json()
    assert [c["case_id"] for c in mine] == [case_id]
    assert client.get(f"/api/v1/applications/{case_id}", headers=headers).status_code == 200
    stranger = bearer(client, id_number="11010519491231002X")
    assert client.get(f"/api/v1/applications/{case_id}", headers=stranger).status_code == 404


def test_audit_actors_are_hashed_and_found_by_the_hash(client: TestClient, db: str) -> None:
    worker = hebei_worker_id(client)
    case_id, _ = file_hebei_case(client)
    rows = raw(db, "SELECT actor, actor_sealed, detail FROM audit_log")
    assert rows and all(worker not in str(row) for row in rows)
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        (filed,) = entries_by(session, f"person:{worker}")
        assert filed.case_id == case_id and filed.action == "submit"
        assert filed.actor == digest(f"person:{worker}")


def test_an_upload_is_owned_by_a_hash(client: TestClient, db: str) -> None:
    worker = hebei_worker_id(client)
    headers = bearer(client, id_number=worker)
    sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
    from test_auth_and_uploads import id_photo

    r = client.post(
        "/api/v1/uploads",
        data={"material_id": "id_photo", "theme_id": "hubei.graduate-employment"},
        files={"file": ("photo.jpg", id_photo(), "image/jpeg")},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    ((owner, sealed),) = raw(db, "SELECT owner, owner_sealed FROM uploads")
    assert owner == digest(f"person:{worker}") and worker not in str(sealed)


def test_recipients_and_issued_numbers_are_encrypted(client: TestClient, db: str) -> None:
    case_id, applicant = file_hebei_case(client)
    with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        from lianban.cases.schema import CaseItem, Delivery, Notice

        item = session.query(CaseItem).filter_by(case_id=case_id).first()
        assert item is not None
        item.result = {"document": "社会保障卡", "number": "S13010419920214051X"}
        session.add(
            Notice(
                case_id=case_id, seq=99, at=item.updated_at, channel="sms", recipient="13907150000", text="x"
            )
        )
        session.add(
            Delivery(
                case_id=case_id,
                delivery_id="D1",
                method="post",
                documents=[],
                recipient="张三",
                status="prepared",
                created_at=item.updated_at,
            )
        )
    stored = (
        raw(db, "SELECT result FROM case_items")
        + raw(db, "SELECT recipient FROM notices")
        + raw(db, "SELECT recipient FROM deliveries")
    )
    flat = str(stored)
    assert "S13010419920214051X" not in flat and "13907150000" not in flat and "张三" not in flat
    results = [
        json.loads(str(r[0])) for r in raw(db, "SELECT result FROM case_items WHERE result IS NOT NULL")
    ]
    assert results[0]["document"] == "社会保障卡"  # what was issued stays readable, its number does not
    assert str(results[0]["number"]).startswith("enc:v1:")
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        item = session.query(CaseItem).filter_by(case_id=case_id, item_id=item.item_id).one()
        assert item.result == {"document": "社会保障卡", "number": "S13010419920214051X"}
        assert session.get(Notice, (case_id, 99)).recipient == "13907150000"  # type: ignore[union-attr]
    # she reads her case with what was issued and who the post goes to, in plain
    view = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    assert view["delivery"]["recipient"] == "张三"
    assert {"document": "社会保障卡", "number": "S13010419920214051X"} in [
        i.get("result") for i in view["items"]
    ]


def test_production_needs_a_lookup_key_of_its_own(tmp_path: Path) -> None:
    def problems(**env: str) -> str:
        settings = load_settings(
            {
                "LIANBAN_DATA_DIR": str(tmp_path),
                "LIANBAN_SECRET_KEY": "k" * 40,
                "LIANBAN_DATA_KEYS": "d1:ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ=",
                **env,
            },
            database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}",
            mode=Mode.PRODUCTION,
        )
        return "\n".join(key_problems(settings))

    assert "LIANBAN_LOOKUP_KEY is not set" in problems()
    assert "LIANBAN_LOOKUP_KEY is 16 bytes long" in problems(LIANBAN_LOOKUP_KEY="ab" * 16)
    assert "LIANBAN_LOOKUP_KEY" not in problems(LIANBAN_LOOKUP_KEY=LOOKUP_KEY)


def test_the_migration_converts_rows_written_in_plain(client: TestClient, db: str) -> None:
    """A database from before: the same rows with identifiers, recipients and numbers in plain."""
    from alembic import command

    from lianban.migrate import alembic_config
    from lianban.security.audit import verify

    worker = hebei_worker_id(client)
    case_id, headers = file_hebei_case(client)
    command.downgrade(alembic_config(db), "0021")  # before this migration
    engine = create_engine(db)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        me = f"person:{worker}"
        conn.execute(text("UPDATE cases SET owner = :o, actor = :o"), {"o": me})
        conn.execute(text("UPDATE audit_log SET actor = :o WHERE action = 'submit'"), {"o": me})
        conn.execute(
            text(
                "INSERT INTO notices (case_id, seq, at, channel, recipient, text) VALUES (:c, 77, :at, 'sms', :r, 'x')"
            ),
            {"c": case_id, "at": "2026-12-04 04:00:00.000000", "r": "13907150000"},
        )
        conn.execute(
            text("UPDATE case_items SET result = :r WHERE case_id = :c"),
            {"r": '{"document": "社会保障卡", "number": "S13010419920214051X"}', "c": case_id},
        )
    upgrade(db, engine=client.app.state.engine)  # type: ignore[attr-defined]  # the app's engine, its keys
    flat = str(
        raw(db, "SELECT owner, actor, owner_sealed FROM cases")
        + raw(db, "SELECT actor, actor_sealed FROM audit_log")
        + raw(db, "SELECT recipient FROM notices")
        + raw(db, "SELECT result FROM case_items")
    )
    assert worker not in flat and "13907150000" not in flat and "S13010419920214051X" not in flat
    assert digest(f"person:{worker}") in flat
    mine = client.get("/api/v1/applications", headers=headers).json()
    assert [c["case_id"] for c in mine] == [case_id]
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert verify(session).intact  # chained again over the hashed actors
        assert [e.case_id for e in entries_by(session, f"person:{worker}")] == [case_id]


def test_a_draft_is_kept_by_its_typists_hash(client: TestClient, db: str) -> None:
    worker = hebei_worker_id(client)
    headers = bearer(client, id_number=worker)
    put = client.put(
        "/api/v1/drafts/hebei.flexible-employment",
        json={"form": {"person.mobile": "13907150000"}},
        headers=headers,
    )
    assert put.status_code in (200, 201), put.text
    assert raw(db, "SELECT owner FROM drafts") == [(digest(f"person:{worker}"),)]
    assert client.get("/api/v1/drafts/hebei.flexible-employment", headers=headers).status_code == 200
