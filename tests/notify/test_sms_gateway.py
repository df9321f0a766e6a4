"""The SMS gateway (短信网关) as a deployment configures it: a real HTTP server on loopback takes
the platform's messages — only once the transaction that decided them commits, never for one
rolled back — and production without a gateway sends and records no SMS at all."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from feature_world import run_dispatch
from lianban.bootstrap import build_platform
from lianban.cases.schema import Notice
from lianban.config import ConfigError, Mode, Settings, load_settings
from lianban.db import make_engine, session_factory
from lianban.migrate import upgrade
from lianban.notify.sms import HttpSmsGateway, SmsError
from lianban.web.app import create_app
from lianban_sandbox.notify import RecordingSender
from sandbox_cases import file_graduate_case
from support.certificates import CERTIFICATE_ENV
from support.loopback import Loopback, loopback_server

KEY = "sms-gateway-key-for-tests"
AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def taken(_method: str, _path: str, _body: Any) -> tuple[int, Any]:
    return 200, {"accepted": True}


@pytest.fixture
def gateway_server() -> Iterator[Loopback]:
    with loopback_server(taken) as server:
        yield server


def settings_with(tmp_path: Path, mode: Mode, **env: str) -> Settings:
    url = f"sqlite:///{tmp_path / 'sms.sqlite3'}"
    upgrade(url)
    keys = {
        "LIANBAN_SECRET_KEY": "k" * 40,
        "LIANBAN_DATA_KEYS": "d1:ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ=",
        "LIANBAN_LOOKUP_KEY": "4c" * 32,
        **CERTIFICATE_ENV,  # 电子证照 signing pair (production needs it)
    }
    return load_settings(
        {"LIANBAN_DATA_DIR": str(tmp_path / "var"), **keys, **env}, database_url=url, mode=mode
    )


def test_a_message_leaves_when_its_transaction_commits_and_not_before(
    gateway_server: Loopback, sqlite_url: str
) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    gateway = HttpSmsGateway(gateway_server.url, KEY)
    try:
        with session_factory(engine)() as session:
            with session.begin():
                gateway.send_text(session, "13907150000", "您已预约 11月25日上午，预约号 A0001。", AT)
                assert gateway_server.received == []  # the decision is not committed yet
            (message,) = gateway_server.received
        assert message.method == "POST"
        assert message.headers["authorization"] == f"Bearer {KEY}"
        assert message.body["mobile"] == "13907150000" and "A0001" in message.body["text"]
        assert message.headers["idempotency-key"] == message.body["reference"]

        # a decision rolled back texts no one
        with session_factory(engine)() as session, pytest.raises(RuntimeError), session.begin():
            gateway.send_text(session, "13907150000", "不会发出", AT)
            raise RuntimeError("the transaction fails after deciding to text")
        assert len(gateway_server.received) == 1
    finally:
        gateway.close()
        engine.dispose()


def test_a_refusing_or_absent_gateway_is_logged_and_does_not_undo_the_commit(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    with loopback_server(lambda *_: (503, {"error": "busy"})) as busy:
        gateway = HttpSmsGateway(busy.url, KEY)
        with pytest.raises(SmsError, match="503"):
            gateway.deliver("13907150000", "直接发送", "ref-1")
        with (
            caplog.at_level(logging.WARNING, "lianban.notify.sms"),
            session_factory(engine)() as session,
            session.begin(),
        ):
            gateway.send_text(session, "13907150000", "网关忙", AT)
        assert len(busy.received) == 2
        assert any("SMS not sent" in r.getMessage() and "503" in r.getMessage() for r in caplog.records)
        gateway.close()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(SmsError, match="unreachable"):
        HttpSmsGateway(closed, KEY, timeout_seconds=1).deliver("13907150000", "无人接听", "ref-2")
    engine.dispose()


def test_the_configured_gateway_is_the_platforms_sender_and_production_has_none_otherwise(
    tmp_path: Path, gateway_server: Loopback
) -> None:
    production = build_platform(settings_with(tmp_path, Mode.PRODUCTION))
    assert production.senders == ()  # no recording sender, no SMS: in-app notices only
    production.close()
    configured = build_platform(
        settings_with(tmp_path, Mode.PRODUCTION, LIANBAN_SMS_URL=gateway_server.url, LIANBAN_SMS_KEY=KEY)
    )
    (sender,) = configured.senders
    assert isinstance(sender, HttpSmsGateway) and sender.url == gateway_server.url
    configured.close()
    sandbox = build_platform(settings_with(tmp_path, Mode.SANDBOX))
    assert [type(s) for s in sandbox.senders] == [RecordingSender]  # the sandbox records its SMS
    sandbox.close()


def test_a_withdrawn_case_texts_the_applicant_through_the_gateway(
    tmp_path: Path, gateway_server: Loopback
) -> None:
    """The Wuhan graduate withdraws her case; the gateway texts her number, the case keeps its notice."""
    settings = settings_with(tmp_path, Mode.SANDBOX, LIANBAN_SMS_URL=gateway_server.url, LIANBAN_SMS_KEY=KEY)
    with TestClient(create_app(settings)) as client:
        case_id, graduate = file_graduate_case(client)
        before = len(gateway_server.received)
        r = client.post(
            f"/api/v1/applications/{case_id}/withdraw", json={"reason": "已找到新工作"}, headers=graduate
        )
        assert r.status_code == 200, r.text
        run_dispatch(client)  # the worker passes the withdrawal on to notify
        texts = [m.body for m in gateway_server.received[before:]]
        (withdrawn,) = [t for t in texts if "已撤回" in t["text"]]
        assert case_id in withdrawn["text"] and withdrawn["mobile"] == "13907150000"
        with client.app.state.sessions() as session:  # type: ignore[attr-defined]
            sms = session.execute(
                select(Notice).where(Notice.case_id == case_id, Notice.channel == "sms")
            ).scalars()
            assert any("已撤回" in n.text for n in sms)


def test_a_gateway_half_configured_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LIANBAN_SMS_KEY must be set with LIANBAN_SMS_URL"):
        settings_with(tmp_path, Mode.PRODUCTION, LIANBAN_SMS_URL="https://sms.example.gov.cn/send")
    with pytest.raises(ConfigError, match="LIANBAN_COURIER_URL must be an http"):
        settings_with(tmp_path, Mode.PRODUCTION, LIANBAN_COURIER_URL="ftp://ems", LIANBAN_COURIER_KEY=KEY)
