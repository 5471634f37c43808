"""Exceptions → HTTP answers, in one place: every error answers the API's error shape with a stable code."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.domain.problems import problems_from_errors
from shared.errors import BackendUnavailable, JobmatchError
from shared.web.middleware import HTTP_METHODS
from shared.web.responses import ChineseJSONResponse, error_body

log = logging.getLogger(__name__)

# Statuses Starlette raises itself (no route matched, wrong method …) → our codes.
_STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_FAILED",
    429: "TOO_MANY_REQUESTS",
    503: "BACKEND_UNAVAILABLE",
}
_STATUS_MESSAGES = {404: "没有这个地址", 405: "不支持这个请求方法"}


def allowed_methods(request: Request) -> list[str]:
    """The methods some route takes at this path, found by asking each route (Starlette's public matching)."""
    allowed = []
    for method in HTTP_METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def _route_of(request: Request) -> str:
    """The route's template for a log line (``/v1/seekers/{seeker_id}``): a path holds a seeker's id."""
    route = request.scope.get("route")
    return getattr(route, "path", "(unmatched)")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(JobmatchError)
    async def _known(request: Request, exc: JobmatchError) -> JSONResponse:
        message = exc.message
        if isinstance(exc, BackendUnavailable):
            # The adapter's text names hosts and ports: for the operator's log, not for a kiosk.
            log.warning("backend unavailable on %s %s: %s", request.method, _route_of(request), exc.message)
            message = "后端服务暂时不可用，请稍后重试"
        return ChineseJSONResponse(error_body(exc.code, message, exc.details), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI puts where the value came from first ("query", "path", "body"): callers know field names.
        problems = problems_from_errors(exc.errors(), skip_loc=1)
        if any(problem.code == "MALFORMED_JSON" for problem in problems):
            return ChineseJSONResponse(error_body("MALFORMED_JSON", "JSON 格式错误"), status_code=422)
        details = [problem.model_dump() for problem in problems]
        return ChineseJSONResponse(error_body("VALIDATION_FAILED", "请求参数无效", details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "HTTP_ERROR")
        message = _STATUS_MESSAGES.get(exc.status_code, str(exc.detail))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names the methods of the first route whose path matched; a path such as
            # /v1/postings/search matches several routes, so Allow lists what all of them take.
            headers["Allow"] = ", ".join(allowed_methods(request))
        return ChineseJSONResponse(error_body(code, message), status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged with its stack here; the caller gets a stable code, never the trace.
        log.exception("unhandled error on %s %s", request.method, _route_of(request))
        return ChineseJSONResponse(error_body("INTERNAL", "服务内部错误"), status_code=500)
