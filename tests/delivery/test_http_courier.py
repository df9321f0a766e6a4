"""The postal partner over HTTP (EMS/顺丰-style): a real server on loopback books the waybill and
answers the route query; the platform follows a posted card until the carrier says it was
signed for, and books a waybill it could not book when the case finished."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lianban.bootstrap import build_platform
from lianban.cases.schema import Case, CaseItem, Delivery, OutboxJob
from lianban.clock import SettableClock
from lianban.config import DeliveryPolicy, Mode, load_settings
from lianban.delivery.courier import CourierError, HttpCourier, Shipment, TrackingStatus
from lianban.delivery.follow_up import FOLLOW_UP, first_follow_up
from lianban.delivery.preparation import prepare_delivery
from lianban.dispatch.worker import DispatchConfig, Dispatcher
from sandbox_cases import file_graduate_case, file_hebei_case
from support.certificates import CERTIFICATE_ENV
from support.loopback import Loopback, loopback_server

KEY = "courier-key-for-tests"
POSTED = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # a Monday
WEDNESDAY_NINE = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # the first follow-up: 09:00 in China


class Carrier:
    """The carrier's side: books waybills and keeps each one's routes."""

    def __init__(self) -> None:
        self.routes: dict[str, list[dict[str, str]]] = {}
        self.booked = 0

    def __call__(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if method == "POST" and path == "/waybills":
            self.booked += 1
            number = f"SF{self.booked:010d}"
            self.routes[number] = [
                {"at": "2026-11-23T11:00:00+08:00", "status": "accepted", "remark": "已揽收"}
            ]
            return 201, {"waybill_no": number}
        parts = path.strip("/").split("/")
        if method == "GET" and len(parts) == 3 and parts[0] == "waybills" and parts[2] == "routes":
            if parts[1] not in self.routes:
                return 404, {"error": "unknown waybill"}
            return 200, {"waybill_no": parts[1], "routes": self.routes[parts[1]]}
        return 404, {"error": path}


@pytest.fixture
def carrier() -> Iterator[tuple[Carrier, Loopback]]:
    c = Carrier()
    with loopback_server(c) as server:
        yield c, server


SHIPMENT = Shipment(
    reference="d-1",
    recipient="陈思雨",
    mobile="13907150000",
    address={"region": "420111", "detail": "珞喻路1037号"},
    contents="社会保障卡",
)


def test_a_waybill_is_booked_and_its_routes_read(carrier: tuple[Carrier, Loopback]) -> None:
    c, server = carrier
    courier = HttpCourier(server.url, KEY)
    number = courier.waybill(SHIPMENT)
    (booking,) = server.received
    assert booking.headers["authorization"] == f"Bearer {KEY}" and booking.headers["idempotency-key"] == "d-1"
    assert booking.body["recipient"] == {
        "name": "陈思雨",
        "mobile": "13907150000",
        "region": "420111",
        "address": "珞喻路1037号",
    }
    assert courier.track(number, POSTED, WEDNESDAY_NINE) is TrackingStatus.IN_TRANSIT
    # routes out of order: the newest says where the letter is
    c.routes[number] = [
        {"at": "2026-11-25T10:30:00+08:00", "status": "delivered", "remark": "本人签收"},
        {"at": "2026-11-24T08:00:00+08:00", "status": "out_for_delivery", "remark": "派送中"},
    ]
    assert courier.track(number, POSTED, WEDNESDAY_NINE) is TrackingStatus.DELIVERED
    c.routes[number].append({"at": "2026-11-26T09:00:00+08:00", "status": "returned", "remark": "拒收退回"})
    assert courier.track(number, POSTED, WEDNESDAY_NINE) is TrackingStatus.RETURNED
    with pytest.raises(CourierError, match="404"):
        courier.track("SF9999999999", POSTED, WEDNESDAY_NINE)
    courier.close()


def test_a_carrier_that_cannot_be_reached_is_a_courier_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    courier = HttpCourier(closed, KEY, timeout_seconds=1)
    with pytest.raises(CourierError, match="unreachable"):
        courier.waybill(SHIPMENT)
    with pytest.raises(CourierError, match="unreachable"):
        courier.track("SF0000000001", POSTED, WEDNESDAY_NINE)


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


@pytest.fixture
def app_env(carrier: tuple[Carrier, Loopback]) -> dict[str, str]:
    return {"LIANBAN_COURIER_URL": carrier[1].url, "LIANBAN_COURIER_KEY": KEY}


def posted_without_waybill(client: TestClient) -> tuple[str, str]:
    """The Hebei worker's card posted when the carrier could not book a waybill (no number yet)."""
    case_id, _ = file_hebei_case(client)
    with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        delivery = Delivery(
            case_id=case_id,
            delivery_id=uuid.uuid4().hex,
            method="post",
            documents=[{"code": "social_card", "name": "社会保障卡"}],
            address={"region": "130104", "detail": "中山西路 1 号"},
            recipient="申请人",
            tracking_no=None,
            status="sent",
            created_at=POSTED,
        )
        session.add(delivery)
        first_follow_up(session, delivery, POSTED, DeliveryPolicy())
        for job in session.execute(select(OutboxJob).where(OutboxJob.case_id == case_id)).scalars():
            if job.kind != FOLLOW_UP:
                job.status = "done"  # only the follow-ups are followed here
    return case_id, delivery.delivery_id


