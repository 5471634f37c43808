"""HTTP plumbing every service shares: error mapping, body limits, health, metrics.

Errors always answer ``{"error": {"code", "message", "details"}}`` (API.md);
the mapping from exception to status lives here and nowhere else.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import JobmatchError, PayloadTooLarge, UnprocessableBody

log = logging.getLogger(__name__)

REQUESTS = Counter("jobmatch_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("jobmatch_http_request_seconds", "HTTP request latency", ["method", "route"])

_STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_FAILED",
    429: "TOO_MANY_REQUESTS",
    503: "BACKEND_UNAVAILABLE",
}


def error_body(code: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


class ChineseJSONResponse(JSONResponse):
    """JSON with Chinese text as is, not \\u escapes (API.md)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(JobmatchError)
    async def _known(_: Request, exc: JobmatchError) -> JSONResponse:
        return ChineseJSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {
                "field": ".".join(str(p) for p in err["loc"][1:]) or str(err["loc"][0]),
                "code": err["type"],
                "message": err["msg"],
            }
            for err in exc.errors()
        ]
        return ChineseJSONResponse(error_body("VALIDATION_FAILED", "请求参数无效", details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "HTTP_ERROR")
        return ChineseJSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged with its stack here; the caller gets a stable code, never the trace.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return ChineseJSONResponse(error_body("INTERNAL", "服务内部错误"), status_code=500)


def install_metrics(app: FastAPI) -> None:
    @app.middleware("http")
    async def _measure(request: Request, call_next: Callable) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        LATENCY.labels(request.method, path).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        return response


def health_router(ready_checks: Callable[[Request], dict[str, bool]]) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    def readyz(request: Request) -> JSONResponse:
        checks = ready_checks(request)
        ready = all(checks.values())
        return ChineseJSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
        )

    @router.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def read_limited_body(request: Request, limit: int) -> bytes:
    """Read the body, refusing it as soon as it passes ``limit`` bytes (before it is all in memory)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"请求体超过上限 {limit} 字节", details=[{"limit_bytes": limit}])
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"请求体超过上限 {limit} 字节", details=[{"limit_bytes": limit}])
        chunks.append(chunk)
    return b"".join(chunks)


def parse_batch(body: bytes, content_type: str) -> list[Any]:
    """A JSON array (or one object), or NDJSON: one record per line.

    A malformed NDJSON line is a bad record, not a bad batch: it comes back as
    an ``_unparseable`` marker so the caller can reject just that line.
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnprocessableBody("请求体不是有效的 UTF-8 文本", code="MALFORMED_ENCODING") from exc
    if "ndjson" in content_type or "jsonlines" in content_type:
        items: list[Any] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                items.append(UnparseableLine(number, exc.msg))
        return items
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnprocessableBody(
            f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列 ({exc.msg})", code="MALFORMED_JSON"
        ) from exc
    if isinstance(parsed, dict):
        return [parsed]
    if not isinstance(parsed, list):
        raise UnprocessableBody("请求体应为 JSON 数组或对象", code="MALFORMED_JSON")
    return parsed


class UnparseableLine:
    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason
