"""The project's exception tree, mapped to HTTP status in one place (``shared.web.errors``).

Every error carries a stable ``code`` that callers may branch on.
"""

from __future__ import annotations

from typing import Any


class JobmatchError(Exception):
    """Base of every error the services answer with."""

    status = 500
    code = "INTERNAL"

    def __init__(self, message: str, *, details: list[Any] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        if code:
            self.code = code


class BadRequest(JobmatchError):
    status = 400
    code = "BAD_REQUEST"


class NotFound(JobmatchError):
    status = 404
    code = "NOT_FOUND"


class Conflict(JobmatchError):
    """The request clashes with work under way (a sync of a source already running)."""

    status = 409
    code = "CONFLICT"


class UnprocessableBody(JobmatchError):
    status = 422
    code = "MALFORMED_BODY"


class BackendUnavailable(JobmatchError):
    """A search index or event log cannot be reached; the caller may retry."""

    status = 503
    code = "BACKEND_UNAVAILABLE"


class UnsupportedMediaType(JobmatchError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class InvalidRequest(JobmatchError):
    """Parameters or a body that fail validation; ``details`` holds one problem per field."""

    status = 422
    code = "VALIDATION_FAILED"


class Unauthenticated(JobmatchError):
    """No key, or one that is malformed, unknown, wrong or revoked."""

    status = 401
    code = "UNAUTHENTICATED"


class Forbidden(JobmatchError):
    """A valid key whose role, or whose sources, do not cover the request."""

    status = 403
    code = "FORBIDDEN"
