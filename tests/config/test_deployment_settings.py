"""A deployment says how hard dispatch tries, which departments are polled instead of calling back,
and when deliveries are followed up — in its deployment file, with environment variables winning.
A value that cannot be used is refused at start, naming where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from lianban.config import ConfigError, DeliveryPolicy, RetryPolicy, load_settings

DEPLOYMENT = """
dispatch: {max_attempts: 5, base_delay_seconds: 1, max_delay_seconds: 120}
delivery: {follow_up_working_days: 3, pickup_reminder_working_days: 10, max_follow_ups: 4}
departments:
  hrss: {base_url: "https://hrss.example.gov.cn/lianban", timeout_seconds: 5}
  tax: {base_url: "https://etax.example.gov.cn/api", status: poll, poll_interval_seconds: 30}
"""


def settings_from(tmp_path: Path, text: str, **env: str) -> object:
    path = tmp_path / "deployment.yaml"
    path.write_text(text, encoding="utf-8")
    return load_settings({"LIANBAN_DEPLOYMENT_FILE": str(path), "LIANBAN_DATA_DIR": str(tmp_path), **env})


def test_a_province_sets_retries_polling_and_follow_ups_in_its_deployment_file(tmp_path: Path) -> None:
    s = settings_from(tmp_path, DEPLOYMENT)
    assert s.retry == RetryPolicy(max_attempts=5, base_delay_seconds=1, max_delay_seconds=120)  # type: ignore[attr-defined]
    assert s.delivery == DeliveryPolicy(3, 10, 4)  # type: ignore[attr-defined]
    departments = s.departments  # type: ignore[attr-defined]
    assert departments["tax"].status == "poll" and departments["tax"].poll_interval_seconds == 30
    assert departments["hrss"].status == "callback" and departments["hrss"].timeout_seconds == 5


def test_environment_variables_win_over_the_file(tmp_path: Path) -> None:
    s = settings_from(
        tmp_path, DEPLOYMENT, LIANBAN_DISPATCH_MAX_ATTEMPTS="12", LIANBAN_DISPATCH_MAX_DELAY_SECONDS="900"
    )
    assert s.retry == RetryPolicy(max_attempts=12, base_delay_seconds=1, max_delay_seconds=900)  # type: ignore[attr-defined]


def test_without_a_file_the_defaults_hold(tmp_path: Path) -> None:
    s = load_settings({"LIANBAN_DATA_DIR": str(tmp_path)})
    assert (s.retry, s.delivery) == (RetryPolicy(), DeliveryPolicy())


@pytest.mark.parametrize(
    ("text", "env", "named"),
    [
        (DEPLOYMENT, {"LIANBAN_DISPATCH_MAX_ATTEMPTS": "many"}, "LIANBAN_DISPATCH_MAX_ATTEMPTS"),
        (DEPLOYMENT, {"LIANBAN_DISPATCH_MAX_ATTEMPTS": "0"}, "LIANBAN_DISPATCH_MAX_ATTEMPTS"),
        ("dispatch: {max_delay_seconds: -1}", {}, "dispatch.max_delay_seconds"),
        ("dispatch: {base_delay_seconds: 60, max_delay_seconds: 10}", {}, "max_delay_seconds"),
        ("delivery: {max_follow_ups: 0}", {}, "delivery.max_follow_ups"),
        ("departments: {tax: {base_url: x, status: webhook}}", {}, "departments.tax.status"),
        (
            "departments: {tax: {base_url: x, status: poll, poll_interval_seconds: 0}}",
            {},
            "poll_interval_seconds",
        ),
    ],
)
def test_a_setting_that_cannot_be_used_is_refused_naming_it(
    tmp_path: Path, text: str, env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        settings_from(tmp_path, text, **env)


def test_a_province_may_take_bigger_employee_sheets(tmp_path: Path) -> None:
    assert load_settings({"LIANBAN_DATA_DIR": str(tmp_path)}).sheet_max_rows == 5000
    assert load_settings({"LIANBAN_SHEET_MAX_ROWS": "20000"}).sheet_max_rows == 20000
    with pytest.raises(ConfigError, match="LIANBAN_SHEET_MAX_ROWS"):
        load_settings({"LIANBAN_SHEET_MAX_ROWS": "lots"})
