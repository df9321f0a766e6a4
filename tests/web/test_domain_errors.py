"""A service's refusal reaches the caller as an RFC 9457 problem: the kind decides the status, the
words come in Chinese unless the caller asks for English, and field errors name the field."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from lianban import errors
from lianban.web import problems


def app_raising(error: errors.DomainError) -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.get("/refused")
    def refused() -> None:
        raise error

    return TestClient(app)


@pytest.mark.parametrize(
    ("error", "status", "title_zh"),
    [
        (
            errors.Forbidden("只有综窗工作人员可以窗口受理", "only window clerks file at the window"),
            403,
            "无权执行此操作",
        ),
        (errors.not_found("办件 LB1 ", "case LB1"), 404, "未找到"),
        (
            errors.Conflict(
                "没有需要补正的事项", "nothing to correct", title=("没有需要补正的事项", "Nothing to correct")
            ),
            409,
            "没有需要补正的事项",
        ),
        (errors.Unauthenticated(), 401, "未登录或凭证无效"),
        (errors.TooLarge(), 413, "请求体过大"),
        (errors.Unavailable(), 503, "服务暂不可用"),
    ],
)
def test_each_kind_has_its_status_and_words(error: errors.DomainError, status: int, title_zh: str) -> None:
    client = app_raising(error)
    zh = client.get("/refused")
    assert zh.status_code == status
    assert zh.headers["content-type"] == "application/problem+json"
    body = zh.json()
    assert (body["type"], body["status"], body["title"]) == ("about:blank", status, title_zh)
    assert body["detail"] == (error.detail_zh or title_zh)
    assert "errors" not in body
    en = client.get("/refused", headers={"Accept-Language": "en"}).json()
    assert en["title"] == error.title_en and en["detail"] == (error.detail_en or error.title_en)


def test_invalid_input_names_every_field_in_the_callers_language() -> None:
    client = app_raising(
        errors.invalid(
            [
                errors.FieldError(
                    "person.id_number", "checksum", "公民身份号码校验位错误", "the check digit is wrong"
                ),
                errors.FieldError("person.mobile", "required", "手机号码必填", "mobile is required"),
            ]
        )
    )
    zh = client.get("/refused").json()
    assert zh["status"] == 422 and zh["title"] == "请求参数有误"
    assert zh["detail"] == "公民身份号码校验位错误；手机号码必填"
    assert zh["errors"] == [
        {"field": "person.id_number", "code": "checksum", "message": "公民身份号码校验位错误"},
        {"field": "person.mobile", "code": "required", "message": "手机号码必填"},
    ]
    en = client.get("/refused", headers={"Accept-Language": "en-GB,en;q=0.9"}).json()
    assert en["detail"] == "the check digit is wrong; mobile is required"
    assert [e["message"] for e in en["errors"]] == ["the check digit is wrong", "mobile is required"]
