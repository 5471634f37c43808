"""Input limits of search-style endpoints, each a setting with its own stable code (README "API").

The body size (413 ``PAYLOAD_TOO_LARGE``) and the batch size (400
``BATCH_TOO_LARGE``) are checked where bodies are read; these are the
query's: its length, its number of terms, the page size and how deep pages
go. ``document_limits`` writes the values in force into the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from shared.errors import BadRequest
from shared.settings import Settings
from shared.text.pipeline import query_groups

Groups = list[tuple[str | tuple[str, ...], ...]]


def checked_query(q: str | None, settings: Settings) -> Groups:
    """The query's groups (one per word the engine must match), within the limits."""
    if not q:
        return []
    if len(q) > settings.max_query_chars:
        raise BadRequest(
            f"查询词最长 {settings.max_query_chars} 个字符，收到 {len(q)} 个",
            code="QUERY_TOO_LONG",
            details=[{"limit": settings.max_query_chars}],
        )
    groups = query_groups(q)
    if len(groups) > settings.max_query_terms:
        raise BadRequest(
            f"查询最多 {settings.max_query_terms} 个词，收到 {len(groups)} 个",
            code="TOO_MANY_TERMS",
            details=[{"limit": settings.max_query_terms}],
        )
    return groups


def check_page(page: int, size: int, settings: Settings) -> None:
    if size > settings.max_page_size:
        raise BadRequest(
            f"每页最多 {settings.max_page_size} 条",
            code="PAGE_SIZE_TOO_LARGE",
            details=[{"limit": settings.max_page_size}],
        )
    if page * size > settings.max_result_window:
        raise BadRequest(
            f"最多可翻到第 {settings.max_result_window} 条结果，请缩小查询范围",
            code="PAGE_TOO_DEEP",
            details=[{"limit": settings.max_result_window}],
        )


def document_limits(document: dict[str, Any], settings: Settings) -> None:
    """``q``, ``size`` and ``page`` of every operation get the limits in force as schema bounds."""
    q_note = f"at most {settings.max_query_chars} characters and {settings.max_query_terms} terms"
    bounds = {
        "q": ({"maxLength": settings.max_query_chars}, f"{q_note} (QUERY_TOO_LONG, TOO_MANY_TERMS)"),
        "size": (
            {"maximum": settings.max_page_size},
            f"at most {settings.max_page_size} (PAGE_SIZE_TOO_LARGE)",
        ),
        "page": (
            {"maximum": settings.max_result_window},
            f"page × size at most {settings.max_result_window} (PAGE_TOO_DEEP)",
        ),
    }
    body_note = f"At most {settings.max_body_bytes} bytes (PAYLOAD_TOO_LARGE, 413)."
    batch_note = f" A batch holds at most {settings.max_batch_records} records (BATCH_TOO_LARGE)."
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body is not None and "multipart/form-data" not in body.get(
                "content", {}
            ):  # an upload has its own
                batch = False
                for content in body.get("content", {}).values():
                    schema = content.get("schema", {})
                    for option in schema.get("anyOf", [schema]):
                        if option.get("type") == "array":
                            option["maxItems"] = settings.max_batch_records
                            batch = True
                body["description"] = (body_note + (batch_note if batch else "")).strip()
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                found = bounds.get(parameter.get("name"))
                if found is None or parameter.get("in") != "query":
                    continue
                schema, note = found
                target = parameter.setdefault("schema", {})
                # An optional parameter's schema is anyOf [type, null]: the bound goes on the type.
                for option in target.get("anyOf", [target]):
                    if option.get("type") in ("string", "integer"):
                        option.update(schema)
                parameter["description"] = f"{parameter.get('description', '')} Limit: {note}.".strip()
