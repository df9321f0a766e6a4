"""The department system's HTTP API (``/records``, ``/control``, ``/stats``, ``/healthz``) around one runtime."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from lianban_sandbox.simulators.decisions import schema_errors
from lianban_sandbox.simulators.model import (
    DEPARTMENT_NAMES,
    MAX_IDEMPOTENCY_KEY,
    ControlUpdate,
    RecordRequest,
)
from lianban_sandbox.simulators.runtime import SimulatorRuntime, problem


def _validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(part) for part in err["loc"]) or "body",
            "code": err["type"],
            "message": err["msg"],
        }
        for err in exc.errors()
    ]


def create_simulator_app(runtime: SimulatorRuntime) -> FastAPI:
    """The department system's HTTP API around one runtime."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.open()
        try:
            yield
        finally:
            await runtime.close()

    name = DEPARTMENT_NAMES.get(runtime.department, runtime.department)
    app = FastAPI(
        title=f"模拟部门系统 — {name} ({runtime.department})",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )

    def unavailable() -> Response:
        runtime.store.bump("refused_unavailable")
        return problem(503, "unavailable", "部门系统不可用", f"{name} system is unavailable (sandbox)")

    def injected_error() -> Response:
        runtime.store.bump("injected_errors")
        return problem(
            500, "injected_error", "部门系统内部错误", "simulated internal error (sandbox fault mode)"
        )

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "department": runtime.department, "available": runtime.behaviour.available}

    @app.post("/records")
    async def create_record(request: Request) -> Response:
        async def handle(body: bytes) -> Response:
            if not runtime.behaviour.available:
                return unavailable()
            refused = runtime.authenticate(request, body)
            if refused is not None:
                return refused
            if runtime.roll(runtime.behaviour.error_rate):
                return injected_error()
            key = request.headers.get("Idempotency-Key", "").strip()
            if not key or len(key) > MAX_IDEMPOTENCY_KEY:
                runtime.store.bump("refused_invalid")
                return problem(
                    400,
                    "idempotency_key_required",
                    "缺少幂等键",
                    f"an Idempotency-Key header of 1..{MAX_IDEMPOTENCY_KEY} characters is required",
                )
            try:
                parsed = RecordRequest.model_validate_json(body)
            except ValidationError as exc:
                runtime.store.bump("refused_invalid")
                return problem(
                    422,
                    "invalid_request",
                    "请求格式错误",
                    "the request body is malformed",
                    _validation_errors(exc),
                )
            callback = urlsplit(parsed.callback_url)
            errors: list[dict[str, str]] = []
            if callback.scheme not in ("http", "https") or not callback.hostname:
                errors.append(
                    {
                        "field": "callback_url",
                        "code": "format",
                        "message": "callback_url must be an http(s) URL",
                    }
                )
            schema = (
                parsed.json_schema
                if parsed.json_schema is not None
                else runtime.options.schemas.get(parsed.item)
            )
            if schema is not None:
                errors.extend(schema_errors(schema, parsed.payload))
            if errors:
                runtime.store.bump("refused_invalid")
                return problem(
                    422,
                    "invalid_payload",
                    "数据项不符合部门接口规范",
                    "the payload does not match the schema",
                    errors,
                )
            outcome = runtime.accept(key, parsed)
            if isinstance(outcome, Response):
                return outcome
            record, duplicate = outcome
            if runtime.roll(runtime.behaviour.timeout_rate):
                runtime.store.bump("injected_timeouts")
                await runtime.stall()
            return JSONResponse(
                {"receipt_no": record.receipt_no, "status": "accepted", "duplicate": duplicate},
                status_code=202,
            )

        return await runtime.exchange(request, handle)

    @app.get("/records/{receipt_no}")
    async def get_record(receipt_no: str, request: Request) -> Response:
        async def handle(body: bytes) -> Response:
            if not runtime.behaviour.available:
                return unavailable()
            refused = runtime.authenticate(request, body)
            if refused is not None:
                return refused
            if runtime.roll(runtime.behaviour.error_rate):
                return injected_error()
            record = runtime.store.get(receipt_no)
            if record is None:
                return problem(404, "not_found", "无此受理记录", f"no record {receipt_no}")
            if runtime.roll(runtime.behaviour.timeout_rate):
                runtime.store.bump("injected_timeouts")
                await runtime.stall()
            return JSONResponse(record.public())

        return await runtime.exchange(request, handle)

    @app.get("/control")
    async def get_control(request: Request) -> Response:
        async def handle(body: bytes) -> Response:
            refused = runtime.authenticate(request, body)
            return refused if refused is not None else JSONResponse(runtime.behaviour.as_dict())

        return await runtime.exchange(request, handle)

    @app.put("/control")
    async def put_control(request: Request) -> Response:
        async def handle(body: bytes) -> Response:
            refused = runtime.authenticate(request, body)
            if refused is not None:
                return refused
            try:
                update = ControlUpdate.model_validate_json(body)
            except ValidationError as exc:
                return problem(
                    422,
                    "invalid_control",
                    "设置无效",
                    "the control settings are invalid",
                    _validation_errors(exc),
                )
            update.apply(runtime.behaviour)
            return JSONResponse(runtime.behaviour.as_dict())

        return await runtime.exchange(request, handle)

    @app.get("/stats")
    async def stats(request: Request) -> Response:
        async def handle(body: bytes) -> Response:
            refused = runtime.authenticate(request, body)
            return refused if refused is not None else JSONResponse(runtime.stats())

        return await runtime.exchange(request, handle)

    return app
