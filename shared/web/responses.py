"""The bodies every service answers with besides its own models: errors, and JSON with Chinese as is.

Errors always have the shape ``{"error": {"code", "message", "details"}}``
(API.md); ``error_responses`` documents it for every status a route can
answer, so each operation's OpenAPI document describes its error bodies too.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from shared.domain.problems import Problem
from shared.json_codec import dumps_bytes


class ChineseJSONResponse(JSONResponse):
    """JSON with Chinese text as is, not \\u escapes (API.md)."""

    def render(self, content: Any) -> bytes:
        return dumps_bytes(content)


def written(answer: BaseModel) -> Response:
    """A route's answer, already validated as its model, written by pydantic's serializer.

    For routes whose answers are large and hot (search, match): FastAPI would validate the model
    again and encode it once more. The route still declares ``response_model`` for the document.
    """
    return Response(answer.model_dump_json(), media_type="application/json")


class ErrorDetail(BaseModel):
    code: str = Field(description="stable: clients branch on it", examples=["UNKNOWN_REGION"])
    message: str = Field(description="for people, in Chinese")
    details: list[Problem | dict[str, Any]] = Field(
        default_factory=list,
        description="one {field, code, message} per invalid field; other errors may add facts such as limit_bytes",
    )


class ErrorResponse(BaseModel):
    error: ErrorDetail


def error_body(code: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    return ErrorResponse(error=ErrorDetail(code=code, message=message, details=details or [])).model_dump(
        mode="json"
    )


_ERROR_DESCRIPTIONS = {
    400: "well-formed but unusable input (UNKNOWN_REGION, UNKNOWN_EDUCATION, BATCH_TOO_LARGE …)",
    401: "no valid API key (UNAUTHENTICATED): send Authorization: Bearer <key> or X-API-Key",
    403: "the key's role or sources do not cover this request (FORBIDDEN)",
    404: "no such record (POSTING_NOT_FOUND, SEEKER_NOT_FOUND)",
    405: "method not allowed; the Allow header lists the allowed ones",
    409: "clashes with work under way (SYNC_ALREADY_RUNNING)",
    413: "body larger than JOBMATCH_MAX_BODY_BYTES (PAYLOAD_TOO_LARGE)",
    415: "body is not JSON or NDJSON (UNSUPPORTED_MEDIA_TYPE)",
    422: "malformed body or parameters (MALFORMED_JSON, MALFORMED_ENCODING, VALIDATION_FAILED)",
    429: "over the key's rate limit (RATE_LIMITED); Retry-After says when to retry",
    500: "unexpected error (INTERNAL); never a stack trace",
    503: "a backend is unreachable (BACKEND_UNAVAILABLE); retry later",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these statuses, each with the error body."""
    return {
        status: {"model": ErrorResponse, "description": _ERROR_DESCRIPTIONS[status]} for status in statuses
    }


# What any /v1 route may answer besides its own 2xx; routes add what their parameters and bodies can cause.
COMMON_ERRORS = error_responses(401, 403, 429, 500, 503)
BODY_ERRORS = error_responses(413, 415, 422)
PARAMETER_ERRORS = error_responses(422)
