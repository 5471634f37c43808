"""Problems with what a client sent, and the one table that turns validation failures into stable codes.

Every path that validates input (a batch record, a request body, a query
parameter) reports a failed constraint with the same code and the same
Chinese message: the code is the machine contract, the message is for people.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails


def shown(text: str, limit: int = 40) -> str:
    """What a message may echo of a caller's text: enough to recognise it, never all of a long input."""
    return text if len(text) <= limit else text[:limit] + "…"


class Problem(BaseModel):
    """One thing wrong (an error) or imprecise (a warning) about one field."""

    model_config = ConfigDict(frozen=True)

    field: str
    code: str
    message: str

    @classmethod
    def of(cls, field: str, code: str, message: str) -> Problem:
        return cls(field=field, code=code, message=message)


class FieldProblem(ValueError):
    """Raised by normalisation when a field makes the whole record misleading: the record is rejected."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


# pydantic error type → (stable code, Chinese message; ``{...}`` names come from the error's context).
_VALIDATION_CODES: dict[str, tuple[str, str]] = {
    "missing": ("REQUIRED", "必填"),
    "string_too_short": ("REQUIRED", "不能为空"),
    "string_too_long": ("TOO_LONG", "最多 {max_length} 个字符"),
    "too_long": ("TOO_MANY_ITEMS", "最多 {max_length} 项"),
    "too_short": ("REQUIRED", "至少 {min_length} 项"),
    "string_pattern_mismatch": ("BAD_FORMAT", "格式不正确"),
    "literal_error": ("NOT_ALLOWED", "取值应为{expected}之一"),
    "enum": ("NOT_ALLOWED", "取值应为{expected}之一"),
    "greater_than_equal": ("OUT_OF_RANGE", "不能小于 {ge}"),
    "greater_than": ("OUT_OF_RANGE", "应大于 {gt}"),
    "less_than_equal": ("OUT_OF_RANGE", "不能大于 {le}"),
    "less_than": ("OUT_OF_RANGE", "应小于 {lt}"),
    "finite_number": ("OUT_OF_RANGE", "应为有限的数"),
    "int_parsing_size": ("OUT_OF_RANGE", "数值过大"),
    "string_type": ("WRONG_TYPE", "应为文本"),
    "string_unicode": ("INVALID", "含有无法保存的字符（单独的代理项）"),
    "int_type": ("WRONG_TYPE", "应为整数"),
    "int_parsing": ("WRONG_TYPE", "应为整数"),
    "int_from_float": ("WRONG_TYPE", "应为整数"),
    "float_type": ("WRONG_TYPE", "应为数字"),
    "float_parsing": ("WRONG_TYPE", "应为数字"),
    "bool_type": ("WRONG_TYPE", "应为 true 或 false"),
    "bool_parsing": ("WRONG_TYPE", "应为 true 或 false"),
    "list_type": ("WRONG_TYPE", "应为数组"),
    "dict_type": ("WRONG_TYPE", "应为对象"),
    "model_type": ("WRONG_TYPE", "应为对象"),
    "model_attributes_type": ("WRONG_TYPE", "应为对象"),
    "date_parsing": ("BAD_FORMAT", "日期格式不正确，应如 2026-11-20"),
    "date_from_datetime_parsing": ("BAD_FORMAT", "日期格式不正确，应如 2026-11-20"),
    "datetime_parsing": ("BAD_FORMAT", "时间格式不正确，应如 2026-11-20T09:00:00+08:00"),
    "datetime_from_date_parsing": ("BAD_FORMAT", "时间格式不正确，应如 2026-11-20T09:00:00+08:00"),
    "json_invalid": ("MALFORMED_JSON", "JSON 格式错误"),
    "json_type": ("MALFORMED_JSON", "JSON 格式错误"),
}
# Our own validators raise ValueError with a Chinese sentence: that sentence is the message.
_OWN_MESSAGE = ("value_error", "assertion_error")


def _chinese_list(expected: Any) -> Any:
    """pydantic's "'a', 'b' or 'c'" as 「a、b、c」."""
    if not isinstance(expected, str):
        return expected
    items = [item.strip().strip("'") for item in expected.replace(" or ", ", ").split(",")]
    return "「" + "、".join(item for item in items if item) + "」"


def _message(template: str, context: dict[str, Any] | None) -> str:
    context = dict(context or {})
    if "expected" in context:
        context["expected"] = _chinese_list(context["expected"])
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template.split("{", 1)[0].rstrip("，, ") or template


def problem_from_error(error: ErrorDetails, *, skip_loc: int = 0) -> Problem:
    """One pydantic error as a Problem; ``skip_loc`` drops leading location parts (FastAPI's "body", "query")."""
    field = ".".join(str(part) for part in error["loc"][skip_loc:]) or "(record)"
    kind = error["type"]
    if kind in _OWN_MESSAGE:
        message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return Problem(field=field, code="INVALID", message=message)
    code, template = _VALIDATION_CODES.get(kind, ("INVALID", "取值无效"))
    return Problem(field=field, code=code, message=_message(template, error.get("ctx")))


def problems_from_errors(errors: Iterable[ErrorDetails], *, skip_loc: int = 0) -> list[Problem]:
    return [problem_from_error(error, skip_loc=skip_loc) for error in errors]


def problems_from_validation(exc: ValidationError) -> list[Problem]:
    return problems_from_errors(exc.errors(include_url=False))
