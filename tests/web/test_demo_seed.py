"""``lianban demo`` opens with something on every desk: three Hebei workers' 医保 items wait in the
医保 worklist — the one filed a month ago past its promised date — two walk-ins are booked for today
at the practice hall, and a 差评 of a finished case waits for 医保's answer. A second start leaves
the data as it is."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from lianban.cli.main import prepare_database
from lianban.config import Mode, load_settings
from lianban.web.app import create_app
from lianban_sandbox.seed import seed_demo
from sandbox_cases import bearer


def test_the_demo_opens_with_waiting_items_one_overdue_and_an_open_follow_up(tmp_path: Path) -> None:
    settings = load_settings(
        {"LIANBAN_DATA_DIR": str(tmp_path / "var")},
        database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        mode=Mode.SANDBOX,
    )
    prepare_database(settings)
    seeded = seed_demo(settings)
    assert seeded is not None and len(seeded.waiting) == 3 and len(seeded.overdue) == 1
    assert seed_demo(settings) is None  # seeded once

    with TestClient(create_app(settings)) as client:
        reviewer = bearer(client, username="medical_insurance", password="sandbox")
        waiting = client.get("/api/v1/worklist", headers=reviewer).json()
        assert sorted(w["case_id"] for w in waiting) == sorted(seeded.waiting)
        assert {w["code"] for w in waiting} == {"medical_enrolment"}
        today = client.app.state.clock.today().isoformat()  # type: ignore[attr-defined]
        late = [w["case_id"] for w in waiting if w["promised_due_date"] < today]
        assert late == seeded.overdue

        supervisor = bearer(client, username="supervisor", password="sandbox")
        r = client.get("/api/v1/follow-ups", headers=supervisor)
        assert r.status_code == 200, r.text
        follow_ups = r.json()
        assert [(f["case_id"], f["department"], f["status"]) for f in follow_ups] == [
            (seeded.rated, "medical_insurance", "open")
        ]
        clerk = bearer(client, username="window", password="sandbox")
        booked = client.get("/api/v1/appointments/halls/sandbox-practice-hall/day", headers=clerk).json()
        assert len(booked) == 2 and all(b["status"] == "booked" for b in booked)  # to check in today
        stats = client.get("/api/v1/stats", headers=supervisor).json()
        hebei = next(t for t in stats["themes"] if t["theme_id"] == "hebei.flexible-employment")
        assert hebei["cases"] == 4 and hebei["finished"] == 1 and hebei["ratings"]["bad"] == 1
