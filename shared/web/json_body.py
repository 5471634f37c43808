"""Request bodies: which media types a route takes, and a JSON body read the same way on every route.

A batch (``/v1/postings``) and a single object (``/v1/match``) go through the
same checks in the same order, so the same fault answers the same code:
415 ``UNSUPPORTED_MEDIA_TYPE``, 422 ``MALFORMED_ENCODING``, 422
``MALFORMED_JSON``, then 422 ``VALIDATION_FAILED`` with one problem per
field, coded by ``shared.domain.problems`` like a batch record's errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from shared.domain.problems import Problem, problems_from_validation
from shared.errors import InvalidRequest, UnprocessableBody, UnsupportedMediaType
from shared.json_codec import UndecodableJSON, decode_bytes, loads

BodyFormat = Literal["json", "ndjson"]
_NDJSON_TYPES = (
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonlines",
    "application/x-jsonlines",
)

M = TypeVar("M", bound=BaseModel)


def body_format(request: Request, *, ndjson: bool = False) -> BodyFormat:
    """JSON (``application/json`` or ``…+json``) or, where allowed, NDJSON; anything else is 415."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        return "json"
    if ndjson and media_type in _NDJSON_TYPES:
        return "ndjson"
    accepted = "application/json" + (" 或 application/x-ndjson" if ndjson else "")
    raise UnsupportedMediaType(
        f"请求体的 Content-Type 应为 {accepted}，收到「{media_type or '无'}」",
        details=[{"accepted": accepted.split(" 或 ")}],
    )


def body_text(body: bytes) -> str:
    try:
        return decode_bytes(body)
    except UndecodableJSON as exc:
        raise UnprocessableBody(
            f"请求体不是有效的 UTF-8 文本：{exc.reason}", code="MALFORMED_ENCODING"
        ) from exc


def parse_json(text: str) -> Any:
    try:
        return loads(text)
    except UndecodableJSON as exc:
        raise UnprocessableBody(f"JSON 格式错误：{exc.reason}", code="MALFORMED_JSON") from exc


def not_a_body(expected: str) -> InvalidRequest:
    """Valid JSON of the wrong kind (``null``, ``"x"``, ``1``): the same answer on every route."""
    details = [Problem.of("(body)", "WRONG_TYPE", expected).model_dump()]
    return InvalidRequest(f"请求体{expected}", details=details)


def validated_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency that reads the request's JSON body into ``model``."""

    async def read(request: Request) -> M:
        body_format(request)
        data = parse_json(body_text(await request.body()))
        if not isinstance(data, dict):
            raise not_a_body("应为 JSON 对象")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            details = [problem.model_dump() for problem in problems_from_validation(exc)]
            raise InvalidRequest("请求体无效", details=details) from exc

    return read


_DOCUMENTED: dict[str, type[BaseModel]] = {}
"""Models of bodies FastAPI does not see (read by ``validated_body`` or a batch parser), for ``/openapi.json``."""


def body_schema(model: type[BaseModel], *, batch: bool = False) -> dict[str, Any]:
    """The ``openapi_extra`` documenting a body of ``model`` (``batch``: an array of them, or NDJSON lines)."""
    _DOCUMENTED[model.__name__] = model
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    if not batch:
        return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}
    ndjson = {"type": "string", "description": f"one {model.__name__} JSON object per line"}
    content = {
        "application/json": {"schema": {"anyOf": [{"type": "array", "items": ref}, ref]}},
        "application/x-ndjson": {"schema": ndjson},
    }
    return {"requestBody": {"required": True, "content": content}}


def documented_body_schemas() -> dict[str, Any]:
    """Component schemas of every model ``body_schema`` named, and of the models they use."""
    if not _DOCUMENTED:
        return {}
    _, top = models_json_schema(
        [(model, "validation") for model in _DOCUMENTED.values()], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = top.get("$defs", {})
    return schemas