def test_the_configured_carrier_is_the_platforms_courier(client: TestClient) -> None:
    platform = client.app.state.platform  # type: ignore[attr-defined]
    assert isinstance(platform.courier, HttpCourier)  # the deployment's, over the sandbox's


def test_a_posted_card_is_booked_late_and_followed_until_signed_for(
    client: TestClient, carrier: tuple[Carrier, Loopback]
) -> None:
    c, _ = carrier
    case_id, delivery_id = posted_without_waybill(client)
    state = client.app.state  # type: ignore[attr-defined]
    clock = SettableClock(WEDNESDAY_NINE)
    worker = Dispatcher(
        state.sessions,
        state.catalogue,
        DispatchConfig(
            keys=state.department_keys,
            department_urls={},
            callback_base_url="http://127.0.0.1:9",
            courier=state.platform.courier,
        ),
        clock=clock,
    )
    assert worker.run_once() == 1  # the follow-up books the waybill the case could not get
    with state.sessions() as session:
        delivery = session.get(Delivery, (case_id, delivery_id))
        assert delivery is not None and delivery.tracking_no == "SF0000000001" and delivery.status == "sent"
    c.routes["SF0000000001"].append(
        {"at": "2026-11-26T10:00:00+08:00", "status": "delivered", "remark": "签收"}
    )
    clock.set(WEDNESDAY_NINE + timedelta(days=1))
    assert worker.run_once() == 1
    with state.sessions() as session:
        delivery = session.get(Delivery, (case_id, delivery_id))
        assert delivery is not None and delivery.status == "delivered"
    worker.close()


def test_production_without_a_carrier_books_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    settings = load_settings(
        {
            "LIANBAN_DATA_DIR": str(tmp_path / "var"),
            "LIANBAN_SECRET_KEY": "k" * 40,
            "LIANBAN_DATA_KEYS": "d1:ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ=",
            "LIANBAN_LOOKUP_KEY": "4c" * 32,
            **CERTIFICATE_ENV,  # 电子证照 signing pair (production needs it)
        },
        database_url=url,
        mode=Mode.PRODUCTION,
    )
    platform = build_platform(settings)
    assert platform.courier is None  # no sandbox waybill numbers in production
    platform.close()


def test_a_delivery_prepared_again_after_a_rollback_books_under_the_same_reference(
    client: TestClient, carrier: tuple[Carrier, Loopback]
) -> None:
    """A worker's transaction books the waybill, then fails on another event and rolls back; the
    case's delivery prepared again books under the same Idempotency-Key, so the carrier can see
    it is the same parcel (and no second waybill is paid for)."""
    _, server = carrier
    case_id, _ = file_graduate_case(client)  # a Wuhan graduate: her 就业创业证 and social card
    state = client.app.state  # type: ignore[attr-defined]
    courier = HttpCourier(server.url, KEY)
    theme = state.catalogue.themes["hubei.graduate-employment"]
    with state.sessions() as session, session.begin():
        case = session.get(Case, case_id)
        assert case is not None
        case.form = {**case.form, "delivery.method": "post", "delivery.address": SHIPMENT.address}
        for item in session.execute(select(CaseItem).where(CaseItem.case_id == case_id)).scalars():
            item.status = "approved"
    for attempt in ("rolled back", "committed"):
        with state.sessions() as session:
            case = session.get(Case, case_id)
            assert case is not None
            first = prepare_delivery(session, case, theme, POSTED, courier=courier)
            assert first is not None and first.method == "post", attempt
            if attempt == "rolled back":
                session.rollback()  # another event of the same batch failed
            else:
                session.commit()
    bookings = [r.headers["idempotency-key"] for r in server.received if r.method == "POST"]
    assert len(bookings) == 2 and bookings[0] == bookings[1]
    with state.sessions() as session:
        (delivery,) = session.execute(select(Delivery).where(Delivery.case_id == case_id)).scalars()
        assert delivery.delivery_id == bookings[0]
