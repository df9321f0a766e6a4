"""Each platform seals and hashes with its own keys (随引擎的密钥): the keys travel with the engine
the platform builds, never in a module, so two platforms in one process — a province's platform
and a test's second one, say — cannot seal with each other's data keys or hash with each other's
lookup key, and an engine built without the platform refuses instead of guessing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from lianban.bootstrap import Platform, build_platform, with_keys_at_rest
from lianban.config import Mode, load_settings
from lianban.db import make_engine, session_factory
from lianban.drafts.schema import Draft
from lianban.migrate import upgrade
from lianban.security.bound import KeysMissing
from lianban.security.fieldcrypt import DataKey, FieldCryptError
from lianban.security.lookup import lookup_hash

GRADUATE = "person:420106200206150023"
NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)


def a_platform(tmp_path: Path, name: str, key: DataKey, lookup: str) -> Platform:
    url = f"sqlite:///{tmp_path / name}.sqlite3"
    upgrade(url)
    env = {
        "LIANBAN_DATA_DIR": str(tmp_path / name),
        "LIANBAN_DATA_KEYS": key.spec,
        "LIANBAN_LOOKUP_KEY": lookup,
    }
    return build_platform(load_settings(env, database_url=url, mode=Mode.SANDBOX))


def keep_draft(platform: Platform) -> None:
    with platform.sessions() as session, session.begin():
        session.add(
            Draft(
                owner=GRADUATE,
                theme_id="hubei.graduate-employment",
                form={"person.name": "李思雨", "person.id_number": GRADUATE.removeprefix("person:")},
                situation={},
                items=None,
                materials=[],
                step=None,
                updated_at=NOW,
                expires_at=NOW,
            )
        )


def stored(platform: Platform) -> tuple[str, str]:
    with platform.engine.connect() as conn:
        owner, form = conn.execute(text("SELECT owner, CAST(form AS TEXT) FROM drafts")).one()
    return str(owner), str(form)


def test_two_platforms_in_one_process_keep_their_own_keys(tmp_path: Path) -> None:
    hubei = a_platform(tmp_path, "hubei", DataKey("hubei-2026", bytes(range(32))), "a1" * 32)
    hebei = a_platform(tmp_path, "hebei", DataKey("hebei-2026", bytes(range(50, 82))), "b2" * 32)
    try:
        keep_draft(hubei)  # Hebei's platform was built after Hubei's: Hubei still seals with its own
        keep_draft(hebei)
        hubei_owner, hubei_form = stored(hubei)
        hebei_owner, hebei_form = stored(hebei)
        assert "enc:v1:aes256gcm:hubei-2026:" in hubei_form and "李思雨" not in hubei_form
        assert "enc:v1:aes256gcm:hebei-2026:" in hebei_form and "李思雨" not in hebei_form
        assert hubei_owner == lookup_hash(GRADUATE, bytes.fromhex("a1" * 32))
        assert hebei_owner == lookup_hash(GRADUATE, bytes.fromhex("b2" * 32)) != hubei_owner
        for platform in (hubei, hebei):  # each reads its own back, and finds her by her identifier
            with platform.sessions() as session:
                draft = session.get(Draft, (GRADUATE, "hubei.graduate-employment"))
                assert draft is not None and draft.form["person.name"] == "李思雨"
                assert draft.owner == GRADUATE
    finally:
        hubei.close()
        hebei.close()


def test_a_platform_cannot_open_what_another_sealed(tmp_path: Path) -> None:
    hubei = a_platform(tmp_path, "hubei", DataKey("hubei-2026", bytes(range(32))), "a1" * 32)
    keep_draft(hubei)
    stranger = load_settings(
        {
            "LIANBAN_DATA_KEYS": DataKey("stranger", bytes(range(50, 82))).spec,
            "LIANBAN_LOOKUP_KEY": "c3" * 32,
        },
        database_url=str(hubei.engine.url),
        mode=Mode.SANDBOX,
    )
    engine = with_keys_at_rest(make_engine(stranger.database_url), stranger, hubei.catalogue)
    try:
        with session_factory(engine)() as session:
            with pytest.raises(FieldCryptError, match="hubei-2026"):
                session.query(Draft).one()
            assert session.get(Draft, (GRADUATE, "hubei.graduate-employment")) is None  # hashed otherwise
    finally:
        engine.dispose()
        hubei.close()


def test_an_engine_the_platform_did_not_build_refuses_to_guess(tmp_path: Path) -> None:
    hubei = a_platform(tmp_path, "hubei", DataKey("hubei-2026", bytes(range(32))), "a1" * 32)
    keep_draft(hubei)
    engine = make_engine(str(hubei.engine.url))  # no keys: not the environment's, not Hubei's
    try:
        with session_factory(engine)() as session, pytest.raises(KeysMissing, match="LIANBAN_DATA_KEYS"):
            session.query(Draft).one()
    finally:
        engine.dispose()
        hubei.close()
